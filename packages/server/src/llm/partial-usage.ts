import type { LlmApi, Usage } from './usage.js';

/** Characters per token in English text and code: the usual rule of thumb, for estimates only. */
const CHARS_PER_TOKEN = 4;

const str = (value: unknown) => (typeof value === 'string' ? value.length : 0);
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const obj = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};

/**
 * Characters the model generated in one streamed event (text, reasoning and
 * tool arguments): what a call cut before its usage report is estimated from.
 */
export function generatedChars(api: LlmApi, doc: unknown): number {
  const d = obj(doc);
  switch (api) {
    case 'anthropic-messages': {
      if (d.type !== 'content_block_delta') return 0;
      const delta = obj(d.delta);
      return str(delta.text) + str(delta.thinking) + str(delta.partial_json);
    }
    case 'openai-chat':
      return list(d.choices).reduce<number>((sum, choice) => {
        const delta = obj(obj(choice).delta);
        const tools = list(delta.tool_calls).reduce<number>(
          (n, call) => n + str(obj(obj(call).function).arguments),
          0,
        );
        return sum + str(delta.content) + str(delta.reasoning_content) + str(delta.reasoning) + tools;
      }, 0);
    case 'openai-responses':
      return typeof d.type === 'string' && d.type.endsWith('.delta') ? str(d.delta) : 0;
    case 'gemini':
      return list(d.candidates).reduce<number>(
        (sum, candidate) =>
          sum +
          list(obj(obj(candidate).content).parts).reduce<number>((n, part) => {
            const p = obj(part);
            return n + str(p.text) + (p.functionCall ? JSON.stringify(p.functionCall).length : 0);
          }, 0),
        0,
      );
    default:
      return 0;
  }
}

/**
 * The usage of a call cut before the provider's final report: the numbers
 * the provider sent so far, with output at least what the streamed text
 * amounts to (providers bill what they generated, reported or not).
 */
export function partialUsage(reported: Usage, generated: number): Usage {
  const estimate = Math.ceil(generated / CHARS_PER_TOKEN);
  return { ...reported, output: Math.max(reported.output, estimate) };
}
