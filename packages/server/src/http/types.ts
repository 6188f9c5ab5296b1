import type {} from '@fastify/websocket';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance, RawServerDefault } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from '../config/index.js';
import type { Principal, Services } from '../wiring.js';
import type { Store } from '../store/database.js';

/** Who may call a route. Routes are `user` unless they say otherwise. */
export type Access = 'public' | 'user' | 'admin';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
    /**
     * false: a public route that never looks at credentials (liveness and
     * readiness probes), so it costs no session or token lookup.
     */
    credentials?: boolean;
    /** A long-lived stream (SSE, WebSocket): counts against the stream caps (see stream-limits.ts). */
    stream?: boolean;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyInstance {
    /** Every route with its access level, for audits and tests. */
    routeCatalog: RouteEntry[];
  }
}

export interface RouteEntry {
  method: string;
  url: string;
  access: Access;
}

export type App = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  ZodTypeProvider
>;

export interface AppContext {
  config: Config;
  services: Services;
  store: Store;
}
