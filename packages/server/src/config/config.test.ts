import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './index.js';
import { defaultStreamsTotal, openFilesLimit } from './limits.js';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('config', () => {
  it('has embedded defaults: loopback, port 7700, password auth, SQLite in the data dir', () => {
    const config = loadConfig({ HANGAR_DATA_DIR: '/srv/hangar' });
    expect(config).toMatchObject({ host: '127.0.0.1', port: 7700, auth: 'password', dataDir: '/srv/hangar' });
    expect(config.databaseUrl).toBe('sqlite:/srv/hangar/hangar.db');
  });

  it('names every bad value with what to fix', () => {
    const found = problems({ HANGAR_PORT: 'abc', HANGAR_AUTH: 'maybe', HANGAR_DATABASE_URL: 'mysql://x' });
    expect(found).toHaveLength(3);
    expect(found.find((p) => p.startsWith('HANGAR_PORT'))).toContain('must be a number');
    expect(found.find((p) => p.startsWith('HANGAR_AUTH'))).toContain('"password" or "none"');
    expect(found.find((p) => p.startsWith('HANGAR_DATABASE_URL'))).toContain('postgres://');
    expect(problems({ HANGAR_PORT: '70000' })[0]).toContain('between 0 and 65535');
  });

  it('refuses HANGAR_AUTH=none unless bound to loopback', () => {
    expect(problems({ HANGAR_AUTH: 'none', HANGAR_HOST: '0.0.0.0' })[0]).toContain(
      'only allowed when Hangar listens on loopback',
    );
    expect(problems({ HANGAR_AUTH: 'none', HANGAR_HOST: '::1' })).toEqual([]);
    expect(problems({ HANGAR_AUTH: 'none', HANGAR_HOST: 'localhost' })).toEqual([]);
  });

  it('reads a JSON config file, with the environment taking precedence', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hangar-config-'));
    const file = join(dir, 'hangar.json');
    writeFileSync(file, JSON.stringify({ port: 8080, host: '0.0.0.0', logLevel: 'warn' }));
    const config = loadConfig({ HANGAR_CONFIG: file, HANGAR_PORT: '9090' });
    expect(config).toMatchObject({ port: 9090, host: '0.0.0.0', logLevel: 'warn' });
    writeFileSync(file, JSON.stringify({ prot: 1 }));
    expect(problems({ HANGAR_CONFIG: file })[0]).toContain('unknown keys prot');
    writeFileSync(file, '{ nope');
    expect(problems({ HANGAR_CONFIG: file })[0]).toContain('cannot be read as JSON');
  });

  it('reads forges, protected branches and template git guardrails', () => {
    const config = loadConfig({
      HANGAR_FORGES: JSON.stringify({
        'ghe.example.com': { kind: 'github', apiUrl: 'https://ghe.example.com/api/v3' },
      }),
      HANGAR_GIT_PROTECTED_BRANCHES: 'main, release/*',
      HANGAR_TEMPLATES: JSON.stringify({ t: { driver: 'bubblewrap', git: { allowForcePush: true } } }),
    });
    expect(config.forges['github.com']).toEqual({ kind: 'github', apiUrl: 'https://api.github.com' });
    expect(config.forges['ghe.example.com']?.apiUrl).toBe('https://ghe.example.com/api/v3');
    expect(config.gitProtectedBranches).toEqual(['main', 'release/*']);
    expect(config.templates.t?.git).toEqual({
      allowForcePush: true,
      allowProtectedPush: false,
      allowRemoteBranchDelete: false,
      protectedBranches: [],
    });
    expect(loadConfig({}).gitProtectedBranches).toEqual(['main', 'master']);
    expect(
      problems({ HANGAR_FORGES: JSON.stringify({ 'x.com': { kind: 'gitea', apiUrl: 'https://x.com' } }) })[0],
    ).toContain('kind must be github or gitlab');
  });

  it('reads blockedNetworks of a network full template, and refuses it anywhere else or malformed', () => {
    const templates = (t: object) => ({ HANGAR_TEMPLATES: JSON.stringify({ t }) });
    const full = { driver: 'bubblewrap', network: 'full' };
    const config = loadConfig(templates({ ...full, blockedNetworks: ['10.0.0.0/8', '192.0.2.2/32'] }));
    expect(config.templates.t?.blockedNetworks).toEqual(['10.0.0.0/8', '192.0.2.2/32']);
    expect(problems(templates({ ...full, blockedNetworks: ['10.0.0.0'] }))[0]).toContain(
      'each entry must be an IPv4 range such as 10.0.0.0/8',
    );
    // Whether the driver has a network of its own is the template catalog's check (templates.test.ts).
    expect(
      problems(templates({ driver: 'bubblewrap', network: 'hangar', blockedNetworks: ['10.0.0.0/8'] }))[0],
    ).toContain('blockedNetworks applies to network "full" with driver bubblewrap or podman');
  });

  it('gives every built-in template memory, CPU, process, open-file, file-size and disk limits', () => {
    const { templates } = loadConfig({});
    for (const name of ['default', 'offline', 'container']) {
      expect(templates[name]?.limits, name).toEqual({
        processes: 2048,
        openFiles: 4096,
        fileSizeBytes: 8 * 1024 ** 3,
        memoryBytes: 4 * 1024 ** 3,
        cpus: 1.5,
        diskBytes: 20 * 1024 ** 3,
      });
    }
  });

  it('takes a template disk cap of 0 (none) or at least 1 MiB, and names a bad one', () => {
    const limits = (diskBytes: unknown) => ({
      HANGAR_TEMPLATES: JSON.stringify({ t: { driver: 'host', limits: { diskBytes } } }),
    });
    expect(loadConfig(limits(0)).templates.t?.limits.diskBytes).toBe(0);
    expect(loadConfig(limits(1024 ** 2)).templates.t?.limits.diskBytes).toBe(1024 ** 2);
    for (const bad of [-1, 1000, 1024 ** 2 + 0.5, '20G']) {
      const found = problems(limits(bad));
      expect(found, String(bad)).toHaveLength(1);
      expect(found[0], String(bad)).toMatch(
        /^HANGAR_TEMPLATES: limits\.diskBytes must be a whole number of bytes: 0 \(no cap\) or at least 1048576 \(1 MiB\)/,
      );
    }
  });

  it('caps streams per user and in total, and workspaces per user and per minute, by default', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      streamsPerUser: 64,
      workspacesPerUser: 20,
      workspaceCreationsPerMinute: 10,
    });
    expect(config.streamsTotal).toBe(defaultStreamsTotal());
    expect(
      loadConfig({
        HANGAR_STREAMS_PER_USER: '3',
        HANGAR_STREAMS_TOTAL: '5',
        HANGAR_WORKSPACES_PER_USER: '0',
      }),
    ).toMatchObject({ streamsPerUser: 3, streamsTotal: 5, workspacesPerUser: 0 });
    expect(problems({ HANGAR_STREAMS_PER_USER: '0' })[0]).toContain(
      'HANGAR_STREAMS_PER_USER: must be at least 1',
    );
    expect(problems({ HANGAR_WORKSPACES_PER_USER: '-1' })[0]).toContain('must be 0 (no cap) or more');
  });

  it('derives the total stream cap from the open-file limit, leaving half the descriptors', () => {
    const limits = (soft: string) =>
      `Limit                     Soft Limit           Hard Limit           Units\nMax open files            ${soft}                20000                files\n`;
    expect(openFilesLimit(limits('20000'))).toBe(20000);
    expect(defaultStreamsTotal(openFilesLimit(limits('20000')))).toBe(10000);
    expect(defaultStreamsTotal(openFilesLimit(limits('1024')))).toBe(512);
    expect(openFilesLimit('no such line')).toBe(1024);
    expect(defaultStreamsTotal(openFilesLimit(limits('unlimited')))).toBe(500_000);
  });

  it('names the replica (HANGAR_REPLICA_ID, else generated per load) and takes a shared key file', () => {
    const [one, two] = [loadConfig({}), loadConfig({})];
    expect(one.replicaId).toMatch(/^replica-[0-9a-f]{8}$/);
    expect(two.replicaId).not.toBe(one.replicaId);
    expect(one.secretKeyFile).toBeUndefined();
    expect(
      loadConfig({ HANGAR_REPLICA_ID: 'hangar-7f9c.b_2', HANGAR_SECRET_KEY_FILE: '/run/secrets/hangar-key' }),
    ).toMatchObject({ replicaId: 'hangar-7f9c.b_2', secretKeyFile: '/run/secrets/hangar-key' });
    expect(problems({ HANGAR_REPLICA_ID: 'no spaces' })[0]).toContain('HANGAR_REPLICA_ID: use 1 to 63 of');
    expect(problems({ HANGAR_SECRET_KEY_FILE: 'secret.key' })[0]).toContain(
      'HANGAR_SECRET_KEY_FILE: must be an absolute path',
    );
  });
});
