import fc from 'fast-check';

/**
 * Hostile requests derived from an OpenAPI document: for each route, bodies
 * and parameters that break its schema one field at a time (wrong types,
 * huge strings, unicode edge cases, prototype-pollution keys), malformed
 * JSON, deep nesting, and random JSON values from fast-check.
 */

/** The part of JSON Schema the server's generated document uses. */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
  minLength?: number;
  minItems?: number;
  minimum?: number;
  format?: string;
  default?: unknown;
  nullable?: boolean;
}

export interface Operation {
  method: string;
  /** OpenAPI path, with {param} placeholders. */
  path: string;
  pathParams: string[];
  queryParams: string[];
  /** The JSON body's schema, when the route takes one. */
  body?: JsonSchema;
}

export interface HostileBody {
  label: string;
  /** Raw bytes on the wire (a string is sent as UTF-8). */
  raw: string | Buffer;
  contentType?: string;
}

interface OpenApiDocument {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: { in: string; name: string }[];
        requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
      }
    >
  >;
}

export function operations(doc: OpenApiDocument): Operation[] {
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => {
      const params = op.parameters ?? [];
      const body = op.requestBody?.content?.['application/json']?.schema;
      return {
        method: method.toUpperCase(),
        path,
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        queryParams: params.filter((p) => p.in === 'query').map((p) => p.name),
        ...(body && { body }),
      };
    }),
  );
}

/** A value that satisfies the schema as far as cheaply possible (patterns are not honoured). */
export function plausible(schema: JsonSchema): unknown {
  if (schema.enum) return schema.enum[0];
  const variant = schema.oneOf?.[0] ?? schema.anyOf?.[0] ?? schema.allOf?.[0];
  if (variant) return plausible(variant);
  if (schema.default !== undefined) return schema.default;
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object':
      return Object.fromEntries(
        (schema.required ?? []).map((k) => [k, plausible(schema.properties?.[k] ?? {})]),
      );
    case 'array':
      return schema.minItems ? [plausible(schema.items ?? {})] : [];
    case 'string':
      if (schema.format === 'date-time') return new Date().toISOString();
      return 'a'.repeat(Math.max(schema.minLength ?? 1, 1));
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return true;
    default:
      return 'a';
  }
}

const KiB = 1024;

/** Values that break a field: each paired with a label for failure messages. */
export const HOSTILE_VALUES: [string, unknown][] = [
  ['null', null],
  ['boolean', true],
  ['negative', -1],
  ['fraction', 0.5],
  ['huge number', 1e308],
  ['unsafe integer', 2 ** 53 + 1],
  ['empty string', ''],
  ['200 KiB string', 'x'.repeat(200 * KiB)],
  ['NUL', 'a\u0000b'],
  ['lone surrogate', '\ud800x\udfff'],
  ['line separators', '\u2028\u2029\r\n'],
  ['bidi override', '\u202egnp.exe'],
  ['combining marks', `a${'\u0301'.repeat(5000)}`],
  ['emoji ZWJ', '👩‍👩‍👧‍👦🏳️‍🌈'],
  ['path traversal', '../../../../etc/passwd'],
  ['empty array', []],
  ['array of null', [null]],
  ['object', { a: 1 }],
];

/** Raw bodies that break JSON itself, or bury the server's parser. */
export function malformedBodies(): HostileBody[] {
  const depth = 5000;
  return [
    { label: 'truncated JSON', raw: '{"a":' },
    { label: 'trailing garbage', raw: '{}{' },
    { label: 'JSON null', raw: 'null' },
    { label: 'JSON array', raw: '[]' },
    { label: 'JSON string', raw: '"x"' },
    { label: 'byte order mark', raw: '\ufeff{}' },
    {
      label: 'invalid UTF-8',
      raw: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc0, 0x22, 0x7d]),
    },
    { label: `arrays ${depth} deep`, raw: `${'['.repeat(depth)}${']'.repeat(depth)}` },
    { label: `objects ${depth} deep`, raw: `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}` },
    { label: 'over the body limit', raw: JSON.stringify({ a: 'x'.repeat(1024 * KiB) }) },
    { label: 'text/plain', raw: '{}', contentType: 'text/plain' },
    { label: 'bogus media type', raw: '{}', contentType: 'application/json; charset=ebcdic' },
  ];
}

/** A JSON object text with these entries in order; keys such as __proto__ stay own keys on the wire. */
function objectText(entries: [string, unknown][]): string {
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`;
}

/** Bodies for a route with a body schema: one field broken at a time, pollution keys, random JSON. */
export function schemaBodies(
  schema: JsonSchema,
  seed: number,
  perField: number,
  randomCount: number,
): HostileBody[] {
  const valid = plausible(schema);
  const base: [string, unknown][] =
    valid && typeof valid === 'object' && !Array.isArray(valid) ? Object.entries(valid) : [];
  const fields = Object.keys(schema.properties ?? {});
  const bodies: HostileBody[] = [];
  // Each field gets `perField` of the hostile values, a different slice per field and seed.
  fields.forEach((field, f) => {
    const start = (seed + f * perField) % HOSTILE_VALUES.length;
    const chosen = [...HOSTILE_VALUES, ...HOSTILE_VALUES].slice(start, start + perField);
    for (const [label, value] of chosen) {
      const entries = base.filter(([k]) => k !== field);
      bodies.push({ label: `${field}: ${label}`, raw: objectText([...entries, [field, value]]) });
    }
  });
  const pollution = { polluted: 'yes', isAdmin: true, role: 'admin' };
  bodies.push(
    { label: '__proto__ key', raw: objectText([...base, ['__proto__', pollution]]) },
    { label: 'constructor.prototype', raw: objectText([...base, ['constructor', { prototype: pollution }]]) },
    { label: 'only __proto__', raw: objectText([['__proto__', pollution]]) },
    { label: 'duplicate keys', raw: `${objectText(base).slice(0, -1)}${base.length ? ',' : ''}"a":1,"a":2}` },
  );
  const random = fc.sample(fc.jsonValue({ maxDepth: 4 }), { numRuns: randomCount, seed });
  random.forEach((value, i) =>
    bodies.push({ label: `fast-check #${i}`, raw: JSON.stringify(value) ?? 'null' }),
  );
  return bodies;
}

/** Path and query parameter values: already percent-encoded where the URL needs it. */
export function hostileParams(seed: number, randomCount: number): [string, string][] {
  const fixed: [string, string][] = [
    ['long', 'x'.repeat(5000)],
    ['dot-dot', '..'],
    ['encoded traversal', '%2e%2e%2f%2e%2e%2fetc%2fpasswd'],
    ['NUL', '%00'],
    ['invalid percent-encoded UTF-8', '%ff%fe'],
    ['bad percent escape', '%zz'],
    ['line separator', '%E2%80%A8'],
    ['huge integer', '99999999999999999999999'],
    ['negative', '-1'],
    ['__proto__', '__proto__'],
    ['constructor', 'constructor'],
  ];
  const random = fc
    .sample(fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }), { numRuns: randomCount, seed })
    .map((s, i): [string, string] => [
      `fast-check #${i}`,
      encodeURIComponent(s.replace(/[\ud800-\udfff]/g, '?')),
    ]);
  return [...fixed, ...random];
}
