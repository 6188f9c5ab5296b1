import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';
import { PushPolicy } from './guardrails.js';
import { credentialConfig, isForeignLocalPath, parseRemote, secretsOf } from './remote.js';

describe('isForeignLocalPath', () => {
  const roots = ['/workspace', '/home/hangar'];
  it('accepts local paths inside the workspace and its home, and network remotes', () => {
    for (const url of [
      '/workspace/other.git',
      'file:///home/hangar/origin.git',
      'file://localhost/workspace/x',
      '/workspace',
      'https://github.com/acme/app.git',
      'git@github.com:acme/app.git',
    ])
      expect(isForeignLocalPath(url, roots), url).toBe(false);
  });
  it('refuses any other local path or file:// URL, however spelled', () => {
    for (const url of [
      '/srv/repos/app.git',
      'file:///tmp/x.git',
      'file:///workspace/../etc',
      '/workspace/../tmp/x',
      '/workspaces/x',
      '/home/hangar2/x',
      'file:///home/hangar/%2e%2e/%2e%2e/tmp/x',
      'file://elsewhere/workspace/x',
      'FILE:///tmp/x',
    ])
      expect(isForeignLocalPath(url, roots), url).toBe(true);
  });
});

describe('parseRemote', () => {
  it('takes remote URLs apart, dropping any user and password from what is shown', () => {
    expect(parseRemote('https://ada:ghp_x@GitHub.com/acme/app.git')).toEqual({
      scheme: 'https',
      host: 'github.com',
      path: 'acme/app',
      display: 'https://github.com/acme/app.git',
    });
    expect(parseRemote('git@gitlab.example.com:group/sub/app.git')).toMatchObject({
      scheme: 'ssh',
      host: 'gitlab.example.com',
      path: 'group/sub/app',
      display: 'gitlab.example.com:group/sub/app.git',
    });
    expect(parseRemote('ssh://git@host:2222/a/b')).toMatchObject({
      scheme: 'ssh',
      host: 'host:2222',
      path: 'a/b',
    });
    expect(parseRemote('http://127.0.0.1:8080/acme/app.git')).toMatchObject({ host: '127.0.0.1:8080' });
    expect(parseRemote('/srv/repos/app.git')).toMatchObject({ scheme: 'file', host: '' });
    expect(parseRemote('ext::sh -c touch% /tmp/x')).toBeUndefined();
    expect(parseRemote('ftp://host/x')).toBeUndefined();
  });

  it('scopes the credential header to the exact remote URL, and knows what to redact', () => {
    const credential = { host: 'github.com', username: 'ada', token: 'ghp_secret' };
    const config = credentialConfig('https://github.com/acme/app.git', credential);
    expect(config).toEqual([
      ['http.https://github.com/acme/app.git.extraHeader', ''],
      ['http.https://github.com/acme/app.git.extraHeader', `Authorization: Basic ${btoa('ada:ghp_secret')}`],
    ]);
    expect(secretsOf(credential)).toEqual(expect.arrayContaining(['ghp_secret', btoa('ada:ghp_secret')]));
  });
});

describe('PushPolicy', () => {
  const config = loadConfig({
    HANGAR_TEMPLATES: JSON.stringify({
      strict: { driver: 'bubblewrap', git: { protectedBranches: ['release/*'] } },
      loose: { driver: 'bubblewrap', git: { allowForcePush: true, allowProtectedPush: true } },
    }),
  });

  it('refuses force, the default branch and protected branches unless the template allows them', () => {
    const strict = new PushPolicy(config, 'strict');
    expect(() =>
      strict.checkPush({ remoteBranch: 'feature', force: false, defaultBranch: 'develop' }),
    ).not.toThrow();
    for (const [input, id] of [
      [{ remoteBranch: 'feature', force: true, defaultBranch: 'develop' }, 'git_force_push_refused'],
      [{ remoteBranch: 'develop', force: false, defaultBranch: 'develop' }, 'git_protected_branch'],
      [{ remoteBranch: 'master', force: false, defaultBranch: 'develop' }, 'git_protected_branch'],
      [{ remoteBranch: 'release/1.2', force: false, defaultBranch: undefined }, 'git_protected_branch'],
    ] as const) {
      expect(() => strict.checkPush(input)).toThrow(expect.objectContaining({ id }));
    }
    expect(() => strict.checkDelete('feature', 'main')).toThrow(
      expect.objectContaining({ id: 'git_remote_delete_refused' }),
    );
    const loose = new PushPolicy(config, 'loose');
    expect(() => loose.checkPush({ remoteBranch: 'main', force: true, defaultBranch: 'main' })).not.toThrow();
    expect(() =>
      new PushPolicy(config, 'default').checkPush({
        remoteBranch: 'main',
        force: false,
        defaultBranch: undefined,
      }),
    ).toThrow();
  });
});
