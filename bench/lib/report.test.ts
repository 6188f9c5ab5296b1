import { describe, expect, it } from 'vitest';
import { renderReport } from './report.js';
import { reportRows } from './report-suites.js';

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
