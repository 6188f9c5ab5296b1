import {
  createWorkspaceQuery,
  createWorkspaceRequest,
  deleteWorkspaceRequest,
  execRequest,
  execResult,
  idParams,
  okResponse,
  renameWorkspaceRequest,
  setMemberRequest,
  templateList,
  workspace,
  workspaceList,
  workspaceListQuery,
  workspaceMemberParams,
} from '@hangar/protocol';
import { principalOf } from '../auth.js';
import { presentWorkspace } from '../presenters.js';
import type { App, AppContext } from '../types.js';

const tags = ['workspaces'];
/** Longest a create with `?wait=true` holds the request, in ms; a clone may take longer. */
const WAIT_LIMIT_MS = 60_000;

export async function workspaceRoutes(app: App, { services, config }: AppContext) {
  const { workspaces, templates } = services;

  app.get('/api/templates', { schema: { tags, response: { 200: templateList } } }, async () => ({
    templates: (await templates.list()).map((t) => ({
      name: t.name,
      description: t.config.description,
      driver: t.config.driver,
      isolated: t.driver?.capabilities.isolated ?? false,
      network: t.config.network,
      unavailable: t.unavailable ?? null,
    })),
    defaultTemplate: templates.defaultName,
    localRepositories: config.localRepoRoots.length > 0,
  }));

  app.get(
    '/api/workspaces',
    {
      schema: {
        tags,
        summary: 'Workspaces you are a member of (admins: all)',
        querystring: workspaceListQuery,
        response: { 200: workspaceList },
      },
    },
    async (request) => {
      const views = await workspaces.list(principalOf(request), request.query);
      const list = views.map(presentWorkspace);
      return { workspaces: list, totalDiskBytes: list.reduce((sum, w) => sum + (w.diskBytes ?? 0), 0) };
    },
  );

  app.post(
    '/api/workspaces',
    {
      schema: {
        tags,
        summary:
          'Create a workspace; it is `creating` until its files and sandbox are ready (`?wait=true` waits)',
        querystring: createWorkspaceQuery,
        body: createWorkspaceRequest,
        response: { 201: workspace },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      let view = await workspaces.create(principal, request.body);
      if (request.query.wait) {
        await Promise.race([
          workspaces.settle(view.row.id),
          new Promise((r) => setTimeout(r, WAIT_LIMIT_MS)),
        ]);
        view = await workspaces.get(principal, view.row.id);
      }
      return reply.status(201).send(presentWorkspace(view));
    },
  );

  app.get(
    '/api/workspaces/:id',
    { schema: { tags, params: idParams, response: { 200: workspace } } },
    async (request) => presentWorkspace(await workspaces.get(principalOf(request), request.params.id)),
  );

  app.patch(
    '/api/workspaces/:id',
    {
      schema: {
        tags,
        summary: 'Rename',
        params: idParams,
        body: renameWorkspaceRequest,
        response: { 200: workspace },
      },
    },
    async (request) =>
      presentWorkspace(await workspaces.rename(principalOf(request), request.params.id, request.body.name)),
  );

  const actions = {
    start: 'Start the sandbox',
    stop: 'Stop every process; files stay',
    archive: 'Stop and release the sandbox; files stay',
    restore: 'Bring an archived workspace back',
    retry: 'Create again after an error',
  } as const;
  for (const [action, summary] of Object.entries(actions) as [keyof typeof actions, string][]) {
    app.post(
      `/api/workspaces/:id/${action}`,
      { schema: { tags, summary, params: idParams, response: { 200: workspace } } },
      async (request) => presentWorkspace(await workspaces[action](principalOf(request), request.params.id)),
    );
  }

  app.delete(
    '/api/workspaces/:id',
    {
      schema: {
        tags,
        summary: 'Delete the workspace and its files (a worktree’s branch stays); confirm with its name',
        params: idParams,
        body: deleteWorkspaceRequest,
        response: { 200: okResponse },
      },
    },
    async (request) => {
      await workspaces.remove(principalOf(request), request.params.id, request.body.confirm);
      return { ok: true as const };
    },
  );

  app.put(
    '/api/workspaces/:id/members/:userId',
    { schema: { tags, params: workspaceMemberParams, body: setMemberRequest, response: { 200: workspace } } },
    async (request) =>
      presentWorkspace(
        await workspaces.setMember(
          principalOf(request),
          request.params.id,
          request.params.userId,
          request.body.role,
        ),
      ),
  );

  app.delete(
    '/api/workspaces/:id/members/:userId',
    { schema: { tags, params: workspaceMemberParams, response: { 200: workspace } } },
    async (request) =>
      presentWorkspace(
        await workspaces.removeMember(principalOf(request), request.params.id, request.params.userId),
      ),
  );

  app.post(
    '/api/workspaces/:id/exec',
    {
      schema: {
        tags,
        summary: 'Run a command inside the running workspace and return its output',
        params: idParams,
        body: execRequest,
        response: { 200: execResult },
      },
    },
    async (request) => {
      const result = await workspaces.exec(principalOf(request), request.params.id, request.body);
      return { ...result, signal: result.signal };
    },
  );
}
