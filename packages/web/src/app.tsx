import { lazy, Suspense, type ReactNode } from 'react';
import { Link, Route, Routes } from 'react-router-dom';
import { PageErrorBoundary } from './components/error-boundary';
import { usePageTitle } from './components/hooks';
import { LoadingState } from './components/states';
import { AuthGate } from './features/auth/auth-gate';
import { LoginPage } from './features/auth/login-page';
import { RequireAdmin, RequireAuth } from './features/auth/require-auth';
import { SetupPage } from './features/auth/setup-page';
import { AppFrame } from './features/frame/app-frame';
import { GlobalKeys } from './features/frame/global-keys';
import { WorkspacesPage } from './features/workspaces/workspaces-page';

// The home page and the way in load with the app; every other page loads when first visited.
const WorkspacePage = lazy(() =>
  import('./features/workspaces/workspace-page').then((m) => ({ default: m.WorkspacePage })),
);
const UsagePage = lazy(() => import('./features/usage/usage-page').then((m) => ({ default: m.UsagePage })));
const AccountPage = lazy(() =>
  import('./features/account/account-page').then((m) => ({ default: m.AccountPage })),
);
const PeoplePage = lazy(() =>
  import('./features/people/people-page').then((m) => ({ default: m.PeoplePage })),
);
const ProvidersPage = lazy(() =>
  import('./features/providers/providers-page').then((m) => ({ default: m.ProvidersPage })),
);
const InvitePage = lazy(() => import('./features/auth/invite-page').then((m) => ({ default: m.InvitePage })));

function Page({ children }: { children: ReactNode }) {
  return (
    <PageErrorBoundary>
      <Suspense fallback={<LoadingState label="Loading…" />}>{children}</Suspense>
    </PageErrorBoundary>
  );
}

export function App() {
  return (
    <AuthGate>
      <Routes>
        <Route path="/setup" element={<SetupPage />} />
        <Route path="/login" element={<LoginPage />} />
        <Route
          path="/invite"
          element={
            <Page>
              <InvitePage />
            </Page>
          }
        />
        <Route
          element={
            <RequireAuth>
              <AppFrame />
              <GlobalKeys />
            </RequireAuth>
          }
        >
          <Route index element={<WorkspacesPage />} />
          <Route
            path="workspaces/:id"
            element={
              <Page>
                <WorkspacePage />
              </Page>
            }
          />
          <Route
            path="usage"
            element={
              <Page>
                <UsagePage />
              </Page>
            }
          />
          <Route
            path="account"
            element={
              <Page>
                <AccountPage />
              </Page>
            }
          />
          <Route
            path="admin/people"
            element={
              <RequireAdmin>
                <Page>
                  <PeoplePage />
                </Page>
              </RequireAdmin>
            }
          />
          <Route
            path="admin/providers"
            element={
              <RequireAdmin>
                <Page>
                  <ProvidersPage />
                </Page>
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
