import type { Kysely } from 'kysely';
import type { Config } from '../../config/index.js';
import type { Database } from '../../store/schema.js';
import type { Clock } from '../../common/clock.js';
import type { ServerSecrets } from '../../common/secrets.js';
import type { WorkspaceService } from '../workspaces/workspace-service.js';
import { GitCredentialStore } from './credentials.js';
import { GitService } from './git-service.js';
import { PullRequestService } from './pull-requests.js';

export interface GitOps {
  repo: GitService;
  credentials: GitCredentialStore;
  pullRequests: PullRequestService;
}

export function createGitOps(
  db: Kysely<Database>,
  config: Config,
  workspaces: WorkspaceService,
  secrets: ServerSecrets,
  clock: Clock,
): GitOps {
  const credentials = new GitCredentialStore(db, secrets, clock);
  const repo = new GitService(config, workspaces, credentials);
  return { repo, credentials, pullRequests: new PullRequestService(db, config, repo) };
}
