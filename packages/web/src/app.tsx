import { Link, Route, Routes } from 'react-router-dom';
import { usePageTitle } from './components/hooks';
import { AccountPage } from './features/account/account-page';
import { AuthGate } from './features/auth/auth-gate';
import { InvitePage } from './features/auth/invite-page';
import { LoginPage } from './features/auth/login-page';
import { RequireAdmin, RequireAuth } from './features/auth/require-auth';
import { SetupPage } from './features/auth/setup-page';
import { AppFrame } from './features/frame/app-frame';
import { PeoplePage } from './features/people/people-page';
import { ProvidersPage } from './features/providers/providers-page';
import { UsagePage } from './features/usage/usage-page';
import { WorkspacePage } from './features/workspaces/workspace-page';
import { WorkspacesPage } from './features/workspaces/workspaces-page';

export function App() {
  return (
    <AuthGate>
      <Routes>
        <Route path="/setup" element={<SetupPage />} />
        <Route path="/login" element={<LoginPage />} />
        <Route path="/invite" element={<InvitePage />} />
        <Route
          element={
            <RequireAuth>
              <AppFrame />
            </RequireAuth>
          }
        >
          <Route index element={<WorkspacesPage />} />
          <Route path="workspaces/:id" element={<WorkspacePage />} />
          <Route path="usage" element={<UsagePage />} />
          <Route path="account" element={<AccountPage />} />
          <Route
            path="admin/people"
            element={
              <RequireAdmin>
                <PeoplePage />
              </RequireAdmin>
            }
          />
          <Route
            path="admin/providers"
            element={
              <RequireAdmin>
                <ProvidersPage />
              </RequireAdmin>
            }
          />
          <Route path="*" element={<NotFound />} />
        </Route>
      </Routes>
    </AuthGate>
  );
}

function NotFound() {
  usePageTitle('Not found');
  return (
    <section className="page">
      <h1>Page not found</h1>
      <p>
        There is nothing here. <Link to="/">Go to your workspaces</Link>.
      </p>
    </section>
  );
}
