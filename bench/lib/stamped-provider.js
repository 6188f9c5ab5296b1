#!/usr/bin/env node
// The scripted provider (packages/llm-scripted), run as its own process, that
// also says when it hands each benchmark token to the socket: every write of
// a response is scanned for tokens such as `ha07t012`, and each one found is
// printed on stdout as `stamp <token> <ms>`, where ms is this process's
// performance.timeOrigin + performance.now() taken just before the write.
// The lines are batched and printed after the write, so the stamping costs
// the stream next to nothing.
// Usage: node stamped-provider.js SCENARIO.json   (listens on a free loopback port)
import { readFileSync } from 'node:fs';
import { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';

const TOKEN_PATTERN = /[dph][ab]\d\dt\d{3}/g;

const scenarioFile = process.argv[2];
if (!scenarioFile) {
  console.error('usage: stamped-provider.js SCENARIO.json');
  process.exit(2);
}

/** @type {string[]} */
let pending = [];
const flush = () => {
  const lines = pending;
  pending = [];
  process.stdout.write(lines.join(''));
};

const write = ServerResponse.prototype.write;
/** @type {any} */ (ServerResponse.prototype).write = function stampedWrite(
  /** @type {unknown} */ chunk,
  /** @type {unknown[]} */ ...rest
) {
  const at = performance.timeOrigin + performance.now();
  const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('latin1') : '';
  for (const match of text.matchAll(TOKEN_PATTERN)) {
    if (pending.length === 0) setImmediate(flush);
    pending.push(`stamp ${match[0]} ${at.toFixed(3)}\n`);
  }
  return /** @type {any} */ (write).call(this, chunk, ...rest);
};

const { startScriptedProvider } = await import('../../packages/llm-scripted/dist/index.js');
const provider = await startScriptedProvider({
  scenario: JSON.parse(readFileSync(scenarioFile, 'utf8')),
  host: '127.0.0.1',
  port: 0,
});
console.log(`listening on ${provider.url}`);
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM']))
  process.once(signal, () => void provider.close().then(() => process.exit(0)));
