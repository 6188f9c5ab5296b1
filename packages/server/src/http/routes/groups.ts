import {
  createGroupRequest,
  group,
  groupList,
  groupMemberParams,
  idParams,
  okResponse,
  updateGroupRequest,
} from '@hangar/protocol';
import { presentGroup } from '../presenters.js';
import type { App, AppContext } from '../types.js';

const admin = { access: 'admin' as const };

export async function groupRoutes(app: App, { services }: AppContext) {
  // Any signed-in user may see groups (to share a workspace with one); only admins change them.
  app.get('/api/groups', { schema: { tags: ['groups'], response: { 200: groupList } } }, async () => ({
    groups: (await services.groups.list()).map(presentGroup),
  }));

  app.post(
    '/api/groups',
    { config: admin, schema: { tags: ['groups'], body: createGroupRequest, response: { 201: group } } },
    async (request, reply) =>
      reply.status(201).send(presentGroup(await services.groups.create(request.body))),
  );

  app.get(
    '/api/groups/:id',
    { schema: { tags: ['groups'], params: idParams, response: { 200: group } } },
    async (request) => presentGroup(await services.groups.get(request.params.id)),
  );

  app.patch(
    '/api/groups/:id',
    {
      config: admin,
      schema: { tags: ['groups'], params: idParams, body: updateGroupRequest, response: { 200: group } },
    },
    async (request) => presentGroup(await services.groups.update(request.params.id, request.body)),
  );

  app.delete(
    '/api/groups/:id',
    { config: admin, schema: { tags: ['groups'], params: idParams, response: { 200: okResponse } } },
    async (request) => {
      await services.groups.remove(request.params.id);
      return { ok: true as const };
    },
  );

  app.put(
    '/api/groups/:id/members/:userId',
    { config: admin, schema: { tags: ['groups'], params: groupMemberParams, response: { 200: group } } },
    async (request) =>
      presentGroup(await services.groups.addMember(request.params.id, request.params.userId)),
  );

  app.delete(
    '/api/groups/:id/members/:userId',
    { config: admin, schema: { tags: ['groups'], params: groupMemberParams, response: { 200: group } } },
    async (request) =>
      presentGroup(await services.groups.removeMember(request.params.id, request.params.userId)),
  );
}
