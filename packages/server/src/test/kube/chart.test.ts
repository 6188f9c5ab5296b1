import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { ConfigError, loadConfig } from '../../config/index.js';
import { envNames } from '../../config/schema.js';
import { PACKAGE_ROOT } from '../../package-root.js';
import { assertValidKubeObjects, validateKubeObject } from './validate.js';

/**
 * The Helm chart (deploy/helm/hangar), rendered by the real helm binary (deploy/scripts/helm.mjs
 * installs it from npm) and each object checked against the official Kubernetes schemas.
 */
const REPO = join(PACKAGE_ROOT, '..', '..');
const CHART = join(REPO, 'deploy', 'helm', 'hangar');
const ALL_ON = join(CHART, 'ci', 'all-on-values.yaml');
const RELEASE_NAMESPACE = 'hangar';

const helm = (() => {
  const found = spawnSync(process.execPath, [join(REPO, 'deploy', 'scripts', 'helm.mjs'), 'path'], {
    encoding: 'utf8',
  });
  return found.status === 0 ? found.stdout.trim() : undefined;
})();
const helmMissing = helm ? undefined : 'helm is not installed (node deploy/scripts/helm.mjs install)';

interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: unknown;
}

const scratch = mkdtempSync(join(tmpdir(), 'hangar-chart-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** `helm template` with these values files and --set pairs; the objects, or helm's error. */
function render(
  valuesFiles: string[] = [],
  set: string[] = [],
): { objects: KubeObject[]; error?: undefined } | { objects?: undefined; error: string } {
  const args = ['template', 'rel', CHART, '--namespace', RELEASE_NAMESPACE];
  for (const file of valuesFiles) args.push('-f', file);
  for (const pair of set) args.push('--set', pair);
  const run = spawnSync(helm!, args, { encoding: 'utf8', env: helmEnv() });
  if (run.status !== 0) return { error: run.stderr };
  const objects = parseAllDocuments(run.stdout)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`helm rendered invalid YAML: ${doc.errors[0]!.message}`);
      return doc.toJS() as KubeObject | null;
    })
    .filter((o): o is KubeObject => o !== null);
  return { objects };
}

function renderOk(valuesFiles: string[] = [], set: string[] = []): KubeObject[] {
  const result = render(valuesFiles, set);
  if (result.error !== undefined) throw new Error(`helm template failed: ${result.error}`);
  return result.objects;
}

