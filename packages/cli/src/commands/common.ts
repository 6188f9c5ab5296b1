import { Command } from 'commander';
import { ApiClient } from '../client/api.js';
import { resolveTarget } from '../client/credentials.js';

/** A client for the server of the login, or of HANGAR_URL / HANGAR_TOKEN. */
export function apiClient(): ApiClient {
  return new ApiClient(resolveTarget());
}

/** A subcommand with a description and an "Examples:" block in its --help. */
export function command(name: string, description: string, examples: string[]): Command {
  return new Command(name)
    .description(description)
    .addHelpText('after', `\nExamples:\n${examples.map((line) => `  ${line}`).join('\n')}`);
}

/** `--json` on a listing: the server's JSON, for scripts. */
export const JSON_OPTION = ['--json', 'print JSON instead of a table'] as const;
