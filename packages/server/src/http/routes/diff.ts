import {
  diffQuery,
  idParams,
  turnDiff,
  turnDiffList,
  turnParams,
  workspaceDiff,
  workspaceDiffSummary,
  type WorkspaceDiff,
} from '@hangar/protocol';
import { z } from 'zod';
import type { DiffMessage, DiffTimings } from '../../services/diff/diff-service.js';
import { principalOf } from '../auth.js';
import { openSse } from '../sse.js';
import type { App, AppContext } from '../types.js';

const tags = ['diff'];

/** The diff without its patches (file list and counts). */
function summarize(diff: WorkspaceDiff) {
  return { ...diff, files: diff.files.map(({ patch: _patch, ...file }) => file) };
}

/** Whether an If-None-Match header names this etag (or is `*`). */
function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header
    .split(',')
    .map((t) => t.trim().replace(/^W\//, ''))
    .some((t) => t === '*' || t === `"${etag}"`);
}

/** `recompute;dur=…` first, then each step of the last recompute (`desc`: full tree or paths). */
function serverTiming(totalMs: number, timings: DiffTimings | undefined): string {
  const entries = [`recompute;desc="${timings?.kind ?? 'none'}";dur=${totalMs.toFixed(1)}`];
  if (timings) {
    const steps = ['queued', 'fingerprint', 'config', 'spawn', 'firstByte', 'git', 'parse'] as const;
    for (const step of steps) entries.push(`${step};dur=${timings[`${step}Ms`].toFixed(1)}`);
  }
  return entries.join(', ');
}

export async function diffRoutes(app: App, { services }: AppContext) {
  const { diff, agentSessions } = services;
  app.addHook('onClose', async () => diff.close());

  app.get(
    '/api/workspaces/:id/diff',
    {
      schema: {
        tags,
        summary: 'The working tree against HEAD, untracked files included (ETag, If-None-Match)',
        params: idParams,
        querystring: diffQuery,
        response: { 200: z.union([workspaceDiff, workspaceDiffSummary]), 304: z.void() },
      },
    },
    async (request, reply) => {
      const current = await diff.get(principalOf(request), request.params.id);
      const etag = `${current.etag}${request.query.summary === 'true' ? '-s' : ''}`;
      const { lastComputeMs, lastTimings } = diff.stats(request.params.id);
      reply.header('etag', `"${etag}"`).header('cache-control', 'private, no-cache');
      // The last recompute: its duration and steps (the benchmark reads them).
      reply.header('server-timing', serverTiming(lastComputeMs, lastTimings));
      if (matches(request.headers['if-none-match'], etag)) return reply.status(304).send();
      return request.query.summary === 'true' ? summarize(current) : current;
    },
  );

  app.get(
    '/api/workspaces/:id/diff/events',
    {
      config: { stream: true },
      schema: {
        tags,
        summary: 'Server-sent `diff` events whenever the live diff changes (ids are its etag)',
        params: idParams,
        querystring: diffQuery,
      },
    },
    async (request, reply) => {
      const summary = request.query.summary === 'true';
      let last = String(request.headers['last-event-id'] ?? '');
      let deliver: (message: DiffMessage) => void = () => undefined;
      const { current, unsubscribe } = await diff.subscribe(principalOf(request), request.params.id, (m) =>
        deliver(m),
      );
      const stream = openSse(request, reply);
      void stream.closed.then(unsubscribe);
      deliver = (message) => {
        if (message.type === 'diff') {
          if (message.diff.etag === last) return;
          last = message.diff.etag;
          const data = summary ? summarize(message.diff) : message.diff;
          stream.send({ id: message.diff.etag, event: 'diff', data });
        } else if (message.type === 'error') {
          stream.send({ event: 'error', data: { message: message.message } });
        } else {
          stream.send({ event: 'end', data: { reason: message.reason } });
          stream.close();
        }
      };
      await current.then(
        (now) => deliver({ type: 'diff', diff: now }),
        (error: unknown) => deliver({ type: 'error', message: (error as Error).message }),
      );
    },
  );

  app.get(
    '/api/sessions/:id/turns',
    {
      schema: {
        tags,
        summary: 'What each agent turn of the session changed (file lists and counts)',
        params: idParams,
        response: { 200: turnDiffList },
      },
    },
    async (request) => {
      const session = await agentSessions.get(principalOf(request), request.params.id);
      const turns = await diff.turns.list(session.workspace_id, session.id);
      return {
        turns: turns.map(({ files, ...turn }) => ({ ...turn, files: files.map(({ patch: _p, ...f }) => f) })),
      };
    },
  );

  app.get(
    '/api/sessions/:id/turns/:turn/diff',
    {
      schema: {
        tags,
        summary: 'What one agent turn changed (turn = the runId of its RUN_STARTED event)',
        params: turnParams,
        response: { 200: turnDiff },
      },
    },
    async (request) => {
      const session = await agentSessions.get(principalOf(request), request.params.id);
      return diff.turnDiff(session.workspace_id, session.id, request.params.turn);
    },
  );
}
