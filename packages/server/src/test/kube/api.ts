import { applyDefaults, validate } from './defaults.js';
import { applyPatch } from './patch.js';
import { RESOURCES, groupVersion, type KubeObject, type ResourceType } from './resources.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';
import { badRequest, cause, forbidden, invalid, notFound } from './status.js';
import type { ObjectStore } from './store.js';

export const NAMESPACES = RESOURCES.find((r) => r.plural === 'namespaces')!;
export const PODS = RESOURCES.find((r) => r.plural === 'pods')!;
export const CLAIMS = RESOURCES.find((r) => r.plural === 'persistentvolumeclaims')!;

export interface DeleteOptions {
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
}

/** The REST verbs over the store, with the API server's rules for each. */
export class KubeApi {
  /** How often a watch that allows bookmarks gets one, in ms (the API server: about a minute). */
  bookmarkIntervalMs = 5_000;

  constructor(readonly store: ObjectStore) {}

  /** A filter for list and watch: namespace, labelSelector, fieldSelector (metadata.name, metadata.namespace, and the resource's own fields). */
  matcher(
    r: ResourceType,
    namespace: string | undefined,
    query: URLSearchParams,
  ): (o: KubeObject) => boolean {
    const labels = parseLabelSelector(query.get('labelSelector'));
    const fields = parseFieldSelector(query.get('fieldSelector'), {
      'metadata.name': (o) => (o as KubeObject).metadata.name,
      'metadata.namespace': (o) => (o as KubeObject).metadata.namespace,
      ...(r.fields as Record<string, (o: unknown) => string | undefined>),
    });
    return (o) =>
      (namespace === undefined || o.metadata.namespace === namespace) &&
      labels(o.metadata.labels) &&
      fields(o);
  }

  list(r: ResourceType, namespace: string | undefined, query: URLSearchParams) {
    const match = this.matcher(r, namespace, query);
    const revision = this.store.currentRevision;
    const items = this.store
      .list(r, namespace)
      .filter(match)
      .sort((a, b) => key(a).localeCompare(key(b)))
      // The API server's list items carry no kind and apiVersion of their own.
      .map(({ apiVersion: _v, kind: _k, ...item }) => item);
    return {
      kind: `${r.kind}List`,
      apiVersion: groupVersion(r),
      metadata: { resourceVersion: String(revision) },
      items,
    };
  }

