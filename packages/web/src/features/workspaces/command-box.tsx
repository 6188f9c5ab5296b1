import type { ExecResult, Workspace } from '@hangar/protocol';
import { useState, type FormEvent } from 'react';
import { useExec } from '../../api/workspaces';
import { ErrorAlert } from '../../components/alert';
import { Field } from '../../components/field';

/**
 * One command at a time through POST /exec, its output shown whole with the
 * exit code. The line runs under `sh -c`, so pipes and quotes work as in a shell.
 */
export function CommandBox({ workspace, canRun }: { workspace: Workspace; canRun: boolean }) {
  const exec = useExec(workspace.id);
  const [command, setCommand] = useState('');
  const running = workspace.state === 'running';

  function submit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    if (command.trim() === '') return;
    exec.mutate(['sh', '-c', command]);
  }

  if (!canRun) return <p className="muted">Viewers cannot run commands in this workspace.</p>;
  return (
    <div className="command-box">
      <form onSubmit={submit} className="command-form">
        <Field
          label="Command"
          name="command"
          autoComplete="off"
          autoCapitalize="off"
          spellCheck={false}
          placeholder="ls -la"
          value={command}
          onChange={(event) => setCommand(event.target.value)}
          hint={running ? 'Runs in /workspace with sh -c.' : 'Start the workspace to run commands.'}
        />
        <div className="inline-form-submit">
          <button
            type="submit"
            className="button button-primary"
            disabled={!running || command.trim() === '' || exec.isPending}
          >
            {exec.isPending ? 'Running…' : 'Run'}
          </button>
        </div>
      </form>
      <ErrorAlert error={exec.error} />
      {exec.data ? <CommandOutput result={exec.data} /> : null}
    </div>
  );
}

function CommandOutput({ result }: { result: ExecResult }) {
  const outcome =
    result.exitCode !== null ? `Exit code ${result.exitCode}` : `Killed by ${result.signal ?? 'a signal'}`;
  return (
    <section className="command-output" aria-label="Command output">
      <p role="status" className={result.exitCode === 0 ? 'small' : 'small field-error'}>
        {outcome} · {Math.round(result.durationMs)} ms
        {result.truncated ? ' · output truncated' : ''}
      </p>
      {result.stdout ? <pre aria-label="Standard output">{result.stdout}</pre> : null}
      {result.stderr ? (
        <pre aria-label="Standard error" className="stderr">
          {result.stderr}
        </pre>
      ) : null}
      {!result.stdout && !result.stderr ? <p className="muted small">No output.</p> : null}
    </section>
  );
}
