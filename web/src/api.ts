import { useEffect, useState } from 'preact/hooks';

/** Result of a read: data, or why there is none (the view decides how to say it). */
export type Load<T> =
  | { state: 'loading' }
  | { state: 'ok'; data: T }
  | { state: 'missing' } // the route does not exist in this daemon yet
  | { state: 'unauthorized' }
  | { state: 'error'; message: string };

/** GETs JSON from the API with the session cookie. Never throws. */
export async function getJson<T>(path: string): Promise<Load<T>> {
  let res: Response;
  try {
    res = await fetch(path, { credentials: 'same-origin', headers: { accept: 'application/json' } });
  } catch {
    return { state: 'error', message: 'the daemon does not answer (stopped?)' };
  }
  if (res.status === 401) return { state: 'unauthorized' };
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    // not JSON
  }
  const err = (body as { error?: { code?: string; message?: string } } | null)?.error;
  if (res.status === 404 && err?.code === 'NOT_FOUND') return { state: 'missing' };
  if (!res.ok) return { state: 'error', message: err?.message ?? `HTTP ${res.status}` };
  return { state: 'ok', data: body as T };
}

/** POSTs to the API (a button's action); returns an error message or null. */
export async function post(path: string): Promise<string | null> {
  try {
    const res = await fetch(path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    if (res.ok) return null;
    const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
    return body?.error?.message ?? `HTTP ${res.status}`;
  } catch {
    return 'the daemon does not answer';
  }
}

/** Loads `path` and reloads it whenever `version` changes (keeps the old data while reloading). */
export function useLoad<T>(path: string | null, version = 0): Load<T> {
  const [v, setV] = useState<Load<T>>({ state: 'loading' });
  useEffect(() => {
    if (path === null) return;
    let live = true;
    void getJson<T>(path).then((r) => {
      if (live) setV(r);
    });
    return () => {
      live = false;
    };
  }, [path, version]);
  return v;
}

export type StreamHandlers = {
  event?: (data: unknown) => void;
  sample?: (data: unknown) => void;
  log?: (data: unknown) => void;
};

/** Subscribes to the daemon's SSE stream while mounted; the browser reconnects by itself. */
export function useStream(query: string, handlers: StreamHandlers): boolean {
  const [connected, setConnected] = useState(false);
  useEffect(() => {
    const es = new EventSource(`/api/v1/stream${query}`);
    es.onopen = () => setConnected(true);
    es.onerror = () => setConnected(false);
    for (const name of ['event', 'sample', 'log'] as const) {
      const h = handlers[name];
      if (!h) continue;
      es.addEventListener(name, (e) => {
        try {
          h(JSON.parse((e as MessageEvent<string>).data));
        } catch {
          // a malformed message is skipped, never fatal
        }
      });
    }
    return () => es.close();
    // Handlers are read once per subscription: callers pass callbacks that only call state setters.
  }, [query]);
  return connected;
}
