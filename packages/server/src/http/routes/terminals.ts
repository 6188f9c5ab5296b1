import {
  createTerminalRequest,
  idParams,
  okResponse,
  renameTerminalRequest,
  terminal,
  terminalList,
  terminalParams,
} from '@hangar/protocol';
import { principalOf } from '../auth.js';
import { present } from '../../terminal/terminal-service.js';
import type { App, AppContext } from '../types.js';
import { terminalSocket } from './terminal-socket.js';

const tags = ['terminals'];

export async function terminalRoutes(app: App, ctx: AppContext) {
  const { terminals } = ctx.services;

  app.get(
    '/api/workspaces/:id/terminals',
    { schema: { tags, params: idParams, response: { 200: terminalList } } },
    async (request) => ({
      terminals: (await terminals.list(principalOf(request), request.params.id)).map(present),
    }),
  );

  app.post(
    '/api/workspaces/:id/terminals',
    {
      schema: {
        tags,
        summary: 'Open a terminal (a login shell, or a command) in the running workspace',
        params: idParams,
        body: createTerminalRequest,
        response: { 201: terminal },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(present(await terminals.create(principalOf(request), request.params.id, request.body))),
  );

  app.patch(
    '/api/workspaces/:id/terminals/:terminalId',
    { schema: { tags, params: terminalParams, body: renameTerminalRequest, response: { 200: terminal } } },
    async (request) => {
      const { id, terminalId } = request.params;
      return present(await terminals.rename(principalOf(request), id, terminalId, request.body.name));
    },
  );

  app.delete(
    '/api/workspaces/:id/terminals/:terminalId',
    {
      schema: {
        tags,
        summary: 'Close the terminal and end what runs in it',
        params: terminalParams,
        response: { 200: okResponse },
      },
    },
    async (request) => {
      await terminals.close(principalOf(request), request.params.id, request.params.terminalId);
      return { ok: true as const };
    },
  );

  terminalSocket(app, ctx);
}
