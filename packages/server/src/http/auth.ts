import type { FastifyReply, FastifyRequest } from 'fastify';
import { isLoopback } from '../config/index.js';
import { errors } from '../errors.js';
import type { Principal } from '../wiring.js';
import type { SessionMeta } from '../services/sessions.js';
import type { Access, AppContext } from './types.js';

export const SESSION_COOKIE = 'hangar_session';
const COOKIE_MAX_AGE_S = 30 * 24 * 3600;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Runs before every /api route: refuses cross-origin writes, works out the
 * principal, and enforces the route's declared access level.
 */
export function authHook(ctx: AppContext) {
  return async (request: FastifyRequest) => {
    request.principal = null;
    const url = request.routeOptions.url;
    if (!url?.startsWith('/api/')) return; // static files, and unknown paths that end in a 404
    const access: Access =
      request.routeOptions.config.access ?? (url.startsWith('/api/docs') ? 'public' : 'user');
    checkHost(ctx, request);
    checkOrigin(ctx, request);
    if (access === 'public' && request.routeOptions.config.credentials === false) return;
    request.principal = await authenticate(ctx, request);
    if (access === 'public') return;
    if (!request.principal) throw errors.unauthenticated();
    if (access === 'admin' && request.principal.user.role !== 'admin') throw errors.adminOnly();
  };
}

async function authenticate(ctx: AppContext, request: FastifyRequest): Promise<Principal | null> {
  const { services } = ctx;
  if (ctx.config.auth === 'none') return { user: await services.auth.localUser(), via: 'none' };
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const found = match?.[1] ? await services.tokens.resolve(match[1]) : undefined;
    if (!found) throw errors.invalidToken();
    return { user: found.user, via: 'token', tokenId: found.token.id };
  }
  const secret = request.cookies[SESSION_COOKIE];
  if (!secret) return null;
  const found = await services.sessions.resolve(secret);
  return found ? { user: found.user, via: 'cookie', sessionId: found.session.id } : null;
}

/**
 * CSRF defence: a state-changing request that names an Origin must come from
 * Hangar's own origin; one riding on the session cookie must name it.
 */
function checkOrigin(ctx: AppContext, request: FastifyRequest): void {
  const upgrade = request.headers.upgrade?.toLowerCase() === 'websocket';
  if (SAFE_METHODS.has(request.method) && !upgrade) return;
  const origin = request.headers.origin;
  if (origin === undefined) {
    const usesCookie =
      request.cookies[SESSION_COOKIE] !== undefined && request.headers.authorization === undefined;
    if (usesCookie || request.headers['sec-fetch-site'] === 'cross-site') throw errors.csrfRejected();
    return;
  }
  if (!allowedOrigins(ctx, request).includes(origin)) throw errors.csrfRejected();
}

function allowedOrigins(ctx: AppContext, request: FastifyRequest): string[] {
  const own = `${request.protocol}://${request.headers.host ?? ''}`;
  return ctx.config.publicUrl ? [own, new URL(ctx.config.publicUrl).origin] : [own];
}

/**
 * Without authentication, only loopback host names are served, so a web page
 * elsewhere cannot reach this server through DNS rebinding.
 */
function checkHost(ctx: AppContext, request: FastifyRequest): void {
  if (ctx.config.auth !== 'none') return;
  const host = request.hostname.replace(/^\[(.*)\]$/, '$1');
  const publicHost = ctx.config.publicUrl ? new URL(ctx.config.publicUrl).hostname : undefined;
  if (!isLoopback(host) && host !== publicHost) {
    throw errors.forbidden(
      `use Hangar through a loopback address (this server has authentication off), not "${host}"`,
    );
  }
}

export function sessionMeta(request: FastifyRequest): SessionMeta {
  return { address: request.ip, userAgent: String(request.headers['user-agent'] ?? '') };
}

export function setSessionCookie(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  secret: string,
): void {
  void reply.setCookie(SESSION_COOKIE, secret, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure: request.protocol === 'https' || ctx.config.publicUrl?.startsWith('https:') === true,
    maxAge: COOKIE_MAX_AGE_S,
  });
}

export function clearSessionCookie(reply: FastifyReply): void {
  void reply.clearCookie(SESSION_COOKIE, { path: '/' });
}

/** Whether the credentials of a long-lived request (a WebSocket) still hold: logout and revocation end it. */
export async function stillAuthenticated(ctx: AppContext, request: FastifyRequest): Promise<boolean> {
  try {
    const principal = await authenticate(ctx, request);
    return principal !== null && principal.user.id === request.principal?.user.id;
  } catch {
    return false;
  }
}

/** The principal of a route that requires one (the hook has already checked). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw errors.unauthenticated();
  return request.principal;
}
