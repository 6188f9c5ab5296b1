import type { Workspace, WorkspaceSource } from '@hangar/protocol';
import { DateTime } from '../../components/date-time';
import { diskUse } from './workspace-list';

function SourceText({ source }: { source: WorkspaceSource }) {
  switch (source.type) {
    case 'empty':
      return <>Empty</>;
    case 'git':
      return (
        <>
          Git: <span className="mono break">{source.url}</span>
        </>
      );
    case 'local':
      return (
        <>
          Local: <span className="mono break">{source.path}</span>
          {source.baseRef ? ` from ${source.baseRef}` : ''}
        </>
      );
  }
}

const NETWORK: Record<Workspace['network'], string> = {
  none: 'none (loopback only)',
  hangar: 'Hangar only',
  full: 'full (Hangar and the network, not this machine’s loopback)',
};

export function WorkspaceDetails({ workspace }: { workspace: Workspace }) {
  const branch = workspace.branch ?? (workspace.source.type === 'git' ? workspace.source.branch : null);
  return (
    <section className="card" aria-labelledby="details-heading">
      <h2 id="details-heading">Details</h2>
      <dl className="details">
        <dt>Source</dt>
        <dd>
          <SourceText source={workspace.source} />
        </dd>
        {branch ? (
          <>
            <dt>Branch</dt>
            <dd className="mono">{branch}</dd>
          </>
        ) : null}
        <dt>Template</dt>
        <dd>{workspace.template}</dd>
        <dt>Driver</dt>
        <dd>
          {workspace.driver}
          {workspace.isolated ? null : <span className="badge badge-danger">not isolated</span>}
        </dd>
        <dt>Network</dt>
        <dd>
          {workspace.network === 'full' && !workspace.isolated
            ? 'full (this machine’s own network)'
            : NETWORK[workspace.network]}
        </dd>
        <dt>Disk use</dt>
        <dd>{diskUse(workspace.diskBytes)}</dd>
        <dt>Created</dt>
        <dd>
          <DateTime value={workspace.createdAt} />
        </dd>
        <dt>Last active</dt>
        <dd>
          <DateTime value={workspace.lastActiveAt} />
        </dd>
      </dl>
    </section>
  );
}
