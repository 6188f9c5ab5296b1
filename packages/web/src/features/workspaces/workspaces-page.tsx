import { usePageTitle } from '../../components/hooks';
import { useSession } from '../auth/session';

/** Placeholder until workspaces land; the rest of the app links here as home. */
export function WorkspacesPage() {
  usePageTitle('Workspaces');
  const { user } = useSession();
  return (
    <section className="page">
      <h1>Workspaces</h1>
      <div className="card empty-state">
        <h2>Workspaces arrive soon</h2>
        <p>
          Welcome, {user.displayName}. Workspaces, where agents work on your repositories, arrive soon.
          Meanwhile you can manage your account and API tokens.
        </p>
      </div>
    </section>
  );
}
