import type { Kysely } from 'kysely';
import type { Config, ProviderConfig } from '../config/index.js';
import { iso, type Clock } from '../common/clock.js';
import type { ServerSecrets } from '../common/secrets.js';
import type { Database } from '../store/schema.js';

const PURPOSE = 'provider-key';

export interface ProviderView {
  name: string;
  kind: ProviderConfig['kind'];
  label: string;
  baseUrl: string;
  keyless: boolean;
  /** Where the key comes from; the key itself is never shown. */
  keySource: 'admin' | 'environment' | 'none';
  updatedAt: string | null;
}

/**
 * Provider keys: set by an admin (sealed at rest with the data dir's key) or
 * taken from the server's environment at start. Only the proxy reads them.
 */
export class ProviderKeys {
  private readonly fromEnv = new Map<string, string>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly secrets: ServerSecrets,
    private readonly config: Pick<Config, 'providers'>,
    env: Record<string, string | undefined>,
    private readonly clock: Clock,
  ) {
    for (const [name, provider] of Object.entries(config.providers)) {
      const value = provider.keyEnv ? env[provider.keyEnv] : undefined;
      if (value) this.fromEnv.set(name, value);
    }
  }

  provider(name: string): ProviderConfig | undefined {
    return Object.hasOwn(this.config.providers, name) ? this.config.providers[name] : undefined;
  }

  /** The key to send upstream, or undefined when none is configured. */
  async keyOf(name: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('provider_keys')
      .select('sealed')
      .where('provider', '=', name)
      .executeTakeFirst();
    return row ? this.secrets.open(PURPOSE, row.sealed) : this.fromEnv.get(name);
  }

  async set(name: string, key: string, userId: string): Promise<void> {
    const sealed = this.secrets.seal(PURPOSE, key);
    const row = { provider: name, sealed, updated_by: userId, updated_at: iso(this.clock.now()) };
    await this.db
      .insertInto('provider_keys')
      .values(row)
      .onConflict((oc) =>
        oc.column('provider').doUpdateSet({ sealed, updated_by: userId, updated_at: row.updated_at }),
      )
      .execute();
  }

  async remove(name: string): Promise<void> {
    await this.db.deleteFrom('provider_keys').where('provider', '=', name).execute();
  }

  async list(): Promise<ProviderView[]> {
    const rows = await this.db.selectFrom('provider_keys').select(['provider', 'updated_at']).execute();
    return Object.entries(this.config.providers).map(([name, provider]) => {
      const stored = rows.find((r) => r.provider === name);
      return {
        name,
        kind: provider.kind,
        label: provider.label ?? name,
        baseUrl: provider.baseUrl,
        keyless: provider.keyless,
        keySource: stored ? 'admin' : this.fromEnv.has(name) ? 'environment' : 'none',
        updatedAt: stored?.updated_at ?? null,
      };
    });
  }
}
