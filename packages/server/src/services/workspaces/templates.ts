import { existsSync } from 'node:fs';
import type { Config, TemplateConfig } from '../../config/index.js';
import { errors } from '../../errors.js';
import type { SandboxDriver } from '../../sandbox/driver.js';

export interface ResolvedTemplate {
  name: string;
  config: TemplateConfig;
  driver: SandboxDriver | undefined;
  /** Why it cannot be used now, or undefined. */
  unavailable: string | undefined;
}

/** The configured templates, each with its driver and whether that driver can run here. */
export class TemplateCatalog {
  constructor(
    private readonly config: Pick<Config, 'templates' | 'defaultTemplate'>,
    private readonly drivers: ReadonlyMap<string, SandboxDriver>,
  ) {}

  get defaultName(): string {
    return this.config.defaultTemplate;
  }

  async list(): Promise<ResolvedTemplate[]> {
    return Promise.all(
      Object.keys(this.config.templates)
        .sort()
        .map((name) => this.describe(name)),
    );
  }

  /** The template by name; throws a 4xx naming the choices when there is none. */
  async resolve(name = this.config.defaultTemplate): Promise<ResolvedTemplate> {
    if (!(name in this.config.templates))
      throw errors.unknownTemplate(name, Object.keys(this.config.templates));
    return this.describe(name);
  }

  private async describe(name: string): Promise<ResolvedTemplate> {
    const config = this.config.templates[name]!;
    const driver = this.drivers.get(config.driver);
    let unavailable = driver
      ? await driver.unavailableReason()
      : `the ${config.driver} driver is not enabled on this server`;
    if (!unavailable && driver && !driver.capabilities.networkPolicies.includes(config.network)) {
      unavailable = `the ${config.driver} driver cannot enforce network policy "${config.network}"`;
    }
    if (!unavailable && config.driver === 'podman' && !config.image && !config.rootfs) {
      unavailable = 'set the template’s "image" or "rootfs" (nothing can be pulled)';
    }
    if (!unavailable && config.rootfs && !existsSync(config.rootfs)) {
      unavailable = `its rootfs ${config.rootfs} is missing: build it with scripts/provision-podman-rootfs.sh`;
    }
    return { name, config, driver, unavailable };
  }
}
