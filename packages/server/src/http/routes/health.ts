import { z } from 'zod';
import { errors } from '../../errors.js';
import type { App, AppContext } from '../types.js';

export async function healthRoutes(app: App, { store, config, services }: AppContext) {
  app.get(
    '/api/health',
    {
      config: { access: 'public', credentials: false },
      schema: {
        tags: ['health'],
        summary: 'Liveness: the process answers',
        response: { 200: z.object({ status: z.literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/api/ready',
    {
      config: { access: 'public', credentials: false },
      schema: {
        tags: ['health'],
        summary: 'Readiness: the store answers and every migration is applied; which replica answered',
        description:
          'Answers 503 not_ready while this replica cannot reach its database (a query is made) or ' +
          'it is not migrated yet. `replica` is HANGAR_REPLICA_ID (generated when unset); `leader` ' +
          'is true on the replica that runs the periodic work (always on SQLite).',
        response: {
          200: z.object({
            status: z.literal('ready'),
            replica: z.string(),
            database: z.enum(['sqlite', 'postgres']),
            leader: z.boolean(),
          }),
        },
      },
    },
    async () => {
      if (!(await store.isReady()))
        throw errors.unavailable(
          `The database is unreachable or not migrated yet (replica ${config.replicaId}).`,
        );
      return {
        status: 'ready' as const,
        replica: config.replicaId,
        database: store.dialect,
        leader: services.cluster.leadership.isLeader(),
      };
    },
  );
}
