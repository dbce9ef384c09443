/**
 * What a supervisor needs to find and review a recording: per session, the
 * booth, the matter, every party with when they joined and left, the cases
 * opened in it, and (after the call) the playable files. Kept in Redis next
 * to the manifest; the files themselves stay under DATA_DIR/recordings.
 */
import type { Redis } from 'ioredis';
import type { PartyInfo, RecordingMeta } from '@xiaowu/shared';

export type { RecordingMeta, RecordingParty } from '@xiaowu/shared';
import type { MuxResult } from './mux';

const MAX_PARTIES = 50;

/** What the index keeps of a mux result. */
export function playbackOf(m: MuxResult | undefined): RecordingMeta['playback'] {
  return m && { file: m.file, durationSec: m.durationSec, startedAt: m.startedAt, tracks: m.tracks.map((t) => ({ name: t.name, kind: t.kind, file: t.file ?? '', offsetMs: t.offsetMs })) };
}

export class RecordingIndex {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = '{xw}:',
  ) {}

  private metaKey(sessionId: string) {
    return `${this.prefix}rec:${sessionId}:meta`;
  }

  private get listKey() {
    return `${this.prefix}rec:index`;
  }

  start(meta: Omit<RecordingMeta, 'parties' | 'caseNos'>): Promise<void> {
    const m: RecordingMeta = { ...meta, parties: [], caseNos: [] };
    return this.enqueue(meta.sessionId, async () => {
      await this.redis.multi().set(this.metaKey(meta.sessionId), JSON.stringify(m)).zadd(this.listKey, meta.startedAt, meta.sessionId).exec();
    });
  }

  /** Updates of one session, one after the other (only the node running the session writes its entry). */
  private readonly chains = new Map<string, Promise<void>>();

  private update(sessionId: string, change: (m: RecordingMeta) => void): Promise<void> {
    const key = this.metaKey(sessionId);
    return this.enqueue(sessionId, async () => {
      const raw = await this.redis.get(key);
      if (!raw) return;
      const m = JSON.parse(raw) as RecordingMeta;
      change(m);
      await this.redis.set(key, JSON.stringify(m));
    });
  }

  private enqueue(sessionId: string, step: () => Promise<void>): Promise<void> {
    const next = (this.chains.get(sessionId) ?? Promise.resolve()).then(step);
    const settled = next.catch(() => undefined);
    this.chains.set(sessionId, settled);
    void settled.then(() => {
      if (this.chains.get(sessionId) === settled) this.chains.delete(sessionId);
    });
    return next;
  }

  partyJoined(sessionId: string, p: PartyInfo, at = Date.now()): Promise<void> {
    return this.update(sessionId, (m) => {
      if (m.parties.length < MAX_PARTIES) m.parties.push({ role: p.role, userId: p.userId, name: p.name, joinedAt: at });
    });
  }

  partyLeft(sessionId: string, p: PartyInfo, at = Date.now()): Promise<void> {
    return this.update(sessionId, (m) => {
      const open = [...m.parties].reverse().find((x) => x.userId === p.userId && x.role === p.role && x.leftAt === undefined);
      if (open) open.leftAt = at;
    });
  }

  addCase(sessionId: string, caseNo: string): Promise<void> {
    return this.update(sessionId, (m) => {
      if (!m.caseNos.includes(caseNo) && m.caseNos.length < 20) m.caseNos.push(caseNo);
    });
  }

  finish(sessionId: string, endedAt: number, playback?: RecordingMeta['playback']): Promise<void> {
    return this.update(sessionId, (m) => {
      m.endedAt = endedAt;
      for (const p of m.parties) p.leftAt ??= endedAt;
      if (playback) m.playback = playback;
    });
  }

  async get(sessionId: string): Promise<RecordingMeta | undefined> {
    const raw = await this.redis.get(this.metaKey(sessionId));
    return raw ? (JSON.parse(raw) as RecordingMeta) : undefined;
  }

  /** Newest first; `before` (epoch ms) pages back. */
  async list(opts: { limit?: number; before?: number } = {}): Promise<RecordingMeta[]> {
    const limit = Math.min(Math.max(opts.limit ?? 50, 1), 200);
    const ids = await this.redis.zrevrangebyscore(this.listKey, opts.before !== undefined ? `(${opts.before}` : '+inf', '-inf', 'LIMIT', 0, limit);
    const metas = await Promise.all(ids.map((id) => this.get(id)));
    return metas.filter((m): m is RecordingMeta => !!m);
  }

  /** The retention job removes a session's files; its index entry goes with them. */
  async remove(sessionId: string): Promise<void> {
    await this.redis.multi().del(this.metaKey(sessionId)).zrem(this.listKey, sessionId).exec();
  }
}
