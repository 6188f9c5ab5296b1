import { execFile } from 'node:child_process';
import { request as httpsRequest } from 'node:https';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import {
  ApiException,
  CoreV1Api,
  Exec,
  Attach,
  KubeConfig,
  NetworkingV1Api,
  PatchStrategy,
  setHeaderOptions,
  Watch,
  type V1Pod,
  type V1Status,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { bwrapMissing } from '../requirements.js';
import { startKubeTestServer, type KubeTestServer } from './server.js';
import { assertValidKubeObjects } from './validate.js';

const kubectlMissing = existsSync('/usr/bin/kubectl')
  ? undefined
  : 'kubectl is not installed (apt-get install kubernetes-client, or run scripts/setup-test-env.sh as root)';
if (process.env.CI === 'true' && (bwrapMissing || kubectlMissing))
  throw new Error(`CI requires bubblewrap and kubectl: ${bwrapMissing ?? kubectlMissing}`);

const NS = 'work';
/** Sandbox uids of this run's pods: UID … UID + 2 for the pods whose processes a test counts, one each after that for the rest. */
const UID = 46_000 + (process.pid % 200) * 64;

/** Host pids of every live process running as `uid` (an exited one still being reaped does not count). */
async function processesOf(uid: number): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const status = await readFile(`/proc/${entry}/status`, 'utf8').catch(() => '');
    if (new RegExp(`^Uid:\\s+${uid}\\s`, 'm').test(status) && !/^State:\s+[ZX]/m.test(status))
      pids.push(Number(entry));
  }
  return pids;
}

