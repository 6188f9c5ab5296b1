import { z } from 'zod';
import { id, timestamp } from './common.js';

export const usageGroup = z.enum(['user', 'workspace', 'session', 'model', 'day']);
export type UsageGroup = z.infer<typeof usageGroup>;

export const usageQuery = z.strictObject({
  by: usageGroup.default('day'),
  /** Inclusive start, ISO date or timestamp; default the first day of this month. */
  from: z.string().max(40).optional(),
  /** Exclusive end; default now. */
  to: z.string().max(40).optional(),
  workspace: id.optional(),
  format: z.enum(['json', 'csv']).default('json'),
});

export const usageRow = z.object({
  /** The user id, workspace id, session id, model name or day (YYYY-MM-DD) the row sums. */
  key: z.string(),
  /** A readable name for the key (username, workspace name), when there is one. */
  label: z.string(),
  calls: z.number().int(),
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
  cacheReadTokens: z.number().int(),
  cacheWriteTokens: z.number().int(),
  costUsd: z.number(),
  errors: z.number().int(),
});
export type UsageRow = z.infer<typeof usageRow>;

export const usageReport = z.object({
  by: usageGroup,
  from: timestamp,
  to: timestamp,
  rows: z.array(usageRow),
  total: usageRow,
});
export type UsageReport = z.infer<typeof usageReport>;

export const providerInfo = z.object({
  name: z.string(),
  kind: z.enum(['anthropic', 'openai', 'gemini']),
  label: z.string(),
  baseUrl: z.string(),
  keyless: z.boolean(),
  /** Where its key comes from; the key itself is never sent. */
  keySource: z.enum(['admin', 'environment', 'none']),
  updatedAt: timestamp.nullable(),
});
export const providerList = z.object({ providers: z.array(providerInfo) });
export const providerParams = z.strictObject({ name: z.string().min(1).max(64) });
export const setProviderKeyRequest = z.strictObject({
  key: z.string().trim().min(8, 'paste the whole key').max(500),
});

export const budgetScope = z.enum(['user', 'workspace']);
export const budget = z.object({
  scope: budgetScope,
  subjectId: id,
  monthlyUsd: z.number(),
  /** Spent in the current calendar month (UTC). */
  spentUsd: z.number(),
});
export const budgetList = z.object({
  budgets: z.array(budget),
  defaults: z.object({ userMonthlyUsd: z.number(), workspaceMonthlyUsd: z.number() }),
});
export const budgetParams = z.strictObject({ scope: budgetScope, subjectId: id });
export const setBudgetRequest = z.strictObject({
  /** US dollars per calendar month; 0 for no limit. */
  monthlyUsd: z.number().min(0).max(1_000_000),
});
