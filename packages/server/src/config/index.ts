import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import envPaths from 'env-paths';
import { z } from 'zod';
import { defaultStreamsTotal } from './limits.js';
import {
  BUILTIN_FORGES,
  BUILTIN_PROVIDERS,
  BUILTIN_TEMPLATES,
  configSchema,
  envNames,
  type Config,
} from './schema.js';

export {
  type Config,
  type TemplateConfig,
  type ProviderConfig,
  type Price,
  type ForgeConfig,
  type GitGuardrails,
  envNames,
  BUILTIN_TEMPLATES,
  BUILTIN_LIMITS,
} from './schema.js';

/** Raised with one line per bad value, so a person can fix them all at once. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/**
 * Reads configuration once at boot: defaults, then the JSON file named by
 * HANGAR_CONFIG, then environment variables (highest precedence).
 */
export function loadConfig(env: Env = process.env, defaults: Partial<Config> = {}): Config {
  const problems: string[] = [];
  const fromFile = env.HANGAR_CONFIG ? readConfigFile(env.HANGAR_CONFIG, problems) : {};
  const fromEnv: Record<string, string> = {};
  for (const [key, name] of Object.entries(envNames)) {
    const value = env[name];
    if (value !== undefined && value !== '') fromEnv[key] = value;
  }
  const merged: Record<string, unknown> = { ...defaults, ...fromFile, ...fromEnv };
  if (typeof merged.localRepoRoots === 'string')
    merged.localRepoRoots = merged.localRepoRoots.split(':').filter(Boolean);
  if (typeof merged.gitProtectedBranches === 'string')
    merged.gitProtectedBranches = merged.gitProtectedBranches
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean);
  for (const key of ['templates', 'providers', 'pricing', 'forges'] as const) {
    const value = merged[key];
    if (typeof value === 'string') merged[key] = parseJson(value, envNames[key], problems);
  }
  merged.dataDir = resolve(String(merged.dataDir ?? envPaths('hangar', { suffix: '' }).data));
  merged.host ??= '127.0.0.1';
  merged.port ??= 7700;
  merged.auth ??= 'password';
  merged.logLevel ??= 'info';
  merged.databaseUrl ??= `sqlite:${join(String(merged.dataDir), 'hangar.db')}`;
  merged.sandboxUidBase ??= 200_000;
  merged.sandboxUidCount ??= 50_000;
  merged.localRepoRoots ??= [];
  merged.idleStopMinutes ??= 120;
  merged.archiveExpiryDays ??= 30;
  merged.hostDriverMultiUser ??= false;
  merged.defaultTemplate ??= 'default';
  merged.terminalsPerWorkspace ??= 20;
  merged.terminalIdleMinutes ??= 10;
  merged.streamsPerUser ??= 64;
  merged.streamsTotal ??= defaultStreamsTotal();
  merged.workspacesPerUser ??= 20;
  merged.workspaceCreationsPerMinute ??= 10;
  merged.providers = { ...BUILTIN_PROVIDERS, ...(merged.providers as object | undefined) };
  merged.pricing ??= {};
  merged.forges = { ...BUILTIN_FORGES, ...(merged.forges as object | undefined) };
  merged.gitProtectedBranches ??= ['main', 'master'];
  merged.demo ??= false;
  merged.sessionStalledSeconds ??= 300;
  merged.budgetUserMonthlyUsd ??= 0;
  merged.budgetWorkspaceMonthlyUsd ??= 0;
  merged.replicaId ??= generatedReplicaId();
  merged.templates = { ...BUILTIN_TEMPLATES, ...(merged.templates as object | undefined) };

  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(describeIssue(issue, fromEnv, merged));
  }
  if (merged.auth === 'none' && !isLoopback(String(merged.host))) {
    problems.push(
      `${envNames.auth}=none is only allowed when Hangar listens on loopback; ${envNames.host} is "${String(merged.host)}". ` +
        `Use ${envNames.host}=127.0.0.1 or ${envNames.auth}=password.`,
    );
  }
  if (parsed.success && !(parsed.data.defaultTemplate in parsed.data.templates)) {
    problems.push(`${envNames.defaultTemplate}: no template named "${parsed.data.defaultTemplate}"`);
  }
  for (const root of parsed.data?.localRepoRoots ?? []) {
    if (!root.startsWith('/'))
      problems.push(`${envNames.localRepoRoots}: "${root}" must be an absolute path`);
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  return parsed.data;
}

function readConfigFile(path: string, problems: string[]): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
    problems.push(`HANGAR_CONFIG (${path}): must hold a JSON object`);
  } catch (error) {
    problems.push(`HANGAR_CONFIG (${path}): cannot be read as JSON: ${(error as Error).message}`);
  }
  return {};
}

function parseJson(text: string, name: string, problems: string[]): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    problems.push(`${name}: not valid JSON: ${(error as Error).message}`);
    return undefined;
  }
}

function describeIssue(
  issue: z.core.$ZodIssue,
  fromEnv: Record<string, string>,
  merged: Record<string, unknown>,
) {
  const key = String(issue.path[0] ?? '');
  if (issue.code === 'unrecognized_keys') return `config file: unknown keys ${issue.keys.join(', ')}`;
  const name = key in envNames ? envNames[key as keyof Config] : key;
  const where = key in fromEnv ? name : `${name} (config file "${issue.path.join('.')}")`;
  const got = JSON.stringify(merged[key]) ?? 'nothing';
  return `${where}: ${issue.message} (got ${got.length > 80 ? `${got.slice(0, 77)}...` : got})`;
}

/**
 * `replica-` and 8 random hex digits: unique per process, and telling nothing of the host (it is
 * shown by the public /api/ready); set HANGAR_REPLICA_ID (a pod's name, say) for a readable one.
 */
function generatedReplicaId(): string {
  return `replica-${randomBytes(4).toString('hex')}`;
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}
