/**
 * One record per resident visit (the statistics' raw facts, see
 * shared/src/supervision.ts VisitRecord): opened when an agent answers,
 * a segment added per transfer, closed when the call ends; a resident who
 * leaves the queue before anyone answers is recorded as abandoned.
 * Kept in Redis (AOF) as JSON per visit plus an index by request time.
 */
import type { Redis } from 'ioredis';
import type { VisitRecord } from '@xiaowu/shared';

/** Visits are kept this long (the yearly report needs the previous year too). */
const VISIT_TTL_S = 800 * 86_400;

type OpenVisit = Omit<VisitRecord, 'endedAt' | 'outcome'>;

export class VisitLog {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = '{xw}:',
  ) {}

  private k(...p: string[]) {
    return this.prefix + p.join(':');
  }

  /** An agent answered: the visit is being served in `sessionId`. */
  async answered(sessionId: string, v: { visitId: string; boothId: string; matterId: string; departmentId: string; requestedAt: number; agentId: string }, now = Date.now()): Promise<void> {
    const open: OpenVisit = { visitId: v.visitId, boothId: v.boothId, matterId: v.matterId, departmentId: v.departmentId, requestedAt: v.requestedAt, answeredAt: now, sessionId, segments: [{ agentId: v.agentId, from: now, to: now }] };
    await this.redis.set(this.k('visit', 'open', sessionId), JSON.stringify(open), 'EX', 86_400);
  }

  /** A transfer was answered: the previous agent's segment ends, the next one's starts. */
  async transferred(sessionId: string, agentId: string, now = Date.now()): Promise<void> {
    const open = await this.open(sessionId);
    if (!open) return;
    open.segments.at(-1)!.to = now;
    open.segments.push({ agentId, from: now, to: now });
    await this.redis.set(this.k('visit', 'open', sessionId), JSON.stringify(open), 'EX', 86_400);
  }

  /** The call ended. */
  async ended(sessionId: string, now = Date.now()): Promise<VisitRecord | undefined> {
    const open = await this.open(sessionId);
    if (!open) return undefined;
    open.segments.at(-1)!.to = now;
    const visit: VisitRecord = { ...open, endedAt: now, outcome: 'served' };
    await this.save(visit);
    await this.redis.del(this.k('visit', 'open', sessionId));
    return visit;
  }

  /** The resident left the queue before anyone answered. */
  async abandoned(v: { visitId: string; boothId: string; matterId: string; departmentId: string; requestedAt: number }, now = Date.now()): Promise<VisitRecord> {
    const visit: VisitRecord = { ...v, endedAt: now, outcome: 'abandoned', segments: [] };
    await this.save(visit);
    return visit;
  }

  /** Visits requested in [from, to). */
  async range(from: number, to: number): Promise<VisitRecord[]> {
    const ids = await this.redis.zrangebyscore(this.k('visits'), from, `(${to}`);
    if (ids.length === 0) return [];
    const out: VisitRecord[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      const raws = await this.redis.mget(...ids.slice(i, i + 500).map((id) => this.k('visit', id)));
      for (const r of raws) if (r) out.push(JSON.parse(r) as VisitRecord);
    }
    return out;
  }

  private async open(sessionId: string): Promise<OpenVisit | undefined> {
    const raw = await this.redis.get(this.k('visit', 'open', sessionId));
    return raw ? (JSON.parse(raw) as OpenVisit) : undefined;
  }

  private async save(v: VisitRecord): Promise<void> {
    await this.redis
      .multi()
      .set(this.k('visit', v.visitId), JSON.stringify(v), 'EX', VISIT_TTL_S)
      .zadd(this.k('visits'), v.requestedAt, v.visitId)
      .zremrangebyscore(this.k('visits'), 0, v.endedAt - VISIT_TTL_S * 1000)
      .exec();
  }
}
