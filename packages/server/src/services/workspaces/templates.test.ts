import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type TemplateConfig } from '../../config/index.js';
import {
  BaseSandboxDriver,
  WEAKEST_CAPABILITIES,
  type HostCommand,
  type SandboxCapabilities,
  type SandboxDriver,
  type SandboxStatus,
} from '../../sandbox/driver.js';
import { createSandboxDrivers } from '../../sandbox/registry.js';
import { TemplateCatalog } from './templates.js';

/** A driver that only claims capabilities: the catalog must act on them, whatever the driver's name. */
class ClaimingDriver extends BaseSandboxDriver {
  readonly name = 'claiming';
  override readonly capabilities: SandboxCapabilities;
  constructor(claims: Partial<SandboxCapabilities>) {
    super();
    this.capabilities = { ...WEAKEST_CAPABILITIES, ...claims };
  }
  async create(): Promise<void> {}
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  async destroy(): Promise<void> {}
  async status(): Promise<SandboxStatus> {
    return 'stopped';
  }
  async command(): Promise<HostCommand> {
    throw new Error('not used');
  }
  async listRunning(): Promise<string[]> {
    return [];
  }
}

function catalogOf(templates: Record<string, Partial<TemplateConfig>>, drivers: Map<string, SandboxDriver>) {
  const config = {
    templates: Object.fromEntries(
      Object.entries(templates).map(([name, t]) => [
        name,
        {
          driver: 'bubblewrap',
          description: '',
          env: {},
          network: 'hangar',
          limits: {},
          ...t,
        } as TemplateConfig,
      ]),
    ),
    defaultTemplate: Object.keys(templates)[0]!,
  };
  return new TemplateCatalog(config, drivers);
}

describe('template catalog', () => {
  it('refuses blockedNetworks at boot for a driver without a network of its own (the host driver)', () => {
    const config = loadConfig({
      HANGAR_DATA_DIR: '/nonexistent/hangar',
      HANGAR_TEMPLATES: JSON.stringify({
        t: { driver: 'host', network: 'full', blockedNetworks: ['10.0.0.0/8'] },
      }),
    });
    let problems: string[] = [];
    try {
      new TemplateCatalog(config, createSandboxDrivers(config));
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems = error.problems;
    }
    expect(problems).toEqual([
      'HANGAR_TEMPLATES: templates.t.blockedNetworks: blockedNetworks applies to network "full" with driver bubblewrap or podman',
    ]);
    const own = { driver: 'bubblewrap' as const, network: 'full' as const, blockedNetworks: ['10.0.0.0/8'] };
    expect(() =>
      catalogOf({ t: own }, new Map([['bubblewrap', new ClaimingDriver({ ownNetwork: true })]])),
    ).not.toThrow();
    expect(() => catalogOf({ t: own }, new Map([['bubblewrap', new ClaimingDriver({})]]))).toThrow(
      ConfigError,
    );
  });

  it('asks for an image or rootfs when the driver says it needs one, by capability, not by name', async () => {
    const needs = new Map([
      ['bubblewrap', new ClaimingDriver({ needsImage: true, networkPolicies: ['hangar'] })],
    ]);
    const catalog = catalogOf({ bare: {}, imaged: { image: 'localhost/ws:1' } }, needs);
    expect((await catalog.resolve('bare')).unavailable).toBe(
      'set the template’s "image" or "rootfs" (nothing can be pulled)',
    );
    expect((await catalog.resolve('imaged')).unavailable).toBeUndefined();
    const plain = new Map([['bubblewrap', new ClaimingDriver({ networkPolicies: ['hangar'] })]]);
    expect((await catalogOf({ bare: {} }, plain).resolve('bare')).unavailable).toBeUndefined();
  });

  it('gives the weakest capabilities for a driver that is not enabled here', () => {
    const catalog = catalogOf({ t: {} }, new Map([['bubblewrap', new ClaimingDriver({ isolated: true })]]));
    expect(catalog.capabilitiesOf('bubblewrap').isolated).toBe(true);
    expect(catalog.capabilitiesOf('host')).toEqual(WEAKEST_CAPABILITIES);
  });
});
