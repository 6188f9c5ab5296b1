import { existsSync } from 'node:fs';
import { join } from 'node:path';
import helmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import type { App } from './types.js';

/**
 * The Content-Security-Policy of every response (the web app's and the API's). Scripts only
 * from Hangar's own origin (Vite emits no inline script); styles may be inline because
 * xterm.js writes `<style>` elements; `connect-src 'self'` covers the API and, in CSP Level 3,
 * the same origin's ws:/wss: sockets. Nothing may frame Hangar (clickjacking): previews of a
 * workspace will need an origin of their own.
 */
export const CONTENT_SECURITY_POLICY = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:', 'blob:'],
  'font-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'worker-src': ["'self'"],
  'manifest-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
};

/**
 * Security headers on every response: the CSP above, X-Frame-Options DENY for browsers without
 * frame-ancestors, nosniff, and Referrer-Policy same-origin (not no-referrer: with it a browser
 * sends `Origin: null` on same-origin POSTs, which the CSRF check refuses). No HSTS: whoever
 * terminates TLS in front of Hangar decides that.
 */
export async function registerSecurityHeaders(app: App): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'same-origin' },
    strictTransportSecurity: false,
  });
}

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
