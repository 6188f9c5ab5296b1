import { z } from 'zod';

const portNumber = z.coerce
  .number({ message: 'must be a number' })
  .int('must be a whole number')
  .min(0, 'must be between 0 and 65535')
  .max(65535, 'must be between 0 and 65535');

/** Keys as they appear in the config file (camelCase); env vars map onto them. */
export const configSchema = z.strictObject({
  dataDir: z.string().min(1, 'must not be empty'),
  host: z.string().min(1, 'must not be empty'),
  port: portNumber,
  databaseUrl: z
    .string()
    .refine((v) => /^(sqlite:|postgres(ql)?:\/\/)/.test(v), 'must start with sqlite: or postgres://'),
  auth: z.enum(['password', 'none'], { message: 'must be "password" or "none"' }),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    message: 'must be one of fatal, error, warn, info, debug, trace, silent',
  }),
  /** The address people use to reach Hangar, when behind a proxy; used for links and the Origin check. */
  publicUrl: z.url({ message: 'must be a URL such as https://hangar.example.com' }).optional(),
  /** Directory of the built web app; empty when none is served. */
  webDir: z.string().optional(),
});
export type Config = z.infer<typeof configSchema>;

/** Environment variable of each key, for messages and the README table. */
export const envNames: Record<keyof Config, string> = {
  dataDir: 'HANGAR_DATA_DIR',
  host: 'HANGAR_HOST',
  port: 'HANGAR_PORT',
  databaseUrl: 'HANGAR_DATABASE_URL',
  auth: 'HANGAR_AUTH',
  logLevel: 'HANGAR_LOG_LEVEL',
  publicUrl: 'HANGAR_PUBLIC_URL',
  webDir: 'HANGAR_WEB_DIR',
};
