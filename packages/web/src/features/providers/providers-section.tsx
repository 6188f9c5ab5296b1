import { useAuthStatus } from '../../api/auth';
import { useProviders } from '../../api/providers';
import { ErrorAlert } from '../../components/alert';
import { DateTime } from '../../components/date-time';
import { KeySourceBadge } from './key-source-badge';
import { ProviderKeyForm } from './provider-key-form';
import { TableWrap } from '../../components/table-wrap';

export function ProvidersSection() {
  const providers = useProviders();
  const demo = useAuthStatus().data?.demo === true;
  const needKeys = providers.data?.filter((provider) => !provider.keyless) ?? [];

  return (
    <section className="card" aria-labelledby="providers-heading">
      <h2 id="providers-heading">LLM providers</h2>
      <p className="muted small">
        Agents reach these providers through Hangar, which adds the key on the way out: keys never enter a
        workspace, a log or an API response.
      </p>
      {demo ? (
        <p className="alert alert-warning" role="note">
          Demo mode: every provider is Hangar’s scripted demo model, which needs no key, so there are no keys
          to set here. To use a real model, restart Hangar without demo mode (no <code>--demo</code> or{' '}
          <code>HANGAR_DEMO</code>); the key forms appear here then, or set a provider’s key in the server’s
          environment.
        </p>
      ) : null}
      <ErrorAlert error={providers.error} />
      {providers.isPending ? <p className="muted">Loading providers…</p> : null}
      {providers.data ? (
        <TableWrap label="Provider keys">
          <table>
            <caption>Providers</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Label</th>
                <th scope="col">Kind</th>
                <th scope="col">Base URL</th>
                <th scope="col">Key</th>
              </tr>
            </thead>
            <tbody>
              {providers.data.map((provider) => (
                <tr key={provider.name}>
                  <th scope="row" className="mono">
                    {provider.name}
                  </th>
                  <td>{provider.label}</td>
                  <td>{provider.kind}</td>
                  <td className="mono cell-wide">{provider.baseUrl}</td>
                  <td>
                    <KeySourceBadge provider={provider} />
                    {provider.updatedAt ? (
                      <span className="muted small">
                        {' '}
                        <DateTime value={provider.updatedAt} />
                      </span>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      ) : null}
      {needKeys.length > 0 ? (
        <>
          <h3>API keys</h3>
          {needKeys.map((provider) => (
            <ProviderKeyForm key={provider.name} provider={provider} />
          ))}
        </>
      ) : null}
    </section>
  );
}
