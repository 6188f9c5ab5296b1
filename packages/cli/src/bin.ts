#!/usr/bin/env node
import { CommanderError } from 'commander';
import { CliError, EXIT } from './client/errors.js';
import { buildProgram, commanderExitCode } from './program.js';
import { err } from './ui/style.js';

try {
  await buildProgram().parseAsync(process.argv);
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
