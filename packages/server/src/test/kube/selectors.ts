import { badRequest } from './status.js';

/**
 * Label and field selectors as the API server parses them
 * (k8s.io/apimachinery/pkg/labels and /fields): `a=b`, `a==b`, `a!=b`, `a in (x,y)`,
 * `a notin (x)`, `a` (exists), `!a` (does not exist), comma-separated and all required.
 */

type Requirement =
  { key: string; op: 'in' | 'notin'; values: string[] } | { key: string; op: 'exists' | '!exists' };

export type LabelSelector = (labels: Record<string, string> | undefined) => boolean;

export function parseLabelSelector(text: string | null): LabelSelector {
  if (!text?.trim()) return () => true;
  const requirements = splitTopLevel(text).map(parseRequirement);
  return (labels = {}) =>
    requirements.every((r) => {
      const has = Object.hasOwn(labels, r.key);
      switch (r.op) {
        case 'exists':
          return has;
        case '!exists':
          return !has;
        case 'in':
          return has && r.values.includes(labels[r.key]!);
        case 'notin':
          return !has || !r.values.includes(labels[r.key]!);
      }
    });
}

/** Splits at commas outside parentheses. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts.map((p) => p.trim());
}

const KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function parseRequirement(part: string): Requirement {
  const fail = () => badRequest(`unable to parse requirement: ${JSON.stringify(part)}`);
  let match = /^!\s*(\S+)$/.exec(part);
  if (match) return checked({ key: match[1]!, op: '!exists' });
  match = /^(\S+?)\s+(in|notin)\s+\(([^)]*)\)$/.exec(part);
  if (match) {
    const values = match[3]!.split(',').map((v) => v.trim());
    return checked({ key: match[1]!, op: match[2] as 'in' | 'notin', values });
  }
  match = /^([^=!\s]+)\s*(==|=|!=)\s*([^=!\s]*)$/.exec(part);
  if (match) return checked({ key: match[1]!, op: match[2] === '!=' ? 'notin' : 'in', values: [match[3]!] });
  if (KEY.test(part)) return { key: part, op: 'exists' };
  throw fail();
}

function checked(r: Requirement): Requirement {
  if (!KEY.test(r.key)) throw badRequest(`unable to parse requirement: invalid label key "${r.key}"`);
  if ('values' in r)
    for (const v of r.values)
      if (!VALUE.test(v) || v.length > 63)
        throw badRequest(`unable to parse requirement: invalid label value: "${v}"`);
  return r;
}

/** Field selectors: `=`, `==`, `!=` over the fields a resource supports (others are a 400, as in the API server). */
export function parseFieldSelector(
  text: string | null,
  fields: Record<string, (object: unknown) => string | undefined>,
): (object: unknown) => boolean {
  if (!text?.trim()) return () => true;
  const terms = text.split(',').map((part) => {
    const match = /^([^=!]+)(==|=|!=)(.*)$/.exec(part.trim());
    if (!match) throw badRequest(`invalid selector: '${text}'; can't understand '${part}'`);
    const [, field, op, value] = match as unknown as [string, string, string, string];
    const read = fields[field];
    if (!read) throw badRequest(`field label not supported: ${field}`);
    return (object: unknown) => ((read(object) ?? '') === value) === (op !== '!=');
  });
  return (object) => terms.every((term) => term(object));
}
