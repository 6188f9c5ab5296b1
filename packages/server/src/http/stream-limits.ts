import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/index.js';
import { errors } from '../errors.js';

/**
 * Counts the long-lived streams (server-sent events, terminal WebSockets)
 * each user holds, and all of them together. Each holds a descriptor and
 * some memory for as long as the client likes, so without a cap one member
 * could exhaust the server's descriptors and leave even health checks
 * unanswered.
 */
export class StreamRegistry {
  private readonly perUser = new Map<string, number>();
  private total = 0;

  constructor(private readonly limits: Pick<Config, 'streamsPerUser' | 'streamsTotal'>) {}

  /** Takes a slot for the user, or throws `too_many_streams`; the returned function frees it (once). */
  acquire(userId: string): () => void {
    const held = this.perUser.get(userId) ?? 0;
    if (held >= this.limits.streamsPerUser) throw errors.tooManyStreams('user', this.limits.streamsPerUser);
    if (this.total >= this.limits.streamsTotal)
      throw errors.tooManyStreams('server', this.limits.streamsTotal);
    this.perUser.set(userId, held + 1);
    this.total++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const left = (this.perUser.get(userId) ?? 1) - 1;
      if (left > 0) this.perUser.set(userId, left);
      else this.perUser.delete(userId);
    };
  }

  /** Streams held now, by one user or in total. */
  count(userId?: string): number {
    return userId === undefined ? this.total : (this.perUser.get(userId) ?? 0);
  }
}

/**
 * A preHandler for every route that declares `config: { stream: true }`:
 * takes a slot before the stream opens (so a refusal is an ordinary 429
 * response, or a refused WebSocket upgrade) and frees it when the response
 * or its connection closes, whichever comes first, so a reconnect finds it.
 */
export function streamLimitHook(registry: StreamRegistry) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.routeOptions.config.stream !== true || !request.principal) return;
    const release = registry.acquire(request.principal.user.id);
    const socket = request.raw.socket;
    const done = () => {
      release();
      socket?.off('close', done);
    };
    // A hijacked response (SSE) closes when it ends or its client goes; an upgraded one with its socket.
    reply.raw.once('close', done);
    socket?.once('close', done);
  };
}
