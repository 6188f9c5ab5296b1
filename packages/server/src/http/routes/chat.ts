import {
  CHAT_EVENT,
  WORKSPACE_TOKEN_HEADER,
  botMessageRequest,
  chatListQuery,
  chatMemberList,
  chatMessage,
  chatMessageParams,
  chatPage,
  chatUnread,
  editChatMessageRequest,
  idParams,
  markChatReadRequest,
  postChatMessageRequest,
} from '@hangar/protocol';
import { z } from 'zod';
import { errors } from '../../errors.js';
import { principalOf } from '../auth.js';
import { openSse, type SseStream } from '../sse.js';
import type { App, AppContext } from '../types.js';

const tags = ['chat'];

/** Workspace chat: members read (viewers too), editors and owners post; code in the sandbox posts as a bot. */
export async function chatRoutes(app: App, { services }: AppContext) {
  const { chat } = services.team;
  const base = '/api/workspaces/:id/chat';
  const streams = new Set<SseStream>();
  // Open streams would hold the server's close; the team's timers and deliveries end with it.
  app.addHook('preClose', async () => {
    for (const stream of streams) stream.close();
  });
  app.addHook('onClose', () => services.team.close());

  app.get(
    `${base}/messages`,
    {
      schema: {
        tags,
        summary: 'A page of messages: the latest, or `before`/`after` a message id',
        params: idParams,
        querystring: chatListQuery,
        response: { 200: chatPage },
      },
    },
    (request) => chat.list(principalOf(request), request.params.id, request.query),
  );

  app.post(
    `${base}/messages`,
    {
      schema: {
        tags,
        summary: 'Post a message (Markdown; @username mentions; `@agent …` goes to the agent)',
        params: idParams,
        body: postChatMessageRequest,
        response: { 201: chatMessage },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await chat.post(principalOf(request), request.params.id, request.body.text)),
  );

  app.patch(
    `${base}/messages/:messageId`,
    {
      schema: {
        tags,
        summary: 'Edit your own message',
        params: chatMessageParams,
        body: editChatMessageRequest,
        response: { 200: chatMessage },
      },
    },
    (request) =>
      chat.edit(principalOf(request), request.params.id, request.params.messageId, request.body.text),
  );

  app.delete(
    `${base}/messages/:messageId`,
    {
      schema: {
        tags,
        summary: 'Delete your own message (it stays in the history as deleted)',
        params: chatMessageParams,
        response: { 200: chatMessage },
      },
    },
    (request) => chat.remove(principalOf(request), request.params.id, request.params.messageId),
  );

  app.get(
    `${base}/unread`,
    {
      schema: {
        tags,
        summary: 'Your unread messages and mentions',
        params: idParams,
        response: { 200: chatUnread },
      },
    },
    (request) => chat.unread(principalOf(request), request.params.id),
  );

  app.post(
    `${base}/read`,
    {
      schema: {
        tags,
        summary: 'Mark messages up to an id as read',
        params: idParams,
        body: markChatReadRequest,
        response: { 200: chatUnread },
      },
    },
    (request) => chat.markRead(principalOf(request), request.params.id, request.body.lastReadId),
  );

  app.get(
    `${base}/members`,
    {
      schema: {
        tags,
        summary: 'Who can be @mentioned (autocomplete)',
        params: idParams,
        response: { 200: chatMemberList },
      },
    },
    async (request) => {
      const view = await services.workspaces.get(principalOf(request), request.params.id, 'read');
      return { members: view.members };
    },
  );

  app.get(
    `${base}/events`,
    {
      config: { stream: true },
      schema: {
        tags,
        summary:
          'Server-sent events: new messages after Last-Event-ID (or ?after=), then edits and deletions',
        params: idParams,
        querystring: z.strictObject({ after: z.coerce.number().int().min(0).optional() }),
      },
    },
    async (request, reply) => {
      const { row } = await services.workspaces.get(principalOf(request), request.params.id, 'read');
      openSse(request, reply, async (stream) => {
        streams.add(stream);
        void stream.closed.then(() => streams.delete(stream));
        const stop = await chat.follow(row.id, stream.resumeAfter(request.query.after), (event) =>
          stream.send({
            ...(event.type === 'message' && { id: event.message.id }),
            event: event.type === 'message' ? CHAT_EVENT.message : CHAT_EVENT.updated,
            data: event.message,
          }),
        );
        void stream.closed.then(stop);
      });
    },
  );

  app.post(
    `${base}/bot-messages`,
    {
      config: { access: 'public' },
      schema: {
        tags,
        summary: `From code in the workspace: post as a bot, with the workspace token in ${WORKSPACE_TOKEN_HEADER}`,
        params: idParams,
        body: botMessageRequest,
        response: { 201: chatMessage },
      },
    },
    async (request, reply) => {
      const token = request.headers[WORKSPACE_TOKEN_HEADER];
      const workspace =
        typeof token === 'string' ? await services.workspaces.lifecycle.tokens.verify(token) : undefined;
      if (!workspace) throw errors.invalidWorkspaceToken();
      if (workspace.id !== request.params.id) throw errors.notFound('The workspace');
      return reply.status(201).send(await chat.postBot(workspace, request.body.text, request.body.name));
    },
  );
}
