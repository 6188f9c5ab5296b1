import { createInterface, type Interface } from 'node:readline';
import { CliError, EXIT } from '../client/errors.js';

/**
 * Lines from a stream, one at a time, on demand: answers piped to stdin
 * (`printf 'ada\nsecret\n' | hangar login URL`) or typed. Lines that arrive
 * before they are asked for wait in a queue.
 */
export class LineReader {
  private readonly rl: Interface;
  private readonly queue: string[] = [];
  private readonly waiters: ((line: string | undefined) => void)[] = [];
  private closed = false;

  constructor(input: NodeJS.ReadableStream = process.stdin) {
    this.rl = createInterface({ input, terminal: false, crlfDelay: Infinity });
    this.rl.on('line', (line) => {
      const waiter = this.waiters.shift();
      if (waiter) waiter(line);
      else this.queue.push(line);
    });
    this.rl.on('close', () => {
      this.closed = true;
      for (const waiter of this.waiters.splice(0)) waiter(undefined);
    });
  }

  /** The next line, or undefined once the input has ended (or the signal aborted the wait). */
  next(signal?: AbortSignal): Promise<string | undefined> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.closed || signal?.aborted) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const waiter = (line: string | undefined) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(line);
      };
      const onAbort = () => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        resolve(undefined);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  close(): void {
    this.rl.close();
  }
}

/** Asks a question on stderr and reads the answer (echoed) from a terminal. */
export async function ask(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  try {
    return await new Promise<string>((resolve, reject) => {
      rl.once('SIGINT', () => reject(new CliError('interrupted', EXIT.interrupted)));
      rl.once('close', () => reject(new CliError('no answer: standard input ended', EXIT.usage)));
      rl.question(question, resolve);
    });
  } finally {
    rl.removeAllListeners('close');
    rl.close();
  }
}

/**
 * Reads a secret from the terminal without echoing it: raw mode, with
 * backspace, Ctrl-U (clear), Ctrl-C (abort) and Ctrl-D (end). The terminal's
 * mode is restored however this ends.
 */
export function readSecret(question: string, stdin: NodeJS.ReadStream = process.stdin): Promise<string> {
  if (!stdin.isTTY) throw new Error('readSecret needs a terminal');
  const wasRaw = stdin.isRaw;
  stdin.setRawMode(true); // before the question: what is typed once it shows is never echoed
  stdin.resume();
  process.stderr.write(question);
  let secret = '';
  return new Promise<string>((resolve, reject) => {
    const finish = (error?: CliError) => {
      stdin.off('data', onData);
      stdin.setRawMode(wasRaw);
      stdin.pause();
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(secret);
    };
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n' || char === '\x04') return finish();
        if (char === '\x03') return finish(new CliError('interrupted', EXIT.interrupted));
        if (char === '\x7f' || char === '\b') secret = [...secret].slice(0, -1).join('');
        else if (char === '\x15') secret = '';
        else if (char >= ' ') secret += char;
      }
    };
    stdin.on('data', onData);
  });
}
