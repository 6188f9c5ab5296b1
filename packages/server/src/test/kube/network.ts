import type { SandboxSpec } from '../../sandbox/driver.js';
import type { KubeApi } from './api.js';
import { RESOURCES, type KubeObject } from './resources.js';

const POLICIES = RESOURCES.find((r) => r.plural === 'networkpolicies')!;

/** Where pods reach Hangar: a host directory holding `hangar.sock`, forwarded to 127.0.0.1:`port` inside. */
export interface HangarBridge {
  socketDir: string;
  port: number;
}

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

interface EgressRule {
  to?: {
    ipBlock?: { cidr: string; except?: string[] };
    podSelector?: unknown;
    namespaceSelector?: unknown;
  }[];
}

/**
 * The sandbox network of a pod, from the NetworkPolicies of its namespace that select it for
 * Egress, as far as a bubblewrap sandbox can express them: not selected (or a rule allowing
 * everything, `{}` or 0.0.0.0/0) → `full` (its `except` ranges blocked; `hangar` where the
 * driver has no full network); selected with no rule → `none`; rules naming only particular
 * destinations → `hangar`, since Hangar is the one destination the sandbox can be given.
 * Without a bridge every pod gets `none`. Decided when the pod starts.
 */
export function podNetwork(
  api: KubeApi,
  pod: KubeObject,
  bridge: HangarBridge | undefined,
  fullNetwork: boolean,
): Pick<SandboxSpec, 'network' | 'hangarSocketDir' | 'hangarPort' | 'blockedNetworks'> {
  if (!bridge) return { network: 'none' };
  const reach = { hangarSocketDir: bridge.socketDir, hangarPort: bridge.port };
  const policies = api.store
    .list(POLICIES, pod.metadata.namespace)
    .map((p) => p.spec as { podSelector?: LabelSelector; policyTypes?: string[]; egress?: EgressRule[] })
    .filter(
      (spec) =>
        spec.policyTypes?.includes('Egress') && selects(spec.podSelector ?? {}, pod.metadata.labels ?? {}),
    );
  const rules = policies.flatMap((spec) => spec.egress ?? []);
  const unrestricted = (blocked: string[]) =>
    fullNetwork
      ? { network: 'full' as const, ...reach, ...(blocked.length && { blockedNetworks: blocked }) }
      : { network: 'hangar' as const, ...reach };
  if (policies.length === 0) return unrestricted([]);
  if (rules.length === 0) return { network: 'none' };
  const everywhere = rules.flatMap((rule) =>
    !rule.to?.length
      ? [[] as string[]]
      : rule.to.filter((to) => to.ipBlock?.cidr === '0.0.0.0/0').map((to) => to.ipBlock!.except ?? []),
  );
  if (everywhere.length > 0)
    return unrestricted(everywhere.reduce((a, b) => a.filter((range) => b.includes(range))));
  return { network: 'hangar', ...reach };
}

/** A metav1.LabelSelector: matchLabels and matchExpressions (In, NotIn, Exists, DoesNotExist) all hold. */
export function selects(selector: LabelSelector, labels: Record<string, string>): boolean {
  const equal = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  return (
    equal &&
    (selector.matchExpressions ?? []).every((e) => {
      const has = Object.hasOwn(labels, e.key);
      switch (e.operator) {
        case 'In':
          return has && (e.values ?? []).includes(labels[e.key]!);
        case 'NotIn':
          return !has || !(e.values ?? []).includes(labels[e.key]!);
        case 'Exists':
          return has;
        case 'DoesNotExist':
          return !has;
        default:
          return false;
      }
    })
  );
}
