import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { logFormat, loggerOptions, safeError, scrubSecrets, type LogOutput } from './logger.js';

/** A stand-in for stdout that keeps what is written; `isTTY` as a terminal or a pipe would say. */
function output(isTTY: boolean): Writable & LogOutput & { text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return Object.assign(stream, { isTTY, text: () => text });
}

describe('log format', () => {
  it('is pretty on a terminal and JSON otherwise', () => {
    expect(logFormat({ isTTY: true })).toBe('pretty');
    expect(logFormat({ isTTY: false })).toBe('json');
    expect(logFormat({})).toBe('json');
  });

  it('writes readable lines to a terminal, with redaction still applied', () => {
    const tty = output(true);
    const { stream, ...options } = loggerOptions({ logLevel: 'info' }, tty);
    expect(stream).toBeDefined();
    pino(options, stream as pino.DestinationStream).info(
      { body: { token: 'abc123secret' } },
      'server listening',
    );
    expect(tty.text()).toMatch(/INFO.*server listening/);
    expect(() => JSON.parse(tty.text())).toThrow();
    expect(tty.text()).not.toContain('abc123secret');
  });

  it('redacts secrets at the top of a log line as well as nested ones', () => {
    const pipe = output(false);
    const options = loggerOptions({ logLevel: 'info' }, pipe);
    pino(options, pipe as unknown as pino.DestinationStream).info(
      { token: 'top-level-token-1', password: 'top-pw-2', nested: { secret: 'nested-secret-3' } },
      'a line',
    );
    expect(pipe.text()).toContain('a line');
    for (const value of ['top-level-token-1', 'top-pw-2', 'nested-secret-3'])
      expect(pipe.text()).not.toContain(value);
  });

  it('leaves JSON on stdout when it is not a terminal', () => {
    const pipe = output(false);
    expect(loggerOptions({ logLevel: 'info' }, pipe).stream).toBeUndefined();
  });
});

describe('safeError', () => {
  it('keeps what helps (type, message, stack) and redacts credentials, dropping other properties', () => {
    const error = Object.assign(
      new TypeError('GET https://ada:pw1234@git.example/r?token=abcd failed: Bearer abcdefgh12345678'),
      { config: { headers: { authorization: 'Bearer zzzzzzzzzzzz' } } },
    );
    const safe = safeError(error);
    expect(safe.type).toBe('TypeError');
    expect(safe.message).toBe(
      'GET https://[redacted]@git.example/r?token=[redacted] failed: Bearer [redacted]',
    );
    expect(JSON.stringify(safe)).not.toMatch(/pw1234|abcd&|abcdefgh12345678|zzzz/);
    expect(safe.stack).toContain('git.example');
    expect(safeError('plain sk-ant-aaaaaaaaaaaaaaaaaaaaaaaa')).toEqual({
      type: 'string',
      message: 'plain [redacted]',
    });
  });

  it('redacts Hangar secrets and provider keys', () => {
    expect(scrubSecrets(`t=hgr_${'x'.repeat(43)} k=AIza${'y'.repeat(35)}`)).toBe('t=[redacted] k=[redacted]');
  });
});
