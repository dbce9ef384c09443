/**
 * The supervisors' live picture (监控大屏), assembled from Redis so any node
 * gives the same one: queues per skill, agents and interpreters by state,
 * sessions in progress on every node, the booth fleet, the latest ratings
 * and the follow-ups.
 *
 * Pushed, not polled: whatever changes something (a call, an agent's state,
 * a heartbeat that matters, a rating, a follow-up) calls `changed()`; the
 * snapshot is rebuilt at most every DASHBOARD_PUSH_MS and sent to the room of
 * the watching supervisors through the socket.io Redis adapter (so watchers on
 * every node get it). Each node also refreshes its own watchers every
 * DASHBOARD_REFRESH_MS, so a booth that falls silent turns red without an event.
 *
 * Sessions in progress: each node writes its own into one Redis hash on every
 * change and every 5 s; entries not refreshed for LIVE_SESSION_STALE_MS (a
 * dead node's) are left out and cleaned up.
 */
import type { Redis } from 'ioredis';
import { DASHBOARD_PUSH_MS, DASHBOARD_REFRESH_MS, type DashboardSnapshot, type LiveAgent, type LiveFollowUp, type LiveRating, type LiveSession, type LiveNode } from '@xiaowu/shared';
import type { Logger } from '../log';
import type { Accounts, BoothDevice } from '../auth/accounts';
import type { CallRouter } from '../queue/call-router';
import type { FeedbackStore } from '../feedback/feedback-store';
import type { Fleet } from './fleet';

export const SUPERVISOR_ROOM = 'supervisors';
const LIVE_SESSION_STALE_MS = 15_000;
const RESOLVED_SHOWN_MS = 7 * 86_400_000;
const BOOTH_LIST_TTL_MS = 30_000;

export interface DashboardDeps {
  redis: Redis;
  router: CallRouter;
  accounts: Accounts;
  feedback: FeedbackStore;
  fleet: Fleet;
  log: Logger;
  /** Queue lengths and longest waits per skill (the call service's figures). */
  queues: () => Promise<DashboardSnapshot['queues']>;
  /** Global emit (through the adapter) and this node's own emit. */
  emit: (snapshot: DashboardSnapshot) => void;
  emitLocal: (snapshot: DashboardSnapshot) => void;
  /** Supervisors watching through this node (the periodic refresh is skipped when none). */
  localWatchers?: () => number;
  prefix?: string;
}

export class Dashboard {
  private timer?: NodeJS.Timeout;
  private refresher?: NodeJS.Timeout;
  private pending = false;
  private building?: Promise<void>;
  private booths?: { at: number; list: BoothDevice[] };
  private closed = false;
  private readonly liveKey: string;
  /** The node registry's list (set once the registry exists). */
  nodes?: () => Promise<LiveNode[]>;

  constructor(private readonly d: DashboardDeps) {
    this.liveKey = `${d.prefix ?? '{xw}:'}live:sessions`;
    this.refresher = setInterval(() => {
      if (d.localWatchers?.() === 0) return;
      void this.snapshot()
        .then((s) => !this.closed && d.emitLocal(s))
        .catch((err) => d.log.warn({ err }, 'dashboard refresh failed'));
    }, DASHBOARD_REFRESH_MS);
    this.refresher.unref();
  }

  /** Something the dashboard shows changed: push a new snapshot soon (coalesced). */
  changed(): void {
    if (this.closed) return;
    this.pending = true;
    if (this.timer || this.building) return;
    this.timer = setTimeout(() => this.flush(), DASHBOARD_PUSH_MS);
  }

  private flush(): void {
    this.timer = undefined;
    if (!this.pending || this.closed) return;
    this.pending = false;
    this.building = this.snapshot()
      .then((s) => {
        if (!this.closed) this.d.emit(s);
      })
      .catch((err) => this.d.log.warn({ err }, 'dashboard push failed'))
      .finally(() => {
        this.building = undefined;
        // Changes during the build: one more push after the usual pause.
        if (this.pending && !this.closed) this.timer = setTimeout(() => this.flush(), DASHBOARD_PUSH_MS);
      });
  }

