import { describe, expect, it } from 'vitest';
import { latency, parseListenUrl, percentile, summarize } from './stats.js';

describe('percentile', () => {
  it('uses the nearest rank', () => {
    const values = [5, 1, 4, 2, 3, 6, 7, 8, 9, 10];
    expect(percentile(values, 50)).toBe(5);
    expect(percentile(values, 99)).toBe(10);
    expect(percentile(values, 0)).toBe(1);
    expect(percentile(values, 100)).toBe(10);
  });

  it('is NaN without values', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(summarize([]).min).toBeNaN();
  });
});

describe('latency', () => {
  it('gives the count, nearest-rank p50 and p99, and the mean', () => {
    expect(latency([4, 1, 3, 2])).toEqual({ n: 4, p50: 2, p99: 4, mean: 2.5 });
  });

  it('is NaN without values', () => {
    const none = latency([]);
    expect(none.n).toBe(0);
    expect(none.p50).toBeNaN();
    expect(none.mean).toBeNaN();
  });
});

describe('parseListenUrl', () => {
  it('reads the url field of a pino JSON line', () => {
    const line = JSON.stringify({
      level: 30,
      msg: 'listening on http://127.0.0.1:41234',
      url: 'http://127.0.0.1:41234',
    });
    expect(parseListenUrl(line)?.href).toBe('http://127.0.0.1:41234/');
  });

  it('reads plain text and maps a wildcard address to loopback', () => {
    expect(parseListenUrl('Server listening at http://0.0.0.0:7700')?.href).toBe('http://127.0.0.1:7700/');
    expect(parseListenUrl('listening on http://localhost:80/')?.href).toBe('http://localhost/');
  });

  it('ignores other lines and refuses non-loopback addresses', () => {
    expect(parseListenUrl('{"level":30,"req":{"url":"/api/health"}}')).toBeUndefined();
    expect(parseListenUrl('{"url":"/api/health"}')).toBeUndefined();
    expect(parseListenUrl('listening on http://192.168.1.10:7700')).toBeUndefined();
    expect(parseListenUrl('starting')).toBeUndefined();
  });
});
