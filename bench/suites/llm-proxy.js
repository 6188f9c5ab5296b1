// The llm-proxy suite: streamed Anthropic Messages and OpenAI Chat
// Completions answers of the scripted provider, read directly from it (the
// baseline) and through Hangar's proxy (/llm/<provider>/…, with a workspace
// token), taking turns one for one in the same run so that drift in the
// machine's load touches every path alike. For context, a third path goes
// through a bare Node proxy hop (lib/bare-llm-proxy.js): what any fetch-based
// proxy process adds, before Hangar's own work. Figures: time to first token
// (the first content delta) of a short reply, tokens/s of a 1000-delta reply
// sent with no pause, both again for concurrent streams, and the CPU time of
// each process. Every answer is checked against the scenario; every proxied
// call must have been metered.
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { hangarApi } from '../lib/hangar-api.js';
import { startServer, stopServer } from '../lib/processes.js';
import { deleteAll } from '../lib/sandbox-cleanup.js';
import { messageOf } from '../lib/samples.js';
import { measureAll } from './llm-proxy-measure.js';
import { printLlmProxyTables } from './llm-proxy-report.js';
import { startHangar, startProvider, workspaceToken } from './llm-proxy-setup.js';

const bareProxy = fileURLToPath(new URL('../lib/bare-llm-proxy.js', import.meta.url));

/**
 * @param {import('./suite.js').SuiteContext} ctx
 * @param {import('./llm-proxy-measure.js').LlmProxyOptions} options
 * @returns {Promise<import('./suite.js').SuiteOutcome>}
 */
export async function llmProxySuite(ctx, options) {
  console.log(
    `\nllm-proxy: streamed answers of the scripted provider, direct vs through Hangar's proxy, taking turns;` +
      ` ${options.samples} one at a time per API and path after ${options.warmup} warm-up,` +
      ` ${options.concurrent} at once × ${options.batches} batches`,
  );
  const out = {
    /** @type {import('./llm-proxy-measure.js').LlmRow[]} */ rows: [],
    /** @type {import('./llm-proxy-measure.js').LlmRow[]} */ warmups: [],
    /** @type {import('./llm-proxy-measure.js').CpuRow[]} */ cpu: [],
    /** @type {string[]} */ problems: [],
  };
  const dir = ctx.tempDirs.create('hangar-bench-llm-');
  /** @type {import('../lib/processes.js').Started[]} */
  const started = [];
  /** @type {import('../lib/processes.js').Started | undefined} */
  let server;
  try {
    const provider = await startProvider(ctx, dir);
    started.push(provider);
    const bare = await startServer({
      command: process.execPath,
      args: [bareProxy, provider.url.origin],
      timeoutMs: ctx.startupTimeoutMs,
    });
    started.push(bare);
    /** @type {import('./llm-proxy-measure.js').Target[]} */
    const targets = [
      { path: 'direct', base: bases(provider.url, ''), key: 'bench-key', pid: undefined, sent: 0 },
      { path: 'bare', base: bases(bare.url, '/llm'), key: 'bench-key', pid: bare.child.pid, sent: 0 },
    ];
    const measure = () =>
      measureAll(targets, options, { url: provider.url, pid: provider.child.pid ?? -1 }, out);
    if (ctx.withHangar) {
      server = await startHangar(ctx, dir, provider.url);
      started.push(server);
      const api = hangarApi(server.url);
      try {
        const key = await workspaceToken(api);
        /** @type {import('./llm-proxy-measure.js').Target} */
        const proxied = {
          path: 'proxied',
          base: bases(server.url, '/llm'),
          key,
          pid: server.child.pid,
          sent: 0,
        };
        targets.push(proxied);
        await measure();
        out.problems.push(...(await checkMetered(api, proxied.sent)));
        await deleteAll(api).catch((error) =>
          out.problems.push(`deleting the workspace: ${messageOf(error)}`),
        );
      } finally {
        api.close();
      }
    } else {
      await measure();
    }
  } catch (error) {
    out.problems.push(messageOf(error));
  } finally {
    for (const s of started.reverse()) await stopServer(s.child);
    const left = ctx.tempDirs.remove(dir);
    if (left) out.problems.push(left);
  }

  const target = printLlmProxyTables(out, options);
  for (const problem of out.problems) console.error(`bench: ${problem}`);
  const failed = out.problems.length > 0 || out.rows.some((r) => r.errors.length > 0);
  if (failed && server?.output.length) {
    console.error(`bench: the server's last output:\n    ${server.output.slice(-15).join('\n    ')}`);
  }
  const warmups = out.warmups.map((w) => ({ ...w, tokensPerSecond: [], totalMs: [] }));
  return { result: { llmProxy: { ...options, ...out, warmups, target } }, failed };
}

/**
 * @param {URL} url
 * @param {string} prefix  '' for the provider itself, '/llm' for a proxy
 */
function bases(url, prefix) {
  return {
    anthropic: `${url.origin}${prefix && `${prefix}/anthropic`}`,
    'openai-chat': `${url.origin}${prefix && `${prefix}/openai`}`,
  };
}

/**
 * Every proxied request must have been metered (the proxy records a call
 * just after its stream ends, so allow it a moment).
 * @param {import('../lib/hangar-api.js').HangarApi} api
 * @param {number} sent
 * @returns {Promise<string[]>} problems
 */
async function checkMetered(api, sent) {
  const deadline = performance.now() + 5000;
  let usage = await api.usageTotal();
  while (usage.calls < sent && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    usage = await api.usageTotal();
  }
  /** @type {string[]} */
  const problems = [];
  if (usage.calls !== sent) problems.push(`the proxy metered ${usage.calls} calls of the ${sent} sent`);
  if (usage.errors > 0) problems.push(`the proxy metered ${usage.errors} failed calls`);
  return problems;
}
