import { rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { FastifyServerOptions } from 'fastify';
import { secureDataDir } from './config/data-dir.js';
import type { Config } from './config/index.js';
import { buildApp } from './http/app.js';
import { loggerOptions } from './http/logger.js';
import type { App } from './http/types.js';
import { systemClock, type Clock } from './common/clock.js';
import type { AgentAdapter } from './agents/adapter.js';
import { createAgentAdapters } from './agents/registry.js';
import { createSandboxDrivers } from './sandbox/registry.js';
import { startSpawner } from './sandbox/spawner.js';
import { lockUidRange } from './sandbox/uid-lock.js';
import { createServices, type Services } from './wiring.js';
import { WorkspaceReconciler } from './services/workspaces/reconciler.js';
import { unenforcedLimits } from './services/workspaces/unenforced-limits.js';
import { openStore, type Store } from './store/database.js';
import { lockSqliteDatabase, type DatabaseLock } from './store/single-process.js';
import type { Leadership } from './services/cluster/leader.js';

export interface RunningServer {
  /** Base URL, e.g. http://127.0.0.1:7700 */
  url: string;
  /** One-time link to create the first admin, while no user exists. */
  setupUrl: string | undefined;
  app: App;
  services: Services;
  store: Store;
  reconciler: WorkspaceReconciler;
  /** For the start message: limits of templates that their driver does not enforce on this host. */
  notices: string[];
  close(): Promise<void>;
}

export interface StartOptions {
  clock?: Clock;
  /** Fastify logger option; defaults to JSON logs on stdout at the configured level. */
  logger?: FastifyServerOptions['logger'];
  /** Agent adapters; default every installed one (agents/registry.ts). */
  agents?: ReadonlyMap<string, AgentAdapter>;
  /** Where provider keys are read from; default the process environment. */
  env?: Record<string, string | undefined>;
  /** Milliseconds between reconciliation passes (default one minute). */
  reconcileIntervalMs?: number;
}

/** Opens the store, applies migrations, and listens. */
export async function startServer(configured: Config, options: StartOptions = {}): Promise<RunningServer> {
  secureDataDir(configured.dataDir, configured.databaseUrl);
  startSpawner(); // first, while this process is small: it forks once for it, then never again
  // No other server on this host may give out the same sandbox uids (see sandbox/uid-lock.ts).
  const uidLock = await lockUidRange({ base: configured.sandboxUidBase, count: configured.sandboxUidCount });
  // The scripted provider is loaded in demo mode only.
  const scripted = configured.demo ? await import('@hangar/llm-scripted') : undefined;
  const demo = scripted
    ? await scripted.startScriptedProvider({ scenario: scripted.demoScenario })
    : undefined;
  const config = demo && scripted ? demoConfig(configured, demo.url, scripted.DEMO_MODEL) : configured;
  const store = openStore(config.databaseUrl);
  let databaseLock: DatabaseLock | undefined;
  let leading: Leadership | undefined;
  let created: Services | undefined;
  try {
    // SQLite serves one process: a second server on the same database file is refused.
    if (store.sqlite && !store.sqlite.memory)
      databaseLock = lockSqliteDatabase(store.sqlite.name, config.replicaId);
    await store.migrate();
    let port = 0;
    const drivers = createSandboxDrivers(config);
    const services = createServices(store, {
      agents: options.agents ?? createAgentAdapters(),
      env: options.env ?? process.env,
      config,
      drivers,
      serverPort: () => port,
      ...(options.clock && { clock: options.clock }),
    });
    created = services;
    await services.cluster.checkSharedKey();
    const app = await buildApp(
      { config, services, store },
      withReplica(options.logger ?? loggerOptions(config), config.replicaId),
    );
    await app.listen({ host: config.host, port: config.port });
    const url = baseUrl(config, app);
    port = Number(new URL(url).port);
    const setupUrl = await announceSetup(config, services, url);
    const reconciler = new WorkspaceReconciler(
      services.workspaces,
      drivers,
      config,
      options.clock ?? systemClock,
      app.log,
      services.team.notifications,
      () => services.cluster.leadership.isLeader(),
    );
    const { leadership } = services.cluster;
    // A replica that takes the lease over (its holder died) reconciles at once.
    leadership.onChange((leader) => {
      app.log.info(
        { replica: config.replicaId, leader },
        leader ? 'leading the replicas' : 'no longer leading',
      );
      if (leader) void reconciler.runOnce();
    });
    leading = leadership;
    await leadership.start();
    const notices = unenforcedLimits(config.templates, drivers);
    for (const notice of notices) app.log.warn(notice);
    await reconciler.start(options.reconcileIntervalMs);
    await services.agentSessions.resumeAll();
    let closing: Promise<void> | undefined;
    // Sandboxes keep running across a server restart; only the server's own parts stop.
    const close = async () => {
      await reconciler.stop();
      await leadership.stop();
      services.terminals.shutdown();
      await services.agentSessions.close();
      await app.close();
      await services.workspaces.settle();
      await services.bridge.closeAll();
      await services.pubsub.close();
      await store.close();
      await demo?.close();
      databaseLock?.release();
      await uidLock.release();
    };
    return {
      url,
      setupUrl,
      app,
      services,
      store,
      reconciler,
      notices,
      close: () => (closing ??= close()),
    };
  } catch (error) {
    await leading?.stop();
    // Their timers (webhook sweep, presence) would run on a closed store (the app, which closes
    // them when it closes, is not closed on this path).
    await created?.team.close().catch(() => undefined);
    await created?.pubsub.close();
    await store.close();
    databaseLock?.release();
    await demo?.close();
    await uidLock.release();
    throw error;
  }
}

/** Every log line names the replica that wrote it (besides pino's pid and hostname). */
function withReplica(
  logger: NonNullable<FastifyServerOptions['logger']>,
  replica: string,
): NonNullable<FastifyServerOptions['logger']> {
  if (typeof logger !== 'object' || 'child' in logger) return logger;
  const base = (logger as { base?: Record<string, unknown> | null }).base;
  return { ...logger, base: { pid: process.pid, hostname: hostname(), ...base, replica } } as typeof logger;
}

/** Demo mode: every provider is the scripted demo model, clearly labelled, free, and needing no key. */
function demoConfig(config: Config, url: string, model: string): Config {
  const label = `Hangar demo model "${model}" (scripted answers, not a real LLM)`;
  const providers = Object.fromEntries(
    (['anthropic', 'openai', 'gemini'] as const).map((kind) => [
      kind,
      { kind, baseUrl: url, label, keyless: true },
    ]),
  );
  return {
    ...config,
    providers: { ...config.providers, ...providers },
    pricing: { ...config.pricing, [`${model}*`]: { input: 0, output: 0 } },
  };
}

function baseUrl(config: Config, app: App): string {
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':')
    ? `[${config.host}]`
    : config.host === '0.0.0.0'
      ? '127.0.0.1'
      : config.host;
  return `http://${host}:${port}`;
}

/**
 * With no user yet, makes the one-time setup link and also writes it to
 * `<data dir>/setup-url` (mode 0600) for servers started without a terminal.
 */
async function announceSetup(config: Config, services: Services, url: string): Promise<string | undefined> {
  const file = join(config.dataDir, 'setup-url');
  const token = config.auth === 'password' ? await services.auth.prepareSetup() : undefined;
  if (!token) {
    rmSync(file, { force: true });
    return undefined;
  }
  const setupUrl = new URL(`/setup?token=${encodeURIComponent(token)}`, config.publicUrl ?? url).toString();
  writeFileSync(file, `${setupUrl}\n`, { mode: 0o600 });
  return setupUrl;
}
