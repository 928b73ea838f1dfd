import { Component, type ComponentChildren } from 'preact';
import type { Load } from '../api';

/** An empty state: said plainly, never a blank area. */
export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}

/** What to show while a load is not `ok`. */
export function LoadState<T>({ load, what }: { load: Load<T>; what: string }) {
  switch (load.state) {
    case 'loading':
      return <p class="muted">Loading {what}…</p>;
    case 'missing':
      return <Empty>No data yet: this daemon does not serve {what} (yet).</Empty>;
    case 'unauthorized':
      return <LoggedOut />;
    case 'error':
      return (
        <p class="error" role="alert">
          Could not load {what}: {load.message}
        </p>
      );
    default:
      return null;
  }
}

/** Shown when the session is missing or expired. */
export function LoggedOut() {
  return (
    <section class="logged-out" aria-labelledby="h-login">
      <h1 id="h-login">Not logged in</h1>
      <p>
        Run <code>vigil dashboard</code> in a terminal and open the link it prints. Links work once, for 10
        minutes; sessions end when the daemon restarts.
      </p>
    </section>
  );
}

/** Keeps one section's failure (an unexpected data shape) from blanking the whole page. */
export class Guard extends Component<
  { what: string; children: ComponentChildren },
  { error: string | null }
> {
  override state = { error: null as string | null };
  override componentDidCatch(err: unknown) {
    this.setState({ error: String(err) });
  }
  override render() {
    if (this.state.error)
      return (
        <p class="error" role="alert">
          The {this.props.what} could not be shown: {this.state.error}
        </p>
      );
    return this.props.children;
  }
}

/** `v` if it is an array, else an empty one (data from a daemon of another version). */
export function arr<T>(v: T[] | null | undefined): T[] {
  return Array.isArray(v) ? v : [];
}
