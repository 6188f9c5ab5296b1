import {
  createUserRequest,
  idParams,
  userDirectory,
  loginAttemptList,
  okResponse,
  updateUserRequest,
  user,
  userList,
} from '@hangar/protocol';
import { z } from 'zod';
import { errors } from '../../errors.js';
import { principalOf } from '../auth.js';
import { presentUser } from '../presenters.js';
import type { App, AppContext } from '../types.js';

const admin = { access: 'admin' as const };

export async function userRoutes(app: App, { services }: AppContext) {
  app.get(
    '/api/users',
    { config: admin, schema: { tags: ['users'], response: { 200: userList } } },
    async () => ({
      users: (await services.accounts.list()).map(presentUser),
    }),
  );

  app.get(
    '/api/users/directory',
    {
      schema: {
        tags: ['users'],
        summary: 'Every active user, to add to a workspace',
        response: { 200: userDirectory },
      },
    },
    async () => ({
      users: (await services.accounts.list())
        .filter((u) => !u.disabled_at)
        .map((u) => ({ id: u.id, username: u.username, displayName: u.display_name })),
    }),
  );

  app.post(
    '/api/users',
    { config: admin, schema: { tags: ['users'], body: createUserRequest, response: { 201: user } } },
    async (request, reply) =>
      reply.status(201).send(presentUser(await services.accounts.create(request.body))),
  );

  app.get(
    '/api/users/:id',
    { config: admin, schema: { tags: ['users'], params: idParams, response: { 200: user } } },
    async (request) => presentUser(await services.accounts.get(request.params.id)),
  );

  app.patch(
    '/api/users/:id',
    {
      config: admin,
      schema: { tags: ['users'], params: idParams, body: updateUserRequest, response: { 200: user } },
    },
    async (request) => {
      const updated = await services.accounts.update(request.params.id, request.body);
      if (updated.disabled_at) await services.sessions.revokeAllOf(updated.id);
      return presentUser(updated);
    },
  );

  app.delete(
    '/api/users/:id',
    { config: admin, schema: { tags: ['users'], params: idParams, response: { 200: okResponse } } },
    async (request) => {
      if (request.params.id === principalOf(request).user.id)
        throw errors.forbidden('delete your own account');
      await services.accounts.remove(request.params.id);
      return { ok: true as const };
    },
  );

  app.post(
    '/api/users/:id/unlock',
    {
      config: admin,
      schema: {
        tags: ['users'],
        summary: 'Clear a login lock-out',
        params: idParams,
        response: { 200: user },
      },
    },
    async (request) => presentUser(await services.accounts.unlock(request.params.id)),
  );

  app.get(
    '/api/login-attempts',
    {
      config: admin,
      schema: {
        tags: ['users'],
        summary: 'Recent login attempts, newest first',
        querystring: z.strictObject({
          username: z.string().max(100).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
        response: { 200: loginAttemptList },
      },
    },
    async (request) => {
      const rows = await services.throttle.recent(request.query);
      return {
        attempts: rows.map((r) => ({
          id: r.id,
          username: r.username,
          userId: r.user_id,
          address: r.address,
          outcome: r.outcome,
          createdAt: r.created_at,
        })),
      };
    },
  );
}
