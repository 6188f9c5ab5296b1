import { PRESENCE_HEARTBEAT_SECONDS, type PresenceMember } from '@hangar/protocol';
import { errors } from '../../errors.js';
import type { Principal } from '../auth.js';
import { iso, type Clock } from '../../common/clock.js';

export type PresenceEvent =
  { type: 'join' | 'update'; member: PresenceMember } | { type: 'leave'; userId: string };
type Listener = (event: PresenceEvent) => void;

interface Tab {
  userId: string;
  username: string;
  displayName: string;
  panel: string | null;
  /** Last heartbeat (ms on the clock). */
  beatAt: number;
  /** Orders the tabs of a person by their last change of panel: the latest one's panel is theirs. */
  activeOrder: number;
  joinedAt: number;
  /** Ends the tab's stream (when it times out). */
  close: () => void;
}

/** A tab that sent nothing for this long (ms) has left: a closed laptop keeps no socket alive. */
export const PRESENCE_TIMEOUT_MS = 3 * PRESENCE_HEARTBEAT_SECONDS * 1000;

/**
 * Who is in each workspace, in memory: one entry per open tab, folded into
 * one per person. Join and leave are broadcast when a person's first tab
 * opens and their last one closes or times out.
 */
export class PresenceService {
  private readonly tabs = new Map<string, Map<string, Tab>>();
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly timer: NodeJS.Timeout;
  private activity = 0;

  constructor(
    private readonly clock: Clock,
    private readonly timeoutMs = PRESENCE_TIMEOUT_MS,
  ) {
    this.timer = setInterval(() => this.sweep(), Math.min(5_000, timeoutMs / 3));
    this.timer.unref();
  }

  members(workspaceId: string): PresenceMember[] {
    const byUser = new Map<string, Tab[]>();
    for (const tab of this.tabs.get(workspaceId)?.values() ?? []) {
      byUser.set(tab.userId, [...(byUser.get(tab.userId) ?? []), tab]);
    }
    return [...byUser.values()].map(fold).sort((a, b) => a.since.localeCompare(b.since));
  }

  /** A tab opened its stream; returns the function that ends it. */
  connect(
    principal: Principal,
    workspaceId: string,
    tabId: string,
    panel: string | null,
    close: () => void,
  ): () => void {
    const tabs = this.tabs.get(workspaceId) ?? new Map<string, Tab>();
    this.tabs.set(workspaceId, tabs);
    const previous = tabs.get(tabId);
    if (previous && previous.userId !== principal.user.id)
      throw errors.conflict('This tab id is taken: make a new one.');
    previous?.close();
    const now = this.clock.now().getTime();
    const had = this.hasUser(workspaceId, principal.user.id);
    const tab: Tab = {
      userId: principal.user.id,
      username: principal.user.username,
      displayName: principal.user.display_name,
      panel,
      beatAt: now,
      activeOrder: ++this.activity,
      joinedAt: previous?.joinedAt ?? now,
      close,
    };
    tabs.set(tabId, tab);
    this.announce(workspaceId, principal.user.id, had ? 'update' : 'join');
    return () => {
      if (tabs.get(tabId) === tab) this.leave(workspaceId, tabId);
    };
  }

  heartbeat(principal: Principal, workspaceId: string, tabId: string, panel: string | null): void {
    const tab = this.tabs.get(workspaceId)?.get(tabId);
    if (!tab || tab.userId !== principal.user.id)
      throw errors.notFound('This tab’s presence (it timed out): reopen the presence stream');
    const now = this.clock.now().getTime();
    tab.beatAt = now;
    if (tab.panel !== panel) {
      tab.panel = panel;
      tab.activeOrder = ++this.activity;
      this.announce(workspaceId, tab.userId, 'update');
    }
  }

  subscribe(workspaceId: string, listener: Listener): () => void {
    const set = this.listeners.get(workspaceId) ?? new Set<Listener>();
    set.add(listener);
    this.listeners.set(workspaceId, set);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(workspaceId);
    };
  }

  /** Drops tabs without a heartbeat for the timeout. */
  sweep(): void {
    const now = this.clock.now().getTime();
    for (const [workspaceId, tabs] of this.tabs) {
      for (const [tabId, tab] of tabs) {
        if (now - tab.beatAt <= this.timeoutMs) continue;
        this.leave(workspaceId, tabId);
        tab.close();
      }
    }
  }

  close(): void {
    clearInterval(this.timer);
  }

  private leave(workspaceId: string, tabId: string): void {
    const tabs = this.tabs.get(workspaceId);
    const tab = tabs?.get(tabId);
    if (!tabs || !tab) return;
    tabs.delete(tabId);
    if (tabs.size === 0) this.tabs.delete(workspaceId);
    if (this.hasUser(workspaceId, tab.userId)) this.announce(workspaceId, tab.userId, 'update');
    else this.emit(workspaceId, { type: 'leave', userId: tab.userId });
  }

  private hasUser(workspaceId: string, userId: string): boolean {
    for (const tab of this.tabs.get(workspaceId)?.values() ?? []) if (tab.userId === userId) return true;
    return false;
  }

  private announce(workspaceId: string, userId: string, type: 'join' | 'update'): void {
    const member = this.members(workspaceId).find((m) => m.userId === userId);
    if (member) this.emit(workspaceId, { type, member });
  }

  private emit(workspaceId: string, event: PresenceEvent): void {
    for (const listener of this.listeners.get(workspaceId) ?? []) listener(event);
  }
}

function fold(tabs: Tab[]): PresenceMember {
  const latest = tabs.reduce((a, b) => (b.activeOrder > a.activeOrder ? b : a));
  const first = Math.min(...tabs.map((t) => t.joinedAt));
  return {
    userId: latest.userId,
    username: latest.username,
    displayName: latest.displayName,
    panel: latest.panel,
    tabs: tabs.length,
    since: iso(new Date(first)),
  };
}
