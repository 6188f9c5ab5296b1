import { proxyErrors } from './proxy-errors.js';

const MiB = 1024 * 1024;

export interface ProxyLimitValues {
  /** Largest request body, in bytes (Anthropic's own limit): larger ones get 413. */
  maxBodyBytes: number;
  /**
   * Request bodies held in memory at once, all calls together, in bytes. A body is counted
   * from its arrival (its Content-Length, or maxBodyBytes when it is chunked) until it is sent upstream.
   * A body is held about five times while it is parsed and re-serialised: 64 MiB bounds that near 320 MB.
   */
  bodyBudgetBytes: number;
  /** Calls in flight (streams included) per workspace: what parallel sub-agents need, not a runaway loop. */
  callsPerWorkspace: number;
  /** Calls in flight, all workspaces together. */
  calls: number;
}

export const DEFAULT_PROXY_LIMITS: ProxyLimitValues = {
  maxBodyBytes: 32 * MiB,
  bodyBudgetBytes: 64 * MiB,
  callsPerWorkspace: 16,
  calls: 256,
};

/** Seconds a refused client waits: bodies are sent on within a second; calls end less quickly. */
const RETRY_BODY_S = 1;
const RETRY_CALL_S = 5;

/** One admitted call: its slot and its body's bytes, each given back once. */
export interface Admission {
  /** The body was sent upstream (or dropped): its bytes no longer count. */
  releaseBody(): void;
  /** The call ended: its slot and (if still held) its body's bytes are given back. */
  release(): void;
}

/**
 * Admission of proxied calls: bounds the calls in flight (per workspace and
 * in all) and the request bodies held in memory, before a body is read.
 */
export class ProxyLimits {
  private calls = 0;
  private bodyBytes = 0;
  private readonly perWorkspace = new Map<string, number>();

  constructor(readonly values: ProxyLimitValues = DEFAULT_PROXY_LIMITS) {}

  /** Takes a slot for a call whose body will be `bodyBytes` long at most; throws 413 or 429. */
  admit(workspaceId: string, bodyBytes: number): Admission {
    const v = this.values;
    if (bodyBytes > v.maxBodyBytes) throw proxyErrors.bodyTooLarge(v.maxBodyBytes);
    if (this.calls >= v.calls) throw proxyErrors.busy(`${v.calls} calls in flight`, RETRY_CALL_S);
    const mine = this.perWorkspace.get(workspaceId) ?? 0;
    if (mine >= v.callsPerWorkspace)
      throw proxyErrors.busy(`${v.callsPerWorkspace} calls in flight per workspace`, RETRY_CALL_S);
    if (this.bodyBytes + bodyBytes > v.bodyBudgetBytes)
      throw proxyErrors.busy(`${v.bodyBudgetBytes / MiB} MiB of request bodies in memory`, RETRY_BODY_S);
    this.calls++;
    this.perWorkspace.set(workspaceId, mine + 1);
    this.bodyBytes += bodyBytes;
    let bodyHeld = true;
    let callHeld = true;
    const releaseBody = () => {
      if (!bodyHeld) return;
      bodyHeld = false;
      this.bodyBytes -= bodyBytes;
    };
    return {
      releaseBody,
      release: () => {
        releaseBody();
        if (!callHeld) return;
        callHeld = false;
        this.calls--;
        const left = (this.perWorkspace.get(workspaceId) ?? 1) - 1;
        if (left > 0) this.perWorkspace.set(workspaceId, left);
        else this.perWorkspace.delete(workspaceId);
      },
    };
  }

  /** Calls in flight now (for tests and the health of the proxy). */
  inFlight(): { calls: number; bodyBytes: number } {
    return { calls: this.calls, bodyBytes: this.bodyBytes };
  }
}