/** A stand-in for Hangar: an HTTP server on a unix socket that answers "pong". */
async function startBridge() {
  const dir = await mkdtemp(join(tmpdir(), 'hangar-kube-bridge-'));
  await chmod(dir, 0o711);
  const http = createHttpServer((_req, res) => res.end('pong'));
  const socket = join(dir, 'hangar.sock');
  await new Promise<void>((resolve) => http.listen(socket, resolve));
  await chmod(socket, 0o666);
  return {
    dir,
    close: async () => {
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A request without the client library (which drops unknown fields and a 401's body). */
function rawRequest(
  server: KubeTestServer,
  method: string,
  path: string,
  body?: unknown,
  token = server.token,
): Promise<{
  code: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      `${server.url}${path}`,
      {
        method,
        ca: server.ca,
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () =>
          resolve({
            code: res.statusCode ?? 0,
            headers: res.headers,
            body: JSON.parse(text) as Record<string, unknown>,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** The body of a refused request, as the client received it. */
async function refusal(call: Promise<unknown>): Promise<{ code: number; body: Record<string, unknown> }> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ApiException)) throw new Error(`expected an ApiException, got ${String(error)}`);
  const body = typeof error.body === 'string' ? (JSON.parse(error.body) as Record<string, unknown>) : {};
  return { code: error.code, body };
}

describe.skipIf(bwrapMissing)('Kubernetes API test server', () => {
  let server: KubeTestServer;
  let kc: KubeConfig;
  let core: CoreV1Api;
  let bridge: Awaited<ReturnType<typeof startBridge>>;
  const podUids: number[] = [];

  const pod = (
    name: string,
    extra: {
      labels?: Record<string, string>;
      uid?: number;
      claim?: string;
      command?: string[];
      stdin?: boolean;
    } = {},
  ): V1Pod => {
    const uid = extra.uid ?? UID + 3 + podUids.length;
    podUids.push(uid);
    return {
      metadata: { name, labels: extra.labels ?? {} },
      spec: {
        restartPolicy: 'Never',
        terminationGracePeriodSeconds: 5,
        securityContext: { runAsUser: uid, runAsGroup: uid },
        containers: [
          {
            name: 'main',
            image: 'hangar/workspace:test',
            ...(extra.command && { command: extra.command }),
            ...(extra.stdin && { stdin: true }),
            env: [{ name: 'GREETING', value: 'hello from the spec' }],
            securityContext: {
              allowPrivilegeEscalation: false,
              readOnlyRootFilesystem: true,
              capabilities: { drop: ['ALL'] },
            },
            ...(extra.claim && { volumeMounts: [{ name: 'work', mountPath: '/workspace' }] }),
          },
        ],
        ...(extra.claim && {
          volumes: [{ name: 'work', persistentVolumeClaim: { claimName: extra.claim } }],
        }),
      },
    };
  };

  /** Resolves with the first watched pod event that `done` accepts, and every event seen until then. */
  function watchPods(
    query: Record<string, string>,
    done: (type: string, pod: V1Pod) => boolean,
    namespace = NS,
  ) {
    const events: { type: string; phase?: string; object: V1Pod }[] = [];
    let controller: AbortController | undefined;
    const finished = new Promise<typeof events>((resolve, reject) => {
      void new Watch(kc)
        .watch(
          `/api/v1/namespaces/${namespace}/pods`,
          query,
          (type, object: V1Pod) => {
            events.push({ type, phase: object.status?.phase, object });
            if (done(type, object)) resolve(events);
          },
          (error: unknown) => (error ? reject(error as Error) : resolve(events)),
        )
        .then((c) => (controller = c), reject);
    });
    return { finished: finished.finally(() => controller?.abort()) };
  }

  async function runningPod(body: V1Pod, namespace = NS): Promise<V1Pod> {
    const list = await core.listNamespacedPod({ namespace });
    const watch = watchPods(
      {
        resourceVersion: list.metadata!.resourceVersion!,
        fieldSelector: `metadata.name=${body.metadata!.name}`,
      },
      (_t, p) =>
        p.status?.phase === 'Running' ||
        p.status?.phase === 'Failed' ||
        p.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False') === true,
      namespace,
    );
    await core.createNamespacedPod({ namespace, body });
    const events = await watch.finished;
    const last = events.at(-1)!;
    expect(last.phase, JSON.stringify(last.object.status)).toBe('Running');
    return last.object;
  }

  /** Runs a pod whose command ends, and resolves with it finished. */
  async function finished(name: string, script: string): Promise<V1Pod> {
    const list = await core.listNamespacedPod({ namespace: NS });
    const watch = watchPods(
      { resourceVersion: list.metadata!.resourceVersion!, fieldSelector: `metadata.name=${name}` },
      (_t, p) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed',
    );
    await core.createNamespacedPod({ namespace: NS, body: pod(name, { command: ['sh', '-c', script] }) });
    return (await watch.finished).at(-1)!.object;
  }

  /** A running pod `shell` that several tests exec into (started by the first that needs it). */
  let shell: Promise<V1Pod> | undefined;
  const shellPod = () => (shell ??= runningPod(pod('shell')));

  function exec(
    name: string,
    command: string[],
    options: { tty?: boolean; stdin?: PassThrough; stdout?: PassThrough; namespace?: string } = {},
  ) {
    const stdout = options.stdout ?? new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (d: Buffer) => (out += d.toString()));
    stderr.on('data', (d: Buffer) => (err += d.toString()));
    const status = new Promise<V1Status>((resolve, reject) => {
      new Exec(kc)
        .exec(
          options.namespace ?? NS,
          name,
          'main',
          command,
          stdout,
          options.tty ? null : stderr,
          options.stdin ?? null,
          options.tty ?? false,
          resolve,
        )
        .catch(reject);
    });
    return { status: status.then((s) => ({ status: s, stdout: out, stderr: err })), output: () => out };
  }

  beforeAll(async () => {
    bridge = await startBridge();
    server = await startKubeTestServer({
      watchHistory: 200,
      bookmarkIntervalMs: 200,
      hangar: { socketDir: bridge.dir, port: 18080 },
    });
    kc = new KubeConfig();
    kc.loadFromFile(server.kubeconfigPath);
    core = kc.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: NS } } });
    // The pods of the main namespace have no network (each would otherwise get a full one).
    await kc.makeApiClient(NetworkingV1Api).createNamespacedNetworkPolicy({
      namespace: NS,
      body: { metadata: { name: 'no-egress' }, spec: { podSelector: {}, policyTypes: ['Egress'] } },
    });
  });

  afterAll(async () => {
    await server?.close();
    await bridge?.close();
    // No process of any pod outlives the server.
    for (const uid of podUids) expect(await processesOf(uid), `processes of uid ${uid}`).toEqual([]);
  });

  it('refuses a wrong token with a 401 Status', async () => {
    // The client does not read the body of a 401: plain HTTPS with the kubeconfig's CA.
    const answer = await rawRequest(server, 'GET', '/api/v1/namespaces', undefined, 'wrong');
    expect(answer.code).toBe(401);
    expect(answer.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Unauthorized',
      reason: 'Unauthorized',
      code: 401,
    });
    const bad = new KubeConfig();
    bad.loadFromString((await readFile(server.kubeconfigPath, 'utf8')).replace(server.token, 'wrong'));
    expect((await refusal(bad.makeApiClient(CoreV1Api).listNamespace())).code).toBe(401);
  });

  it('runs a pod mounting a claim: watch sees it go Running, exec gets stdout, stderr and the exit code, files land in the claim', async () => {
    const claim = await core.createNamespacedPersistentVolumeClaim({
      namespace: NS,
      body: {
        metadata: { name: 'work' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      },
    });
    expect(claim.metadata?.finalizers).toEqual(['kubernetes.io/pvc-protection']);
    const list = await core.listNamespacedPod({ namespace: NS });
    const watch = watchPods(
      { resourceVersion: list.metadata!.resourceVersion! },
      (_t, p) => p.status?.phase === 'Running',
    );
    const created = await core.createNamespacedPod({ namespace: NS, body: pod('ws', { claim: 'work' }) });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(created.metadata?.resourceVersion)).toBeGreaterThan(Number(list.metadata!.resourceVersion));
    const events = await watch.finished;
    expect(events[0]).toMatchObject({ type: 'ADDED', phase: 'Pending' });
    expect(events.slice(1).every((e) => e.type === 'MODIFIED')).toBe(true);
    const running = events.at(-1)!.object;
    expect(running.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(running.status?.containerStatuses?.[0]).toMatchObject({
      name: 'main',
      ready: true,
      image: 'hangar/workspace:test',
    });
    expect(running.status?.containerStatuses?.[0]?.state?.running?.startedAt).toBeTruthy();

    const result = await exec('ws', ['sh', '-c', 'echo hi; echo err >&2; exit 3']).status;
    expect(result.stdout).toBe('hi\n');
    expect(result.stderr).toBe('err\n');
    expect(result.status).toMatchObject({
      status: 'Failure',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '3' }] },
    });

    const ok = await exec('ws', ['sh', '-c', 'id -u; echo "$GREETING"; echo written > /workspace/note.txt'])
      .status;
    expect(ok.status).toEqual({ metadata: {}, status: 'Success' });
    expect(ok.stdout).toBe(`${created.spec!.securityContext!.runAsUser}\nhello from the spec\n`);
    const boundClaim = await core.readNamespacedPersistentVolumeClaim({ name: 'work', namespace: NS });
    expect(boundClaim.status?.phase).toBe('Bound');
    const hostFile = join(server.root, 'volumes', `pvc-${boundClaim.metadata!.uid}`, 'note.txt');
    expect(await readFile(hostFile, 'utf8')).toBe('written\n');
    expect((await stat(hostFile)).uid).toBe(created.spec!.securityContext!.runAsUser);

    // The root file system is read-only, and no capability lets the user around it.
    const ro = await exec('ws', [
      'sh',
      '-c',
      'touch /etc/x 2>/dev/null || echo refused; grep CapEff /proc/self/status',
    ]).status;
    expect(ro.stdout).toBe('refused\nCapEff:\t0000000000000000\n');
  });

  it('runs exec in a terminal that follows resize messages', async () => {
    const stdin = new PassThrough();
    const stdout = Object.assign(new PassThrough(), { rows: 30, columns: 100 });
    await shellPod();
    const run = exec('shell', ['sh', '-c', 'read a; stty size; read b; stty size'], {
      tty: true,
      stdin,
      stdout,
    });
    stdin.write('a\n');
    await until(() => /30 100/.test(run.output()));
    stdout.rows = 40;
    stdout.columns = 120;
    stdout.emit('resize');
    stdin.write('b\n');
    const result = await run.status;
    expect(result.stdout).toMatch(/30 100\r\n[\s\S]*40 120\r\n/);
    expect(result.status.status).toBe('Success');
  });

  it("attaches to a container's stdin and stdout", async () => {
    await runningPod(
      pod('echoer', { command: ['sh', '-c', 'while read line; do echo "got $line"; done'], stdin: true }),
    );
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (d: Buffer) => (out += d.toString()));
    const ws = await new Attach(kc).attach(NS, 'echoer', 'main', stdout, null, stdin, false);
    stdin.write('one\n');
    await until(() => out.includes('got one\n'));
    ws.close();
  });

  it("attaches to a container's terminal, which follows resize messages", async () => {
    const body = pod('console', {
      command: ['sh', '-c', 'while read line; do stty size; done'],
      stdin: true,
    });
    body.spec!.containers[0]!.tty = true;
    await runningPod(body);
    const stdin = new PassThrough();
    const stdout = Object.assign(new PassThrough(), { rows: 33, columns: 101 });
    let out = '';
    stdout.on('data', (d: Buffer) => (out += d.toString()));
    const ws = await new Attach(kc).attach(NS, 'console', 'main', stdout, null, stdin, true);
    stdin.write('\n');
    await until(() => out.includes('33 101'));
    stdout.rows = 44;
    stdout.columns = 111;
    stdout.emit('resize');
    stdin.write('\n');
    await until(() => out.includes('44 111'));
    ws.close();
  });

  it('lists pods by equality and set-based label selectors', async () => {
    await Promise.all([
      runningPod(pod('web-a', { labels: { app: 'web', tier: 'front' } })),
      runningPod(pod('web-b', { labels: { app: 'web', tier: 'back' } })),
      runningPod(pod('db', { labels: { app: 'db' } })),
    ]);
    const names = async (labelSelector: string) =>
      (await core.listNamespacedPod({ namespace: NS, labelSelector })).items
        .map((p) => p.metadata!.name)
        .sort();
    expect(await names('app=web')).toEqual(['web-a', 'web-b']);
    expect(await names('app!=web,app')).toEqual(['db']);
    expect(await names('tier in (front,middle)')).toEqual(['web-a']);
    expect(await names('app=web,tier notin (front)')).toEqual(['web-b']);
    expect(await names('app,!tier')).toEqual(['db']);
    const running = await core.listNamespacedPod({
      namespace: NS,
      fieldSelector: 'status.phase=Running,metadata.name=db',
    });
    expect(running.items.map((p) => p.metadata!.name)).toEqual(['db']);
  });

  it("answers 403, 404, 409 and 422 with the API server's Status bodies", async () => {
    expect(await refusal(core.readNamespacedPod({ name: 'nope', namespace: NS }))).toEqual({
      code: 404,
      body: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'pods "nope" not found',
        reason: 'NotFound',
        details: { name: 'nope', kind: 'pods' },
        code: 404,
      },
    });
    expect(await refusal(core.createNamespace({ body: { metadata: { name: NS } } }))).toEqual({
      code: 409,
      body: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: `namespaces "${NS}" already exists`,
        reason: 'AlreadyExists',
        details: { name: NS, kind: 'namespaces' },
        code: 409,
      },
    });
    expect(
      await refusal(
        core.createNamespacedPod({
          namespace: NS,
          body: { metadata: { name: 'empty' }, spec: { containers: [] } },
        }),
      ),
    ).toEqual({
      code: 422,
      body: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'Pod "empty" is invalid: spec.containers: Required value',
        reason: 'Invalid',
        details: {
          name: 'empty',
          kind: 'Pod',
          causes: [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers' }],
        },
        code: 422,
      },
    });
    await shellPod();
    const immutable = await refusal(
      core.patchNamespacedPod(
        { name: 'shell', namespace: NS, body: { spec: { restartPolicy: 'Always' } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ),
    );
    expect(immutable.code).toBe(422);
    expect(immutable.body).toMatchObject({
      reason: 'Invalid',
      details: { name: 'shell', kind: 'Pod', causes: [{ reason: 'FieldValueForbidden', field: 'spec' }] },
    });
    expect(immutable.body.message).toMatch(
      /^Pod "shell" is invalid: spec: Forbidden: pod updates may not change fields other than `spec.containers\[\*\].image`/,
    );
    expect(await refusal(core.deleteNamespace({ name: 'default' }))).toEqual({
      code: 403,
      body: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'namespaces "default" is forbidden: this namespace may not be deleted',
        reason: 'Forbidden',
        details: { name: 'default', kind: 'namespaces' },
        code: 403,
      },
    });
    const net = kc.makeApiClient(NetworkingV1Api);
    const policy = await net.createNamespacedNetworkPolicy({
      namespace: NS,
      body: { metadata: { name: 'deny' }, spec: { podSelector: {}, policyTypes: ['Egress'] } },
    });
    await net.replaceNamespacedNetworkPolicy({
      name: 'deny',
      namespace: NS,
      body: { ...policy, spec: { podSelector: { matchLabels: { app: 'web' } } } },
    });
    const stale = await refusal(
      net.replaceNamespacedNetworkPolicy({ name: 'deny', namespace: NS, body: policy }),
    );
    expect(stale).toEqual({
      code: 409,
      body: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message:
          'Operation cannot be fulfilled on networkpolicies.networking.k8s.io "deny": the object has been modified; please apply your changes to the latest version and try again',
        reason: 'Conflict',
        details: { name: 'deny', group: 'networking.k8s.io', kind: 'networkpolicies' },
        code: 409,
      },
    });
  });

  it('ends a watch from a compacted resourceVersion with a 410 Expired ERROR event', async () => {
    for (let i = 0; i < 210; i++)
      await core.createNamespacedConfigMap({
        namespace: NS,
        body: { metadata: { generateName: 'filler-' }, data: { i: String(i) } },
      });
    const events: { type: string; object: Record<string, unknown> }[] = [];
    await new Promise<void>((resolve, reject) => {
      void new Watch(kc).watch(
        `/api/v1/namespaces/${NS}/configmaps`,
        { resourceVersion: '2' },
        (type, object: Record<string, unknown>) => events.push({ type, object }),
        (error: unknown) => (error ? reject(error as Error) : resolve()),
      );
    });
    expect(events).toHaveLength(1);
    expect(events[0]!.type).toBe('ERROR');
    expect(events[0]!.object).toMatchObject({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason: 'Expired',
      code: 410,
    });
    expect(events[0]!.object.message).toMatch(/^too old resource version: 2 \(\d+\)$/);
  });

  it("deleting a pod stops its sandbox's processes (SIGKILL after the grace period); its claim leaves only after it", async () => {
    const uid = UID;
    await core.createNamespacedPersistentVolumeClaim({
      namespace: NS,
      body: {
        metadata: { name: 'scratch' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      },
    });
    await runningPod(
      pod('doomed', {
        uid,
        claim: 'scratch',
        command: ['sh', '-c', 'trap "exit 0" TERM; sleep infinity & wait'],
      }),
    );
    expect((await processesOf(uid)).length).toBeGreaterThan(0);
    const claim = await core.readNamespacedPersistentVolumeClaim({ name: 'scratch', namespace: NS });
    const claimDir = join(server.root, 'volumes', `pvc-${claim.metadata!.uid}`);
    // In use by a pod: the claim stays, Terminating.
    await core.deleteNamespacedPersistentVolumeClaim({ name: 'scratch', namespace: NS });
    expect(
      (await core.readNamespacedPersistentVolumeClaim({ name: 'scratch', namespace: NS })).metadata
        ?.deletionTimestamp,
    ).toBeTruthy();

    const list = await core.listNamespacedPod({ namespace: NS, fieldSelector: 'metadata.name=doomed' });
    const gone = watchPods(
      { resourceVersion: list.metadata!.resourceVersion!, fieldSelector: 'metadata.name=doomed' },
      (type) => type === 'DELETED',
    );
    const deleted = await core.deleteNamespacedPod({ name: 'doomed', namespace: NS });
    expect(deleted.metadata?.deletionTimestamp).toBeTruthy();
    const events = await gone.finished;
    expect(events[0]).toMatchObject({ type: 'MODIFIED' });
    expect(events.at(-1)!.type).toBe('DELETED');
    expect(await processesOf(uid)).toEqual([]);

    // Its last user gone, the claim goes, and its directory with it.
    expect(
      (await refusal(core.readNamespacedPersistentVolumeClaim({ name: 'scratch', namespace: NS }))).code,
    ).toBe(404);
    await until(() => !existsSync(claimDir));

    // A pod that ignores SIGTERM is killed when its grace period is over.
    const stubbornUid = UID + 1;
    await runningPod(
      pod('stubborn', { uid: stubbornUid, command: ['sh', '-c', 'trap "" TERM; while :; do sleep 1; done'] }),
    );
    const stubbornGone = watchPods(
      {
        resourceVersion: (await core.listNamespacedPod({ namespace: NS })).metadata!.resourceVersion!,
        fieldSelector: 'metadata.name=stubborn',
      },
      (type) => type === 'DELETED',
    );
    const terminating = await core.deleteNamespacedPod({
      name: 'stubborn',
      namespace: NS,
      gracePeriodSeconds: 1,
    });
    expect(terminating.metadata?.deletionGracePeriodSeconds).toBe(1);
    await stubbornGone.finished;
    expect(await processesOf(stubbornUid)).toEqual([]);
  });

  it('falls back to v4.channel.k8s.io and channel.k8s.io for clients without v5', async () => {
    await shellPod();
    const url = `${server.url.replace('https', 'wss')}/api/v1/namespaces/${NS}/pods/shell/exec?command=sh&command=-c&command=echo%20v4%3B%20exit%205&stdout=true&stderr=true`;
    const frames = (protocol: string) =>
      new Promise<{ protocol: string; frames: Buffer[] }>((resolve, reject) => {
        const ws = new WebSocket(url, [protocol], {
          ca: server.ca,
          headers: { Authorization: `Bearer ${server.token}` },
        });
        const received: Buffer[] = [];
        ws.on('message', (data: Buffer) => received.push(data));
        ws.on('close', () => resolve({ protocol: ws.protocol, frames: received }));
        ws.on('error', reject);
      });
    const v4 = await frames('v4.channel.k8s.io');
    expect(v4.protocol).toBe('v4.channel.k8s.io');
    const byChannel = (frames: Buffer[], channel: number) =>
      Buffer.concat(frames.filter((f) => f[0] === channel).map((f) => f.subarray(1))).toString();
    expect(byChannel(v4.frames, 1)).toBe('v4\n');
    expect(JSON.parse(byChannel(v4.frames, 3))).toEqual({
      metadata: {},
      status: 'Failure',
      message:
        'command terminated with non-zero exit code: error executing command [sh -c echo v4; exit 5], exit code 5',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '5' }] },
    });
    // The first protocol reports only a failure's message, as text.
    // Refused before the upgrade: an HTTP answer with a Status, as the API server gives it.
    const refused = await new Promise<{ code: number; body: string }>((resolve, reject) => {
      const ws = new WebSocket(url.replace('/pods/shell/', '/pods/nope/'), ['v5.channel.k8s.io'], {
        ca: server.ca,
        headers: { Authorization: `Bearer ${server.token}` },
      });
      ws.on('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
      });
      ws.on('open', () => reject(new Error('upgraded an exec into a missing pod')));
    });
    expect(refused.code).toBe(404);
    expect(JSON.parse(refused.body)).toMatchObject({
      kind: 'Status',
      reason: 'NotFound',
      message: 'pods "nope" not found',
    });
    const v1 = await frames('channel.k8s.io');
    expect(v1.protocol).toBe('channel.k8s.io');
    expect(byChannel(v1.frames, 3)).toBe(
      'command terminated with non-zero exit code: error executing command [sh -c echo v4; exit 5], exit code 5',
    );
  });

  it('reports a finished container: Succeeded or Failed, with its exit code', async () => {
    const ok = await finished('job-ok', 'echo done');
    expect(ok.status?.phase).toBe('Succeeded');
    expect(ok.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({
      exitCode: 0,
      reason: 'Completed',
    });
    expect(await core.readNamespacedPodLog({ name: 'job-ok', namespace: NS })).toBe('done\n');
    expect(await core.readNamespacedPodLog({ name: 'job-ok', namespace: NS, follow: true })).toBe('done\n');
    const bad = await finished('job-bad', 'exit 7');
    expect(bad.status?.phase).toBe('Failed');
    expect(bad.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({
      exitCode: 7,
      reason: 'Error',
    });
  });

  it('serves objects that validate against the official Kubernetes OpenAPI schemas', async () => {
    const raw = async (path: string) => (await rawRequest(server, 'GET', path)).body;
    await core.createNamespacedPersistentVolumeClaim({
      namespace: NS,
      body: {
        metadata: { name: 'checked' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      },
    });
    await runningPod(pod('checked', { claim: 'checked', labels: { app: 'checked' } }));
    await kc.makeApiClient(NetworkingV1Api).createNamespacedNetworkPolicy({
      namespace: NS,
      body: {
        metadata: { name: 'checked' },
        spec: { podSelector: { matchLabels: { app: 'checked' } }, policyTypes: ['Egress'], egress: [] },
      },
    });
    await core.createNamespacedService({
      namespace: NS,
      body: { metadata: { name: 'checked' }, spec: { selector: { app: 'checked' }, ports: [{ port: 80 }] } },
    });
    const list = await raw(`/api/v1/namespaces/${NS}/pods?labelSelector=app%3Dchecked`);
    // List items carry no kind and apiVersion of their own, as the API server sends them.
    const items = (list.items as Record<string, unknown>[]).map((item) => ({
      kind: 'Pod',
      apiVersion: 'v1',
      ...item,
    }));
    expect(items).toHaveLength(1);
    await assertValidKubeObjects([
      await raw(`/api/v1/namespaces/${NS}`),
      await raw(`/api/v1/namespaces/${NS}/pods/checked`),
      await raw(`/api/v1/namespaces/${NS}/persistentvolumeclaims/checked`),
      await raw(`/api/v1/namespaces/${NS}/services/checked`),
      await raw(`/apis/networking.k8s.io/v1/namespaces/${NS}/networkpolicies/checked`),
      ...items,
    ]);
  });

  it('refuses unknown fields with fieldValidation=Strict, and drops them with a Warning by default', async () => {
    const body = { metadata: { name: 'strict' }, data: { a: 'b' }, spec: { bogus: true } };
    const strict = await rawRequest(
      server,
      'POST',
      `/api/v1/namespaces/${NS}/configmaps?fieldValidation=Strict`,
      body,
    );
    expect(strict.code).toBe(400);
    expect(strict.body).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'BadRequest',
      message:
        'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "spec"',
      code: 400,
    });
    const warned = await rawRequest(server, 'POST', `/api/v1/namespaces/${NS}/configmaps`, body);
    expect(warned.code).toBe(201);
    expect(warned.headers.warning).toBe('299 - "unknown field \\"spec\\""');
    expect(warned.body).not.toHaveProperty('spec');
    expect(warned.body.data).toEqual({ a: 'b' });
  });

  it('patches labels with a merge patch and a JSON patch, and selects by them', async () => {
    await core.createNamespacedConfigMap({
      namespace: NS,
      body: { metadata: { name: 'labelled', labels: { a: '1' } } },
    });
    const merged = await core.patchNamespacedConfigMap(
      { name: 'labelled', namespace: NS, body: { metadata: { labels: { a: null, b: '2' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(merged.metadata?.labels).toEqual({ b: '2' });
    const patched = await core.patchNamespacedConfigMap(
      {
        name: 'labelled',
        namespace: NS,
        body: [{ op: 'add', path: '/metadata/annotations', value: { note: 'x' } }],
      },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    );
    expect(patched.metadata?.annotations).toEqual({ note: 'x' });
    expect(Number(patched.metadata?.resourceVersion)).toBeGreaterThan(
      Number(merged.metadata?.resourceVersion),
    );
    const selected = await core.listNamespacedConfigMap({ namespace: NS, labelSelector: 'b=2' });
    expect(selected.items.map((c) => c.metadata?.name)).toEqual(['labelled']);
  });

  it('empties a deleted namespace, pods included, then removes it', async () => {
    await core.createNamespace({ body: { metadata: { name: 'doomed-ns' } } });
    const uid = UID + 2;
    const body = pod('inside', { uid });
    await core.createNamespacedPod({ namespace: 'doomed-ns', body });
    const namespaces = await core.listNamespace();
    const gone = new Promise<string[]>((resolve, reject) => {
      const seen: string[] = [];
      void new Watch(kc).watch(
        '/api/v1/namespaces',
        { resourceVersion: namespaces.metadata!.resourceVersion!, fieldSelector: 'metadata.name=doomed-ns' },
        (type: string, object: { status?: { phase?: string } }) => {
          seen.push(`${type} ${object.status?.phase}`);
          if (type === 'DELETED') resolve(seen);
        },
        (error: unknown) => (error ? reject(error as Error) : resolve(seen)),
      );
    });
    await core.deleteNamespace({ name: 'doomed-ns' });
    const seen = await gone;
    expect(seen[0]).toBe('MODIFIED Terminating');
    expect(seen.at(-1)).toMatch(/^DELETED/);
    expect((await refusal(core.readNamespacedPod({ name: 'inside', namespace: 'doomed-ns' }))).code).toBe(
      404,
    );
    expect(await processesOf(uid)).toEqual([]);
  });

  it('gives pods the network their NetworkPolicies allow: none, Hangar only, or everything', async () => {
    const namespace = 'net';
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    const net = kc.makeApiClient(NetworkingV1Api);
    await net.createNamespacedNetworkPolicy({
      namespace,
      body: {
        metadata: { name: 'isolated' },
        spec: { podSelector: { matchLabels: { net: 'none' } }, policyTypes: ['Egress'] },
      },
    });
    await net.createNamespacedNetworkPolicy({
      namespace,
      body: {
        metadata: { name: 'hangar-only' },
        spec: {
          podSelector: { matchExpressions: [{ key: 'net', operator: 'In', values: ['hangar'] }] },
          policyTypes: ['Egress'],
          egress: [
            { to: [{ ipBlock: { cidr: '10.96.0.10/32' } }], ports: [{ port: 18080, protocol: 'TCP' }] },
          ],
        },
      },
    });
    const probe = async (name: string) => {
      await runningPod(pod(name, { labels: { net: name } }), namespace);
      const result = await exec(
        name,
        [
          'bash',
          '-c',
          'if exec 3<>/dev/tcp/127.0.0.1/18080; then printf "GET / HTTP/1.0\\r\\n\\r\\n" >&3; tail -n 1 <&3; else printf unreachable; fi 2>/dev/null; echo; grep -c . /proc/net/route',
        ],
        { namespace },
      ).status;
      return result.stdout;
    };
    // Routes counted with /proc/net/route's header line: none; Hangar through the bridge only;
    // Hangar and a default route (slirp4netns).
    expect(await probe('none')).toBe('unreachable\n1\n');
    expect(await probe('hangar')).toBe('pong\n1\n');
    expect(await probe('full')).toMatch(/^pong\n([2-9]|\d\d+)\n$/);
  });

  it('sends BOOKMARK events with the current resourceVersion to watches that allow them', async () => {
    const list = await core.listNamespacedConfigMap({ namespace: NS });
    let controller: AbortController | undefined;
    const bookmark = await new Promise<{
      kind?: string;
      apiVersion?: string;
      metadata?: { resourceVersion?: string };
    }>((resolve, reject) => {
      void new Watch(kc)
        .watch(
          `/api/v1/namespaces/${NS}/configmaps`,
          { resourceVersion: list.metadata!.resourceVersion!, allowWatchBookmarks: true },
          (
            type: string,
            object: { kind?: string; apiVersion?: string; metadata?: { resourceVersion?: string } },
          ) => {
            if (type === 'BOOKMARK') resolve(object);
          },
          (error: unknown) => error && reject(error as Error),
        )
        .then((c) => (controller = c), reject);
    });
    controller?.abort();
    expect(bookmark.kind).toBe('ConfigMap');
    expect(bookmark.apiVersion).toBe('v1');
    expect(Number(bookmark.metadata?.resourceVersion)).toBeGreaterThanOrEqual(
      Number(list.metadata!.resourceVersion),
    );
  });

  it('collects dependents of a deleted owner', async () => {
    const owner = await core.createNamespacedConfigMap({
      namespace: NS,
      body: { metadata: { name: 'owner' } },
    });
    const ref = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      name: 'owner',
      uid: owner.metadata!.uid!,
      blockOwnerDeletion: true,
    };
    await core.createNamespacedSecret({
      namespace: NS,
      body: { metadata: { name: 'dependent', ownerReferences: [ref] }, stringData: { k: 'v' } },
    });
    await core.deleteNamespacedConfigMap({ name: 'owner', namespace: NS, propagationPolicy: 'Foreground' });
    expect((await refusal(core.readNamespacedSecret({ name: 'dependent', namespace: NS }))).code).toBe(404);
    expect((await refusal(core.readNamespacedConfigMap({ name: 'owner', namespace: NS }))).code).toBe(404);
  });

  describe.skipIf(kubectlMissing)('with kubectl', () => {
    const kubectl = (...args: string[]) => kubectlWithInput('', ...args);
    const kubectlWithInput = (input: string, ...args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        const child = execFile(
          'kubectl',
          ['--kubeconfig', server.kubeconfigPath, '-n', NS, ...args],
          { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: server.root } },
          (error, stdout, stderr) =>
            resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
        child.stdin?.end(input);
      });

    it('gets, execs in and deletes pods', async () => {
      await Promise.all([
        runningPod(pod('kc-a', { labels: { app: 'kubectl' } })),
        runningPod(pod('kc-b', { labels: { app: 'kubectl' } })),
        finished('kc-job', 'echo done'),
      ]);
      const got = await kubectl('get', 'pods', '-l', 'app=kubectl', '-o', 'json');
      expect(got.stderr).toBe('');
      const list = JSON.parse(got.stdout) as { items: V1Pod[] };
      expect(list.items.map((p) => p.metadata!.name).sort()).toEqual(['kc-a', 'kc-b']);
      expect(list.items[0]!.status?.phase).toBe('Running');

      const table = await kubectl('get', 'pods', '-l', 'app=kubectl');
      expect(table.stdout).toMatch(
        /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\nkc-a\s+1\/1\s+Running\s+0\s+\d+s\nkc-b\s+1\/1\s+Running\s+0\s+\d+s\n$/,
      );

      expect(await kubectl('exec', 'kc-a', '--', 'echo', 'ok')).toEqual({
        code: 0,
        stdout: 'ok\n',
        stderr: '',
      });
      const failed = await kubectl('exec', 'kc-a', '--', 'sh', '-c', 'echo out; echo err >&2; exit 4');
      expect(failed).toMatchObject({ code: 4, stdout: 'out\n' });
      expect(failed.stderr).toContain('err\n');
      // -i: stdin to the command, and its end (v5's close message) ends cat.
      expect(await kubectlWithInput('typed in\n', 'exec', '-i', 'kc-a', '--', 'cat')).toEqual({
        code: 0,
        stdout: 'typed in\n',
        stderr: '',
      });

      expect(await kubectl('logs', 'kc-job')).toEqual({ code: 0, stdout: 'done\n', stderr: '' });

      const deleted = await kubectl('delete', 'pod', 'kc-b');
      expect(deleted).toMatchObject({ code: 0, stdout: 'pod "kc-b" deleted\n' });
      const missing = await kubectl('get', 'pod', 'kc-b');
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain('Error from server (NotFound): pods "kc-b" not found');
    });
  });
});

/** Waits for a condition the test cannot be told about (terminal output, a directory's removal); no time limit but the test's. */
async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 20));
}
