import { parseArgs } from 'node:util';
import { demoScenario } from './demo-scenario.js';
import { startScriptedProvider, type ScriptedProvider } from './http/server.js';
import { loadScenario } from './scenario/load.js';
import type { ScenarioInput } from './scenario/schema.js';

export const USAGE = `Usage: hangar-llm-scripted (--scenario FILE | --demo) [--port N] [--host 127.0.0.1] [--quiet]

Serves the Anthropic, OpenAI (Chat Completions, Responses) and Gemini APIs,
answering as the scenario file (JSON or YAML) says.`;

export class UsageError extends Error {}

export interface CliOutput {
  log(line: string): void;
}

/** Parses arguments and starts the provider; the caller stops it with `close()`. */
export async function runCli(argv: string[], out: CliOutput): Promise<ScriptedProvider> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        scenario: { type: 'string' },
        demo: { type: 'boolean', default: false },
        port: { type: 'string', default: '0' },
        host: { type: 'string', default: '127.0.0.1' },
        quiet: { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new UsageError(`--port must be 0-65535, not ${values.port}`);
  if (!values.scenario === !values.demo)
    throw new UsageError('give exactly one of --scenario FILE and --demo');
  const scenario: ScenarioInput = values.scenario ? await loadScenario(values.scenario) : demoScenario;
  const quiet = values.quiet;
  const provider = await startScriptedProvider({
    scenario,
    port,
    host: values.host,
    // One line per request; no headers, no query string: keys never reach the log.
    onRequest: (r) => {
      if (quiet) return;
      const turn =
        r.turn === null ? '' : ` turn=${r.turn.index === null ? 'fallback' : (r.turn.name ?? r.turn.index)}`;
      out.log(
        `${r.method} ${r.path.split('?')[0]} api=${r.api ?? '-'} status=${r.status} ${r.outcome}${turn}`,
      );
    },
  });
  out.log(`listening on ${provider.url}`);
  return provider;
}
