import { z } from 'zod';
import { displayName, id, password, role, timestamp, username } from './common.js';

export const invitation = z.object({
  id,
  email: z.string().nullable(),
  role,
  createdBy: id.nullable(),
  createdAt: timestamp,
  expiresAt: timestamp,
  usedAt: timestamp.nullable(),
  revoked: z.boolean(),
});
export type Invitation = z.infer<typeof invitation>;
export const invitationList = z.object({ invitations: z.array(invitation) });

export const createInvitationRequest = z.strictObject({
  email: z.email().optional(),
  role: role.default('member'),
  /** Hours until the link expires. */
  expiresInHours: z
    .number()
    .int()
    .min(1)
    .max(24 * 30)
    .default(72),
});
/** The link is in this response only. */
export const createdInvitation = z.object({ invitation, token: z.string(), url: z.string() });

export const invitationTokenQuery = z.strictObject({ token: z.string().min(1).max(200) });
export const invitationPreview = z.object({ role, email: z.string().nullable(), expiresAt: timestamp });

export const acceptInvitationRequest = z.strictObject({
  token: z.string().min(1).max(200),
  username,
  password,
  displayName: displayName.optional(),
});
export type AcceptInvitationRequest = z.infer<typeof acceptInvitationRequest>;
