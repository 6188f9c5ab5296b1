import { existsSync } from 'node:fs';
import { ConfigError, type Config, type TemplateConfig } from '../../config/index.js';
import { errors } from '../../errors.js';
import { WEAKEST_CAPABILITIES, type SandboxCapabilities, type SandboxDriver } from '../../sandbox/driver.js';

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
  ) {
    // What the config schema cannot know: whether the template's driver has a network of its own.
    const problems = Object.entries(config.templates)
      .filter(([, t]) => t.blockedNetworks && !this.capabilitiesOf(t.driver).ownNetwork)
      .map(
        ([name]) =>
          `HANGAR_TEMPLATES: templates.${name}.blockedNetworks: blockedNetworks applies to network "full" with driver bubblewrap or podman`,
      );
    if (problems.length > 0) throw new ConfigError(problems);
  }

  /** What a driver can do, by name; the weakest driver's when it is not enabled here. */
  capabilitiesOf(driverName: string): SandboxCapabilities {
    return this.drivers.get(driverName)?.capabilities ?? WEAKEST_CAPABILITIES;
  }

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
    if (!unavailable && driver?.capabilities.needsImage && !config.image && !config.rootfs) {
      unavailable = 'set the template’s "image" or "rootfs" (nothing can be pulled)';
    }
    if (!unavailable && config.rootfs && !existsSync(config.rootfs)) {
      unavailable = `its rootfs ${config.rootfs} is missing: build it with scripts/provision-podman-rootfs.sh`;
    }
    return { name, config, driver, unavailable };
  }
}
