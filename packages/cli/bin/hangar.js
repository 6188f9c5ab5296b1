#!/usr/bin/env node
// The `hangar` command as npm links it (`npx hangar` in the checkout, `npm link -w packages/cli`):
// a committed file, so it exists when `npm install` links bins, before any build. It runs the
// built CLI, or says how to build it.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = new URL('../dist/bin.js', import.meta.url);
if (!existsSync(fileURLToPath(built))) {
  process.stderr.write(
    'hangar: the CLI is not built yet: run `npm run build` in the Hangar checkout first.\n',
  );
  process.exit(1);
}
await import(built.href);
