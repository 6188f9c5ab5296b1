import { z } from 'zod';
import { errors } from '../../errors.js';
import type { App, AppContext } from '../types.js';

export async function healthRoutes(app: App, { store }: AppContext) {
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
        summary: 'Readiness: the store answers and every migration is applied',
        response: { 200: z.object({ status: z.literal('ready') }) },
      },
    },
    async () => {
      if (!(await store.isReady()))
        throw errors.unavailable('The database is unreachable or not migrated yet.');
      return { status: 'ready' as const };
    },
  );
}
