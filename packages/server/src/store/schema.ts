/**
 * Row types of every table. Timestamps are ISO-8601 text (UTC, millisecond
 * precision) in both dialects, so they compare correctly as strings.
 */
export interface UsersTable {
  id: string;
  username: string;
  display_name: string;
  email: string | null;
  role: 'admin' | 'member';
  /** argon2id hash; null for the built-in user of HANGAR_AUTH=none. */
  password_hash: string | null;
  created_at: string;
  updated_at: string;
  disabled_at: string | null;
  /** Set when failed logins reached the lock-out threshold; cleared by an admin. */
  locked_at: string | null;
  /** Failed logins before this instant no longer count (an admin unlocked the account). */
  login_cleared_at: string | null;
}

export interface SessionsTable {
  /** SHA-256 of the cookie secret; the secret itself is never stored. */
  id: string;
  user_id: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  address: string;
  user_agent: string;
}

export interface ApiTokensTable {
  id: string;
  user_id: string;
  name: string;
  prefix: string;
  secret_hash: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface GroupsTable {
  id: string;
  name: string;
  description: string;
  created_at: string;
}

export interface GroupMembersTable {
  group_id: string;
  user_id: string;
  added_at: string;
}

export interface InvitationsTable {
  id: string;
  token_hash: string;
  email: string | null;
  role: 'admin' | 'member';
  created_by: string | null;
  created_at: string;
  expires_at: string;
  used_at: string | null;
  used_by: string | null;
  revoked_at: string | null;
}

export type LoginOutcome = 'success' | 'bad_credentials' | 'throttled' | 'locked' | 'disabled';

export interface LoginAttemptsTable {
  id: string;
  /** As typed (lowercased), whether or not such a user exists. */
  username: string;
  user_id: string | null;
  address: string;
  outcome: LoginOutcome;
  created_at: string;
}

export type WorkspaceStateColumn = 'creating' | 'running' | 'stopped' | 'archived' | 'error' | 'deleting';

export interface WorkspacesTable {
  id: string;
  name: string;
  state: WorkspaceStateColumn;
  /** What went wrong, for state `error`. */
  error: string | null;
  template: string;
  driver: string;
  network: 'none' | 'hangar' | 'full';
  /** JSON of the protocol's WorkspaceSource. */
  source: string;
  /** Branch of a local-repository worktree (hangar/<name>). */
  branch: string | null;
  /** Host uid (and gid) the sandbox runs as. */
  uid: number;
  created_by: string | null;
  created_at: string;
  updated_at: string;
  last_active_at: string;
  /** When the files were made ready (cloned, checked out); null until then. */
  prepared_at: string | null;
  archived_at: string | null;
  /** When an archived workspace's worktree was removed after the expiry time. */
  files_expired_at: string | null;
  /** bigint: PostgreSQL returns it as a string. */
  disk_bytes: number | string | null;
  disk_measured_at: string | null;
  /** Counts sandbox starts; the workspace token names its generation. */
  token_generation: number;
  /** 1 while the current generation's token is valid (the sandbox runs). */
  token_active: number;
}

export interface WorkspaceMembersTable {
  workspace_id: string;
  user_id: string;
  role: 'owner' | 'editor' | 'viewer';
  added_at: string;
}

export interface TerminalsTable {
  id: string;
  workspace_id: string;
  name: string;
  /** JSON array of the command, or null for a login shell. */
  command: string | null;
  state: 'running' | 'exited';
  exit_code: number | null;
  cols: number;
  rows: number;
  created_by: string | null;
  created_at: string;
}

export interface LlmCallsTable {
  id: string;
  workspace_id: string | null;
  session_id: string | null;
  user_id: string | null;
  /** The configured provider name (anthropic, openai, gemini, or a named upstream). */
  provider: string;
  api: string;
  model: string;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  /** US dollars, from the pricing table at the time of the call. */
  cost_usd: number;
  status: number;
  error: string | null;
  streamed: number;
  /** Milliseconds to the first response byte, and to the end. */
  first_byte_ms: number | null;
  duration_ms: number;
  created_at: string;
}

export interface ProviderKeysTable {
  provider: string;
  /** AES-256-GCM of the key under the data dir's secret key: iv.tag.ciphertext, base64url. */
  sealed: string;
  updated_by: string | null;
  updated_at: string;
}

export interface BudgetsTable {
  /** 'user' or 'workspace'. */
  scope: string;
  subject_id: string;
  monthly_usd: number;
  updated_at: string;
}

export interface AgentSessionsTable {
  id: string;
  workspace_id: string;
  /** The adapter: claude-code, codex, pi, gemini. */
  agent: string;
  model: string;
  status: 'starting' | 'working' | 'awaiting_approval' | 'idle' | 'error' | 'stopped';
  title: string;
  permission_mode: string;
  /** The agent CLI's own session or thread id, for its resume. */
  agent_session_id: string | null;
  error: string | null;
  created_by: string | null;
  /** Who started the session or sent the message it works on: its model calls are charged to them. */
  acting_user_id: string | null;
  created_at: string;
  updated_at: string;
  last_event_at: string;
}

export interface SessionEventsTable {
  session_id: string;
  /** 1, 2, 3… per session: the SSE event id. */
  seq: number;
  at: string;
  type: string;
  /** The whole AG-UI event as JSON. */
  data: string;
}

export interface GitCredentialsTable {
  id: string;
  user_id: string;
  /** `github.com`, `gitlab.example.com:8443`: where the token is sent, and nowhere else. */
  host: string;
  username: string;
  label: string;
  /** AES-256-GCM of the token under the data dir's secret key: iv.tag.ciphertext, base64url. */
  sealed: string;
  created_at: string;
  last_used_at: string | null;
}

/** A singleton's lease (services/cluster/leader.ts); `expires_at` is ms by the database's clock. */
export interface ClusterLeasesTable {
  name: string;
  holder: string;
  expires_at: number | string;
  acquired_at: string;
}

export interface ClusterFactsTable {
  name: string;
  value: string;
}

export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  groups: GroupsTable;
  group_members: GroupMembersTable;
  invitations: InvitationsTable;
  login_attempts: LoginAttemptsTable;
  workspaces: WorkspacesTable;
  workspace_members: WorkspaceMembersTable;
  terminals: TerminalsTable;
  llm_calls: LlmCallsTable;
  provider_keys: ProviderKeysTable;
  budgets: BudgetsTable;
  agent_sessions: AgentSessionsTable;
  session_events: SessionEventsTable;
  git_credentials: GitCredentialsTable;
  cluster_leases: ClusterLeasesTable;
  cluster_facts: ClusterFactsTable;
}
