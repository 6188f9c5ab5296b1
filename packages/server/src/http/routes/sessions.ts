import {
  agentList,
  answerPermissionRequest,
  createSessionRequest,
  idParams,
  okResponse,
  sendMessageRequest,
  sendMessageResponse,
  session,
  sessionList,
  sessionListQuery,
  sessionWithEvents,
  updateSessionRequest,
  type Session,
} from '@hangar/protocol';
import { z } from 'zod';
import { errors } from '../../errors.js';
import type { SessionRow } from '../../services/sessions/session-service.js';
import { principalOf } from '../auth.js';
import { openSse } from '../sse.js';
import type { App, AppContext } from '../types.js';

const tags = ['sessions'];

export function presentSession(row: SessionRow, stalled = false): Session {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    agent: row.agent,
    model: row.model,
    status: row.status,
    stalled,
    title: row.title,
    permissionMode:
      row.permission_mode === 'allow_all' || row.permission_mode === 'allow_edits'
        ? row.permission_mode
        : 'ask',
    error: row.error,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastEventAt: row.last_event_at,
  };
}

export async function sessionRoutes(app: App, { services }: AppContext) {
  const { agentSessions: sessions, agents } = services;

  app.get(
    '/api/agents',
    { schema: { tags, summary: 'Agent types, their capabilities and models', response: { 200: agentList } } },
    async () => ({
      agents: await agents.list(),
    }),
  );

  app.get(
    '/api/sessions',
    { schema: { tags, querystring: sessionListQuery, response: { 200: sessionList } } },
    async (request) => ({
      sessions: (await sessions.list(principalOf(request), request.query.workspace)).map((row) =>
        presentSession(row, sessions.isStalled(row.id)),
      ),
    }),
  );

  app.post(
    '/api/sessions',
    {
      schema: {
        tags,
        summary: 'Start an agent session in a running workspace',
        body: createSessionRequest,
        response: { 201: session },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const model = body.model ?? (await agents.defaultModel(body.agent));
      if (!model)
        throw errors.badRequest(`Name a model: the ${body.agent} agent has no default model configured.`);
      const row = await sessions.create(principalOf(request), { ...body, model });
      return reply.status(201).send(presentSession(row));
    },
  );

  app.get(
    '/api/sessions/:id',
    {
      schema: {
        tags,
        summary: 'A session with its events',
        params: idParams,
        response: { 200: sessionWithEvents },
      },
    },
    async (request) => {
      const row = await sessions.get(principalOf(request), request.params.id);
      return {
        session: presentSession(row, sessions.isStalled(row.id)),
        events: await sessions.events.read(row.id),
      };
    },
  );

  const act = (
    path: string,
    summary: string,
    run: (principal: ReturnType<typeof principalOf>, id: string) => Promise<unknown>,
  ) =>
    app.post(
      `/api/sessions/:id/${path}`,
      { schema: { tags, summary, params: idParams, response: { 200: okResponse } } },
      async (request) => {
        await run(principalOf(request), request.params.id);
        return { ok: true as const };
      },
    );
  act('interrupt', 'Stop the running turn', (principal, id) => sessions.interrupt(principal, id));
  act('stop', 'End the agent process; the history stays', (principal, id) => sessions.stop(principal, id));
  act('restart', 'Start the agent again, resuming its own session', (principal, id) =>
    sessions.restart(principal, id),
  );

  app.post(
    '/api/sessions/:id/messages',
    {
      schema: {
        tags,
        summary: 'Send a message: it steers a running turn where the agent can, else waits for it',
        params: idParams,
        body: sendMessageRequest,
        response: { 200: sendMessageResponse },
      },
    },
    async (request) => ({
      ok: true as const,
      delivery: await sessions.send(principalOf(request), request.params.id, request.body.text),
    }),
  );

  app.patch(
    '/api/sessions/:id',
    {
      schema: {
        tags,
        summary: "Switch the session's model (agents whose capabilities say modelSwitch)",
        params: idParams,
        body: updateSessionRequest,
        response: { 200: session },
      },
    },
    async (request) => {
      const row = await sessions.setModel(principalOf(request), request.params.id, request.body.model);
      return presentSession(row, sessions.isStalled(row.id));
    },
  );

  app.post(
    '/api/sessions/:id/permissions',
    {
      schema: {
        tags,
        summary: 'Answer a permission request',
        params: idParams,
        body: answerPermissionRequest,
        response: { 200: okResponse },
      },
    },
    async (request) => {
      const { requestId, decision, reason } = request.body;
      await sessions.answer(principalOf(request), request.params.id, requestId, decision, reason);
      return { ok: true as const };
    },
  );

  app.get(
    '/api/sessions/:id/events',
    {
      config: { stream: true },
      schema: {
        tags,
        summary: 'Server-sent events of the session, resuming after Last-Event-ID (or ?after=)',
        params: idParams,
        querystring: z.strictObject({ after: z.coerce.number().int().min(0).optional() }),
      },
    },
    async (request, reply) => {
      const row = await sessions.get(principalOf(request), request.params.id);
      openSse(request, reply, async (stream) => {
        const stop = await sessions.events.follow(row.id, stream.resumeAfter(request.query.after), (event) =>
          stream.send({ id: event.id, event: event.event.type, data: event }),
        );
        void stream.closed.then(stop);
      });
    },
  );
}