/** helm keeps its caches and config in the scratch dir, not in the user's home. */
function helmEnv(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HELM_CACHE_HOME: join(scratch, 'cache'),
    HELM_CONFIG_HOME: join(scratch, 'config'),
    HELM_DATA_HOME: join(scratch, 'data'),
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rendered YAML, asserted field by field
type Rendered = KubeObject & Record<string, any>;

/** The one object of this kind. */
function one(objects: KubeObject[], kind: string): Rendered {
  const found = objects.filter((o) => o.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0] as Rendered;
}

/** Every string anywhere in an object. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => [k, ...strings(v)]);
  return [];
}

describe.skipIf(helmMissing)('Helm chart deploy/helm/hangar', () => {
  it('passes helm lint --strict with the default values and with every option on', () => {
    for (const values of [[], ['-f', ALL_ON]]) {
      const run = spawnSync(helm!, ['lint', '--strict', CHART, ...values], {
        encoding: 'utf8',
        env: helmEnv(),
      });
      expect(run.stdout + run.stderr, values.join(' ')).toContain('0 chart(s) failed');
      expect(run.status).toBe(0);
    }
  });

  it('renders, with the default values, objects that all validate against the Kubernetes schemas', async () => {
    const objects = renderOk();
    expect(objects.map((o) => o.kind).sort()).toEqual([
      'Deployment',
      'PersistentVolumeClaim',
      'PodDisruptionBudget',
      'Role',
      'RoleBinding',
      'Secret',
      'Service',
      'ServiceAccount',
    ]);
    await assertValidKubeObjects(objects);
  });

  it('renders, with every option on, objects that all validate against the Kubernetes schemas', async () => {
    const objects = renderOk([ALL_ON]);
    expect(objects.map((o) => o.kind).sort()).toEqual([
      'ConfigMap',
      'Deployment',
      'Ingress',
      'Namespace',
      'PodDisruptionBudget',
      'Role',
      'RoleBinding',
      'Secret',
      'Service',
      'ServiceAccount',
    ]);
    await assertValidKubeObjects(objects);
    // ...and the check is not vacuous: the same Deployment with one stray field is refused.
    const deployment = structuredClone(one(objects, 'Deployment'));
    deployment.spec.template.spec.containers[0].securityContext.readOnlyRootFileSystem = true;
    expect(await validateKubeObject(deployment)).toEqual([
      {
        path: '/spec/template/spec/containers/0/securityContext/readOnlyRootFileSystem',
        message: 'unknown field "readOnlyRootFileSystem"',
      },
    ]);
  });

  it('runs the server locked down: non-root, read-only root, no capabilities, RuntimeDefault seccomp', () => {
    for (const objects of [renderOk(), renderOk([ALL_ON])]) {
      const pod = one(objects, 'Deployment').spec.template.spec;
      expect(pod.securityContext).toMatchObject({
        runAsNonRoot: true,
        runAsUser: 10001,
        fsGroup: 10001,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      const [server] = pod.containers;
      expect(server.securityContext).toEqual({
        allowPrivilegeEscalation: false,
        privileged: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ['ALL'] },
      });
      expect(server.livenessProbe.httpGet).toEqual({ path: '/api/health', port: 'http' });
      expect(server.startupProbe.httpGet).toEqual({ path: '/api/health', port: 'http' });
      expect(server.readinessProbe.httpGet).toEqual({ path: '/api/ready', port: 'http' });
      // Everything the server writes goes to a volume.
      expect(server.volumeMounts.map((m: { mountPath: string }) => m.mountPath)).toEqual(
        expect.arrayContaining(['/var/lib/hangar', '/tmp']),
      );
      expect(server.resources.limits.memory).toBeDefined();
    }
  });

  it('keeps provider keys, the database URL and the secret key in the Secret only', () => {
    const objects = renderOk([ALL_ON]);
    const secret = one(objects, 'Secret');
    const decoded = Object.fromEntries(
      Object.entries(secret.data as Record<string, string>).map(([k, v]) => [
        k,
        Buffer.from(v, 'base64').toString(),
      ]),
    );
    expect(decoded).toEqual({
      'database-url': 'postgres://hangar:not-a-real-password@postgres.db.svc:5432/hangar',
      'secret-key': '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff',
      ANTHROPIC_API_KEY: 'sk-ant-test-not-a-key',
      OPENAI_API_KEY: 'sk-test-not-a-key',
    });
    const elsewhere = objects.filter((o) => o.kind !== 'Secret').flatMap(strings);
    for (const value of Object.values(decoded)) {
      expect(elsewhere.filter((s) => s.includes(value))).toEqual([]);
      expect(elsewhere.filter((s) => s.includes(Buffer.from(value).toString('base64')))).toEqual([]);
    }
    const env = one(objects, 'Deployment').spec.template.spec.containers[0].env as {
      name: string;
      valueFrom?: { secretKeyRef?: { name: string; key: string } };
    }[];
    const fromSecret = (name: string) => env.find((e) => e.name === name)?.valueFrom?.secretKeyRef;
    expect(fromSecret('HANGAR_DATABASE_URL')).toEqual({ name: 'hangar-all-on', key: 'database-url' });
    expect(fromSecret('ANTHROPIC_API_KEY')).toEqual({
      name: 'hangar-all-on',
      key: 'ANTHROPIC_API_KEY',
      optional: true,
    });
    expect(env.find((e) => e.name === 'HANGAR_SECRET_KEY_FILE')).toEqual({
      name: 'HANGAR_SECRET_KEY_FILE',
      value: '/etc/hangar/secret/secret.key',
    });
  });

  it('gives the server a Role in the workspace namespace with exactly what the driver uses, no wildcards', () => {
    for (const [objects, namespace] of [
      [renderOk(), RELEASE_NAMESPACE],
      [renderOk([ALL_ON]), 'hangar-workspaces'],
    ] as const) {
      const role = one(objects, 'Role');
      expect(role.metadata.namespace).toBe(namespace);
      expect(role.rules).toEqual([
        {
          apiGroups: [''],
          resources: ['pods'],
          verbs: ['get', 'list', 'watch', 'create', 'patch', 'delete'],
        },
        { apiGroups: [''], resources: ['pods/exec', 'pods/attach'], verbs: ['get', 'create'] },
        { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
        {
          apiGroups: [''],
          resources: ['persistentvolumeclaims'],
          verbs: ['get', 'list', 'watch', 'create', 'delete'],
        },
        { apiGroups: [''], resources: ['services'], verbs: ['get', 'list', 'create', 'delete'] },
        {
          apiGroups: ['networking.k8s.io'],
          resources: ['networkpolicies'],
          verbs: ['get', 'list', 'create', 'patch', 'delete'],
        },
      ]);
      expect(strings(role.rules).filter((s) => s.includes('*'))).toEqual([]);
      const binding = one(objects, 'RoleBinding');
      const account = one(objects, 'ServiceAccount');
      expect(binding.metadata.namespace).toBe(namespace);
      expect(binding.roleRef).toEqual({
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'Role',
        name: role.metadata.name,
      });
      expect(binding.subjects).toEqual([
        { kind: 'ServiceAccount', name: account.metadata.name, namespace: RELEASE_NAMESPACE },
      ]);
      expect(objects.filter((o) => o.kind.startsWith('Cluster'))).toEqual([]);
    }
    // Without the Role, the server's pods get no API token at all.
    const withoutRbac = renderOk([], ['rbac.create=false']);
    expect(withoutRbac.map((o) => o.kind)).not.toContain('Role');
    expect(one(withoutRbac, 'Deployment').spec.template.spec.automountServiceAccountToken).toBe(false);
  });

  it("sets only settings Hangar's config knows, and its config file passes Hangar's own loader", () => {
    const objects = renderOk([ALL_ON]);
    const env = one(objects, 'Deployment').spec.template.spec.containers[0].env as { name: string }[];
    const known = new Set<string>([...Object.values(envNames), 'HANGAR_CONFIG']);
    const forTheDriver = ['HANGAR_KUBERNETES_NAMESPACE', 'HANGAR_KUBERNETES_SERVICE_URL'];
    const unknown = env
      .map((e) => e.name)
      .filter((n) => n.startsWith('HANGAR_') && !known.has(n) && !forTheDriver.includes(n));
    expect(unknown).toEqual([]);

    const configFile = join(scratch, 'config.json');
    writeFileSync(configFile, one(objects, 'ConfigMap').data['config.json']);
    let problems: string[] = [];
    try {
      loadConfig({ HANGAR_CONFIG: configFile, HANGAR_DATA_DIR: join(scratch, 'data-dir') });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems = error.problems;
    }
    expect(problems).toEqual([]);
  });

  it('refuses settings that cannot work, saying what to set', () => {
    expect(render([], ['replicaCount=2']).error).toContain('replicaCount > 1 needs an external PostgreSQL');
    expect(
      render([], ['replicaCount=2', 'database.url=postgres://db/hangar', 'persistence.enabled=false']).error,
    ).toContain('replicaCount > 1 needs one secret key for all replicas');
    expect(
      render([], ['replicaCount=2', 'database.url=postgres://db/hangar', 'secrets.secretKey=abc']).error,
    ).toContain('set persistence.enabled=false');
    expect(render([], ['secrets.providerKeys.MISTRAL_API_KEY=x']).error).toContain(
      'add MISTRAL_API_KEY to providerKeyNames too',
    );
    // values.schema.json: a misspelt value, or a key YAML read as a number, is refused by helm itself.
    expect(render([], ['replicaCont=2']).error).toMatch(/additional properties 'replicaCont' not allowed/);
    const numericKey = join(scratch, 'numeric-key.yaml');
    writeFileSync(numericKey, `secrets:\n  secretKey: ${'0'.repeat(64)}\n`);
    expect(render([numericKey]).error).toMatch(/secrets\/secretKey.*got number, want string/s);
  });

  it('is rendered by the helm this test runs', () => {
    expect(execFileSync(helm!, ['version', '--short'], { encoding: 'utf8', env: helmEnv() })).toMatch(
      /^v\d+\./,
    );
  });
});

describe('the chart README', () => {
  it('documents every value of values.yaml, and no value that is not there', () => {
    const values = parseYaml(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as Record<string, unknown>;
    const leaves = (value: unknown, path: string): string[] =>
      value && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0
        ? Object.entries(value).flatMap(([k, v]) => leaves(v, path ? `${path}.${k}` : k))
        : [path];
    const paths = leaves(values, '');
    const readme = readFileSync(join(CHART, 'README.md'), 'utf8');
    const valuesTable = readme.slice(readme.indexOf('## Values'));
    const documented = [...valuesTable.matchAll(/^\| `([A-Za-z0-9.]+)` +\|/gm)].map((m) => m[1]!);
    expect(documented.length).toBeGreaterThan(40);
    const covered = (path: string) => documented.some((d) => path === d || path.startsWith(`${d}.`));
    expect(paths.filter((p) => !covered(p))).toEqual([]);
    const exists = (d: string) => paths.some((p) => p === d || p.startsWith(`${d}.`));
    expect(documented.filter((d) => !exists(d))).toEqual([]);
  });
});
