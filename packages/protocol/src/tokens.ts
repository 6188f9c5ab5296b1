import { z } from 'zod';
import { id, timestamp } from './common.js';

export const apiToken = z.object({
  id,
  name: z.string(),
  /** First characters of the secret, to tell tokens apart. */
  prefix: z.string(),
  createdAt: timestamp,
  expiresAt: timestamp.nullable(),
  lastUsedAt: timestamp.nullable(),
});
export type ApiToken = z.infer<typeof apiToken>;
export const apiTokenList = z.object({ tokens: z.array(apiToken) });

export const createTokenRequest = z.strictObject({
  name: z.string().trim().min(1, 'name the token').max(80),
  /** Days until the token expires; omit for a token that never expires. */
  expiresInDays: z.number().int().min(1).max(3650).optional(),
});
export type CreateTokenRequest = z.infer<typeof createTokenRequest>;

/** The secret is in this response only; Hangar keeps a hash. */
export const createdToken = z.object({ token: apiToken, secret: z.string() });
export type CreatedToken = z.infer<typeof createdToken>;
