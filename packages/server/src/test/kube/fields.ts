import type { ServerResponse } from 'node:http';
import { groupVersion, type ResourceType } from './resources.js';
import { badRequest } from './status.js';
import { validateKubeObject } from './validate.js';

/**
 * Unknown fields in a create or update body, handled as the `fieldValidation` query parameter
 * says: `Strict` refuses the request (400, "strict decoding error"), `Warn` (the default) drops
 * them with a `Warning` header each, `Ignore` drops them silently. Which fields are unknown is
 * decided by the official OpenAPI schemas (validate.ts).
 */
export async function checkFields(
  r: ResourceType,
  body: unknown,
  query: URLSearchParams,
  res: ServerResponse,
): Promise<unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const object = { apiVersion: groupVersion(r), kind: r.kind, ...body } as Record<string, unknown>;
  const unknown = (await validateKubeObject(object)).filter((e) => e.message.startsWith('unknown field'));
  if (unknown.length === 0) return body;
  const fields = unknown.map((e) => fieldPath(e.path));
  const mode = query.get('fieldValidation') ?? 'Warn';
  if (mode === 'Strict')
    throw badRequest(
      `${r.kind} in version "${r.version}" cannot be handled as a ${r.kind}: strict decoding error: ${fields.map((f) => `unknown field "${f}"`).join(', ')}`,
    );
  if (mode === 'Warn')
    res.setHeader(
      'Warning',
      fields.map((f) => `299 - "unknown field \\"${f}\\""`),
    );
  const copy = structuredClone(body) as Record<string, unknown>;
  for (const e of unknown) removeAt(copy, e.path);
  return copy;
}

/** `/spec/containers/0/foo` → `spec.containers[0].foo`, as the API server names a field. */
function fieldPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part), '');
}

function removeAt(object: Record<string, unknown>, pointer: string): void {
  const parts = pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
  const last = parts.pop()!;
  let parent: unknown = object;
  for (const part of parts) parent = (parent as Record<string, unknown> | undefined)?.[part];
  if (parent && typeof parent === 'object') delete (parent as Record<string, unknown>)[last];
}