  /** A booth was heard from: one not in the cached fleet list (just registered) makes it be read afresh. */
  noteBooth(boothId: string): void {
    if (this.booths && !this.booths.list.some((b) => b.boothId === boothId)) this.booths = undefined;
  }

  /** A registered booth was added or changed: list the fleet afresh. */
  boothsChanged(): void {
    this.booths = undefined;
    this.changed();
  }

  /** This node's sessions now (replaces the node's previous entries). */
  async publishSessions(node: string, sessions: LiveSession[], now = Date.now()): Promise<void> {
    const fields = await this.d.redis.hgetall(this.liveKey);
    const pipe = this.d.redis.pipeline();
    const mine = new Set(sessions.map((s) => s.sessionId));
    for (const [id, raw] of Object.entries(fields)) {
      const e = JSON.parse(raw) as { node: string; refreshedAt: number };
      // Our own ended sessions, and those of nodes that stopped refreshing.
      if ((e.node === node && !mine.has(id)) || now - e.refreshedAt > 4 * LIVE_SESSION_STALE_MS) pipe.hdel(this.liveKey, id);
    }
    for (const s of sessions) pipe.hset(this.liveKey, s.sessionId, JSON.stringify({ ...s, node, refreshedAt: now }));
    await pipe.exec();
  }

  async snapshot(now = Date.now()): Promise<DashboardSnapshot> {
    const [queues, agentsRaw, sessions, booths, ratings, followUps, nodes] = await Promise.all([
      this.d.queues(),
      this.d.router.agents(),
      this.liveSessions(now),
      this.boothList(),
      this.d.feedback.latestRatings(20),
      this.d.feedback.followUps(now),
      this.nodes?.() ?? Promise.resolve(undefined),
    ]);
    const agents: LiveAgent[] = agentsRaw
      .map((a) => ({ agentId: a.agentId, name: a.name, kind: a.skills.includes('interpreter') ? ('interpreter' as const) : ('agent' as const), state: a.state, since: a.since, skills: a.skills }))
      .sort((a, b) => a.kind.localeCompare(b.kind) || a.agentId.localeCompare(b.agentId));
    const inCall = new Set(sessions.map((s) => s.boothId));
    const fu: LiveFollowUp[] = followUps
      .filter((f) => f.state === 'open' || now - (f.resolvedAt ?? 0) < RESOLVED_SHOWN_MS)
      .sort((a, b) => (a.state === b.state ? a.dueAt - b.dueAt : a.state === 'open' ? -1 : 1));
    return {
      at: now,
      queues,
      agents,
      sessions,
      booths: await this.d.fleet.live(booths, inCall, now),
      interpretersAvailable: agents.filter((a) => a.kind === 'interpreter' && a.state === 'available').length,
      ratings: ratings.map(
        (r): LiveRating => ({ sessionId: r.sessionId, boothId: r.boothId, agentId: r.agentId, matterId: r.matterId, level: r.level, label: r.label, reasons: r.reasons, comment: r.comment, at: r.at, stage: r.stage ?? 'service', ...(r.caseNo ? { caseNo: r.caseNo } : {}) }),
      ),
      followUps: fu,
      ...(nodes ? { nodes } : {}),
    };
  }

  private async liveSessions(now: number): Promise<LiveSession[]> {
    const fields = await this.d.redis.hgetall(this.liveKey);
    const out: LiveSession[] = [];
    for (const raw of Object.values(fields)) {
      const { refreshedAt, ...s } = JSON.parse(raw) as LiveSession & { refreshedAt: number };
      if (now - refreshedAt <= LIVE_SESSION_STALE_MS) out.push(s);
    }
    return out.sort((a, b) => a.startedAt - b.startedAt);
  }

  private async boothList(): Promise<BoothDevice[]> {
    const now = Date.now();
    if (!this.booths || now - this.booths.at > BOOTH_LIST_TTL_MS) this.booths = { at: now, list: await this.d.accounts.listBooths() };
    return this.booths.list;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    clearInterval(this.refresher);
  }
}
