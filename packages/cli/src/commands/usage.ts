import { usageGroup, usageReport, type UsageRow } from '@hangar/protocol';
import { Option, type Command } from 'commander';
import { resolveWorkspace } from '../client/resolve.js';
import { out } from '../ui/style.js';
import { printJson, table } from '../ui/table.js';
import { apiClient, command, JSON_OPTION } from './common.js';

export function usageCommand(): Command {
  return command('usage', 'LLM usage and cost this month (yours; admins: everyone)', [
    'hangar usage',
    'hangar usage --by model',
    'hangar usage --by user --from 2025-01-01 --to 2025-02-01',
    'hangar usage --workspace api --json',
  ])
    .addOption(new Option('--by <group>', 'one row per').choices(usageGroup.options).default('day'))
    .option('--from <date>', 'inclusive start, ISO date (default: the first day of this month)')
    .option('--to <date>', 'exclusive end (default: now)')
    .option('--workspace <workspace>', 'only this workspace (name or id)')
    .option(...JSON_OPTION)
    .action(
      async (options: { by: string; from?: string; to?: string; workspace?: string; json?: boolean }) => {
        const client = apiClient();
        const workspace = options.workspace
          ? (await resolveWorkspace(client, options.workspace)).id
          : undefined;
        const report = await client.get('/api/usage', usageReport, {
          by: options.by,
          from: options.from,
          to: options.to,
          workspace,
        });
        if (options.json) return printJson(report);
        const row = (r: UsageRow, label: string) => [
          label,
          String(r.calls),
          String(r.inputTokens),
          String(r.outputTokens),
          String(r.cacheReadTokens),
          `$${r.costUsd.toFixed(4)}`,
          String(r.errors),
        ];
        const rows = report.rows.map((r) => row(r, r.label || r.key));
        rows.push(row(report.total, out.bold('total')));
        const header = [report.by.toUpperCase(), 'CALLS', 'INPUT', 'OUTPUT', 'CACHED', 'COST', 'ERRORS'];
        process.stdout.write(`${out.dim(`${report.from} – ${report.to}`)}\n${table(header, rows)}\n`);
      },
    );
}
