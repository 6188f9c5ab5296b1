import {
  commitRequest,
  commitResult,
  createBranchRequest,
  createGitCredentialRequest,
  createPullRequestRequest,
  deleteRemoteBranchQuery,
  gitBranches,
  gitCredential,
  gitCredentialList,
  gitCredentialParams,
  idParams,
  okResponse,
  pullRequest,
  pullRequestDraft,
  pullRequestInfo,
  pullRequestList,
  pullRequestParams,
  pullResult,
  pushRequest,
  pushResult,
  remoteRequest,
  switchBranchRequest,
} from '@hangar/protocol';
import { principalOf } from '../auth.js';
import type { App, AppContext } from '../types.js';

const tags = ['git'];

/** Git operations of a workspace, the caller's remote credentials, and pull requests. */
export async function gitRoutes(app: App, { services }: AppContext) {
  const { repo, credentials, pullRequests } = services.git;
  const base = '/api/workspaces/:id/git';

  app.get(
    `${base}/branches`,
    {
      schema: {
        tags,
        summary: 'Local and remote branches, HEAD and remotes',
        params: idParams,
        response: { 200: gitBranches },
      },
    },
    async (request) => repo.branches(principalOf(request), request.params.id),
  );

  app.post(
    `${base}/init`,
    {
      schema: {
        tags,
        summary: 'Make the workspace a git repository (git init in its sandbox); 409 when it is one',
        params: idParams,
        response: { 201: gitBranches },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await repo.init(principalOf(request), request.params.id)),
  );

  app.post(
    `${base}/branches`,
    {
      schema: {
        tags,
        summary: 'Create a branch (and switch to it)',
        params: idParams,
        body: createBranchRequest,
        response: { 201: gitBranches },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await repo.createBranch(principalOf(request), request.params.id, request.body)),
  );

  app.post(
    `${base}/switch`,
    {
      schema: {
        tags,
        summary: 'Switch to a branch (a remote one gets a tracking branch)',
        params: idParams,
        body: switchBranchRequest,
        response: { 200: gitBranches },
      },
    },
    async (request) => repo.switchBranch(principalOf(request), request.params.id, request.body.name),
  );

  app.post(
    `${base}/commit`,
    {
      schema: {
        tags,
        summary: 'Stage and commit the named files (or every change) as the Hangar user',
        params: idParams,
        body: commitRequest,
        response: { 201: commitResult },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await repo.commit(principalOf(request), request.params.id, request.body)),
  );

  app.post(
    `${base}/fetch`,
    {
      schema: {
        tags,
        summary: 'Fetch a remote with your credential for its host',
        params: idParams,
        body: remoteRequest,
        response: { 200: gitBranches },
      },
    },
    async (request) => repo.fetch(principalOf(request), request.params.id, request.body.remote),
  );

  app.post(
    `${base}/pull`,
    {
      schema: {
        tags,
        summary: 'Fetch and merge the upstream (fast-forward only by default)',
        params: idParams,
        body: pullRequest,
        response: { 200: pullResult },
      },
    },
    async (request) => repo.pull(principalOf(request), request.params.id, request.body),
  );

  app.post(
    `${base}/push`,
    {
      schema: {
        tags,
        summary: "Push the current branch, within the template's guardrails",
        params: idParams,
        body: pushRequest,
        response: { 200: pushResult },
      },
    },
    async (request) => repo.push(principalOf(request), request.params.id, request.body),
  );

  app.delete(
    `${base}/remote-branches`,
    {
      schema: {
        tags,
        summary: 'Delete a branch on the remote (only where the template allows it)',
        params: idParams,
        querystring: deleteRemoteBranchQuery,
        response: { 200: okResponse },
      },
    },
    async (request) => {
      await repo.deleteRemoteBranch(principalOf(request), request.params.id, request.query);
      return { ok: true as const };
    },
  );

  app.get(
    `${base}/pulls`,
    {
      schema: {
        tags,
        summary: 'Pull or merge requests of the current branch, with CI and review state',
        params: idParams,
        response: { 200: pullRequestList },
      },
    },
    async (request) => pullRequests.list(principalOf(request), request.params.id),
  );

  app.post(
    `${base}/pulls`,
    {
      schema: {
        tags,
        summary: 'Open a pull or merge request from the current branch',
        params: idParams,
        body: createPullRequestRequest,
        response: { 201: pullRequestInfo },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(await pullRequests.create(principalOf(request), request.params.id, request.body)),
  );

  app.get(
    `${base}/pulls/draft`,
    {
      schema: {
        tags,
        summary: 'A title and body for a new pull request, from the agents and the commits',
        params: idParams,
        response: { 200: pullRequestDraft },
      },
    },
    async (request) => pullRequests.draft(principalOf(request), request.params.id),
  );

  app.get(
    `${base}/pulls/:number`,
    {
      schema: {
        tags,
        summary: 'One pull or merge request with CI and review state',
        params: pullRequestParams,
        response: { 200: pullRequestInfo },
      },
    },
    async (request) => pullRequests.get(principalOf(request), request.params.id, request.params.number),
  );

  app.get(
    '/api/me/git-credentials',
    {
      schema: {
        tags,
        summary: 'Your remote credentials (never their tokens)',
        response: { 200: gitCredentialList },
      },
    },
    async (request) => ({ credentials: await credentials.list(principalOf(request).user.id) }),
  );

  app.post(
    '/api/me/git-credentials',
    {
      schema: {
        tags,
        summary: 'Store a token for a host (replaces yours for that host)',
        body: createGitCredentialRequest,
        response: { 201: gitCredential },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await credentials.set(principalOf(request).user.id, request.body)),
  );

  app.delete(
    '/api/me/git-credentials/:credentialId',
    {
      schema: {
        tags,
        summary: 'Delete one of your credentials',
        params: gitCredentialParams,
        response: { 200: okResponse },
      },
    },
    async (request) => {
      await credentials.remove(principalOf(request).user.id, request.params.credentialId);
      return { ok: true as const };
    },
  );
}
