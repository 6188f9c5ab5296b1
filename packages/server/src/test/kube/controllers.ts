import { CLAIMS, NAMESPACES, PODS, type KubeApi } from './api.js';
import { RESOURCES, type KubeObject } from './resources.js';
import { KubeError } from './status.js';

/**
 * The controller-manager's part that a driver relies on: the garbage collector (dependents of a
 * deleted owner go with it in the background; with Foreground, before it; with Orphan, they stay
 * and lose the reference), the namespace controller (a deleted namespace empties, then goes),
 * and PVC protection (a claim in use by a pod that has not finished stays Terminating).
 * Runs on every change, synchronously, so it is settled by the time a request is answered.
 */
export function startControllers(api: KubeApi): () => void {
  return api.store.subscribe(() => {
    collectGarbage(api);
    finishNamespaces(api);
    releaseClaims(api);
  });
}

const ignoreGone = (action: () => void) => {
  try {
    action();
  } catch (error) {
    if (!(error instanceof KubeError && error.status.code === 404)) throw error;
  }
};

const withoutFinalizer = (object: KubeObject, finalizer: string): KubeObject => ({
  ...object,
  metadata: {
    ...object.metadata,
    finalizers: (object.metadata.finalizers ?? []).filter((f) => f !== finalizer),
  },
});

function collectGarbage(api: KubeApi): void {
  const { store } = api;
  for (const resource of RESOURCES)
    for (const object of store.list(resource)) {
      const refs = object.metadata.ownerReferences ?? [];
      // Dependents whose every owner is gone are deleted (in the background).
      if (
        refs.length > 0 &&
        !object.metadata.deletionTimestamp &&
        refs.every((ref) => !ownerExists(api, object, ref.uid))
      )
        ignoreGone(() => api.delete(resource, object.metadata.namespace, object.metadata.name));
      if (!object.metadata.deletionTimestamp) continue;
      const finalizers = object.metadata.finalizers ?? [];
      const dependents = store.dependents(object.metadata.uid);
      if (finalizers.includes('orphan')) {
        for (const d of dependents) {
          const refsLeft = d.object.metadata.ownerReferences!.filter(
            (ref) => ref.uid !== object.metadata.uid,
          );
          d.object.metadata.ownerReferences = refsLeft.length ? refsLeft : undefined;
          if (!refsLeft.length) delete d.object.metadata.ownerReferences;
          ignoreGone(() => store.update(d.resource, d.object));
        }
        ignoreGone(() => store.update(resource, withoutFinalizer(object, 'orphan')));
      } else if (finalizers.includes('foregroundDeletion')) {
        for (const d of dependents)
          if (!d.object.metadata.deletionTimestamp)
            ignoreGone(() => api.delete(d.resource, d.object.metadata.namespace, d.object.metadata.name));
        if (dependents.length === 0)
          ignoreGone(() => store.update(resource, withoutFinalizer(object, 'foregroundDeletion')));
      }
    }
}

function ownerExists(api: KubeApi, dependent: KubeObject, uid: string): boolean {
  return RESOURCES.some((r) =>
    api.store
      .list(r, r.namespaced ? dependent.metadata.namespace : undefined)
      .some((o) => o.metadata.uid === uid),
  );
}

function finishNamespaces(api: KubeApi): void {
  for (const ns of api.store.list(NAMESPACES)) {
    if (!ns.metadata.deletionTimestamp) continue;
    let left = 0;
    for (const r of RESOURCES.filter((r) => r.namespaced))
      for (const object of api.store.list(r, ns.metadata.name)) {
        left++;
        if (!object.metadata.deletionTimestamp)
          ignoreGone(() => api.delete(r, ns.metadata.name, object.metadata.name));
      }
    if (left === 0 && (ns.metadata.finalizers ?? []).length === 0)
      ignoreGone(() => api.store.remove(NAMESPACES, undefined, ns.metadata.name));
  }
}

/** Claims a pod names in its volumes, while the pod has not finished. */
export function claimsInUse(api: KubeApi, namespace: string): Set<string> {
  const used = new Set<string>();
  for (const pod of api.store.list(PODS, namespace)) {
    const phase = (pod.status as { phase?: string } | undefined)?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') continue;
    for (const volume of (pod.spec as { volumes?: { persistentVolumeClaim?: { claimName?: string } }[] })
      .volumes ?? [])
      if (volume.persistentVolumeClaim?.claimName) used.add(volume.persistentVolumeClaim.claimName);
  }
  return used;
}

function releaseClaims(api: KubeApi): void {
  for (const claim of api.store.list(CLAIMS)) {
    if (
      !claim.metadata.deletionTimestamp ||
      !claim.metadata.finalizers?.includes('kubernetes.io/pvc-protection')
    )
      continue;
    if (claimsInUse(api, claim.metadata.namespace!).has(claim.metadata.name)) continue;
    ignoreGone(() => api.store.update(CLAIMS, withoutFinalizer(claim, 'kubernetes.io/pvc-protection')));
  }
}
