import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { Alerts } from './views/Alerts';
import { Overview } from './views/Overview';
import { Service } from './views/Service';
import { Guard } from './views/common';
import './style.css';

function route(path: string) {
  const m = /^\/services\/([^/]+)\/?$/.exec(path);
  if (m) return { view: 'service' as const, name: decodeURIComponent(m[1]!) };
  if (path === '/alerts') return { view: 'alerts' as const };
  return { view: 'overview' as const };
}

function App() {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const onPop = () => setPath(location.pathname);
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);
  const go = (p: string) => {
    history.pushState(null, '', p);
    setPath(p);
    scrollTo(0, 0);
  };
  const r = route(path);
  useEffect(() => {
    document.title =
      r.view === 'service' ? `${r.name} — Vigil` : r.view === 'alerts' ? 'Alerts — Vigil' : 'Vigil';
    document.getElementById('main')?.focus();
  }, [path]);
  const link = (to: string, label: string) => (
    <a
      href={to}
      aria-current={path === to ? 'page' : undefined}
      onClick={(e) => {
        e.preventDefault();
        go(to);
      }}
    >
      {label}
    </a>
  );
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand" aria-hidden="true">
          ◉ Vigil
        </span>
        <nav aria-label="main">
          {link('/', 'Services')}
          {link('/alerts', 'Alerts')}
        </nav>
        <form method="post" action="/logout" class="logout">
          <button type="submit">Log out</button>
        </form>
      </header>
      <main id="main" tabIndex={-1}>
        <Guard what="page" key={path}>
          {r.view === 'service' ? (
            <Service key={r.name} name={r.name} />
          ) : r.view === 'alerts' ? (
            <Alerts />
          ) : (
            <Overview go={go} />
          )}
        </Guard>
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
