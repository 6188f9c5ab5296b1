import { MAX_CLIENT_FRAME_BYTES } from '@hangar/protocol';
import { describe, expect, it } from 'vitest';
import { encodeClientFrame, exitLine, parseServerFrame, splitInput } from './frames';
import { nextTerminalName } from './terminal-names';

describe('parseServerFrame', () => {
  it('reads the frames the protocol defines', () => {
    expect(parseServerFrame('{"type":"resize","cols":120,"rows":40}')).toEqual({
      type: 'resize',
      cols: 120,
      rows: 40,
    });
    expect(parseServerFrame('{"type":"exit","exitCode":null}')).toEqual({ type: 'exit', exitCode: null });
  });

  it('returns undefined for anything else', () => {
    expect(parseServerFrame('not json')).toBeUndefined();
    expect(parseServerFrame('{"type":"resize","cols":"wide"}')).toBeUndefined();
    expect(parseServerFrame('{"type":"surprise"}')).toBeUndefined();
  });
});

describe('splitInput', () => {
  it('keeps typing in one frame', () => {
    expect(splitInput('ls -la\r')).toEqual(['ls -la\r']);
    expect(splitInput('')).toEqual([]);
  });

  it('splits a large paste into frames under the server limit, losing nothing', () => {
    const paste = '\u001b'.repeat(20_000) + 'é'.repeat(20_000);
    const chunks = splitInput(paste);
    expect(chunks.join('')).toBe(paste);
    for (const data of chunks) {
      const bytes = new TextEncoder().encode(encodeClientFrame({ type: 'input', data })).length;
      expect(bytes).toBeLessThanOrEqual(MAX_CLIENT_FRAME_BYTES);
    }
  });

  it('never splits a surrogate pair', () => {
    const chunks = splitInput('ab😀cd', 3);
    expect(chunks).toEqual(['ab', '😀c', 'd']);
  });
});

describe('exitLine', () => {
  it('says how the process ended, on a line of its own', () => {
    expect(exitLine(0)).toBe('\r\n[process exited with code 0]\r\n');
    expect(exitLine(null)).toBe('\r\n[process exited]\r\n');
  });
});

describe('nextTerminalName', () => {
  it('takes the first free number', () => {
    expect(nextTerminalName([])).toBe('Terminal 1');
    expect(nextTerminalName(['Terminal 1', 'build', 'Terminal 3'])).toBe('Terminal 2');
  });
});
