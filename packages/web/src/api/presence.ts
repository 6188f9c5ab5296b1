import { okResponse } from '@hangar/protocol';
import { apiRequest } from './client';

export function presencePath(workspaceId: string): string {
  return `/api/workspaces/${encodeURIComponent(workspaceId)}/presence`;
}

export function presenceStreamUrl(workspaceId: string, tab: string, panel: string | null): string {
  const params = new URLSearchParams({ tab });
  if (panel) params.set('panel', panel);
  return `${presencePath(workspaceId)}/stream?${params}`;
}

export function sendPresenceHeartbeat(workspaceId: string, tab: string, panel: string | null) {
  return apiRequest(`${presencePath(workspaceId)}/heartbeat`, okResponse, {
    method: 'POST',
    body: { tab, panel },
  });
}
