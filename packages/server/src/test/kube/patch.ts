import { badRequest, unsupportedMediaType } from './status.js';

/**
 * The patch types of PATCH requests. A strategic merge patch is applied as a JSON merge patch,
 * which is the same for what is patched here (labels, annotations, status fields), but not
 * for lists merged by key (a container by name), which it replaces whole.
 */
export function applyPatch(current: unknown, patch: unknown, contentType: string): unknown {
  const type = contentType.split(';')[0]!.trim();
  switch (type) {
    case 'application/merge-patch+json':
    case 'application/strategic-merge-patch+json':
      return mergePatch(current, patch);
    case 'application/json-patch+json':
      if (!Array.isArray(patch))
        throw badRequest('json: cannot unmarshal object into Go value of type []handlers.jsonPatchOp');
      return patch.reduce(
        (doc: unknown, op: unknown) => jsonPatchOp(doc, op as JsonPatchOp),
        structuredClone(current),
      );
    default:
      throw unsupportedMediaType(type);
  }
}

function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return patch;
  const result: Record<string, unknown> = isRecord(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

interface JsonPatchOp {
  op: string;
  path: string;
  value?: unknown;
  from?: string;
}

function jsonPatchOp(doc: unknown, op: JsonPatchOp): unknown {
  const parts = op.path
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (parts.length === 0) return op.value;
  const last = parts.pop()!;
  let parent: unknown = doc;
  for (const part of parts) {
    parent = (parent as Record<string, unknown> | undefined)?.[part];
    if (parent === undefined)
      throw badRequest(
        `the server rejected our request due to an error in our request: doc is missing path: "${op.path}"`,
      );
  }
  const container = parent as Record<string, unknown>;
  const list = Array.isArray(parent) ? (parent as unknown[]) : undefined;
  const index = list ? (last === '-' ? list.length : Number(last)) : -1;
  switch (op.op) {
    case 'add':
      if (list) list.splice(index, 0, op.value);
      else container[last] = op.value;
      break;
    case 'replace':
      if (!(last in container))
        throw badRequest(
          `the server rejected our request due to an error in our request: replace operation does not apply: doc is missing key: ${op.path}`,
        );
      if (list) list[index] = op.value;
      else container[last] = op.value;
      break;
    case 'remove':
      if (!(last in container))
        throw badRequest(
          `the server rejected our request due to an error in our request: remove operation does not apply: doc is missing path: "${op.path}"`,
        );
      if (list) list.splice(index, 1);
      else delete container[last];
      break;
    case 'test':
      if (JSON.stringify(container[last]) !== JSON.stringify(op.value))
        throw badRequest(
          `the server rejected our request due to an error in our request: testing value ${op.path} failed`,
        );
      break;
    default:
      throw badRequest(`Unexpected kind: ${op.op}`);
  }
  return doc;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
