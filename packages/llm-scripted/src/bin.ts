#!/usr/bin/env node
import { runCli, USAGE, UsageError } from './cli.js';
import { ScenarioError } from './scenario/load.js';

try {
  const provider = await runCli(process.argv.slice(2), { log: (line) => console.log(line) });
  const stop = () => {
    provider.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (err) {
  if (err instanceof UsageError) console.error(`${err.message}\n\n${USAGE}`);
  else if (err instanceof ScenarioError) console.error(err.message);
  else console.error(err);
  process.exit(2);
}
