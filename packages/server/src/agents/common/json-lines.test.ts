import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { LineSplitter, readJsonLines } from './json-lines.js';

describe('LineSplitter', () => {
  it('splits on \\n only, across chunks, and drops \\r and empty lines', () => {
    const splitter = new LineSplitter();
    expect(splitter.push('{"a":"x\u2028y"}\r\n{"b"')).toEqual(['{"a":"x\u2028y"}']);
    expect(splitter.push(':1}\n\n')).toEqual(['{"b":1}']);
    expect(splitter.push('partial')).toEqual([]);
  });
});

describe('readJsonLines', () => {
  it('hands on the lines that parse and match, whole across chunks, and skips the rest', async () => {
    const stream = new PassThrough();
    const got: { type: string; text?: string }[] = [];
    readJsonLines(stream, z.object({ type: z.literal('text'), text: z.string() }), (m) => got.push(m));
    const line = Buffer.from('{"type":"text","text":"é\u2028ü"}\n');
    const cut = line.indexOf(0xa9); // inside the two bytes of é
    stream.write('not json\n{"type":"other"}\n');
    stream.write(line.subarray(0, cut));
    stream.write(line.subarray(cut));
    stream.end('{"type":"text","text":"last"}\n');
    await new Promise((resolve) => stream.on('end', resolve).resume());
    expect(got).toEqual([
      { type: 'text', text: 'é\u2028ü' },
      { type: 'text', text: 'last' },
    ]);
  });
});
