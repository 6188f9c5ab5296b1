import type { ApiName, StopReason } from '../scenario/schema.js';

/** What the matcher needs to know about one request, read from its body. */
export interface Conversation {
  model: string | null;
  stream: boolean;
  /** Text of the last user message that has text; tool results are skipped. */
  lastUserText: string | null;
  /** Assistant turns already in the request. */
  assistantTurns: number;
  /** Assistant turns after the last user message with text (0 for the first answer to it). */
  assistantTurnsSinceUserText: number;
  /** The request's last message carries a tool result. */
  endsWithToolResult: boolean;
  /** Names of the tools the request offers (so a scenario can answer each agent with its own tools). */
  tools: string[];
  /** Length of the prompt (system, messages, tools) as JSON, in characters: the base of token estimates. */
  promptChars: number;
  /** Chat Completions: a stream reports usage only when asked (`stream_options.include_usage`). */
  streamUsage: boolean;
  /** Request fields a response object repeats (the Responses API echoes `tools`, `instructions`, ...). */
  echo: Record<string, unknown>;
}

export interface ResolvedToolCall {
  /** The scripted id, or undefined to let each API make one in its own format. */
  id: string | undefined;
  name: string;
  input: Record<string, unknown>;
  /** `input` as JSON: what is streamed in chunks. */
  arguments: string;
}

/** Token counts as the scenario means them; each API maps them to its own fields. */
export interface ResolvedUsage {
  /** Input tokens not read from nor written to a cache. */
  input: number;
  /** All output tokens, reasoning included. */
  output: number;
  cacheRead: number;
  cacheWrite: number;
  /** The part of `output` spent on reasoning. */
  reasoning: number;
}

/** A reply with every default filled in, ready to render. */
export interface ResolvedReply {
  model: string;
  /** Empty when the reply has no reasoning. */
  reasoning: string;
  /** Empty when the reply has no text. */
  text: string;
  toolCalls: ResolvedToolCall[];
  usage: ResolvedUsage;
  stopReason: StopReason;
  chunkChars: number;
}

export interface ResolvedError {
  status: number;
  /** The scripted type; each API falls back to its own default for the status. */
  type: string | undefined;
  message: string;
}

/** One piece of a streamed body. Pieces with `chunk` carry content: they are paced and counted. */
export interface Frame {
  data: string;
  chunk: boolean;
}

/** What the URL says about a request (Gemini puts model and streaming in the path). */
export interface RouteInfo {
  model?: string;
  stream?: boolean;
  /** Gemini streaming: `?alt=sse` (else a streamed JSON array). */
  sse?: boolean;
}

export interface RequestInfo {
  route: RouteInfo;
  conversation: Conversation;
}

export interface RenderedStream {
  contentType: string;
  frames: Frame[];
  /** The frame that reports an error after `sequence` frames were sent. */
  errorFrame(error: ResolvedError, sequence: number): string;
}

/**
 * One provider's wire format. Implementations only translate: matching,
 * pacing and HTTP live elsewhere.
 */
export interface ProviderApi {
  readonly name: ApiName;
  /** The response header that carries a request id, if the API has one. */
  readonly requestIdHeader: string | null;
  /** Reads a request body; a string is the reason the body is not a valid request. */
  inspect(body: unknown, route: RouteInfo): Conversation | string;
  renderJson(reply: ResolvedReply, request: RequestInfo): unknown;
  renderStream(reply: ResolvedReply, request: RequestInfo): RenderedStream;
  errorBody(error: ResolvedError): unknown;
  countTokensBody(tokens: number): unknown;
  /** The body of the API's list-models endpoint. */
  modelsBody(models: readonly string[]): unknown;
}

/** How an API names each stop reason. */
export type StopReasonMap = Record<StopReason, string>;
