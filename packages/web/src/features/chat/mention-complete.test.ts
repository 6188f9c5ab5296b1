import { describe, expect, it } from 'vitest';
import { completeMention, mentionAt, mentionCandidates } from './mention-complete';

const members = [
  { username: 'agent', displayName: 'The agent' },
  { username: 'ana', displayName: 'Ana Lima' },
  { username: 'bob', displayName: 'Robert Smith' },
];

describe('mention autocomplete', () => {
  it('finds the partial name at the caret', () => {
    expect(mentionAt('hi @an', 6)).toEqual({ start: 3, query: 'an' });
    expect(mentionAt('@', 1)).toEqual({ start: 0, query: '' });
    expect(mentionAt('hi @an there', 12)).toBeNull();
    expect(mentionAt('mail ana@ex', 11)).toBeNull();
  });

  it('matches usernames and display-name words', () => {
    expect(mentionCandidates(members, 'a').map((m) => m.username)).toEqual(['agent', 'ana']);
    expect(mentionCandidates(members, 'rob').map((m) => m.username)).toEqual(['bob']);
    expect(mentionCandidates(members, 'smi').map((m) => m.username)).toEqual(['bob']);
    expect(mentionCandidates(members, 'zz')).toEqual([]);
  });

  it('replaces the partial name with the chosen one', () => {
    const text = 'hi @an, look';
    const query = mentionAt(text, 6)!;
    expect(completeMention(text, 6, query, 'ana')).toEqual({ text: 'hi @ana , look', caret: 8 });
    expect(completeMention('@ag', 3, mentionAt('@ag', 3)!, 'agent')).toEqual({ text: '@agent ', caret: 7 });
  });
});
