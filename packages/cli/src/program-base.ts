import { Command, CommanderError } from 'commander';
import { EXIT, EXIT_CODES_HELP } from './client/errors.js';
import { CLI_VERSION } from './version.js';

const ROOT_HELP = `
Examples:
  hangar serve --demo                      # a server to try, no API key needed
  hangar login http://127.0.0.1:7700
  hangar ws new api --repo https://github.com/acme/api.git
  hangar chat api "add a health check endpoint"
  hangar attach api                        # a shell in the sandbox; Ctrl-\\ then d detaches

Environment:
  HANGAR_URL      the server to talk to (instead of the one you logged in to)
  HANGAR_TOKEN    an API token to use (instead of the stored one)
  NO_COLOR        set to turn colours off (they are off anyway when output is not a terminal)
  XDG_CONFIG_HOME where credentials.json is kept (default ~/.config/hangar, mode 0600)
${EXIT_CODES_HELP}`;

/** The `hangar` root command, without subcommands. */
export function rootCommand(): Command {
  return new Command('hangar')
    .description('Hangar: run AI coding agents in isolated workspaces')
    .version(CLI_VERSION)
    .addHelpText('after', ROOT_HELP);
}

/**
 * The program for `hangar serve` alone: it loads the serve command and the
 * server, not the client commands and their protocol schemas (the server's
 * bundle has its own), which would only slow the server's start.
 */
export async function serveProgram(): Promise<Command> {
  const { serveCommand } = await import('./commands/serve.js');
  const program = rootCommand().addCommand(serveCommand());
  configure(program);
  return program;
}

/** Every command: usage errors exit 2 (not commander's 1), with the help hint. */
export function configure(cmd: Command): void {
  cmd.exitOverride().showHelpAfterError('(add --help for usage and examples)');
  for (const sub of cmd.commands) configure(sub);
}

/** The exit code for an error commander threw: help and version are not failures. */
export function commanderExitCode(error: CommanderError): number {
  if (['commander.helpDisplayed', 'commander.help', 'commander.version'].includes(error.code)) return EXIT.ok;
  if (error.code === 'commander.executeSubCommandAsync') return error.exitCode;
  return EXIT.usage;
}
