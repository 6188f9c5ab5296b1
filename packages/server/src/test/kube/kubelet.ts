import { mkdir } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { SandboxDriver, SandboxSpec } from '../../sandbox/driver.js';
import { CLAIMS, PODS, type KubeApi } from './api.js';
import { ContainerProcess, type ContainerSpec } from './container.js';
import { podNetwork, type HangarBridge } from './network.js';
import { containerEnv, sandboxLimits } from './pod-spec.js';
import { podStatus, type ContainerState } from './pod-status.js';
import { RESOURCES, type KubeObject } from './resources.js';
import { badRequest, KubeError } from './status.js';
import type { StoreEvent } from './store.js';
import { bindClaim, claimDir, podMounts, removeDir, VolumeError, type Volume } from './volumes.js';

export interface KubeletOptions {
  driver: SandboxDriver;
  /** Host directory for claims' and pods' files; the driver's state root is inside it. */
  root: string;
  stateRoot: string;
  /** Sandbox uids given to pods without runAsUser: `uidBase`, `uidBase + 1`, … */
  uidBase: number;
  /** How pods reach Hangar; without it every pod's network is `none` (see network.ts). */
  hangar?: HangarBridge;
  nodeName: string;
}

interface ContainerEntry {
  spec: ContainerSpec;
  env: Record<string, string>;
  process?: ContainerProcess;
  state: ContainerState;
  restarts: number;
  last?: ContainerState;
}

interface PodRuntime {
  uid: string;
  namespace: string;
  name: string;
  spec?: SandboxSpec;
  containers: Map<string, ContainerEntry>;
  ready: Promise<void>;
  terminating?: Promise<void>;
}

/**
 * The node: runs every pod as one sandbox of the driver (bubblewrap), its containers as
 * processes in it, its volumes as host directories (see volumes.ts), and reports what happens
 * in the pod's status, as a kubelet does: Pending, Running with Ready conditions and container
 * states, Succeeded or Failed when the containers end for good (restartPolicy decides), and on
 * deletion SIGTERM to everything inside, SIGKILL after the grace period, then the object's removal.
 */
