import {
  PRESENCE_EVENT,
  idParams,
  okResponse,
  presenceHeartbeatRequest,
  presenceList,
  presenceStreamQuery,
} from '@hangar/protocol';
import { principalOf } from '../auth.js';
import { openSse, type SseStream } from '../sse.js';
import type { App, AppContext } from '../types.js';

const tags = ['presence'];

/** Who is in a workspace now; each tab holds the stream open and beats (see PresenceService). */
export async function presenceRoutes(app: App, { services }: AppContext) {
  const { presence } = services.team;
  const base = '/api/workspaces/:id/presence';
  const streams = new Set<SseStream>();
  app.addHook('preClose', async () => {
    for (const stream of streams) stream.close();
  });

  app.get(
    base,
    {
      schema: {
        tags,
        summary: 'Who is in the workspace now',
        params: idParams,
        response: { 200: presenceList },
      },
    },
    async (request) => {
      const { row } = await services.workspaces.get(principalOf(request), request.params.id, 'read');
      return { members: await presence.members(row.id) };
    },
  );

  app.get(
    `${base}/stream`,
    {
      config: { stream: true },
      schema: {
        tags,
        summary:
          'Join the workspace as this tab, and receive the snapshot then join, update and leave events',
        params: idParams,
        querystring: presenceStreamQuery,
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { row } = await services.workspaces.get(principal, request.params.id, 'read');
      // Joins before the response starts, so a refusal is still an ordinary error response;
      // the tab is only ever closed (on a timeout, or when it reconnects) after this returns.
      const leave = await presence.connect(
        principal,
        row.id,
        request.query.tab,
        request.query.panel ?? null,
        () => stream.close(),
      );
      const stream = openSse(request, reply);
      streams.add(stream);
      const unsubscribe = presence.subscribe(row.id, (event) =>
        stream.send({
          event: event.type,
          data: event.type === 'leave' ? { userId: event.userId } : event.member,
        }),
      );
      // One connection per tab for everything live on the page: browsers allow only ~6 per server.
      const stopChat = services.team.chat.subscribe(row.id, (event) =>
        stream.send({ event: event.type, data: event.message }),
      );
      const stopNotifications = services.team.notifications.subscribe(principal.user.id, (push) =>
        stream.send({ event: 'notification', data: push }),
      );
      stream.send({ event: PRESENCE_EVENT.snapshot, data: { members: await presence.members(row.id) } });
      void stream.closed.then(() => {
        streams.delete(stream);
        stopChat();
        stopNotifications();
        unsubscribe();
        leave();
      });
    },
  );

  app.post(
    `${base}/heartbeat`,
    {
      schema: {
        tags,
        summary: 'Keep this tab present, and say which panel it shows',
        params: idParams,
        body: presenceHeartbeatRequest,
        response: { 200: okResponse },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { row } = await services.workspaces.get(principal, request.params.id, 'read');
      await presence.heartbeat(principal, row.id, request.body.tab, request.body.panel);
      return { ok: true as const };
    },
  );
}
