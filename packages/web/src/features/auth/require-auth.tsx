import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router-dom';
import { useMe } from '../../api/auth';
import { FatalError, Splash } from '../../components/splash';
import { loginPathFor } from './next-path';
import { SessionContext, useIsAdmin } from './session';

/** Renders its children for a logged-in user; sends anyone else to /login, remembering where they were going. */
export function RequireAuth({ children }: { children: ReactNode }) {
  const me = useMe();
  const location = useLocation();

  if (me.isPending) return <Splash />;
  if (me.isError) return <FatalError error={me.error} onRetry={() => void me.refetch()} />;
  if (me.data === null) return <Navigate to={loginPathFor(location)} replace />;
  return <SessionContext.Provider value={me.data}>{children}</SessionContext.Provider>;
}

export function RequireAdmin({ children }: { children: ReactNode }) {
  const isAdmin = useIsAdmin();
  if (!isAdmin) {
    return (
      <section className="page">
        <h1>Admins only</h1>
        <p>This page is for Hangar admins. Ask an admin if you need access.</p>
      </section>
    );
  }
  return children;
}
