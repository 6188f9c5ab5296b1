import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { ScenarioSchema, type Scenario } from './schema.js';

/** A scenario that is not valid JSON/YAML or does not fit the schema. */
export class ScenarioError extends Error {
  constructor(
    message: string,
    readonly issues: readonly string[] = [],
  ) {
    super(issues.length ? `${message}:\n  ${issues.join('\n  ')}` : message);
    this.name = 'ScenarioError';
  }
}

/** Validates a scenario object, applying defaults. */
export function parseScenario(value: unknown, source = 'scenario'): Scenario {
  const result = ScenarioSchema.safeParse(value);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ScenarioError(`${source} is not a valid scenario`, issues);
  }
  return result.data;
}

/** Parses scenario text: JSON, or YAML (a superset of JSON). */
export function parseScenarioText(text: string, source = 'scenario'): Scenario {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (err) {
    throw new ScenarioError(`${source} is neither JSON nor YAML: ${(err as Error).message}`);
  }
  return parseScenario(value, source);
}

/** Reads and validates a scenario file (`.json`, `.yaml` or `.yml`). */
export async function loadScenario(path: string): Promise<Scenario> {
  const text = await readFile(path, 'utf8');
  if (path.endsWith('.json')) {
    let value: unknown;
    try {
      value = JSON.parse(text) as unknown;
    } catch (err) {
      throw new ScenarioError(`${path} is not valid JSON: ${(err as Error).message}`);
    }
    return parseScenario(value, path);
  }
  return parseScenarioText(text, path);
}
