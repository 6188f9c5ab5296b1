import type { Kysely } from 'kysely';
import type { ServerSecrets } from '../../common/secrets.js';
import type { Database } from '../../store/schema.js';

const FACT = 'secret-key-check';

/**
 * Replicas on one database must share the secret key, or each would seal and sign with its own
 * and fail to read the others'. The first replica stores a check value derived from its key (an
 * HMAC of a constant: it tells nothing of the key); a replica whose key gives another value is
 * refused at start, before it writes anything sealed.
 */
export async function checkSharedKey(db: Kysely<Database>, secrets: ServerSecrets): Promise<void> {
  const mine = secrets.sign(FACT, 'hangar replicas share one secret key');
  await db
    .insertInto('cluster_facts')
    .values({ name: FACT, value: mine })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const stored = await db
    .selectFrom('cluster_facts')
    .select('value')
    .where('name', '=', FACT)
    .executeTakeFirstOrThrow();
  if (stored.value !== mine)
    throw new Error(
      'This database was set up with another secret key than this server has: every replica on one ' +
        'database needs the same key. Give each the same HANGAR_SECRET_KEY_FILE (a copy of the first ' +
        "replica's key file, e.g. <its data dir>/secret.key, or a shared Kubernetes Secret).",
    );
}
