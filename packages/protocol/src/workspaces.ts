import { z } from 'zod';
import { id, timestamp } from './common.js';

export const workspaceName = z
  .string()
  .min(1, 'name the workspace')
  .max(40, 'a workspace name may have at most 40 characters')
  .regex(
    /^[a-z0-9][a-z0-9-]*$/,
    'a workspace name may use lowercase letters, digits and "-", and must start with a letter or digit',
  );

export const workspaceState = z.enum(['creating', 'running', 'stopped', 'archived', 'error', 'deleting']);
export type WorkspaceState = z.infer<typeof workspaceState>;

export const workspaceRole = z.enum(['owner', 'editor', 'viewer']);
export type WorkspaceRole = z.infer<typeof workspaceRole>;

export const networkPolicy = z.enum(['none', 'hangar', 'full']);
export type NetworkPolicy = z.infer<typeof networkPolicy>;

const gitRef = z
  .string()
  .min(1)
  .max(200)
  .regex(/^(?!-)[A-Za-z0-9._/-]+$/, 'a branch may use letters, digits, ".", "_", "/" and "-"');

/** Where a workspace's files come from. */
export const workspaceSource = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('empty') }),
  z.strictObject({
    type: z.literal('git'),
    url: z
      .string()
      .min(1)
      .max(2000)
      .regex(
        /^(https?:\/\/|ssh:\/\/|git:\/\/|file:\/\/|[\w.-]+@[\w.-]+:)/,
        'must be a git URL (https://, ssh://, git@host:…)',
      ),
    branch: gitRef.optional(),
  }),
  z.strictObject({
    type: z.literal('local'),
    /** A repository under one of the admin-configured roots; becomes a worktree on branch hangar/<name>. */
    path: z.string().min(1).max(4000),
    /** Where the new branch starts; default HEAD. */
    baseRef: gitRef.optional(),
  }),
]);
export type WorkspaceSource = z.infer<typeof workspaceSource>;

export const workspaceMember = z.object({
  userId: id,
  username: z.string(),
  displayName: z.string(),
  role: workspaceRole,
});
export type WorkspaceMember = z.infer<typeof workspaceMember>;

export const workspace = z.object({
  id,
  name: z.string(),
  state: workspaceState,
  /**
   * In state `error`: what went wrong; in state `stopped`, why Hangar stopped
   * it (over its disk cap, say); in words a person can act on.
   */
  error: z.string().nullable(),
  template: z.string(),
  driver: z.string(),
  /** False for the host driver: processes run unconfined as the server's user. */
  isolated: z.boolean(),
  network: networkPolicy,
  source: workspaceSource,
  /** The branch a local-repository workspace works on. */
  branch: z.string().nullable(),
  members: z.array(workspaceMember),
  /** The caller's role; admins who are not members see `null`. */
  myRole: workspaceRole.nullable(),
  /** Bytes used by the workspace's files and home, as last measured. */
  diskBytes: z.number().int().nonnegative().nullable(),
  createdAt: timestamp,
  updatedAt: timestamp,
  lastActiveAt: timestamp,
});
export type Workspace = z.infer<typeof workspace>;

export const workspaceList = z.object({
  workspaces: z.array(workspace),
  /** Sum of diskBytes over the listed workspaces. */
  totalDiskBytes: z.number().int().nonnegative(),
});

export const workspaceListQuery = z.strictObject({
  state: workspaceState.optional(),
  /** User id or username of the owner. */
  owner: z.string().max(100).optional(),
  /** Text found in the name. */
  q: z.string().max(100).optional(),
});

export const createWorkspaceRequest = z.strictObject({
  name: workspaceName,
  source: workspaceSource.default({ type: 'empty' }),
  /** Template name from GET /api/templates; the server's default when omitted. */
  template: z.string().min(1).max(64).optional(),
});
export type CreateWorkspaceRequest = z.input<typeof createWorkspaceRequest>;

export const renameWorkspaceRequest = z.strictObject({ name: workspaceName });

export const deleteWorkspaceRequest = z.strictObject({
  /** Must repeat the workspace's name, so nothing is deleted by accident. */
  confirm: z.string().max(100),
});

export const workspaceMemberParams = z.strictObject({ id, userId: id });
export const setMemberRequest = z.strictObject({ role: workspaceRole });

/** A string that can become a process argument or environment value: no NUL byte. */
const processString = (max: number) =>
  z
    .string()
    .max(max)
    .refine((s) => !s.includes('\0'), 'must not contain a NUL byte');

export const execRequest = z.strictObject({
  command: z.array(processString(100_000)).min(1).max(1000),
  cwd: processString(4000).optional(),
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), processString(100_000)).optional(),
  /** Milliseconds before the command is killed. */
  timeoutMs: z.number().int().min(1).max(3_600_000).default(60_000),
});
export const execResult = z.object({
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  stdout: z.string(),
  stderr: z.string(),
  /** True when output beyond the cap was dropped. */
  truncated: z.boolean(),
  durationMs: z.number(),
});
export type ExecResult = z.infer<typeof execResult>;

export const template = z.object({
  name: z.string(),
  description: z.string(),
  driver: z.string(),
  isolated: z.boolean(),
  network: networkPolicy,
  /** Why the template cannot be used on this server now, if it cannot. */
  unavailable: z.string().nullable(),
});
export type Template = z.infer<typeof template>;
export const templateList = z.object({
  templates: z.array(template),
  defaultTemplate: z.string(),
  /** Whether an admin configured roots for local repositories (HANGAR_LOCAL_REPO_ROOTS): the `local` source needs one. */
  localRepositories: z.boolean().default(false),
});

export const createWorkspaceQuery = z.strictObject({
  /** Answer once the workspace is running or failed, instead of at once. */
  wait: z
    .enum(['true', 'false', '1', '0'])
    .transform((v) => v === 'true' || v === '1')
    .optional(),
});
