import { describe, expect, it } from 'vitest';
import { AckCounter } from './terminal-ack.js';

describe('AckCounter', () => {
  it('acknowledges once 5 KB have been processed, then counts afresh', () => {
    const acks = new AckCounter();
    const ticket = acks.ticket();
    expect(acks.processed(3000, ticket)).toBe(0);
    expect(acks.processed(2000, ticket)).toBe(0);
    expect(acks.processed(200, ticket)).toBe(5200);
    expect(acks.pending).toBe(0);
    expect(acks.processed(100, ticket)).toBe(0);
    expect(acks.pending).toBe(100);
  });

  it('acknowledges a large chunk at once', () => {
    const acks = new AckCounter();
    expect(acks.processed(64 * 1024, acks.ticket())).toBe(64 * 1024);
  });

  it('flushes the remainder, once', () => {
    const acks = new AckCounter(1000);
    acks.processed(300, acks.ticket());
    expect(acks.flush()).toBe(300);
    expect(acks.flush()).toBe(0);
  });

  it('never acknowledges output written before a reset', () => {
    const acks = new AckCounter(1000);
    const before = acks.ticket();
    acks.processed(400, before);
    acks.reset();
    expect(acks.pending).toBe(0);
    expect(acks.processed(5000, before)).toBe(0);
    expect(acks.processed(999, acks.ticket())).toBe(0);
    expect(acks.processed(1, acks.ticket())).toBe(1000);
  });
});
