import { z } from 'zod';
import { displayName, password, username } from './common.js';
import { user } from './users.js';

export const authMode = z.enum(['password', 'none']);
export type AuthMode = z.infer<typeof authMode>;

/** Public: what the web app needs before anyone has logged in. */
export const authStatus = z.object({
  authMode,
  setupRequired: z.boolean(),
  version: z.string(),
  /** Demo mode: agents talk to a scripted model, not a real LLM. */
  demo: z.boolean(),
});
export type AuthStatus = z.infer<typeof authStatus>;

export const setupRequest = z.strictObject({
  /** The one-time token from the setup URL printed by `hangar serve`. */
  setupToken: z.string().min(1).max(200),
  username,
  password,
  displayName: displayName.optional(),
});
export type SetupRequest = z.infer<typeof setupRequest>;

export const loginRequest = z.strictObject({
  username: z.string().min(1).max(100),
  password: z.string().min(1).max(256),
});
export type LoginRequest = z.infer<typeof loginRequest>;

export const me = z.object({ user, authMode });
export type Me = z.infer<typeof me>;

export const updateMeRequest = z.strictObject({
  displayName: displayName.optional(),
  email: z.email().nullable().optional(),
});

export const changePasswordRequest = z.strictObject({
  currentPassword: z.string().min(1).max(256),
  newPassword: password,
  /** Also revoke every API token of the user (default false: tokens survive the change). */
  revokeTokens: z.boolean().optional(),
});
export type ChangePasswordRequest = z.infer<typeof changePasswordRequest>;
