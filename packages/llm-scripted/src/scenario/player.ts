import type { Conversation } from '../apis/api.js';
import { compilePattern, type ApiName, type Outcome, type Scenario, type Turn } from './schema.js';

/** The outcome chosen for one request. */
export interface Pick {
  /** Index of the matched turn; null when the fallback answered. */
  turnIndex: number | null;
  turnName: string | null;
  outcome: Outcome;
}

type Predicate = (api: ApiName, conversation: Conversation) => boolean;

function compileMatch(turn: Turn): Predicate {
  const { lastUserText, turn: turnNumber, step, toolResult, api, model, tool } = turn.match;
  const checks: Predicate[] = [];
  if (lastUserText !== undefined) {
    const test = compilePattern(lastUserText);
    checks.push((_, c) => c.lastUserText !== null && test(c.lastUserText));
  }
  if (turnNumber !== undefined) checks.push((_, c) => c.assistantTurns + 1 === turnNumber);
  if (step !== undefined) checks.push((_, c) => c.assistantTurnsSinceUserText + 1 === step);
  if (toolResult !== undefined) checks.push((_, c) => c.endsWithToolResult === toolResult);
  if (api !== undefined) checks.push((a) => a === api);
  if (tool !== undefined) {
    const test = compilePattern(tool);
    checks.push((_, c) => c.tools.some((name) => test(name)));
  }
  if (model !== undefined) {
    const test = compilePattern(model);
    checks.push((_, c) => c.model !== null && test(c.model));
  }
  return (a, c) => checks.every((check) => check(a, c));
}

function defaultFallback(conversation: Conversation): Outcome {
  const said =
    conversation.lastUserText === null
      ? 'no user text'
      : JSON.stringify(conversation.lastUserText.slice(0, 80));
  return {
    reply: {
      text: `(scripted provider) No scripted turn matches turn ${conversation.assistantTurns + 1} with ${said}.`,
      toolCalls: [],
      usage: {},
      pace: {},
    },
  };
}

/**
 * Plays a scenario: picks, for each request, the first turn whose match
 * holds and that has uses left (`times`).
 */
export class ScenarioPlayer {
  private readonly predicates: Predicate[];
  private readonly uses: number[];
  /** Streams waiting to start together, per `startTogether.group`. */
  private readonly groups = new Map<string, (() => void)[]>();

  constructor(readonly scenario: Scenario) {
    this.predicates = scenario.turns.map(compileMatch);
    this.uses = scenario.turns.map(() => 0);
  }

  /**
   * Resolves once `count` streams of `group` are waiting (this one included), or after
   * `timeoutMs`; every waiting stream of the group is released at the same moment.
   */
  startTogether(group: string, count: number, timeoutMs: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const waiting = this.groups.get(group) ?? [];
      this.groups.set(group, waiting);
      const release = () => {
        if (this.groups.get(group) !== waiting) return;
        this.groups.delete(group);
        for (const go of waiting) go();
      };
      const timer = setTimeout(release, timeoutMs);
      const go = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      // A client that hangs up stops waiting alone; the others still wait for a full group.
      const onAbort = () => {
        waiting.splice(waiting.indexOf(go), 1);
        go();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      waiting.push(go);
      if (waiting.length >= count) release();
    });
  }

  pick(api: ApiName, conversation: Conversation): Pick {
    const index = this.scenario.turns.findIndex((turn, i) => {
      if (turn.times !== undefined && (this.uses[i] ?? 0) >= turn.times) return false;
      return this.predicates[i]?.(api, conversation) ?? false;
    });
    const turn = this.scenario.turns[index];
    if (!turn) {
      return {
        turnIndex: null,
        turnName: null,
        outcome: this.scenario.fallback ?? defaultFallback(conversation),
      };
    }
    this.uses[index] = (this.uses[index] ?? 0) + 1;
    const outcome: Outcome = {};
    if (turn.reply) outcome.reply = turn.reply;
    if (turn.error) outcome.error = turn.error;
    return { turnIndex: index, turnName: turn.name ?? null, outcome };
  }
}
