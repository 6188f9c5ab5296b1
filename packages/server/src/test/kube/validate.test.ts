import { describe, expect, it } from 'vitest';
import { assertValidKubeObjects, validateKubeObject } from './validate.js';

/** A pod as the Kubernetes driver will make one: everything locked down, two volumes. */
function workspacePod() {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'ws-0123abcd',
      namespace: 'hangar-workspaces',
      labels: { 'app.kubernetes.io/managed-by': 'hangar', 'hangar.dev/workspace': '0123abcd' },
      ownerReferences: [
        { apiVersion: 'v1', kind: 'PersistentVolumeClaim', name: 'ws-0123abcd-work', uid: 'a-b-c' },
      ],
    },
    spec: {
      automountServiceAccountToken: false,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: 1000,
        fsGroup: 1000,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      containers: [
        {
          name: 'workspace',
          image: 'hangar-workspace:1',
          command: ['sleep', 'infinity'],
          env: [{ name: 'HANGAR_URL', value: 'http://hangar:7700' }],
          ports: [{ containerPort: 8080, protocol: 'TCP' }],
          resources: { limits: { memory: '2Gi', cpu: '2' }, requests: { memory: '2Gi', cpu: 1 } },
          securityContext: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ['ALL'] },
          },
          volumeMounts: [
            { name: 'work', mountPath: '/workspace' },
            { name: 'home', mountPath: '/home/hangar' },
          ],
        },
      ],
      volumes: [
        { name: 'work', persistentVolumeClaim: { claimName: 'ws-0123abcd-work' } },
        { name: 'home', persistentVolumeClaim: { claimName: 'ws-0123abcd-home' } },
      ],
    },
  };
}

describe('validateKubeObject (official Kubernetes OpenAPI schemas)', () => {
  it('accepts a well-formed pod, network policy and claim', async () => {
    expect(await validateKubeObject(workspacePod())).toEqual([]);
    expect(
      await validateKubeObject({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'ws-0123abcd' },
        spec: {
          podSelector: { matchLabels: { 'hangar.dev/workspace': '0123abcd' } },
          policyTypes: ['Ingress', 'Egress'],
          egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '169.254.0.0/16'] } }] }],
        },
      }),
    ).toEqual([]);
    expect(
      await validateKubeObject({
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: 'ws-0123abcd-work' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } },
      }),
    ).toEqual([]);
  });

  it('refuses an unknown field anywhere, as the API server in strict mode', async () => {
    const pod = workspacePod();
    (pod.spec.containers[0]!.securityContext as Record<string, unknown>).dropCapabilities = ['ALL'];
    (pod.metadata as Record<string, unknown>).label = { a: 'b' };
    (pod as Record<string, unknown>).specs = {};
    expect(await validateKubeObject(pod)).toEqual([
      { path: '/specs', message: 'unknown field "specs"' },
      { path: '/metadata/label', message: 'unknown field "label"' },
      {
        path: '/spec/containers/0/securityContext/dropCapabilities',
        message: 'unknown field "dropCapabilities"',
      },
    ]);
  });

  it('refuses a wrong type, a value outside an enum and a missing required field', async () => {
    const pod = workspacePod();
    (pod.spec.containers[0]!.ports[0] as Record<string, unknown>).containerPort = '8080';
    (pod.spec.securityContext.seccompProfile as Record<string, unknown>).type = 'Runtime';
    delete (pod.spec.volumes[0]!.persistentVolumeClaim as Partial<{ claimName: string }>).claimName;
    const problems = await validateKubeObject(pod);
    expect(problems.map((p) => p.path).sort()).toEqual([
      '/spec/containers/0/ports/0/containerPort',
      '/spec/securityContext/seccompProfile/type',
      '/spec/volumes/0/persistentVolumeClaim',
    ]);
    expect(problems.find((p) => p.path.endsWith('containerPort'))?.message).toBe('must be integer');
    expect(problems.find((p) => p.path.endsWith('/type'))?.message).toContain('"RuntimeDefault"');
    expect(problems.find((p) => p.path.endsWith('persistentVolumeClaim'))?.message).toContain('claimName');
  });

  it('refuses names and labels the API server refuses, and kinds it does not serve', async () => {
    const pod = workspacePod();
    pod.metadata.name = 'WS_1';
    (pod.metadata.labels as Record<string, string>)['hangar.dev/workspace'] = 'has space';
    expect((await validateKubeObject(pod)).map((p) => p.path)).toEqual([
      '/metadata/name',
      '/metadata/labels/hangar.dev~1workspace',
    ]);
    expect(await validateKubeObject({ apiVersion: 'apps/v1', kind: 'Pod', metadata: { name: 'x' } })).toEqual(
      [{ path: '/kind', message: 'no schema for kind Pod in apps/v1' }],
    );
    expect(
      await validateKubeObject({ apiVersion: 'v1', kind: '../../x', metadata: { name: 'x' } }),
    ).toHaveLength(1);
  });

  it("refuses a Deployment whose selector does not select its pods' labels", async () => {
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'hangar' },
      spec: {
        selector: { matchLabels: { app: 'hangar' } },
        template: { metadata: { labels: { app: 'hangar', tier: 'web' } }, spec: workspacePod().spec },
      },
    };
    expect(await validateKubeObject(deployment)).toEqual([]);
    deployment.spec.template.metadata.labels.app = 'hangar-server';
    expect(await validateKubeObject(deployment)).toEqual([
      { path: '/spec/template/metadata/labels', message: '`selector` does not match template `labels`' },
    ]);
  });

  it('assertValidKubeObjects names the object and every problem', async () => {
    const bad = workspacePod();
    (bad.spec as Record<string, unknown>).hostNetwork = 'yes';
    await expect(assertValidKubeObjects([workspacePod(), bad])).rejects.toThrow(
      /Pod ws-0123abcd: \/spec\/hostNetwork must be boolean/,
    );
    await expect(assertValidKubeObjects([workspacePod()])).resolves.toBeUndefined();
  });
});
