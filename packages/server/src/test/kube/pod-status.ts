import type { ContainerSpec } from './container.js';
import type { KubeObject } from './resources.js';

export interface ContainerState {
  waiting?: { reason: string; message?: string };
  running?: { startedAt: string };
  terminated?: {
    exitCode: number;
    reason: string;
    startedAt?: string;
    finishedAt: string;
    containerID?: string;
  };
}

export interface PodStatusInput {
  phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
  scheduled: boolean;
  /** Why the pod cannot be scheduled (a missing claim): PodScheduled False, reason Unschedulable. */
  unschedulable?: string;
  pod: KubeObject;
  podIP?: string;
  message?: string;
  containers: {
    container: ContainerSpec;
    state: ContainerState;
    restarts: number;
    last?: ContainerState;
    containerID?: string;
  }[];
}

const iso = (date: Date) => date.toISOString().replace(/\.\d+Z$/, 'Z');

/** A pod's status as the kubelet writes it: phase, conditions, container statuses. */
export function podStatus(input: PodStatusInput) {
  const previous = (input.pod.status ?? {}) as {
    startTime?: string;
    conditions?: { type: string; status: string; lastTransitionTime: string }[];
  };
  const now = iso(new Date());
  const ready =
    input.phase === 'Running' &&
    input.containers.length > 0 &&
    input.containers.every((c) => c.state.running);
  const condition = (type: string, ok: boolean, extra: Record<string, string> = {}) => {
    const status = ok ? 'True' : 'False';
    const before = previous.conditions?.find((c) => c.type === type);
    return {
      type,
      status,
      lastProbeTime: null,
      lastTransitionTime: before?.status === status ? before.lastTransitionTime : now,
      ...(!ok &&
        type !== 'PodScheduled' &&
        type !== 'Initialized' && { reason: type === 'Ready' ? 'ContainersNotReady' : 'ContainersNotReady' }),
      ...extra,
    };
  };
  const conditions = input.scheduled
    ? [
        condition('PodReadyToStartContainers', input.phase !== 'Pending'),
        condition('Initialized', true),
        condition('Ready', ready),
        condition('ContainersReady', ready),
        condition('PodScheduled', true),
      ]
    : [condition('PodScheduled', false, { reason: 'Unschedulable', message: input.unschedulable ?? '' })];
  return {
    phase: input.phase,
    conditions,
    ...(input.message && { message: input.message }),
    ...(input.scheduled && { hostIP: '127.0.0.1', hostIPs: [{ ip: '127.0.0.1' }] }),
    ...(input.podIP && { podIP: input.podIP, podIPs: [{ ip: input.podIP }] }),
    ...(input.scheduled && { startTime: previous.startTime ?? now }),
    ...(input.containers.length > 0 && {
      containerStatuses: input.containers.map((c) => ({
        name: c.container.name,
        state: c.state,
        lastState: c.last ?? {},
        ready: Boolean(c.state.running) && input.phase === 'Running',
        restartCount: c.restarts,
        image: c.container.image,
        imageID: '',
        ...(c.containerID && !c.state.waiting && { containerID: c.containerID }),
        started: Boolean(c.state.running),
      })),
    }),
    qosClass: 'BestEffort',
  };
}
