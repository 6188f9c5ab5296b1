/**
 * Validation of Kubernetes objects against the official Kubernetes OpenAPI schemas, as the API
 * server would check them on create with `fieldValidation=Strict`: for the Helm chart's rendered
 * objects and for every object the Kubernetes driver sends.
 *
 * The schemas are those of the `kubernetes-models` package: the definitions of Kubernetes'
 * own OpenAPI document (api/openapi-spec), compiled to validators by Ajv. They check types,
 * required fields, enums and formats, but, like the OpenAPI document itself, they do not
 * forbid unknown fields (the API server drops or refuses those by its own decoder). So each
 * validator runs over a recording view of the object: a compiled validator reads every property
 * its schema declares, and every field of an object that was validated against properties but
 * never read is a field the schema does not have, which the API server refuses in strict mode.
 *
 * A few rules the API server checks beyond the schema are checked too (names and labels, from
 * apimachinery's validation), since a driver test that only checked the schema would pass
 * objects a cluster refuses.
 */

export interface KubeValidationError {
  /** JSON pointer of the offending value, e.g. `/spec/containers/0/securityContext/foo`. */
  path: string;
  message: string;
}

interface KubeObject {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: { name?: unknown; generateName?: unknown; namespace?: unknown; labels?: unknown };
}

interface ModelClass {
  apiVersion: string;
  kind: string;
  prototype: { validate(this: unknown): void };
}

/** What Ajv's compiled validators report (ajv-i18n fills `message`). */
interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params?: Record<string, unknown>;
}

/**
 * The schema problems of one object, and those of the API server's checks of names and labels;
 * an empty list when a Kubernetes API server would accept it (schema-wise).
 */
export async function validateKubeObject(object: unknown): Promise<KubeValidationError[]> {
  if (!isRecord(object)) return [{ path: '', message: 'a Kubernetes object must be a JSON object' }];
  const { apiVersion, kind } = object as KubeObject;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string')
    return [{ path: '', message: 'apiVersion and kind must be strings' }];
  const model = await modelFor(apiVersion, kind);
  if (!model) return [{ path: '/kind', message: `no schema for kind ${kind} in ${apiVersion}` }];

  const seen: Visited[] = [];
  const errors: KubeValidationError[] = [];
  try {
    model.prototype.validate.call(recording(object, '', seen));
  } catch (error) {
    const found = (error as { errors?: AjvError[] }).errors;
    if (!found) throw error;
    for (const e of found) errors.push({ path: e.instancePath, message: describe(e) });
  }
  for (const { path, value, read } of seen) {
    if (Array.isArray(value) || read.size === 0) continue; // free-form, or not reached
    for (const key of Object.keys(value))
      if (!read.has(key))
        errors.push({ path: `${path}/${escapePointer(key)}`, message: `unknown field "${key}"` });
  }
  errors.push(...metadataProblems(object as KubeObject));
  errors.push(...selectorProblems(object));
  return errors;
}

/** Throws, listing every problem of every object (with its kind and name), when any object is invalid. */
export async function assertValidKubeObjects(objects: readonly unknown[]): Promise<void> {
  const lines: string[] = [];
  for (const object of objects) {
    const problems = await validateKubeObject(object);
    const o = object as KubeObject;
    for (const p of problems)
      lines.push(
        `${String(o?.kind)} ${String(o?.metadata?.name ?? o?.metadata?.generateName)}: ${p.path} ${p.message}`,
      );
  }
  if (lines.length > 0) throw new Error(`invalid Kubernetes objects:\n${lines.join('\n')}`);
}

async function modelFor(apiVersion: string, kind: string): Promise<ModelClass | undefined> {
  // The package lays its models out by group/version (`v1` for the core group): apps/v1/Deployment.
  if (!/^([a-z0-9.-]+\/)?v[0-9]+((alpha|beta)[0-9]+)?$/.test(apiVersion) || !/^[A-Z][A-Za-z0-9]*$/.test(kind))
    return undefined;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(/* @vite-ignore */ `kubernetes-models/${apiVersion}/${kind}`)) as Record<
      string,
      unknown
    >;
  } catch {
    return undefined;
  }
  const model = mod[kind] as ModelClass | undefined;
  return model && model.apiVersion === apiVersion && model.kind === kind ? model : undefined;
}

