import { z } from 'zod';

/**
 * Every error the API returns has this shape. `id` is stable and safe to
 * branch on; `message` is for people and says what to fix.
 */
export const errorBody = z.object({
  error: z.object({
    id: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
    /** Seconds until the request may be retried (throttling). */
    retryAfter: z.number().int().nonnegative().optional(),
  }),
});
export type ErrorBody = z.infer<typeof errorBody>;
