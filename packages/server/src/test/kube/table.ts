import type { KubeObject, ResourceType } from './resources.js';

/** True when the client asks for the server-side printing of kubectl's plain `get` (`as=Table`). */
export function wantsTable(accept: string | undefined): boolean {
  return /as=Table;v=v1;g=meta\.k8s\.io/.test(accept ?? '');
}

const column = (name: string, type: string, format = '', priority = 0) => ({
  name,
  type,
  format,
  description: '',
  priority,
});

/** A `meta.k8s.io/v1` Table of objects: Name and Age, and for pods Ready, Status, Restarts as `kubectl get pods` shows them. */
export function toTable(
  r: ResourceType,
  objects: KubeObject[],
  resourceVersion: string,
  includeObject: string | null,
) {
  const pods = r.plural === 'pods';
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: [
      column('Name', 'string', 'name'),
      ...(pods ? [column('Ready', 'string'), column('Status', 'string'), column('Restarts', 'string')] : []),
      column('Age', 'string'),
    ],
    rows: objects.map((object) => ({
      cells: [
        object.metadata.name,
        ...(pods ? podCells(object) : []),
        age(object.metadata.creationTimestamp),
      ],
      object:
        includeObject === 'Object'
          ? { ...object, kind: r.kind }
          : includeObject === 'None'
            ? null
            : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: object.metadata },
    })),
  };
}

function podCells(pod: KubeObject): string[] {
  const status = pod.status as
    | {
        phase?: string;
        containerStatuses?: {
          ready: boolean;
          restartCount: number;
          state?: { waiting?: { reason: string } };
        }[];
      }
    | undefined;
  const containers = status?.containerStatuses ?? [];
  const total = (pod.spec as { containers: unknown[] }).containers.length;
  const waiting = containers.find((c) => c.state?.waiting)?.state?.waiting?.reason;
  const shown = pod.metadata.deletionTimestamp ? 'Terminating' : (waiting ?? status?.phase ?? 'Pending');
  return [
    `${containers.filter((c) => c.ready).length}/${total}`,
    shown,
    String(containers.reduce((n, c) => n + c.restartCount, 0)),
  ];
}

function age(timestamp: string): string {
  const seconds = Math.max(0, Math.floor((Date.now() - Date.parse(timestamp)) / 1000));
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m`;
  return `${Math.floor(seconds / 3600)}h`;
}