export class Kubelet {
  private readonly pods = new Map<string, PodRuntime>();
  private readonly waiting = new Set<string>();
  private readonly work = new Set<Promise<unknown>>();
  private nextUid = 0;
  private nextIp = 2;
  private readonly unsubscribe: () => void;
  private closed = false;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly api: KubeApi,
    private readonly options: KubeletOptions,
  ) {
    this.unsubscribe = api.store.subscribe((event) => this.onEvent(event));
  }

  /** Where a running container of a pod is, for exec and attach; a 4xx KubeError otherwise. */
  async target(namespace: string, name: string, containerName: string | null) {
    const pod = this.api.store.mustGet(PODS, namespace, name);
    const runtime = this.pods.get(pod.metadata.uid);
    const containers = (pod.spec as { containers: ContainerSpec[] }).containers;
    const container = containerName ? containers.find((c) => c.name === containerName) : containers[0];
    if (!container) throw badRequest(`container ${containerName} is not valid for pod ${name}`);
    await runtime?.ready;
    const entry = runtime?.containers.get(container.name);
    if (!runtime?.spec || !entry?.process || runtime.terminating)
      throw badRequest(`container not found ("${container.name}")`);
    return {
      driver: this.options.driver,
      spec: runtime.spec,
      env: entry.env,
      process: entry.process,
      container,
    };
  }

  /** A container's output so far (`tailLines`: its last lines), then, with `follow`, what it writes until it ends. */
  logs(namespace: string, name: string, query: URLSearchParams, res: ServerResponse): void {
    const pod = this.api.store.mustGet(PODS, namespace, name);
    const runtime = this.pods.get(pod.metadata.uid);
    const containerName =
      query.get('container') ?? (pod.spec as { containers: ContainerSpec[] }).containers[0]!.name;
    const entry = runtime?.containers.get(containerName);
    if (!entry) throw badRequest(`container ${containerName} is not valid for pod ${name}`);
    let text = entry.process?.logs() ?? Buffer.alloc(0);
    const tail = query.get('tailLines');
    if (tail !== null) {
      const lines = text.toString('utf8').split(/(?<=\n)/);
      text = Buffer.from(lines.slice(Math.max(0, lines.length - Number(tail))).join(''));
    }
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
    res.write(text);
    const process = entry.process;
    if (query.get('follow') !== 'true' || !process) return void res.end();
    const forward = (_stream: number, data: Buffer) => res.write(data);
    process.on('data', forward);
    const stop = () => process.off('data', forward);
    res.on('close', stop);
    void process.exited.then(() => {
      stop();
      res.end();
    });
  }

  /** Stops every sandbox this node started and waits for the work under way. */
  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe();
    for (const timer of this.timers) clearTimeout(timer);
    await Promise.allSettled([...this.work]);
    await Promise.allSettled([...this.pods.values()].map((runtime) => this.stopSandbox(runtime)));
  }

  private track(promise: Promise<unknown>): void {
    const settled = promise.catch(() => undefined);
    this.work.add(settled);
    void settled.then(() => this.work.delete(settled));
  }

  private onEvent(event: StoreEvent): void {
    if (this.closed) return;
    const { object } = event;
    if (event.resource === CLAIMS && event.type === 'ADDED') {
      this.track(bindClaim(this.api, this.options.root, object));
    } else if (event.resource === CLAIMS && event.type === 'DELETED') {
      this.track(removeDir(claimDir(this.options.root, object)));
    } else if (event.resource === CLAIMS && event.type === 'MODIFIED') {
      for (const uid of this.waiting) this.retry(uid);
    } else if (event.resource === PODS) {
      const runtime = this.pods.get(object.metadata.uid);
      if (event.type === 'ADDED') this.admit(object);
      else if (runtime && (event.type === 'DELETED' || object.metadata.deletionTimestamp))
        this.terminate(runtime, object);
      else if (!runtime && event.type === 'MODIFIED' && object.metadata.deletionTimestamp)
        this.forget(object);
    } else if (RESOURCES.includes(event.resource) && event.type === 'ADDED') {
      for (const uid of this.waiting) this.retry(uid);
    }
  }

  private retry(uid: string): void {
    this.waiting.delete(uid);
    for (const pod of this.api.store.list(PODS))
      if (pod.metadata.uid === uid && !pod.metadata.deletionTimestamp) this.admit(pod);
  }

  private admit(pod: KubeObject): void {
    const runtime: PodRuntime = {
      uid: pod.metadata.uid,
      namespace: pod.metadata.namespace!,
      name: pod.metadata.name,
      containers: new Map(),
      ready: Promise.resolve(),
    };
    this.pods.set(runtime.uid, runtime);
    runtime.ready = this.run(runtime, pod);
    this.track(runtime.ready);
  }

  private async run(runtime: PodRuntime, pod: KubeObject): Promise<void> {
    const spec = pod.spec as {
      containers: ContainerSpec[];
      securityContext?: { runAsUser?: number; runAsGroup?: number };
      volumes?: Volume[];
    };
    this.update(runtime, (p) => {
      (p.spec as Record<string, unknown>).nodeName = this.options.nodeName;
      p.status = podStatus({ phase: 'Pending', scheduled: true, pod: p, containers: [] });
    });
    const first = spec.containers[0]!;
    const uid =
      first.securityContext?.runAsUser ??
      spec.securityContext?.runAsUser ??
      this.options.uidBase + (this.nextUid++ % 20);
    const gid = first.securityContext?.runAsGroup ?? spec.securityContext?.runAsGroup ?? uid;
    const podDir = join(this.options.root, 'pods', runtime.uid);
    try {
      await mkdir(podDir, { recursive: true });
      const mounts = await podMounts(this.api, this.options.root, pod, podDir, { uid, gid });
      for (const container of spec.containers)
        runtime.containers.set(container.name, {
          spec: container,
          env: containerEnv(this.api, pod, container),
          state: { waiting: { reason: 'ContainerCreating' } },
          restarts: 0,
        });
      const sandbox: SandboxSpec = {
        id: `${runtime.namespace}.${runtime.name}.${runtime.uid.slice(0, 8)}`.slice(0, 100),
        ...mounts,
        stateDir: join(this.options.stateRoot, runtime.uid),
        uid,
        gid,
        env: { HOSTNAME: runtime.name },
        ...podNetwork(
          this.api,
          pod,
          this.options.hangar,
          this.options.driver.capabilities.networkPolicies.includes('full'),
        ),
        limits: sandboxLimits(first),
      };
      await this.options.driver.create(sandbox);
      await this.options.driver.start(sandbox);
      runtime.spec = sandbox;
      if (runtime.terminating || this.closed) return;
      for (const entry of runtime.containers.values()) await this.startContainer(runtime, entry);
      const podIP = `10.244.0.${this.nextIp++ % 250}`;
      this.update(runtime, (p) => {
        p.status = podStatus({
          phase: 'Running',
          scheduled: true,
          pod: p,
          podIP,
          containers: this.states(runtime),
        });
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof VolumeError) {
        // Unschedulable until the volume appears (retried on every new object).
        this.pods.delete(runtime.uid);
        this.waiting.add(runtime.uid);
        this.update(runtime, (p) => {
          p.status = podStatus({
            phase: 'Pending',
            scheduled: false,
            unschedulable: message,
            pod: p,
            containers: [],
          });
        });
        return;
      }
      for (const entry of runtime.containers.values())
        entry.state = { waiting: { reason: 'CreateContainerError', message } };
      this.update(runtime, (p) => {
        p.status = podStatus({
          phase: 'Failed',
          scheduled: true,
          pod: p,
          containers: this.states(runtime),
          message,
        });
      });
      await this.stopSandbox(runtime);
    }
  }

  private async startContainer(runtime: PodRuntime, entry: ContainerEntry): Promise<void> {
    const process = await ContainerProcess.start(this.options.driver, runtime.spec!, entry.spec, entry.env);
    entry.process = process;
    entry.state = { running: { startedAt: iso(process.startedAt) } };
    void process.exited.then((exitCode) => this.containerExited(runtime, entry, exitCode));
  }

  private containerExited(runtime: PodRuntime, entry: ContainerEntry, exitCode: number): void {
    if (runtime.terminating || this.closed) return;
    const startedAt = entry.state.running?.startedAt;
    entry.state = {
      terminated: {
        exitCode,
        reason: exitCode === 0 ? 'Completed' : 'Error',
        startedAt,
        finishedAt: iso(new Date()),
        containerID: `bubblewrap://${runtime.spec!.id}/${entry.spec.name}`,
      },
    };
    const pod = this.api.store.get(PODS, runtime.namespace, runtime.name);
    const policy = (pod?.spec as { restartPolicy?: string } | undefined)?.restartPolicy ?? 'Always';
    if (policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0)) {
      entry.restarts += 1;
      entry.last = entry.state;
      entry.state = {
        waiting: {
          reason: 'CrashLoopBackOff',
          message: `back-off restarting failed container ${entry.spec.name}`,
        },
      };
      this.update(
        runtime,
        (p) =>
          (p.status = podStatus({
            phase: 'Running',
            scheduled: true,
            pod: p,
            containers: this.states(runtime),
            podIP: (p.status as { podIP?: string }).podIP,
          })),
      );
      // Back-off as the kubelet's, but in seconds rather than tens of seconds: 1, 2, 4, 8, 10, 10…
      const delay = Math.min(10_000, 1000 * 2 ** Math.min(entry.restarts - 1, 4));
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        if (!runtime.terminating && !this.closed)
          this.track(this.startContainer(runtime, entry).then(() => this.refresh(runtime)));
      }, delay);
      this.timers.add(timer);
      return;
    }
    const states = [...runtime.containers.values()];
    if (states.some((s) => !s.state.terminated)) return this.refresh(runtime);
    const phase = states.every((s) => s.state.terminated!.exitCode === 0) ? 'Succeeded' : 'Failed';
    this.update(
      runtime,
      (p) =>
        (p.status = podStatus({
          phase,
          scheduled: true,
          pod: p,
          containers: this.states(runtime),
          podIP: (p.status as { podIP?: string }).podIP,
        })),
    );
    this.track(this.stopSandbox(runtime));
  }

  private refresh(runtime: PodRuntime): void {
    this.update(runtime, (p) => {
      const status = p.status as { phase: 'Running'; podIP?: string };
      p.status = podStatus({
        phase: status.phase,
        scheduled: true,
        pod: p,
        containers: this.states(runtime),
        podIP: status.podIP,
      });
    });
  }

  /** Graceful deletion: SIGTERM to every process inside, SIGKILL (the sandbox's stop) after the grace period, then the pod goes. */
  private terminate(runtime: PodRuntime, pod: KubeObject): void {
    if (runtime.terminating) return;
    const grace = pod.metadata.deletionGracePeriodSeconds ?? 0;
    runtime.terminating = (async () => {
      await runtime.ready.catch(() => undefined);
      if (runtime.spec && grace > 0) {
        const exits = [...runtime.containers.values()]
          .map((c) => c.process?.exited)
          .filter((e) => e !== undefined);
        for (const entry of runtime.containers.values()) await entry.process?.terminate();
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          Promise.all(exits),
          new Promise((resolve) => (timer = setTimeout(resolve, grace * 1000))),
        ]);
        clearTimeout(timer);
      }
      await this.stopSandbox(runtime);
      this.pods.delete(runtime.uid);
      this.forget(pod);
    })();
    this.track(runtime.terminating);
  }

  /** The kubelet's final delete (grace 0) of a pod it no longer runs. */
  private forget(pod: KubeObject): void {
    try {
      const current = this.api.store.get(PODS, pod.metadata.namespace, pod.metadata.name);
      if (current?.metadata.uid === pod.metadata.uid)
        this.api.delete(PODS, pod.metadata.namespace, pod.metadata.name, { gracePeriodSeconds: 0 });
    } catch (error) {
      if (!(error instanceof KubeError)) throw error;
    }
  }

  private async stopSandbox(runtime: PodRuntime): Promise<void> {
    for (const entry of runtime.containers.values()) entry.process?.forceKill();
    if (runtime.spec) await this.options.driver.stop(runtime.spec);
    // The pod's own directories (emptyDirs, state); claims' directories stay with the claims.
    await removeDir(join(this.options.root, 'pods', runtime.uid));
    await removeDir(join(this.options.stateRoot, runtime.uid));
  }

  private states(runtime: PodRuntime) {
    return [...runtime.containers.values()].map((entry) => ({
      container: entry.spec,
      state: entry.state,
      restarts: entry.restarts,
      last: entry.last,
      containerID: runtime.spec && `bubblewrap://${runtime.spec.id}/${entry.spec.name}`,
    }));
  }

  private update(runtime: PodRuntime, change: (pod: KubeObject) => void): void {
    const pod = this.api.store.get(PODS, runtime.namespace, runtime.name);
    if (!pod || pod.metadata.uid !== runtime.uid) return;
    change(pod);
    this.api.store.update(PODS, pod);
  }
}

const iso = (date: Date) => date.toISOString().replace(/\.\d+Z$/, 'Z');