  create(r: ResourceType, namespace: string | undefined, body: unknown): KubeObject {
    const object = asObject(r, body);
    if (r.namespaced) {
      if (object.metadata.namespace && object.metadata.namespace !== namespace)
        throw badRequest(
          'the namespace of the provided object does not match the namespace sent on the request',
        );
      object.metadata.namespace = namespace;
      const ns = this.store.get(NAMESPACES, undefined, namespace!);
      if (!ns) throw notFound(NAMESPACES, namespace!);
      if (ns.metadata.deletionTimestamp)
        throw forbidden(
          `${r.plural} "${object.metadata.name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
          r,
          object.metadata.name,
        );
    } else delete object.metadata.namespace;
    if (object.metadata.resourceVersion)
      throw badRequest('resourceVersion should not be set on objects to be created');
    for (const field of [
      'uid',
      'creationTimestamp',
      'deletionTimestamp',
      'deletionGracePeriodSeconds',
      'generation',
    ])
      delete (object.metadata as unknown as Record<string, unknown>)[field];
    validate(r, object);
    applyDefaults(r, object);
    return this.store.create(r, object);
  }

  /** PUT: the whole object (its status kept), or with `subresource` "status" only the status. */
  replace(
    r: ResourceType,
    namespace: string | undefined,
    name: string,
    body: unknown,
    subresource?: string,
  ): KubeObject {
    const object = asObject(r, body);
    if (object.metadata.name !== name)
      throw badRequest(
        `the name of the object (${object.metadata.name}) does not match the name on the URL (${name})`,
      );
    object.metadata.namespace = namespace;
    const current = this.store.mustGet(r, namespace, name);
    if (subresource === 'status') object.spec = current.spec;
    else if (current.status !== undefined) object.status = current.status;
    validate(r, object);
    if (subresource !== 'status') checkImmutable(r, current, object);
    return this.store.update(r, object, object.metadata.resourceVersion || undefined);
  }

  patch(
    r: ResourceType,
    namespace: string | undefined,
    name: string,
    body: unknown,
    contentType: string,
    subresource?: string,
  ): KubeObject {
    const current = this.store.mustGet(r, namespace, name);
    const patched = applyPatch(current, body, contentType) as KubeObject;
    const expected =
      patched.metadata?.resourceVersion !== current.metadata.resourceVersion
        ? patched.metadata?.resourceVersion
        : undefined;
    patched.metadata = {
      ...patched.metadata,
      name,
      namespace: current.metadata.namespace,
    } as KubeObject['metadata'];
    if (subresource === 'status') patched.spec = current.spec;
    else if (current.status !== undefined) patched.status = current.status;
    validate(r, patched);
    if (subresource !== 'status') checkImmutable(r, current, patched);
    return this.store.update(r, patched, expected);
  }

  /**
   * DELETE. Objects with finalizers (or a propagation policy that adds one) and pods on a node
   * (which the kubelet ends within their grace period) get a deletionTimestamp and stay until
   * those are done; everything else leaves at once. Answers the object as it was last seen.
   */
  delete(
    r: ResourceType,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions = {},
  ): KubeObject {
    const object = this.store.mustGet(r, namespace, name);
    if (r === NAMESPACES && ['default', 'kube-system', 'kube-public'].includes(name))
      throw forbidden(`namespaces "${name}" is forbidden: this namespace may not be deleted`, r, name);
    const pre = options.preconditions;
    if (pre?.uid && pre.uid !== object.metadata.uid)
      throw conflictPrecondition(
        r,
        name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${object.metadata.uid}`,
      );
    if (pre?.resourceVersion && pre.resourceVersion !== object.metadata.resourceVersion)
      throw conflictPrecondition(
        r,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${object.metadata.resourceVersion}`,
      );
    const grace = r === PODS ? this.podGrace(object, options.gracePeriodSeconds) : 0;
    if (object.metadata.deletionTimestamp) {
      // A second delete may only shorten a pod's grace period (grace 0: the kubelet is done, or a force delete).
      if (grace < (object.metadata.deletionGracePeriodSeconds ?? 0)) {
        object.metadata.deletionGracePeriodSeconds = grace;
        return this.store.update(r, object);
      }
      return object;
    }
    const finalizers = [...(object.metadata.finalizers ?? [])];
    if (options.propagationPolicy === 'Orphan') finalizers.push('orphan');
    if (options.propagationPolicy === 'Foreground') finalizers.push('foregroundDeletion');
    // A namespace always waits for its contents (its spec.finalizers hold "kubernetes").
    if (finalizers.length === 0 && grace === 0 && r !== NAMESPACES)
      return this.store.remove(r, namespace, name);
    object.metadata.finalizers = finalizers;
    if (finalizers.length === 0) delete object.metadata.finalizers;
    object.metadata.deletionTimestamp = new Date(Date.now() + grace * 1000)
      .toISOString()
      .replace(/\.\d+Z$/, 'Z');
    object.metadata.deletionGracePeriodSeconds = grace;
    if (r === NAMESPACES) object.status = { ...(object.status as object), phase: 'Terminating' };
    return this.store.update(r, object);
  }

  deleteCollection(
    r: ResourceType,
    namespace: string | undefined,
    query: URLSearchParams,
    options: DeleteOptions,
  ) {
    const result = this.list(r, namespace, query);
    for (const item of result.items) this.delete(r, namespace, item.metadata.name, options);
    return result;
  }

  /** A pod on a node, not yet finished, is ended by its kubelet within the grace period; others go at once. */
  private podGrace(pod: KubeObject, requested: number | undefined): number {
    const phase = (pod.status as { phase?: string } | undefined)?.phase;
    if (!(pod.spec as { nodeName?: string }).nodeName || phase === 'Succeeded' || phase === 'Failed')
      return 0;
    const grace =
      requested ??
      (pod.spec as { terminationGracePeriodSeconds?: number }).terminationGracePeriodSeconds ??
      30;
    return Math.max(0, grace);
  }
}

/**
 * What an update may not change, as the API server's update validation says it: a pod's spec
 * beyond its containers' images, activeDeadlineSeconds and tolerations; a claim's spec beyond
 * its requests.
 */
function checkImmutable(r: ResourceType, current: KubeObject, next: KubeObject): void {
  const without = (spec: unknown, strip: (copy: Record<string, unknown>) => void) => {
    const copy = structuredClone(spec ?? {}) as Record<string, unknown>;
    strip(copy);
    return JSON.stringify(copy);
  };
  if (r === PODS) {
    const strip = (spec: Record<string, unknown>) => {
      for (const c of (spec.containers ?? []) as Record<string, unknown>[]) delete c.image;
      delete spec.activeDeadlineSeconds;
      delete spec.tolerations;
    };
    if (without(current.spec, strip) !== without(next.spec, strip))
      throw invalid(r.kind, r.group, current.metadata.name, [
        cause.forbidden(
          'spec',
          'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
        ),
      ]);
  }
  if (r === CLAIMS) {
    const strip = (spec: Record<string, unknown>) => delete spec.resources;
    if (without(current.spec, strip) !== without(next.spec, strip))
      throw invalid(r.kind, r.group, current.metadata.name, [
        cause.forbidden(
          'spec',
          'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims',
        ),
      ]);
  }
}

const key = (o: KubeObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

function conflictPrecondition(r: ResourceType, name: string, message: string) {
  const error = badRequest(message);
  Object.assign(error.status, {
    code: 409,
    reason: 'Conflict',
    details: { name, ...(r.group && { group: r.group }), kind: r.plural },
  });
  return error;
}

function asObject(r: ResourceType, body: unknown): KubeObject {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw badRequest(`Object '${r.kind}' is missing in '${JSON.stringify(body)}'`);
  const object = structuredClone(body) as KubeObject;
  if (object.kind !== undefined && object.kind !== r.kind)
    throw badRequest(
      `the body of the request was in an unknown format - kind ${String(object.kind)} is not ${r.kind}`,
    );
  object.kind = r.kind;
  object.apiVersion = groupVersion(r);
  object.metadata = { ...(object.metadata ?? {}) } as KubeObject['metadata'];
  return object;
}
