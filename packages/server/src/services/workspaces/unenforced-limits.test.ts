import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';
import { HostDriver } from '../../sandbox/host/host-driver.js';
import { unenforcedLimits } from './unenforced-limits.js';

describe('limits a template sets that its driver does not enforce here', () => {
  it('names them per template, never the disk cap (the server enforces it)', () => {
    const { templates } = loadConfig({
      HANGAR_TEMPLATES: JSON.stringify({
        capped: {
          driver: 'host',
          network: 'full',
          limits: { memoryBytes: 1024 ** 3, cpus: 1, diskBytes: 0 },
        },
        disk: { driver: 'host', network: 'full', limits: { diskBytes: 1024 ** 3 } },
      }),
    });
    const drivers = new Map([['host', new HostDriver()]]);
    expect(unenforcedLimits(templates, drivers)).toEqual([
      'template "capped": the host driver does not enforce memoryBytes, cpus on this host',
    ]);
  });
});
