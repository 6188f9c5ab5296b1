import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canonicalSessionFile, SET_ASIDE_DIR, settleSessionFilesCommand } from './session-files.js';

const ID = '0f3a9c1e-7b2d-4e5f-8a6b-1c2d3e4f5a6b';
const OTHER = '0f3a9c1e-0000-4000-8000-000000000000'; // the same first 8 characters
const PROJECT = 'workspace';

/** Records as Gemini CLI 0.61.0 writes them (chatRecordingService). */
const meta = (sessionId: string, lastUpdated: string) =>
  JSON.stringify({ sessionId, projectHash: 'abc', startTime: lastUpdated, lastUpdated, kind: 'main' });
const context = JSON.stringify({
  $set: { messages: [{ id: 'c1', type: 'user', content: [{ text: '<session_context>\nThe date is…' }] }] },
});
const user = (id: string, text: string) => JSON.stringify({ id, type: 'user', content: [{ text }] });
const reply = (id: string, text: string) => JSON.stringify({ id, type: 'gemini', content: text });
const conversation = (sessionId: string, lastUpdated: string, words: string) =>
  [meta(sessionId, lastUpdated), user('u1', 'Say hello'), reply('g1', words)].join('\n') + '\n';
/** The startup chat every process opens: metadata and the session context, no turn. */
const startupChat = (sessionId: string, at: string) => [meta(sessionId, at), context].join('\n') + '\n';

describe('settling a Gemini session to one canonical file', () => {
  let home: string;
  let chats: string;
  const aside = () => join(home, '.gemini/tmp', PROJECT, SET_ASIDE_DIR);
  const write = (name: string, content: string) => writeFileSync(join(chats, name), content);
  const settle = (id = ID) => {
    const [command, ...args] = settleSessionFilesCommand(id);
    return JSON.parse(execFileSync(command!, args, { env: { HOME: home }, encoding: 'utf8' }));
  };
  /** Every file under .gemini, with its content: nothing may ever be lost. */
  const everything = (dir = join(home, '.gemini')): string[] =>
    readdirSync(dir, { withFileTypes: true })
      .flatMap((e) =>
        e.isDirectory() ? everything(join(dir, e.name)) : [readFileSync(join(dir, e.name), 'utf8')],
      )
      .sort();

  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'hangar-gemini-files-'));
    chats = join(home, '.gemini/tmp', PROJECT, 'chats');
    mkdirSync(chats, { recursive: true });
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('renames the first process`s timestamped file to the canonical name, content unchanged', () => {
    const history = conversation(ID, '2026-01-01T10:00:30Z', 'Hello!');
    write('session-2026-01-01T10-00-0f3a9c1e.jsonl', history);
    expect(settle()).toEqual({ kept: `${PROJECT}/chats/${canonicalSessionFile(ID)}`, setAside: [] });
    expect(readdirSync(chats)).toEqual([canonicalSessionFile(ID)]);
    expect(readFileSync(join(chats, canonicalSessionFile(ID)), 'utf8')).toBe(history);
  });

  it('sets aside the empty startup chats of earlier resumes (same minute too) and keeps the conversation', () => {
    const history = conversation(ID, '2026-01-01T10:00:50Z', 'Hello!');
    write(canonicalSessionFile(ID), history);
    // Two resumes in the same minute: the startup chats share a name's minute with each other.
    write('session-2026-01-01T10-00-0f3a9c1e.jsonl', startupChat(ID, '2026-01-01T10:00:59Z'));
    const before = everything();
    expect(settle().setAside).toEqual(['session-2026-01-01T10-00-0f3a9c1e.jsonl']);
    write('session-2026-01-01T10-00-0f3a9c1e.jsonl', startupChat(ID, '2026-01-01T10:00:59Z'));
    expect(settle().setAside).toEqual(['session-2026-01-01T10-00-0f3a9c1e.jsonl']);
    expect(readdirSync(chats)).toEqual([canonicalSessionFile(ID)]);
    expect(readFileSync(join(chats, canonicalSessionFile(ID)), 'utf8')).toBe(history);
    // Set aside under numbered names, never over each other; nothing deleted.
    expect(readdirSync(aside()).sort()).toEqual([
      'session-2026-01-01T10-00-0f3a9c1e.jsonl',
      'session-2026-01-01T10-00-0f3a9c1e.jsonl.1',
    ]);
    expect(everything()).toEqual([...before, startupChat(ID, '2026-01-01T10:00:59Z')].sort());
  });

  it('keeps the latest of two files with content (the one Gemini loads) and sets the older aside', () => {
    write(canonicalSessionFile(ID), conversation(ID, '2026-01-01T10:00:00Z', 'Older'));
    write('session-2026-01-01T11-00-0f3a9c1e.jsonl', conversation(ID, '2026-01-01T11:00:00Z', 'Newer'));
    const before = everything();
    expect(settle().setAside).toEqual([canonicalSessionFile(ID)]);
    expect(readFileSync(join(chats, canonicalSessionFile(ID)), 'utf8')).toContain('Newer');
    expect(readFileSync(join(aside(), canonicalSessionFile(ID)), 'utf8')).toContain('Older');
    expect(everything()).toEqual(before);
  });

  it('leaves other sessions alone, also those whose id starts the same, and a session without content', () => {
    const other = conversation(OTHER, '2026-01-01T10:00:00Z', 'Other');
    write('session-2026-01-01T10-00-0f3a9c1e.jsonl', other);
    write('session-2026-01-01T10-01-0f3a9c1e.jsonl', startupChat(ID, '2026-01-01T10:01:00Z'));
    expect(settle()).toEqual({ kept: null, setAside: [] });
    expect(readdirSync(chats).sort()).toEqual([
      'session-2026-01-01T10-00-0f3a9c1e.jsonl',
      'session-2026-01-01T10-01-0f3a9c1e.jsonl',
    ]);
    expect(existsSync(aside())).toBe(false);
  });

  it('counts a conversation whose history was replaced by $set.messages by what it holds last', () => {
    const emptied = [conversation(ID, '2026-01-01T10:00:00Z', 'Hello!').trim(), context].join('\n') + '\n';
    write('session-2026-01-01T10-00-0f3a9c1e.jsonl', emptied);
    expect(settle()).toEqual({ kept: null, setAside: [] });
  });

  it('refuses an id that is not one', () => {
    expect(() => settle('../../etc')).toThrow();
  });
});
