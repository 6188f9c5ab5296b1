import { Link, NavLink, Outlet, useMatch } from 'react-router-dom';
import { useAuthStatus } from '../../api/auth';
import { useIsAdmin } from '../auth/session';
import { openCommandPalette } from './global-keys';
import { NotificationBell } from '../notifications/notification-bell';
import { UserMenu } from './user-menu';

function navClass({ isActive }: { isActive: boolean }): string {
  return isActive ? 'nav-link active' : 'nav-link';
}

/** Header, navigation and footer around every page of the logged-in app. */
export function AppFrame() {
  const isAdmin = useIsAdmin();
  const status = useAuthStatus().data;
  const version = status?.version;
  // A workspace's page belongs under "Workspaces" too, though its path is not "/".
  const inWorkspace = useMatch('/workspaces/*') !== null;
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/" className="brand">
          Hangar
        </Link>
        <nav aria-label="Main" className="nav">
          <NavLink to="/" end className={({ isActive }) => navClass({ isActive: isActive || inWorkspace })}>
            Workspaces
          </NavLink>
          <NavLink to="/usage" className={navClass}>
            Usage
          </NavLink>
          <NavLink to="/account" className={navClass}>
            Account
          </NavLink>
          {isAdmin ? (
            <>
              <NavLink to="/admin/people" className={navClass}>
                People
              </NavLink>
              <NavLink to="/admin/providers" className={navClass}>
                Providers
              </NavLink>
            </>
          ) : null}
        </nav>
        <button
          type="button"
          className="button button-small palette-button"
          aria-keyshortcuts="Control+K Meta+K"
          onClick={openCommandPalette}
        >
          Search <kbd aria-hidden="true">Ctrl K</kbd>
        </button>
        <NotificationBell />
        <UserMenu />
      </header>
      {status?.demo && (
        <p className="demo-banner" role="note">
          Demo mode: agents talk to Hangar&rsquo;s scripted demo model, not a real LLM.
        </p>
      )}
      <main id="main" className="content" tabIndex={-1}>
        <Outlet />
      </main>
      <footer className="footer muted small">Hangar{version ? ` ${version}` : ''}</footer>
    </div>
  );
}
