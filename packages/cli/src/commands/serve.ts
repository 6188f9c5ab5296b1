import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import type { RunningServer } from '@hangar/server';

/** The web app built beside this package in the monorepo. */
const bundledWebDir = fileURLToPath(new URL('../../../web/dist', import.meta.url));

export function serveCommand(): Command {
  return new Command('serve')
    .description('Start the Hangar server (configuration from HANGAR_* environment variables)')
    .option(
      '--demo',
      "answer every LLM call with Hangar's scripted demo model: try the whole flow without a key",
    )
    .addHelpText(
      'after',
      `
Examples:
  hangar serve                                  # http://127.0.0.1:7700, SQLite in the data dir
  HANGAR_PORT=8080 HANGAR_AUTH=none hangar serve
  HANGAR_DATABASE_URL=postgres://hangar@db/hangar hangar serve
  hangar serve --demo                           # no provider key needed: a scripted demo model answers`,
    )
    .action(async (options: { demo?: boolean }) => {
      // Loaded here, not at the top: the client commands start without the whole server. The
      // bundle (packages/server/scripts/bundle.mjs) is one module where dist/ is hundreds.
      const { ConfigError, loadConfig, startServer } = await import('@hangar/server/bundle');
      let config;
      try {
        config = loadConfig(process.env, { webDir: bundledWebDir, ...(options.demo && { demo: true }) });
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        process.stderr.write(`${error.message}\n`);
        process.exitCode = 2;
        return;
      }
      const server = await startServer(config);
      process.stderr.write(banner(server, config.auth, config.dataDir, config.demo));
      stopOnSignals(server);
    });
}

function banner(server: RunningServer, auth: string, dataDir: string, demo: boolean): string {
  const lines = [``, `  Hangar is listening on ${server.url}`, `  Data: ${dataDir}`];
  if (demo) lines.push(`  DEMO MODE: LLM calls are answered by a scripted demo model, not a real LLM.`);
  if (auth === 'none') lines.push(`  Authentication is OFF (HANGAR_AUTH=none): loopback only.`);
  for (const notice of server.notices) lines.push(`  Not enforced: ${notice}.`);
  if (server.setupUrl) {
    lines.push(
      ``,
      `  First run: open this one-time link to create the admin account:`,
      `    ${server.setupUrl}`,
    );
  }
  return `${lines.join('\n')}\n\n`;
}

/** SIGTERM/SIGINT close the server gracefully (in-flight requests finish); a second signal exits at once. */
function stopOnSignals(server: RunningServer): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    server.app.log.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        server.app.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
