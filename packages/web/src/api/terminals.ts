import {
  okResponse,
  terminal,
  terminalList,
  type CreateTerminalRequest,
  type Terminal,
} from '@hangar/protocol';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from './client';
import { terminalKeys } from './keys';
import { workspacePath } from './workspaces';

/** How often to look for terminals other people opened or closed, in milliseconds. */
const REFRESH_MS = 10_000;

export function terminalsPath(workspaceId: string, terminalId?: string): string {
  const base = `${workspacePath(workspaceId)}/terminals`;
  return terminalId === undefined ? base : `${base}/${encodeURIComponent(terminalId)}`;
}

/** The WebSocket a terminal streams over, on this page's origin (the session cookie goes with it). */
export function terminalSocketUrl(workspaceId: string, terminalId: string): string {
  const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${window.location.host}${terminalsPath(workspaceId, terminalId)}/ws`;
}

export function useTerminals(workspaceId: string, enabled: boolean) {
  return useQuery({
    queryKey: terminalKeys.list(workspaceId),
    queryFn: ({ signal }) => apiRequest(terminalsPath(workspaceId), terminalList, { signal }),
    select: (data) => data.terminals,
    enabled,
    refetchInterval: enabled ? REFRESH_MS : false,
  });
}

/** Applies a change to the cached list at once, then asks the server for the real one. */
function useTerminalMutation<V, R>(
  request: (variables: V) => Promise<R>,
  update: (terminals: Terminal[], result: R, variables: V) => Terminal[],
  workspaceId: string,
) {
  const client = useQueryClient();
  const key = terminalKeys.list(workspaceId);
  return useMutation({
    mutationFn: request,
    onSuccess: async (result, variables) => {
      client.setQueryData<{ terminals: Terminal[] }>(key, (data) =>
        data ? { terminals: update(data.terminals, result, variables) } : data,
      );
      await client.invalidateQueries({ queryKey: key });
    },
  });
}

export function useCreateTerminal(workspaceId: string) {
  return useTerminalMutation(
    (body: CreateTerminalRequest) =>
      apiRequest(terminalsPath(workspaceId), terminal, { method: 'POST', body }),
    (terminals, created) => [...terminals.filter((t) => t.id !== created.id), created],
    workspaceId,
  );
}

export function useRenameTerminal(workspaceId: string) {
  return useTerminalMutation(
    ({ terminalId, name }: { terminalId: string; name: string }) =>
      apiRequest(terminalsPath(workspaceId, terminalId), terminal, { method: 'PATCH', body: { name } }),
    (terminals, renamed) => terminals.map((t) => (t.id === renamed.id ? renamed : t)),
    workspaceId,
  );
}

/** Ends the terminal and whatever runs in it, for everyone watching. */
export function useCloseTerminal(workspaceId: string) {
  return useTerminalMutation(
    (terminalId: string) =>
      apiRequest(terminalsPath(workspaceId, terminalId), okResponse, { method: 'DELETE' }),
    (terminals, _ok, terminalId) => terminals.filter((t) => t.id !== terminalId),
    workspaceId,
  );
}
