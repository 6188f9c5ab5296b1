import { describe, expect, it } from 'vitest';
import { SseSplitter, anthropicDelta, openAiChatDelta } from './llm-stream.js';

describe('SseSplitter', () => {
  it('gives the data of each event once it is complete, across reads', () => {
    const sse = new SseSplitter();
    expect(sse.push('event: ping\ndata: {"a":')).toEqual([]);
    expect(sse.pending()).toBe(true);
    expect(sse.push('1}\n\ndata: x\ndata:y\n\n: comment\n\n')).toEqual(['{"a":1}', 'x\ny']);
    expect(sse.pending()).toBe(false);
  });

  it('reads CRLF line ends', () => {
    expect(new SseSplitter().push('data: a\r\n\r\ndata: b\r\n\r\n')).toEqual(['a', 'b']);
  });
});

describe('content deltas', () => {
  it('finds Anthropic text deltas and nothing else', () => {
    const delta = { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } };
    expect(anthropicDelta(JSON.stringify(delta))).toBe('Hi');
    expect(anthropicDelta('{"type":"message_start","message":{}}')).toBeUndefined();
    const json = { type: 'content_block_delta', delta: { type: 'input_json_delta', partial_json: '{' } };
    expect(anthropicDelta(JSON.stringify(json))).toBeUndefined();
    expect(() => anthropicDelta('{"type":"error","error":{"type":"overloaded_error"}}')).toThrow(
      /overloaded_error/,
    );
  });

  it('finds non-empty Chat Completions content and nothing else', () => {
    expect(openAiChatDelta('{"choices":[{"delta":{"content":"Hi"}}]}')).toBe('Hi');
    expect(openAiChatDelta('{"choices":[{"delta":{"role":"assistant","content":""}}]}')).toBeUndefined();
    expect(openAiChatDelta('{"choices":[],"usage":{"prompt_tokens":1}}')).toBeUndefined();
    expect(openAiChatDelta('[DONE]')).toBeUndefined();
    expect(() => openAiChatDelta('{"error":{"message":"rate limited"}}')).toThrow(/rate limited/);
  });
});
