import { Suspense, useEffect, useRef, useState } from 'react';
import { Link, Navigate, NavLink, Outlet, useLocation, useNavigate, useNavigation } from 'react-router';
import { LiveBanner } from '../components/LiveBanner.tsx';
import { useLiveStatus } from '../lib/live-status.ts';
import { setTimeZone, useTimeZone } from '../lib/time.ts';
import { ChangePasswordPage } from '../features/auth/components/ChangePasswordPage.tsx';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { Loading } from '../components/DataState.tsx';
import { useLogout, useMe } from '../features/auth/api/auth.ts';
import { DemoBanner } from '../features/auth/components/DemoBanner.tsx';
import { useOpenIncidentCount } from '../features/incidents/api/incidents.ts';
import { SocketProvider, useRealtimeStatus } from './socket-provider.tsx';

const NAV = [
  { to: '/', label: 'Overview', end: true },
  { to: '/events', label: 'Live events' },
  { to: '/failures', label: 'Failures' },
  { to: '/deliveries', label: 'Deliveries' },
  { to: '/users', label: 'Users' },
  { to: '/organizations', label: 'Organizations' },
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

/** Connected and nothing wrong: green; connected but something is wrong right now: amber, and it says so. */
function LiveIndicator() {
  const status = useRealtimeStatus();
  const problems = useLiveStatus().data?.problems.length ?? 0;
  const degraded = status === 'live' && problems > 0;
  return (
    <span
      className={`live-indicator live-indicator--${degraded ? 'degraded' : status}`}
      role="status"
      aria-live="polite"
    >
      <span className="live-indicator__dot" aria-hidden="true" />
      {degraded ? `Live · ${problems} problem${problems === 1 ? '' : 's'}` : STATUS_TEXT[status]}
    </span>
  );
}

function ZoneToggle() {
  const zone = useTimeZone();
  return (
    <button
      type="button"
      className="button button--small button--toggle"
      aria-pressed={zone === 'UTC'}
      title="Show times in UTC instead of your browser's time zone"
      onClick={() => setTimeZone(zone === 'UTC' ? 'local' : 'UTC')}
    >
      UTC
    </button>
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
  const zone = useTimeZone();
  const [menu, setMenu] = useState<{ open: boolean; path: string }>({ open: false, path: '' });
  // the collapsed menu closes when a page is chosen
  const menuOpen = menu.open && menu.path === location.pathname;
  const setMenuOpen = (toggle: (open: boolean) => boolean) =>
    setMenu({ open: toggle(menuOpen), path: location.pathname });

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
    const to =
      logout.status !== 'idle' || logoutAll.status !== 'idle' || next === '/'
        ? '/sign-in'
        : `/sign-in?next=${encodeURIComponent(next)}`;
    return <Navigate to={to} replace />;
  }

  if (me.data.mustChangePassword) {
    // a one-time password opens nothing else (the server refuses every other request meanwhile)
    return (
      <main id="main" className="page">
        <ChangePasswordPage />
      </main>
    );
  }

  return (
    <SocketProvider>
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <DemoBanner />
      <header className="topbar">
        <div className="topbar__brand">Clerk Sync Monitor</div>
        <button
          type="button"
          className="button button--small topbar__menu"
          aria-expanded={menuOpen}
          aria-controls="main-nav"
          onClick={() => setMenuOpen((o) => !o)}
        >
          Menu
        </button>
        <nav aria-label="Main" id="main-nav" className={`topbar__nav${menuOpen ? ' topbar__nav--open' : ''}`}>
          <ul>
            {[...NAV, ...(me.data.role === 'admin' ? [{ to: '/admin', label: 'Admin', end: false }] : [])].map(
              (item) => (
                <li key={item.to}>
                  <NavLink to={item.to} end={item.end} className="nav-link">
                    {item.label}
                    {item.to === '/incidents' && <OpenIncidentsBadge />}
                  </NavLink>
                </li>
              ),
            )}
          </ul>
        </nav>
        <div className="topbar__side">
          <LiveIndicator />
          <ZoneToggle />
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
              <p>
                <Link to="/account/password">Change your password</Link>
              </p>
              <p className="small">
                Signed in on other browsers or devices too? End every session of this account at once.
              </p>
              <button
                type="button"
                className="button button--small"
                disabled={logoutAll.isPending}
                onClick={() =>
                  logoutAll.mutate(undefined, { onSettled: () => navigate('/sign-in', { replace: true }) })
                }
              >
                Sign out everywhere
              </button>
            </div>
          </details>
        </div>
      </header>
      <LiveBanner />
      <main id="main" ref={mainRef} className="page" tabIndex={-1} aria-busy={navigation.state === 'loading'}>
        {navigation.state === 'loading' && <div className="route-progress" aria-hidden="true" />}
        {/* keyed by the time zone: every time on the page is shown again in the other zone */}
        <Suspense fallback={<Loading />} key={zone}>
          <Outlet />
        </Suspense>
      </main>
    </SocketProvider>
  );
}
