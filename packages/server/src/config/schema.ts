import { networkPolicy } from '@hangar/protocol';
import { z } from 'zod';

const portNumber = z.coerce
  .number({ message: 'must be a number' })
  .int('must be a whole number')
  .min(0, 'must be between 0 and 65535')
  .max(65535, 'must be between 0 and 65535');

const DISK_BYTES_RULE =
  'limits.diskBytes must be a whole number of bytes: 0 (no cap) or at least 1048576 (1 MiB)';

const limitsSchema = z.strictObject({
  processes: z.number().int().min(16).optional(),
  openFiles: z.number().int().min(64).optional(),
  fileSizeBytes: z
    .number()
    .int()
    .min(1024 * 1024)
    .optional(),
  memoryBytes: z
    .number()
    .int()
    .min(64 * 1024 * 1024)
    .optional(),
  cpus: z.number().positive().optional(),
  /**
   * Disk cap of a workspace's files and home, in bytes: a soft cap the server
   * checks by measuring (see services/workspaces/disk-cap.ts); 0 for none.
   */
  diskBytes: z
    .number({ message: DISK_BYTES_RULE })
    .int(DISK_BYTES_RULE)
    .refine((n) => n === 0 || n >= 1024 * 1024, DISK_BYTES_RULE)
    .optional(),
});

/** What Hangar's git API may do to a workspace's remote; everything off when omitted. */
export const gitGuardrailsSchema = z.strictObject({
  allowForcePush: z.boolean().default(false),
  /** Pushes to the remote's default branch and to protected branches. */
  allowProtectedPush: z.boolean().default(false),
  allowRemoteBranchDelete: z.boolean().default(false),
  /** Protected besides the server's list (`*` matches any suffix: `release/*`). */
  protectedBranches: z.array(z.string().min(1)).default([]),
});
export type GitGuardrails = z.infer<typeof gitGuardrailsSchema>;

/** A code host's API, for pull requests; keyed by the host of remote URLs. */
export const forgeSchema = z.strictObject({
  kind: z.enum(['github', 'gitlab'], { message: 'kind must be github or gitlab' }),
  /** GitHub: https://api.github.com or https://ghe.example.com/api/v3; GitLab: https://gitlab.example.com/api/v4. */
  apiUrl: z.url({ message: 'apiUrl must be a URL' }),
});
export type ForgeConfig = z.infer<typeof forgeSchema>;

/** A workspace template: how its sandbox is made. Defined in the config file. */
export const templateSchema = z
  .strictObject({
    driver: z.enum(['bubblewrap', 'podman', 'host'], {
      message: 'driver must be bubblewrap, podman or host',
    }),
    description: z.string().default(''),
    /** podman: a local image name (nothing is pulled). */
    image: z.string().optional(),
    /** podman: a root file system directory. */
    rootfs: z.string().optional(),
    /** Shell script run once inside the sandbox after the workspace is created. */
    setupScript: z.string().optional(),
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string()).default({}),
    network: networkPolicy.default('hangar'),
    limits: limitsSchema.default({}),
    /** Models this template's sandboxes may call through the LLM proxy (`*` matches any suffix); all when omitted. */
    models: z.array(z.string().min(1)).optional(),
    /** Guardrails of the git API (push, force, remote branch deletion). */
    git: gitGuardrailsSchema.optional(),
    /**
     * Network `full`: IPv4 ranges routed nowhere inside the sandbox, besides
     * link-local (always), e.g. the host's own address or the office network.
     */
    blockedNetworks: z
      .array(z.cidrv4({ message: 'each entry must be an IPv4 range such as 10.0.0.0/8' }))
      .optional(),
  })
  // Whether the driver has a network of its own is checked where drivers are known (TemplateCatalog).
  .refine((t) => !t.blockedNetworks || t.network === 'full', {
    message: 'blockedNetworks applies to network "full" with driver bubblewrap or podman',
    path: ['blockedNetworks'],
  });
export type TemplateConfig = z.infer<typeof templateSchema>;

const positiveList = z.array(z.string().min(1));

/** An LLM provider the proxy forwards to. */
export const providerSchema = z.strictObject({
  kind: z.enum(['anthropic', 'openai', 'gemini'], { message: 'kind must be anthropic, openai or gemini' }),
  baseUrl: z.url({ message: 'baseUrl must be a URL' }),
  label: z.string().optional(),
  /** Environment variable with the key, read at start (a key set through the admin API wins). */
  keyEnv: z.string().optional(),
  /** An OpenAI-compatible server that needs no key (Ollama, vLLM). */
  keyless: z.boolean().default(false),
});
export type ProviderConfig = z.infer<typeof providerSchema>;

