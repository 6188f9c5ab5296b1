import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { App } from './types.js';

/** Serves the built web app; any other non-API GET gets index.html so client routes work on reload. */
export async function registerWebApp(app: App, webDir: string | undefined): Promise<boolean> {
  if (!webDir || !existsSync(join(webDir, 'index.html'))) return false;
  await app.register(fastifyStatic, {
    root: webDir,
    // Files are looked up per request, so a rebuilt web app needs no restart.
    wildcard: true,
    // Vite puts a content hash in asset names, so they may be cached for good.
    setHeaders: (res, path) => {
      if (path.includes('/assets/')) res.setHeader('cache-control', 'public, max-age=31536000, immutable');
    },
  });
  return true;
}
