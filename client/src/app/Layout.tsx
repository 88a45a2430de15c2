import { Suspense, useEffect, useRef } from 'react';
import { Navigate, NavLink, Outlet, useLocation, useNavigate, useNavigation } from 'react-router';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { Loading } from '../components/DataState.tsx';
import { useLogout, useMe } from '../features/auth/api/auth.ts';
import { DemoBanner } from '../features/auth/components/DemoBanner.tsx';
import { useOpenIncidentCount } from '../features/incidents/api/incidents.ts';
import { SocketProvider, useRealtimeStatus } from './socket-provider.tsx';

const NAV = [
  { to: '/', label: 'Overview', end: true },
  { to: '/events', label: 'Live events' },
  { to: '/deliveries', label: 'Deliveries' },
  { to: '/users', label: 'Users' },
  { to: '/drift', label: 'Drift' },
  { to: '/incidents', label: 'Incidents' },
  { to: '/audit', label: 'Audit' },
];

/** The number of open incidents next to "Incidents"; part of the link's name ("Incidents 2 open"). */
function OpenIncidentsBadge() {
  const open = useOpenIncidentCount();
  if (!open.data) return null;
  return (
    <span className="badge badge--bad nav-badge">
      {open.data}
      <span className="visually-hidden"> open</span>
    </span>
  );
}

const STATUS_TEXT = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  unauthorized: 'Not connected',
} as const;

function LiveIndicator() {
  const status = useRealtimeStatus();
  return (
    <span className={`live-indicator live-indicator--${status}`} role="status" aria-live="polite">
      <span className="live-indicator__dot" aria-hidden="true" />
      {STATUS_TEXT[status]}
    </span>
  );
}

/** The signed-in shell: navigation, who is signed in, sign out, the demo banner, live connection. */
export function Layout() {
  const me = useMe();
  const location = useLocation();
  const navigation = useNavigation();
  const navigate = useNavigate();
  const logout = useLogout();
  const logoutAll = useLogout(true);
  const mainRef = useRef<HTMLElement>(null);
  const firstPath = useRef(true);

  // a new page: move focus to its content so keyboard and screen-reader users start there (not on filters)
  useEffect(() => {
    if (firstPath.current) {
      firstPath.current = false;
      return;
    }
    mainRef.current?.focus({ preventScroll: true });
  }, [location.pathname]);

  if (me.isPending) return <Loading label="Checking your session…" />;
  if (me.error && !me.data) {
    return (
      <main className="page" id="main">
        <ErrorMessage error={me.error} title="Could not reach the server" onRetry={() => void me.refetch()} />
      </main>
    );
  }
  if (!me.data) {
    // signed out on purpose: plain sign-in page; session lost: come back here after signing in
    const next = location.pathname + location.search;
    const to = logout.status !== 'idle' || logoutAll.status !== 'idle' || next === '/' ? '/sign-in' : `/sign-in?next=${encodeURIComponent(next)}`;
    return <Navigate to={to} replace />;
  }

  return (
    <SocketProvider>
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <DemoBanner />
      <header className="topbar">
        <div className="topbar__brand">Clerk Sync Monitor</div>
        <nav aria-label="Main" className="topbar__nav">
          <ul>
            {[...NAV, ...(me.data.role === 'admin' ? [{ to: '/admin', label: 'Admin', end: false }] : [])].map((item) => (
              <li key={item.to}>
                <NavLink to={item.to} end={item.end} className="nav-link">
                  {item.label}
                  {item.to === '/incidents' && <OpenIncidentsBadge />}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="topbar__side">
          <LiveIndicator />
          <span className="topbar__user" title={`Signed in as ${me.data.email} (${me.data.role})`}>
            <span className="visually-hidden">Signed in as </span>
            {me.data.email} <span className="badge badge--neutral">{me.data.role}</span>
          </span>
          <button
            type="button"
            className="button button--small"
            disabled={logout.isPending}
            onClick={() => logout.mutate(undefined, { onSettled: () => navigate('/sign-in', { replace: true }) })}
          >
            Sign out
          </button>
          <details className="user-menu">
            <summary className="button button--small">Account</summary>
            <div className="user-menu__panel">
              <p className="small">Signed in on other browsers or devices too? End every session of this account at once.</p>
              <button
                type="button"
                className="button button--small"
                disabled={logoutAll.isPending}
                onClick={() => logoutAll.mutate(undefined, { onSettled: () => navigate('/sign-in', { replace: true }) })}
              >
                Sign out everywhere
              </button>
            </div>
          </details>
        </div>
      </header>
      <main id="main" ref={mainRef} className="page" tabIndex={-1} aria-busy={navigation.state === 'loading'}>
        {navigation.state === 'loading' && <div className="route-progress" aria-hidden="true" />}
        <Suspense fallback={<Loading />}>
          <Outlet />
        </Suspense>
      </main>
    </SocketProvider>
  );
}
