import type { Me } from '@hangar/protocol';
import { createContext, useContext } from 'react';

/** The logged-in user, provided by RequireAuth to everything inside the app frame. */
export const SessionContext = createContext<Me | null>(null);

export function useSession(): Me {
  const session = useContext(SessionContext);
  if (session === null) throw new Error('useSession() used outside RequireAuth');
  return session;
}

export function useIsAdmin(): boolean {
  return useSession().user.role === 'admin';
}
