#!/usr/bin/env node
import { CommanderError } from 'commander';
import { CliError, EXIT } from './client/errors.js';
import { commanderExitCode, serveProgram } from './program-base.js';
import { err } from './ui/style.js';

// Output piped into a reader that stops early (`hangar ws --help | head -3`): stop quietly, as a Unix tool does.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  });

try {
  // `hangar serve` loads the server only; every other command, the client's command tree.
  const program =
    process.argv[2] === 'serve' ? await serveProgram() : (await import('./program.js')).buildProgram();
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = commanderExitCode(error);
  } else if (error instanceof CliError) {
    process.stderr.write(`${err.red('error:')} ${error.message}\n`);
    process.exitCode = error.exitCode;
  } else {
    const detail = process.env.HANGAR_DEBUG && error instanceof Error ? error.stack : String(error);
    process.stderr.write(`${err.red('error:')} ${detail} (HANGAR_DEBUG=1 for details)\n`);
    process.exitCode = EXIT.failure;
  }
}
