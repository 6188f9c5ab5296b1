#!/usr/bin/env node
import { Command } from 'commander';
import { VERSION } from '@hangar/server';
import { serveCommand } from './commands/serve.js';

const program = new Command('hangar')
  .description('Hangar: run AI coding agents in isolated workspaces')
  .version(VERSION)
  .showHelpAfterError();

program.addCommand(serveCommand());

await program.parseAsync(process.argv);
