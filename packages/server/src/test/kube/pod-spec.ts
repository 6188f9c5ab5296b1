import type { SandboxSpec } from '../../sandbox/driver.js';
import type { KubeApi } from './api.js';
import type { ContainerSpec } from './container.js';
import { RESOURCES, type KubeObject } from './resources.js';
import { notFound } from './status.js';

/** What of a pod's spec becomes its sandbox's and its containers' settings. */

/** The container's environment: values, and values from secrets and config maps. */
export function containerEnv(
  api: KubeApi,
  pod: KubeObject,
  container: ContainerSpec,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const variable of container.env ?? []) {
    const from = variable.valueFrom as
      | { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: { name: string; key: string } }
      | undefined;
    if (variable.value !== undefined) env[variable.name] = variable.value;
    else if (from?.secretKeyRef || from?.configMapKeyRef) {
      const ref = (from.secretKeyRef ?? from.configMapKeyRef)!;
      const r = RESOURCES.find((x) => x.plural === (from.secretKeyRef ? 'secrets' : 'configmaps'))!;
      const source = api.store.get(r, pod.metadata.namespace, ref.name);
      const value = (source?.data as Record<string, string> | undefined)?.[ref.key];
      if (value === undefined) throw notFound(r, ref.name);
      env[variable.name] = from.secretKeyRef ? Buffer.from(value, 'base64').toString('utf8') : value;
    }
  }
  return env;
}

/** Kubernetes quantities of limits.memory and limits.cpu as the sandbox's limits. */
export function sandboxLimits(container: ContainerSpec): SandboxSpec['limits'] {
  const result: SandboxSpec['limits'] = {};
  const memory = container.resources?.limits?.memory;
  const cpu = container.resources?.limits?.cpu;
  if (memory) result.memoryBytes = quantity(memory);
  if (cpu) result.cpus = cpu.endsWith('m') ? Number(cpu.slice(0, -1)) / 1000 : Number(cpu);
  return result;
}

function quantity(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(text);
  if (!match) return Number(text);
  const unit =
    { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, k: 1e3, M: 1e6, G: 1e9, T: 1e12 }[match[2] ?? ''] ??
    1;
  return Math.round(Number(match[1]) * unit);
}
