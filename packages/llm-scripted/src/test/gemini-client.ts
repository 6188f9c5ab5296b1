import { GoogleGenAI, type Content, type GenerateContentResponse } from '@google/genai';
import { describeGenericError, type Answer, type Exchange, type SdkClient } from './exchange.js';

function toContents(conversation: Exchange[]): Content[] {
  return conversation.map((entry): Content => {
    if (entry.role === 'user') return { role: 'user', parts: [{ text: entry.text }] };
    if (entry.role === 'tool') {
      return {
        role: 'user',
        parts: [
          { functionResponse: { id: entry.callId, name: entry.name, response: { output: entry.output } } },
        ],
      };
    }
    const parts: Content['parts'] = [];
    if (entry.text) parts.push({ text: entry.text });
    if (entry.toolCall)
      parts.push({
        functionCall: { id: entry.toolCall.id, name: entry.toolCall.name, args: entry.toolCall.input },
      });
    return { role: 'model', parts };
  });
}

const STOP_REASONS: Record<string, string> = { MAX_TOKENS: 'max_tokens', SAFETY: 'refusal' };

/** Merges streamed chunks (or one whole response) into an answer. */
function toAnswer(responses: GenerateContentResponse[]): Answer {
  const answer: Answer = {
    text: '',
    reasoning: '',
    toolCalls: [],
    usage: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0 },
    stopReason: '',
  };
  let finish = '';
  for (const response of responses) {
    const candidate = response.candidates?.[0];
    if (candidate?.finishReason) finish = candidate.finishReason;
    for (const part of candidate?.content?.parts ?? []) {
      if (part.text !== undefined && part.thought) answer.reasoning += part.text;
      else if (part.text !== undefined) answer.text += part.text;
      if (part.functionCall) {
        const call = part.functionCall;
        answer.toolCalls.push({ id: call.id ?? '', name: call.name ?? '', input: call.args ?? {} });
      }
    }
    const usage = response.usageMetadata;
    if (usage) {
      const cached = usage.cachedContentTokenCount ?? 0;
      const thoughts = usage.thoughtsTokenCount ?? 0;
      answer.usage = {
        input: (usage.promptTokenCount ?? 0) - cached,
        output: (usage.candidatesTokenCount ?? 0) + thoughts,
        cacheRead: cached,
        cacheWrite: 0,
        reasoning: thoughts,
      };
    }
  }
  answer.stopReason =
    STOP_REASONS[finish] ?? (answer.toolCalls.length ? 'tool_use' : finish === 'STOP' ? 'end_turn' : finish);
  return answer;
}

export function geminiClient(baseUrl: string, apiKey = 'gemini-test-key'): SdkClient & { sdk: GoogleGenAI } {
  const sdk = new GoogleGenAI({ apiKey, httpOptions: { baseUrl } });
  return {
    api: 'gemini',
    reportsCacheWrite: false,
    sdk,
    async complete(conversation, model = 'gemini-test') {
      return toAnswer([await sdk.models.generateContent({ model, contents: toContents(conversation) })]);
    },
    async stream(conversation, onChunk, model = 'gemini-test') {
      const chunks: GenerateContentResponse[] = [];
      for await (const chunk of await sdk.models.generateContentStream({
        model,
        contents: toContents(conversation),
      })) {
        onChunk?.(performance.now());
        chunks.push(chunk);
      }
      return toAnswer(chunks);
    },
    describeError: describeGenericError,
  };
}
