import { z } from 'zod';
import { id, timestamp } from './common.js';

export const groupName = z
  .string()
  .min(2)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'group name may use lowercase letters, digits, ".", "_" and "-"');

export const group = z.object({
  id,
  name: z.string(),
  description: z.string(),
  memberIds: z.array(id),
  createdAt: timestamp,
});
export type Group = z.infer<typeof group>;
export const groupList = z.object({ groups: z.array(group) });

export const createGroupRequest = z.strictObject({
  name: groupName,
  description: z.string().max(500).default(''),
});
export const updateGroupRequest = z.strictObject({
  name: groupName.optional(),
  description: z.string().max(500).optional(),
});
export const groupMemberParams = z.strictObject({ id, userId: id });
