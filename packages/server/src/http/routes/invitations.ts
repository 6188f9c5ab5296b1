import {
  acceptInvitationRequest,
  createdInvitation,
  createInvitationRequest,
  idParams,
  invitationList,
  invitationPreview,
  invitationTokenQuery,
  me,
  okResponse,
} from '@hangar/protocol';
import { principalOf, sessionMeta, setSessionCookie } from '../auth.js';
import { presentInvitation, presentUser } from '../presenters.js';
import type { App, AppContext } from '../types.js';

const admin = { access: 'admin' as const };

export async function invitationRoutes(app: App, ctx: AppContext) {
  const { services, config } = ctx;

  app.get(
    '/api/invitations',
    { config: admin, schema: { tags: ['invitations'], response: { 200: invitationList } } },
    async () => ({
      invitations: (await services.invitations.list()).map(presentInvitation),
    }),
  );

  app.post(
    '/api/invitations',
    {
      config: admin,
      schema: {
        tags: ['invitations'],
        summary: 'Create a single-use link that creates an account; the link is in this response only',
        body: createInvitationRequest,
        response: { 201: createdInvitation },
      },
    },
    async (request, reply) => {
      const { row, token } = await services.invitations.create(principalOf(request).user.id, request.body);
      const base =
        config.publicUrl ??
        `${request.protocol}://${request.headers.host ?? `${config.host}:${config.port}`}`;
      const url = new URL(`/invite?token=${encodeURIComponent(token)}`, base).toString();
      return reply.status(201).send({ invitation: presentInvitation(row), token, url });
    },
  );

  app.delete(
    '/api/invitations/:id',
    { config: admin, schema: { tags: ['invitations'], params: idParams, response: { 200: okResponse } } },
    async (request) => {
      await services.invitations.revoke(request.params.id);
      return { ok: true as const };
    },
  );

  app.get(
    '/api/invitations/preview',
    {
      config: { access: 'public' },
      schema: {
        tags: ['invitations'],
        querystring: invitationTokenQuery,
        response: { 200: invitationPreview },
      },
    },
    async (request) => {
      const row = await services.invitations.open(request.query.token);
      return { role: row.role, email: row.email, expiresAt: row.expires_at };
    },
  );

  app.post(
    '/api/invitations/accept',
    {
      config: { access: 'public' },
      schema: {
        tags: ['invitations'],
        summary: 'Create an account from an invitation',
        body: acceptInvitationRequest,
        response: { 200: me },
      },
    },
    async (request, reply) => {
      const { token, ...account } = request.body;
      const user = await services.invitations.accept(token, account);
      const { secret } = await services.sessions.create(user.id, sessionMeta(request));
      setSessionCookie(ctx, request, reply, secret);
      return { user: presentUser(user), authMode: config.auth };
    },
  );
}
