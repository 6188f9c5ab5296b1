import { useNavigate } from 'react-router-dom';
import { useLogout } from '../../api/auth';
import { errorMessage } from '../../components/alert';
import { useSession } from '../auth/session';

/**
 * Who is logged in, and the way out. Kept visible rather than in a dropdown:
 * it is two items, and it stays one tap away on a phone.
 */
export function UserMenu() {
  const { user, authMode } = useSession();
  const logout = useLogout();
  const navigate = useNavigate();

  async function logOut(): Promise<void> {
    try {
      await logout.mutateAsync();
    } catch {
      return; // shown below from logout.error
    }
    // Straight to /login, before the frame notices the session is gone and
    // redirects there with ?next= pointing back at this page.
    await navigate('/login', { replace: true });
  }

  return (
    <div className="user-menu" role="group" aria-label="User menu">
      <span className="user-name" title={user.username}>
        {user.displayName}
        {user.role === 'admin' ? <span className="badge">admin</span> : null}
      </span>
      {/* With authentication off there is no session to end. */}
      {authMode === 'password' ? (
        <button
          type="button"
          className="button button-small"
          disabled={logout.isPending}
          onClick={() => void logOut()}
        >
          Log out
        </button>
      ) : null}
      {logout.isError ? (
        <span role="alert" className="field-error">
          {errorMessage(logout.error)}
        </span>
      ) : null}
    </div>
  );
}
