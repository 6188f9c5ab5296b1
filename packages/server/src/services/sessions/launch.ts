import { isAbsolute, normalize } from 'node:path';
import type { AgentEvent } from '@hangar/protocol';
import type { AgentLaunch, PermissionMode } from '../../agents/adapter.js';
import { SANDBOX_HOME } from '../../sandbox/driver.js';
import type { WorkspaceRow } from '../workspaces/repository.js';
import type { WorkspaceLifecycle } from '../workspaces/lifecycle.js';
import { AgentChild } from './agent-child.js';

export interface LaunchInput {
  sessionId: string;
  workspace: WorkspaceRow;
  model: string;
  models: readonly string[];
  permissionMode: PermissionMode;
  resumeId: string | null;
  emit(event: AgentEvent): void;
  setResumeId(id: string): void;
  /** Told of every command the adapter starts. */
  spawned(child: AgentChild): void;
  /** A command's own process exited while its tree still holds its output (see AgentChild). */
  orphaned(child: AgentChild): void;
}

/** Builds what an adapter gets: the sandbox's environment, and ways to run and write things inside it. */
export async function buildLaunch(lifecycle: WorkspaceLifecycle, input: LaunchInput): Promise<AgentLaunch> {
  const sandbox = await lifecycle.sandbox(input.workspace);
  return {
    sessionId: input.sessionId,
    workspaceId: input.workspace.id,
    model: input.model,
    models: input.models,
    permissionMode: input.permissionMode,
    resumeId: input.resumeId,
    env: sandbox.env,
    emit: input.emit,
    setResumeId: input.setResumeId,
    // The adapter sees the whole tree's end, not the wrapper's (AgentChild).
    async spawn(command, options = {}) {
      const inner = await sandbox.run({
        command,
        ...(options.env && { env: options.env }),
        ...(options.cwd && { cwd: options.cwd }),
      });
      const child = new AgentChild(inner, (orphan) => input.orphaned(orphan));
      input.spawned(child);
      return child;
    },
    // Written by the sandbox user, inside the sandbox: the server never follows a path the sandbox controls.
    async writeHomeFile(relativePath, content) {
      const relative = normalize(relativePath);
      if (relative.startsWith('..') || isAbsolute(relative))
        throw new Error(`not a path under ${SANDBOX_HOME}: ${relativePath}`);
      const script = 'umask 077 && mkdir -p "$(dirname "$1")" && cat > "$1"';
      const result = await sandbox.exec({
        command: ['/bin/sh', '-c', script, 'write', `${SANDBOX_HOME}/${relative}`],
        stdin: content,
        timeoutMs: 10_000,
      });
      if (result.exitCode !== 0)
        throw new Error(`could not write ~/${relative} in the sandbox: ${result.stderr.trim()}`);
    },
  };
}
