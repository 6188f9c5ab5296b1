import { z } from 'zod';
import { id, timestamp } from './common.js';

/**
 * Diffs of a workspace. The live diff (GET /api/workspaces/:id/diff) is the
 * working tree against HEAD, untracked files included, as `git status` and
 * `git diff HEAD` see it; its `etag` answers `If-None-Match`. Its SSE stream
 * (/api/workspaces/:id/diff/events) sends `diff` events whenever it changes
 * (ids are the etag; `Last-Event-ID` skips the first one when unchanged),
 * `error` when git fails, and `end` when the workspace stops.
 *
 * A turn's diff (GET /api/sessions/:id/turns/:turnId/diff, turnId = the
 * runId of the turn's RUN_STARTED event) is what that agent turn changed:
 * the tree at its end against a snapshot taken before its message was sent.
 */

export const fileChangeStatus = z.enum(['added', 'modified', 'deleted', 'renamed', 'untracked']);
export type FileChangeStatus = z.infer<typeof fileChangeStatus>;

export const fileDiffSummary = z.object({
  path: z.string(),
  /** The path before a rename. */
  oldPath: z.string().nullable(),
  status: fileChangeStatus,
  additions: z.number().int(),
  deletions: z.number().int(),
  binary: z.boolean(),
  /** The patch was cut at the per-file or total cap (counts stay exact). */
  truncated: z.boolean(),
});
export type FileDiffSummary = z.infer<typeof fileDiffSummary>;

export const fileDiff = fileDiffSummary.extend({
  /** The unified patch of this file (from its `diff --git` line), possibly truncated. */
  patch: z.string(),
});
export type FileDiff = z.infer<typeof fileDiff>;

const diffTotals = {
  additions: z.number().int(),
  deletions: z.number().int(),
  /** Some patch was cut: a file above the per-file cap, or files after the total cap. */
  truncated: z.boolean(),
};

export const workspaceDiff = z.object({
  workspaceId: id,
  /** False when the workspace has no git repository (then there are no files). */
  repository: z.boolean(),
  /** The commit the tree is compared with; null before the first commit. */
  head: z.string().nullable(),
  etag: z.string(),
  computedAt: timestamp,
  ...diffTotals,
  files: z.array(fileDiff),
});
export type WorkspaceDiff = z.infer<typeof workspaceDiff>;

export const workspaceDiffSummary = workspaceDiff.extend({ files: z.array(fileDiffSummary) });
export type WorkspaceDiffSummary = z.infer<typeof workspaceDiffSummary>;

export const diffQuery = z.strictObject({
  /** Leave the patches out (file list and counts only). */
  summary: z.enum(['true', 'false']).optional(),
});

export const turnDiff = z.object({
  sessionId: id,
  turnId: z.string(),
  startedAt: timestamp,
  finishedAt: timestamp,
  ...diffTotals,
  files: z.array(fileDiff),
});
export type TurnDiff = z.infer<typeof turnDiff>;

export const turnDiffSummary = turnDiff.extend({ files: z.array(fileDiffSummary) });
export const turnDiffList = z.object({ turns: z.array(turnDiffSummary) });

/** Run ids as adapters make them (ids, UUIDs). */
export const turnParams = z.strictObject({
  id,
  turn: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/, 'must be a turn id (the runId of its RUN_STARTED event)'),
});
