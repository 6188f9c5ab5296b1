/**
 * `Status` bodies exactly as the Kubernetes API server writes them (apimachinery's
 * `k8s.io/apimachinery/pkg/api/errors`): the same reasons, codes, messages and details.
 */

export interface StatusCause {
  reason: string;
  message: string;
  field?: string;
}

export interface KubeStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: { name?: string; group?: string; kind?: string; causes?: StatusCause[] };
  code: number;
}

/** A request the API server refuses; `status` is the response body, `status.code` its HTTP status. */
export class KubeError extends Error {
  constructor(readonly status: KubeStatus) {
    super(status.message);
  }
}

/** Names a resource as apimachinery's GroupResource does in messages: `pods`, `networkpolicies.networking.k8s.io`. */
export interface ResourceName {
  plural: string;
  group: string;
}

function failure(code: number, reason: string, message: string, details?: KubeStatus['details']): KubeError {
  return new KubeError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details && { details }),
    code,
  });
}

const qualified = (r: ResourceName) => (r.group ? `${r.plural}.${r.group}` : r.plural);
const resourceDetails = (r: ResourceName, name: string) => ({
  name,
  ...(r.group && { group: r.group }),
  kind: r.plural,
});

export function notFound(r: ResourceName, name: string): KubeError {
  return failure(404, 'NotFound', `${qualified(r)} "${name}" not found`, resourceDetails(r, name));
}

export function alreadyExists(r: ResourceName, name: string): KubeError {
  return failure(409, 'AlreadyExists', `${qualified(r)} "${name}" already exists`, resourceDetails(r, name));
}

export function conflict(r: ResourceName, name: string): KubeError {
  return failure(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualified(r)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    resourceDetails(r, name),
  );
}

/** 422 Invalid: `Pod "x" is invalid: spec.containers: Required value`; details name the Kind, not the resource. */
export function invalid(kind: string, group: string, name: string, causes: StatusCause[]): KubeError {
  const text = (c: StatusCause) => (c.field ? `${c.field}: ${c.message}` : c.message);
  const summary = causes.length === 1 ? text(causes[0]!) : `[${causes.map(text).join(', ')}]`;
  return failure(422, 'Invalid', `${kind} "${name}" is invalid: ${summary}`, {
    name,
    ...(group && { group }),
    kind,
    causes,
  });
}

export function badRequest(message: string): KubeError {
  return failure(400, 'BadRequest', message);
}

export function forbidden(message: string, r: ResourceName, name: string): KubeError {
  return failure(403, 'Forbidden', message, resourceDetails(r, name));
}

export function methodNotAllowed(): KubeError {
  return failure(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
}

export function unsupportedMediaType(contentType: string): KubeError {
  return failure(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml; got ${contentType}`,
  );
}

/** The apiserver's answer to a path it does not serve. */
export function pathNotFound(): KubeError {
  return failure(404, 'NotFound', 'the server could not find the requested resource', {});
}

export function unauthorized(): KubeError {
  return failure(401, 'Unauthorized', 'Unauthorized');
}

/** A watch from a resourceVersion older than the history kept: sent as an ERROR event, code 410. */
export function expired(requested: number, oldest: number): KubeError {
  return failure(410, 'Expired', `too old resource version: ${requested} (${oldest})`);
}

export function internalError(message: string): KubeError {
  return failure(500, 'InternalError', `Internal error occurred: ${message}`, {
    causes: [{ reason: '', message }],
  });
}

/** A field problem, as apimachinery's field.Error renders into a cause. */
export const cause = {
  required: (field: string): StatusCause => ({
    reason: 'FieldValueRequired',
    message: 'Required value',
    field,
  }),
  invalid: (field: string, value: unknown, detail: string): StatusCause => ({
    reason: 'FieldValueInvalid',
    message: `Invalid value: ${JSON.stringify(value)}: ${detail}`,
    field,
  }),
  forbidden: (field: string, detail: string): StatusCause => ({
    reason: 'FieldValueForbidden',
    message: `Forbidden: ${detail}`,
    field,
  }),
  duplicate: (field: string, value: unknown): StatusCause => ({
    reason: 'FieldValueDuplicate',
    message: `Duplicate value: ${JSON.stringify(value)}`,
    field,
  }),
  notSupported: (field: string, value: unknown, supported: string[]): StatusCause => ({
    reason: 'FieldValueNotSupported',
    message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}`,
    field,
  }),
};