/** US dollars per million tokens. */
export const priceSchema = z.strictObject({
  input: z.number().min(0),
  output: z.number().min(0),
  cacheRead: z.number().min(0).optional(),
  cacheWrite: z.number().min(0).optional(),
});
export type Price = z.infer<typeof priceSchema>;

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
  /** First host uid given to workspace sandboxes; each workspace gets its own. */
  sandboxUidBase: z.coerce
    .number()
    .int()
    .min(1000, 'must be at least 1000')
    .max(2 ** 31 - 100_000),
  sandboxUidCount: z.coerce.number().int().min(1).max(1_000_000),
  /** Directories under which local repositories may be opened as workspaces (git worktrees). */
  localRepoRoots: positiveList,
  /** Minutes without activity before a running workspace stops; 0 never. */
  idleStopMinutes: z.coerce.number().int().min(0, 'must be 0 (never) or more'),
  /** Days after which an archived workspace's worktree is removed (its branch stays); 0 never. */
  archiveExpiryDays: z.coerce.number().int().min(0, 'must be 0 (never) or more'),
  templates: z.record(
    z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'template names use a-z, 0-9 and -'),
    templateSchema,
  ),
  defaultTemplate: z.string().min(1),
  /** Terminals one workspace may have open at once. */
  terminalsPerWorkspace: z.coerce.number().int().min(1).max(200),
  /** Minutes a terminal without viewers stays attached on the server (it keeps running in tmux either way). */
  terminalIdleMinutes: z.coerce.number().min(0),
  /** Long-lived streams (server-sent events, terminal WebSockets) one user may hold open at once. */
  streamsPerUser: z.coerce.number().int().min(1, 'must be at least 1'),
  /** Long-lived streams of all users together; default half the process's open-file limit (see limits.ts). */
  streamsTotal: z.coerce.number().int().min(1, 'must be at least 1'),
  /** Workspaces (any state but archived) one user may have created; 0 for no cap. */
  workspacesPerUser: z.coerce.number().int().min(0, 'must be 0 (no cap) or more'),
  /** Workspaces one user may create per minute; 0 for no pace. */
  workspaceCreationsPerMinute: z.coerce.number().int().min(0, 'must be 0 (no pace) or more'),
  /** LLM providers by name; built in: anthropic, openai, gemini. */
  providers: z.record(
    z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'provider names use a-z, 0-9 and -'),
    providerSchema,
  ),
  /** Prices by model (`*` matches any suffix; the longest match wins), over the built-in table. */
  pricing: z.record(z.string().min(1), priceSchema),
  /** Monthly LLM budget of each user and of each workspace, in US dollars; 0 for none (per-subject budgets via the API). */
  budgetUserMonthlyUsd: z.coerce.number().min(0),
  budgetWorkspaceMonthlyUsd: z.coerce.number().min(0),
  /** Seconds an agent may work without any event before its session is flagged stalled. */
  sessionStalledSeconds: z.coerce.number().min(1),
  /** Code hosts by remote host (`github.com`, `gitlab.example.com:8443`); built in: github.com, gitlab.com. */
  forges: z.record(z.string().regex(/^[a-z0-9.-]+(:[0-9]+)?$/, 'forge keys are hosts'), forgeSchema),
  /** Remote branches the git API never pushes to unless a template allows it (`*` matches any suffix). */
  gitProtectedBranches: positiveList,
  /** Demo mode (`hangar serve --demo`): the LLM providers are Hangar's scripted demo model. */
  demo: z
    .union([z.boolean(), z.enum(['true', 'false', '1', '0'])])
    .transform((v) => v === true || v === 'true' || v === '1'),
  /** Allow host-driver workspaces although several accounts exist (they are not isolated). */
  hostDriverMultiUser: z
    .union([z.boolean(), z.enum(['true', 'false', '1', '0'])])
    .transform((v) => v === true || v === 'true' || v === '1'),
  /**
   * This replica's name among the servers sharing one PostgreSQL database, in logs, `/api/ready`
   * and the leader lease; generated at start (`replica-` and random hex digits) when not set.
   */
  replicaId: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'use 1 to 63 of A-Z, a-z, 0-9, ".", "_" and "-"'),
  /**
   * A file holding the secret key (32 bytes, or 64 hex digits, or their base64), e.g. a mounted
   * Kubernetes Secret; replicas on one database must share it. Default `<data dir>/secret.key`.
   */
  secretKeyFile: z
    .string()
    .refine((v) => v.startsWith('/'), 'must be an absolute path')
    .optional(),
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
  sandboxUidBase: 'HANGAR_SANDBOX_UID_BASE',
  sandboxUidCount: 'HANGAR_SANDBOX_UID_COUNT',
  localRepoRoots: 'HANGAR_LOCAL_REPO_ROOTS',
  idleStopMinutes: 'HANGAR_IDLE_STOP_MINUTES',
  archiveExpiryDays: 'HANGAR_ARCHIVE_EXPIRY_DAYS',
  templates: 'HANGAR_TEMPLATES',
  defaultTemplate: 'HANGAR_DEFAULT_TEMPLATE',
  hostDriverMultiUser: 'HANGAR_HOST_DRIVER_MULTI_USER',
  terminalsPerWorkspace: 'HANGAR_TERMINALS_PER_WORKSPACE',
  terminalIdleMinutes: 'HANGAR_TERMINAL_IDLE_MINUTES',
  streamsPerUser: 'HANGAR_STREAMS_PER_USER',
  streamsTotal: 'HANGAR_STREAMS_TOTAL',
  workspacesPerUser: 'HANGAR_WORKSPACES_PER_USER',
  workspaceCreationsPerMinute: 'HANGAR_WORKSPACE_CREATIONS_PER_MINUTE',
  providers: 'HANGAR_PROVIDERS',
  demo: 'HANGAR_DEMO',
  sessionStalledSeconds: 'HANGAR_SESSION_STALLED_SECONDS',
  pricing: 'HANGAR_PRICING',
  budgetUserMonthlyUsd: 'HANGAR_BUDGET_USER_MONTHLY_USD',
  budgetWorkspaceMonthlyUsd: 'HANGAR_BUDGET_WORKSPACE_MONTHLY_USD',
  forges: 'HANGAR_FORGES',
  gitProtectedBranches: 'HANGAR_GIT_PROTECTED_BRANCHES',
  replicaId: 'HANGAR_REPLICA_ID',
  secretKeyFile: 'HANGAR_SECRET_KEY_FILE',
};

