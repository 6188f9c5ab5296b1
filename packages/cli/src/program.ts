import type { Command } from 'commander';
import { attachCommand } from './commands/attach.js';
import { authCommands } from './commands/auth.js';
import { chatCommand } from './commands/chat.js';
import { completionCommand } from './commands/completion.js';
import { doctorCommand } from './commands/doctor.js';
import { serveCommand } from './commands/serve.js';
import { sessionCommands } from './commands/sessions.js';
import { usageCommand } from './commands/usage.js';
import { workspaceCommand } from './commands/workspaces.js';
import { configure, rootCommand } from './program-base.js';

/** The whole `hangar` command tree. */
export function buildProgram(): Command {
  const program = rootCommand();
  program.addCommand(serveCommand());
  for (const cmd of authCommands()) program.addCommand(cmd);
  program.addCommand(workspaceCommand());
  program.addCommand(attachCommand());
  program.addCommand(chatCommand());
  for (const cmd of sessionCommands()) program.addCommand(cmd);
  program.addCommand(usageCommand());
  program.addCommand(doctorCommand());
  const [completion, hidden] = completionCommand(() => program);
  program.addCommand(completion!);
  program.addCommand(hidden!, { hidden: true });
  configure(program);
  return program;
}

export { commanderExitCode } from './program-base.js';
