import { describe, expect, it } from 'vitest';
import { filterCommands, matchScore, PALETTE_LIMIT, type PaletteCommand } from './palette-match';

const command = (label: string, kind = 'Page', keywords?: string): PaletteCommand => ({
  id: label,
  label,
  kind,
  keywords,
  run: () => undefined,
});

describe('command palette matching', () => {
  it('lists everything, in order, for an empty query', () => {
    const all = [command('Workspaces'), command('Usage'), command('Account')];
    expect(filterCommands(all, '  ').map((c) => c.label)).toEqual(['Workspaces', 'Usage', 'Account']);
  });

  it('ranks a label prefix over a word prefix over a substring over letters in order', () => {
    const all = [
      command('a-p-i', 'Workspace'), // its letters in order only
      command('rapid', 'Workspace'), // "api" inside
      command('Team api', 'Workspace'), // a word starts with "api"
      command('api', 'Workspace'),
    ];
    expect(filterCommands(all, 'api').map((c) => c.label)).toEqual(['api', 'Team api', 'rapid', 'a-p-i']);
    expect(matchScore(command('Workspaces'), 'wsp')).toBe(1);
    expect(matchScore(command('Usage'), 'xyz')).toBe(0);
  });

  it('finds a command by its keywords and kind', () => {
    expect(filterCommands([command('Account', 'Page', 'password tokens')], 'token')).toHaveLength(1);
    expect(filterCommands([command('hello', 'Workspace')], 'workspace')).toHaveLength(1);
  });

  it('shows at most the limit', () => {
    const many = Array.from({ length: 500 }, (_, i) => command(`ws-${i}`, 'Workspace'));
    expect(filterCommands(many, 'ws')).toHaveLength(PALETTE_LIMIT);
  });
});
