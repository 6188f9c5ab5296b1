import { describe, expect, it } from 'vitest';
import { renderReport } from './report.js';
import { reportRows } from './report-suites.js';
import { withAddedLatency } from './stats.js';

describe('benchmark report', () => {
  it('puts each figure beside its same-run baseline, with the target verdict', () => {
    const rows = reportRows('diff', {
      diff: {
        targetP50Ms: 300,
        rows: {
          writeToEvent: { n: 5, p50: 120, p99: 200, mean: 130 },
          plainGitDiff: { n: 10, p50: 60, p99: 80, mean: 61 },
        },
      },
    });
    expect(rows).toEqual([
      {
        figure: 'file write → live diff SSE event, p50 / p99',
        value: '120.0 ms / 200.0 ms',
        baseline: '60.0 ms / 80.0 ms (git diff HEAD)',
        vs: '2.00×; target p50 < 300 ms',
        met: 'yes',
      },
    ]);
    const web = reportRows('web', {
      web: {
        firstLoadGzipBytes: 300 * 1024,
        baselineGzipBytes: 60 * 1024,
        targetBytes: 250 * 1024,
        met: false,
      },
    });
    expect(web[0]?.met).toBe('NO');
  });

  it('holds what Hangar adds to the same Pi on the host against the agent-events target', () => {
    const l = (p50: number, p99: number) => ({ n: 1000, p50, p99, mean: p50 });
    const rows = reportRows('agent-events', {
      agentEvents: {
        targetP99Ms: 10,
        rows: [
          { label: 'one at a time', direct: l(1, 2), agent: l(3, 5), hangar: l(4, 7) },
          { label: '20 at once', direct: l(1, 3), agent: l(8, 30), hangar: l(10, 38) },
        ].map(withAddedLatency),
      },
    });
    expect(rows.map((r) => [r.figure, r.baseline, r.vs, r.met])).toEqual([
      [
        'token → SSE event, one at a time, p50 / p99',
        '1.00 ms / 2.00 ms (provider directly)',
        "+5.00 ms at p99, counting Pi's own processing",
        '—',
      ],
      [
        'token → SSE event, one at a time, p50 / p99, added by Hangar',
        '3.00 ms / 5.00 ms (Pi on the host, no Hangar)',
        '+2.00 ms at p99',
        '—',
      ],
      [
        'token → SSE event, 20 at once, p50 / p99',
        '1.00 ms / 3.00 ms (provider directly)',
        "+35.00 ms at p99, counting Pi's own processing",
        '—',
      ],
      [
        'token → SSE event, 20 at once, p50 / p99, added by Hangar',
        '8.00 ms / 30.0 ms (Pi on the host, no Hangar)',
        '+8.00 ms at p99; target < 10 ms added',
        'yes',
      ],
    ]);
  });

  it('renders machine, suites run and not run, a table per suite and its output', () => {
    const text = renderReport({
      started: new Date('2026-01-02T03:04:05Z'),
      command: 'npm run bench -- web',
      loadAtStart: '1.00 / 1.00 / 1.00',
      suites: [
        {
          name: 'web',
          result: {
            web: { firstLoadGzipBytes: 1024, baselineGzipBytes: 512, targetBytes: 250 * 1024, met: true },
          },
          failed: false,
          seconds: 2,
          output: 'web: printed | line',
        },
      ],
      allSuites: ['startup', 'web'],
    });
    expect(text).toContain('- Date: 2026-01-02T03:04:05.000Z');
    expect(text).toContain('- Not in this run: startup');
    expect(text).toContain(
      '| first-load JavaScript, gzip | 1.0 KB | 0.5 KB (empty React 19 app) | 2.00×; target ≤ 250.0 KB | yes |',
    );
    expect(text).toContain('web: printed | line');
    expect(text).toMatch(/CPUs \(.+\)/);
  });
});