/**
 * Limits of the built-in templates, sized so that one workspace cannot take a
 * small host (2 cores, 24 GB) from everyone else: a runaway agent is killed
 * past 4 GiB and gets 1.5 cores, leaving the server and other workspaces room.
 * Memory and CPU are enforced only where the driver can (its
 * `enforcedLimits`: bubblewrap needs root, and cgroup v1 controllers or a
 * delegated cgroup v2); where it cannot, they are not applied, the server
 * says so at start, and the template still works. The disk cap is the
 * server's own, on every driver.
 */
export const BUILTIN_LIMITS = {
  processes: 2048,
  openFiles: 4096,
  /** Largest single file. */
  fileSizeBytes: 8 * 1024 ** 3,
  memoryBytes: 4 * 1024 ** 3,
  cpus: 1.5,
  /** A workspace holding more (files and home, as measured) is stopped and cannot start. */
  diskBytes: 20 * 1024 ** 3,
} as const satisfies TemplateConfig['limits'];

/** Templates every server has; the config file may redefine or add to them. */
export const BUILTIN_TEMPLATES: Record<string, TemplateConfig> = {
  default: {
    driver: 'bubblewrap',
    description:
      'An isolated sandbox. Programs in it can reach Hangar (so agents can use their models), but not the internet.',
    env: {},
    network: 'hangar',
    limits: { ...BUILTIN_LIMITS },
  },
  container: {
    driver: 'podman',
    description:
      'A Debian container. Programs in it can reach Hangar, but not the internet. An admin sets it up once before it can be used.',
    rootfs: '/var/cache/hangar/rootfs-bookworm',
    env: {},
    network: 'hangar',
    limits: { ...BUILTIN_LIMITS },
  },
  offline: {
    driver: 'bubblewrap',
    description:
      'An isolated sandbox with no network at all. Nothing in it can reach the internet or Hangar, so agents cannot work here.',
    env: {},
    network: 'none',
    limits: { ...BUILTIN_LIMITS },
  },
};

export const BUILTIN_FORGES: Record<string, ForgeConfig> = {
  'github.com': { kind: 'github', apiUrl: 'https://api.github.com' },
  'gitlab.com': { kind: 'gitlab', apiUrl: 'https://gitlab.com/api/v4' },
};

export const BUILTIN_PROVIDERS: Record<string, ProviderConfig> = {
  anthropic: {
    kind: 'anthropic',
    baseUrl: 'https://api.anthropic.com',
    label: 'Anthropic',
    keyEnv: 'ANTHROPIC_API_KEY',
    keyless: false,
  },
  openai: {
    kind: 'openai',
    baseUrl: 'https://api.openai.com',
    label: 'OpenAI',
    keyEnv: 'OPENAI_API_KEY',
    keyless: false,
  },
  gemini: {
    kind: 'gemini',
    baseUrl: 'https://generativelanguage.googleapis.com',
    label: 'Google Gemini',
    keyEnv: 'GEMINI_API_KEY',
    keyless: false,
  },
};
