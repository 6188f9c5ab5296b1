import { z } from 'zod';

/** Opaque identifiers are URL-safe strings. */
export const id = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'must be an id');
export const idParams = z.strictObject({ id });

/** ISO-8601 timestamps on the wire. */
export const timestamp = z.string();

export const username = z
  .string()
  .min(2, 'username needs at least 2 characters')
  .max(39, 'username may have at most 39 characters')
  .regex(
    /^[a-z0-9][a-z0-9._-]*$/,
    'username may use lowercase letters, digits, ".", "_" and "-", and must start with a letter or digit',
  );

export const password = z
  .string()
  .min(10, 'password needs at least 10 characters')
  .max(256, 'password may have at most 256 characters');

export const displayName = z.string().trim().min(1).max(80);

export const role = z.enum(['admin', 'member']);
export type Role = z.infer<typeof role>;

export const okResponse = z.object({ ok: z.literal(true) });
