import { z } from 'zod';
import type { Frame, ProviderApi, ResolvedError, ResolvedReply, StopReasonMap } from './api.js';
import { chunkText, countAssistantTurns, frame, jsonLength, randomId, toolNames } from './common.js';

const PartSchema = z.looseObject({ text: z.string().optional(), thought: z.boolean().optional() });
const RequestSchema = z.looseObject({
  contents: z.array(z.looseObject({ role: z.string().optional(), parts: z.array(PartSchema).default([]) })),
  systemInstruction: z.unknown().optional(),
  tools: z.unknown().optional(),
});
type Content = z.infer<typeof RequestSchema>['contents'][number];

const FINISH_REASONS: StopReasonMap = {
  end_turn: 'STOP',
  tool_use: 'STOP',
  max_tokens: 'MAX_TOKENS',
  stop_sequence: 'STOP',
  refusal: 'SAFETY',
};

const STATUSES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
  529: 'UNAVAILABLE',
};

function userText(content: Content): string | null {
  const texts = content.parts.filter((p) => typeof p.text === 'string' && !p.thought).map((p) => p.text);
  return texts.length ? texts.join('\n') : null;
}

/** Gemini counts cached tokens inside the prompt total, and thoughts apart from the candidates. */
function usageMetadata(reply: ResolvedReply, final: boolean) {
  const u = reply.usage;
  const prompt = u.input + u.cacheRead + u.cacheWrite;
  const promptTokensDetails = [{ modality: 'TEXT', tokenCount: prompt }];
  if (!final) return { promptTokenCount: prompt, totalTokenCount: prompt, promptTokensDetails };
  return {
    promptTokenCount: prompt,
    candidatesTokenCount: u.output - u.reasoning,
    totalTokenCount: prompt + u.output,
    ...(u.cacheRead ? { cachedContentTokenCount: u.cacheRead } : {}),
    ...(u.reasoning ? { thoughtsTokenCount: u.reasoning } : {}),
    promptTokensDetails,
  };
}

const functionCallPart = (call: ResolvedReply['toolCalls'][number]) => ({
  functionCall: { ...(call.id ? { id: call.id } : {}), name: call.name, args: call.input },
});

function errorBody(error: ResolvedError) {
  const scripted = error.type && /^[A-Z_]+$/.test(error.type) ? error.type : undefined;
  const status =
    scripted ?? STATUSES[error.status] ?? (error.status >= 500 ? 'INTERNAL' : 'INVALID_ARGUMENT');
  return { error: { code: error.status, message: error.message, status } };
}

/**
 * The Gemini API (`POST /v1beta/models/{model}:generateContent`, and
 * `:streamGenerateContent`, as SSE with `?alt=sse`, else as a streamed JSON array).
 */
export const geminiApi: ProviderApi = {
  name: 'gemini',
  requestIdHeader: null,

  inspect(body, route) {
    const parsed = RequestSchema.safeParse(body);
    if (!parsed.success) return `Invalid JSON payload: ${z.prettifyError(parsed.error)}`;
    const { contents, systemInstruction, tools } = parsed.data;
    const isUser = (c: Content) => c.role === undefined || c.role === 'user';
    const lastUser = contents.findLastIndex((c) => isUser(c) && userText(c) !== null);
    const turns = countAssistantTurns(
      contents.map((c) => c.role === 'model'),
      lastUser,
    );
    const lastUserContent = contents[lastUser];
    return {
      model: route.model ?? null,
      stream: route.stream === true,
      lastUserText: lastUserContent ? userText(lastUserContent) : null,
      assistantTurns: turns.all,
      assistantTurnsSinceUserText: turns.since,
      endsWithToolResult: contents.at(-1)?.parts.some((p) => 'functionResponse' in p) ?? false,
      tools: toolNames(tools),
      promptChars: jsonLength(systemInstruction, contents, tools),
      streamUsage: true,
      echo: {},
    };
  },

  renderJson(reply) {
    const parts: Record<string, unknown>[] = [];
    if (reply.reasoning) parts.push({ text: reply.reasoning, thought: true });
    if (reply.text) parts.push({ text: reply.text });
    parts.push(...reply.toolCalls.map(functionCallPart));
    return {
      candidates: [
        {
          content: { parts: parts.length ? parts : [{ text: '' }], role: 'model' },
          finishReason: FINISH_REASONS[reply.stopReason],
          index: 0,
        },
      ],
      usageMetadata: usageMetadata(reply, true),
      modelVersion: reply.model,
      responseId: randomId('', 16),
    };
  },

  renderStream(reply, { route }) {
    const responseId = randomId('', 16);
    const parts: Record<string, unknown>[] = [
      ...chunkText(reply.reasoning, reply.chunkChars).map((text) => ({ text, thought: true })),
      ...chunkText(reply.text, reply.chunkChars).map((text) => ({ text })),
      ...reply.toolCalls.map(functionCallPart),
    ];
    if (!parts.length) parts.push({ text: '' });
    const sse = route.sse === true;
    const wrap = (json: string, index: number) =>
      sse ? `data: ${json}\r\n\r\n` : `${index === 0 ? '[' : ','}${json}\r\n`;
    const frames: Frame[] = parts.map((part, index) => {
      const final = index === parts.length - 1;
      const chunk = {
        candidates: [
          {
            content: { parts: [part], role: 'model' },
            ...(final ? { finishReason: FINISH_REASONS[reply.stopReason] } : {}),
            index: 0,
          },
        ],
        usageMetadata: usageMetadata(reply, final),
        modelVersion: reply.model,
        responseId,
      };
      return frame(wrap(JSON.stringify(chunk), index), true);
    });
    if (!sse) frames.push(frame(']'));
    return {
      contentType: sse ? 'text/event-stream' : 'application/json; charset=UTF-8',
      frames,
      errorFrame: (error, sequence) => {
        const json = JSON.stringify(errorBody(error));
        return sse ? `data: ${json}\r\n\r\n` : `${wrap(json, sequence)}]`;
      },
    };
  },

  errorBody,

  countTokensBody(tokens) {
    return { totalTokens: tokens, promptTokensDetails: [{ modality: 'TEXT', tokenCount: tokens }] };
  },

  modelsBody(models) {
    return {
      models: models.map((id) => ({
        name: `models/${id}`,
        displayName: id,
        supportedGenerationMethods: ['generateContent', 'streamGenerateContent', 'countTokens'],
      })),
    };
  },
};
