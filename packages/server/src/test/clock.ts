import type { Clock } from '../common/clock.js';

/** A clock that only moves when a test moves it. */
export class TestClock implements Clock {
  private ms: number;
  constructor(start = Date.parse('2026-01-01T00:00:00.000Z')) {
    this.ms = start;
  }
  now(): Date {
    return new Date(this.ms);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}
