import {
  createdInvitation,
  invitationList,
  invitationPreview,
  me,
  type AcceptInvitationRequest,
  type Role,
} from '@hangar/protocol';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiRequest, ignoreBody } from './client';
import { startSession } from './auth';
import { resourceKeys } from './keys';

export function useInvitations() {
  return useQuery({
    queryKey: resourceKeys.invitations,
    queryFn: ({ signal }) => apiRequest('/api/invitations', invitationList, { signal }),
    select: (data) => data.invitations,
  });
}

export interface CreateInvitationInput {
  role: Role;
  email?: string;
  expiresInHours: number;
}

export function useCreateInvitation() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateInvitationInput) =>
      apiRequest('/api/invitations', createdInvitation, { method: 'POST', body }),
    onSuccess: () => client.invalidateQueries({ queryKey: resourceKeys.invitations }),
  });
}

export function useRevokeInvitation() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) =>
      apiRequest(`/api/invitations/${encodeURIComponent(id)}`, ignoreBody, { method: 'DELETE' }),
    onSuccess: () => client.invalidateQueries({ queryKey: resourceKeys.invitations }),
  });
}

/** Public: what the invitation grants, before the invitee creates an account. */
export function useInvitationPreview(token: string) {
  return useQuery({
    queryKey: ['invitation-preview', token],
    queryFn: ({ signal }) =>
      apiRequest(`/api/invitations/preview?token=${encodeURIComponent(token)}`, invitationPreview, {
        signal,
      }),
    enabled: token !== '',
    staleTime: Infinity,
  });
}

export function useAcceptInvitation() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: AcceptInvitationRequest) =>
      apiRequest('/api/invitations/accept', me, { method: 'POST', body }),
    onSuccess: (session) => startSession(client, session),
  });
}
