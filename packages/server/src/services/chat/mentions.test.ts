import { describe, expect, it } from 'vitest';
import { agentRequest, mentionedNames } from './mentions.js';

describe('chat mentions', () => {
  it('finds usernames after @, once each, not in e-mail addresses', () => {
    expect(mentionedNames('@bob and @Ana.b, see @bob; mail ada@example.com (@x)')).toEqual([
      'bob',
      'ana.b',
      'x',
    ]);
    expect(mentionedNames('no mentions @ here')).toEqual([]);
  });

  it('reads `@agent <text>` at the start of a message', () => {
    expect(agentRequest('@agent run the tests')).toBe('run the tests');
    expect(agentRequest('  @Agent: fix it\nplease')).toBe('fix it\nplease');
    expect(agentRequest('@agent')).toBeUndefined();
    expect(agentRequest('hey @agent do it')).toBeUndefined();
    expect(agentRequest('@agents are here')).toBeUndefined();
  });
});
