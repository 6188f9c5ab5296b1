import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router-dom';
import { useAuthStatus } from '../../api/auth';
import { FatalError, Splash } from '../../components/splash';

/**
 * First thing the app asks: is there an admin yet? Until there is, every
 * path leads to /setup; afterwards /setup leads home.
 */
export function AuthGate({ children }: { children: ReactNode }) {
  const status = useAuthStatus();
  const { pathname } = useLocation();

  if (status.isPending) return <Splash />;
  if (status.isError) return <FatalError error={status.error} onRetry={() => void status.refetch()} />;

  const onSetup = pathname === '/setup';
  if (status.data.setupRequired && !onSetup) return <Navigate to="/setup" replace />;
  if (!status.data.setupRequired && onSetup) return <Navigate to="/" replace />;
  return children;
}
