import { z } from 'zod';
import { displayName, id, password, role, timestamp, username } from './common.js';

export const user = z.object({
  id,
  username: z.string(),
  displayName: z.string(),
  email: z.string().nullable(),
  role,
  disabled: z.boolean(),
  locked: z.boolean(),
  createdAt: timestamp,
});
export type User = z.infer<typeof user>;

export const userList = z.object({ users: z.array(user) });

export const createUserRequest = z.strictObject({
  username,
  password,
  displayName: displayName.optional(),
  email: z.email().optional(),
  role: role.default('member'),
});
export type CreateUserRequest = z.input<typeof createUserRequest>;

export const updateUserRequest = z.strictObject({
  displayName: displayName.optional(),
  email: z.email().nullable().optional(),
  role: role.optional(),
  disabled: z.boolean().optional(),
});
export type UpdateUserRequest = z.infer<typeof updateUserRequest>;

export const loginAttempt = z.object({
  id,
  username: z.string(),
  userId: id.nullable(),
  address: z.string(),
  outcome: z.enum(['success', 'bad_credentials', 'throttled', 'locked', 'disabled']),
  createdAt: timestamp,
});
export type LoginAttempt = z.infer<typeof loginAttempt>;
export const loginAttemptList = z.object({ attempts: z.array(loginAttempt) });

/** What any signed-in user may know of the others: enough to add them to a workspace. */
export const directoryEntry = z.object({ id, username: z.string(), displayName: z.string() });
export const userDirectory = z.object({ users: z.array(directoryEntry) });