interface Visited {
  path: string;
  value: object;
  read: Set<string>;
}

/** A read-only view of `value` that records, per object, which properties the validator read. */
function recording(value: unknown, path: string, seen: Visited[]): unknown {
  if (value === null || typeof value !== 'object') return value;
  const read = new Set<string>();
  seen.push({ path, value, read });
  const children = new Map<string, unknown>();
  return new Proxy(value, {
    get(target, key, receiver) {
      if (typeof key !== 'string') return Reflect.get(target, key, receiver) as unknown;
      read.add(key);
      if (!Object.hasOwn(target, key)) return Reflect.get(target, key, receiver) as unknown;
      if (!children.has(key))
        children.set(
          key,
          recording((target as Record<string, unknown>)[key], `${path}/${escapePointer(key)}`, seen),
        );
      return children.get(key);
    },
    set: () => false,
    deleteProperty: () => false,
    defineProperty: () => false,
  });
}

function describe(e: AjvError): string {
  if (e.keyword === 'enum' && Array.isArray(e.params?.allowedValues))
    return `must be one of ${e.params.allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  return e.message ?? e.keyword;
}

// apimachinery's validation of names and labels (k8s.io/apimachinery/pkg/util/validation).
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function metadataProblems(object: KubeObject): KubeValidationError[] {
  const problems: KubeValidationError[] = [];
  const meta = object.metadata;
  if (!isRecord(meta)) return [{ path: '/metadata', message: 'metadata is required' }];
  if (typeof meta.name !== 'string' && typeof meta.generateName !== 'string')
    problems.push({ path: '/metadata/name', message: 'name or generateName is required' });
  if (typeof meta.name === 'string' && !(meta.name.length <= 253 && DNS_SUBDOMAIN.test(meta.name)))
    problems.push({
      path: '/metadata/name',
      message: `"${meta.name}" is not a DNS subdomain (lower case a-z, 0-9, "-" and ".", at most 253)`,
    });
  if (typeof meta.namespace === 'string' && !(meta.namespace.length <= 63 && DNS_LABEL.test(meta.namespace)))
    problems.push({ path: '/metadata/namespace', message: `"${meta.namespace}" is not a DNS label` });
  if (isRecord(meta.labels))
    for (const [key, value] of Object.entries(meta.labels)) {
      if (!qualifiedName(key))
        problems.push({
          path: `/metadata/labels/${escapePointer(key)}`,
          message: `"${key}" is not a label key`,
        });
      if (typeof value === 'string' && !(value.length <= 63 && LABEL_VALUE.test(value)))
        problems.push({
          path: `/metadata/labels/${escapePointer(key)}`,
          message: `"${value}" is not a label value (at most 63 of A-Z, a-z, 0-9, "-", "_", ".")`,
        });
    }
  return problems;
}

/** apps/v1 workloads: the selector must select the pod template (the API server says "`selector` does not match template `labels`"). */
function selectorProblems(object: Record<string, unknown>): KubeValidationError[] {
  if (
    object.apiVersion !== 'apps/v1' ||
    !['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'].includes(String(object.kind))
  )
    return [];
  const spec = isRecord(object.spec) ? object.spec : {};
  const matchLabels =
    isRecord(spec.selector) && isRecord(spec.selector.matchLabels) ? spec.selector.matchLabels : {};
  const template = isRecord(spec.template) && isRecord(spec.template.metadata) ? spec.template.metadata : {};
  const labels = isRecord(template.labels) ? template.labels : {};
  const unmatched = Object.entries(matchLabels).filter(([key, value]) => labels[key] !== value);
  return unmatched.length === 0
    ? []
    : [{ path: '/spec/template/metadata/labels', message: '`selector` does not match template `labels`' }];
}

function qualifiedName(key: string): boolean {
  const slash = key.indexOf('/');
  const [prefix, name] = slash < 0 ? [undefined, key] : [key.slice(0, slash), key.slice(slash + 1)];
  if (prefix !== undefined && !(prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix))) return false;
  return name.length <= 63 && QUALIFIED_NAME.test(name);
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
