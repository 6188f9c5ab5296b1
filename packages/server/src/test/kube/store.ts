import { randomUUID } from 'node:crypto';
import type { KubeObject, ResourceType } from './resources.js';
import { alreadyExists, conflict, notFound } from './status.js';

export interface StoreEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  resource: ResourceType;
  object: KubeObject;
  /** The resourceVersion this change made (the object's own, for DELETED the deletion's). */
  revision: number;
}

/**
 * The objects, as etcd behind the API server keeps them: one global revision counter that every
 * change advances and that becomes the changed object's resourceVersion, and a bounded history
 * of changes that watches start from (older starts are Expired, as after etcd's compaction).
 * Objects leave the store only through `remove`, or through `update` of an object being
 * deleted whose last finalizer went.
 */
export class ObjectStore {
  private revision = 1;
  private readonly objects = new Map<ResourceType, Map<string, KubeObject>>();
  private readonly history: StoreEvent[] = [];
  private readonly listeners = new Set<(event: StoreEvent) => void>();
  private readonly pending: StoreEvent[] = [];
  private notifying = false;

  constructor(private readonly historySize: number) {}

  get currentRevision(): number {
    return this.revision;
  }

  get(r: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    const found = this.table(r).get(key(namespace, name));
    return found && structuredClone(found);
  }

  mustGet(r: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const found = this.get(r, namespace, name);
    if (!found) throw notFound(r, name);
    return found;
  }

  list(r: ResourceType, namespace?: string): KubeObject[] {
    return [...this.table(r).values()]
      .filter((o) => namespace === undefined || o.metadata.namespace === namespace)
      .map((o) => structuredClone(o));
  }

  /** Every object in any resource whose ownerReferences name `uid`. */
  dependents(uid: string): { resource: ResourceType; object: KubeObject }[] {
    const found: { resource: ResourceType; object: KubeObject }[] = [];
    for (const [resource, table] of this.objects)
      for (const object of table.values())
        if (object.metadata.ownerReferences?.some((ref) => ref.uid === uid))
          found.push({ resource, object: structuredClone(object) });
    return found;
  }

  create(r: ResourceType, object: KubeObject): KubeObject {
    const table = this.table(r);
    const meta = object.metadata;
    if (!meta.name && meta.generateName) {
      do meta.name = meta.generateName + randomSuffix();
      while (table.has(key(meta.namespace, meta.name)));
    }
    if (table.has(key(meta.namespace, meta.name))) throw alreadyExists(r, meta.name);
    meta.uid = randomUUID();
    meta.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    meta.generation = 1;
    return structuredClone(this.commit('ADDED', r, object));
  }

  /**
   * Replaces an object. With `expectedVersion`, a stale one is a Conflict (optimistic
   * concurrency, as an update carrying metadata.resourceVersion). An object being deleted
   * whose finalizers are all gone leaves the store.
   */
  update(r: ResourceType, object: KubeObject, expectedVersion?: string): KubeObject {
    const table = this.table(r);
    const k = key(object.metadata.namespace, object.metadata.name);
    const current = table.get(k);
    if (!current) throw notFound(r, object.metadata.name);
    if (expectedVersion && expectedVersion !== current.metadata.resourceVersion)
      throw conflict(r, object.metadata.name);
    for (const fixed of ['uid', 'creationTimestamp', 'generation'] as const)
      (object.metadata as unknown as Record<string, unknown>)[fixed] = current.metadata[fixed];
    if (current.metadata.deletionTimestamp) {
      object.metadata.deletionTimestamp = current.metadata.deletionTimestamp;
      // The grace period can only shrink; at 0 with no finalizers left, the object goes.
      const grace = Math.min(
        object.metadata.deletionGracePeriodSeconds ?? Infinity,
        current.metadata.deletionGracePeriodSeconds ?? 0,
      );
      object.metadata.deletionGracePeriodSeconds = grace;
      if (!object.metadata.finalizers?.length && grace === 0)
        return structuredClone(this.commit('DELETED', r, object));
    }
    if (JSON.stringify(object.spec) !== JSON.stringify(current.spec))
      object.metadata.generation = (current.metadata.generation ?? 1) + 1;
    return structuredClone(this.commit('MODIFIED', r, object));
  }

  remove(r: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const table = this.table(r);
    const current = table.get(key(namespace, name));
    if (!current) throw notFound(r, name);
    return structuredClone(this.commit('DELETED', r, current));
  }

  /** Changes after `revision`, oldest first; or the oldest revision a watch can still start from. */
  since(revision: number): StoreEvent[] | { expired: number } {
    const oldest = this.history[0];
    if (oldest && revision < oldest.revision - 1) return { expired: oldest.revision - 1 };
    return this.history.filter((event) => event.revision > revision);
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private commit(type: StoreEvent['type'], resource: ResourceType, object: KubeObject): KubeObject {
    this.revision += 1;
    const stored = structuredClone(object);
    stored.metadata.resourceVersion = String(this.revision);
    const k = key(stored.metadata.namespace, stored.metadata.name);
    if (type === 'DELETED') this.table(resource).delete(k);
    else this.table(resource).set(k, stored);
    const event = { type, resource, object: stored, revision: this.revision };
    this.history.push(event);
    if (this.history.length > this.historySize) this.history.shift();
    // A listener's own changes are announced after the change it reacts to, so every listener sees revisions in order.
    this.pending.push(event);
    if (!this.notifying) {
      this.notifying = true;
      try {
        for (let next = this.pending.shift(); next; next = this.pending.shift())
          for (const listener of [...this.listeners]) listener(next);
      } finally {
        this.notifying = false;
      }
    }
    return stored;
  }

  private table(r: ResourceType): Map<string, KubeObject> {
    let table = this.objects.get(r);
    if (!table) this.objects.set(r, (table = new Map()));
    return table;
  }
}

const key = (namespace: string | undefined, name: string) => `${namespace ?? ''}/${name}`;

/** apiserver's generateName suffix: 5 characters without vowels or confusable digits. */
function randomSuffix(): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += alphabet[Math.floor(Math.random() * alphabet.length)];
  return suffix;
}
