/**
 * 好差评 and 办不成事, as the published provincial rules run them:
 * - five levels (非常满意 … 非常不满意), one rating per session, tied to the
 *   session, the call, the agent (and interpreters) and the matter;
 * - 不满意 and 非常不满意 are 差评: each opens a follow-up for a supervisor
 *   (回访 + 整改) due within 15 working days; overdue ones are listed as such;
 * - a session left unrated stays ratable for 3 days (智能邀评: the booth shows a
 *   code to rate later), then closes as not rated;
 * - 办不成事 reports need no call (booth button or the QR code on a phone) and
 *   reach the supervisors' list with a deadline.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { AppError, ErrorCode } from '@xiaowu/shared';
import { addWorkingDays } from '../cases/case-model';

export const RATING_LEVELS = { 5: '非常满意', 4: '满意', 3: '基本满意', 2: '不满意', 1: '非常不满意' } as const;
export type RatingLevel = keyof typeof RATING_LEVELS;
export const RATABLE_DAYS = 3;
export const FOLLOW_UP_WORKING_DAYS = 15;
export const REPORT_WORKING_DAYS = 5;

export interface Ratable {
  sessionId: string;
  callId: string;
  boothId: string;
  agentId: string;
  interpreterIds: string[];
  matterId: string;
  endedAt: number;
}

export interface Rating extends Ratable {
  ratingId: string;
  level: RatingLevel;
  label: string;
  reasons: string[];
  comment: string;
  at: number;
}

export interface FollowUp {
  id: string;
  kind: 'bad-rating' | 'cant-get-done';
  ref: string;
  summary: string;
  createdAt: number;
  dueAt: number;
  state: 'open' | 'resolved';
  calledBack?: boolean;
  resolution?: string;
  resolvedBy?: string;
  resolvedAt?: number;
}

export class FeedbackStore {
  /** A rating, report or follow-up was saved (the supervisors' dashboard is told). */
  onChange: () => void = () => undefined;

  constructor(
    private readonly redis: Redis,
    private readonly prefix = '{xw}:',
  ) {}

  private k(...p: string[]) {
    return this.prefix + p.join(':');
  }

  /** A session ended: it can be rated for RATABLE_DAYS. */
  async sessionEnded(r: Ratable): Promise<void> {
    await this.redis.set(this.k('ratable', r.sessionId), JSON.stringify(r), 'EX', RATABLE_DAYS * 86_400, 'NX');
  }

  async ratable(sessionId: string): Promise<Ratable | undefined> {
    const raw = await this.redis.get(this.k('ratable', sessionId));
    return raw ? (JSON.parse(raw) as Ratable) : undefined;
  }

  /** Rates a session once; only the booth that had the session may rate it. */
  async rate(boothId: string, sessionId: string, level: RatingLevel, reasons: string[], comment: string, now = Date.now()): Promise<Rating> {
    const done = await this.rating(sessionId);
    if (done && done.boothId === boothId) throw new AppError(ErrorCode.InvalidState, 'this session was already rated');
    const raw = await this.redis.get(this.k('ratable', sessionId));
    const ratable = raw ? (JSON.parse(raw) as Ratable) : undefined;
    if (!ratable || ratable.boothId !== boothId) throw new AppError(ErrorCode.NotFound, 'no session to rate (unknown, not yours, or older than 3 days)');
    const rating: Rating = { ...ratable, ratingId: randomUUID(), level, label: RATING_LEVELS[level], reasons, comment, at: now };
    const first = await this.redis.set(this.k('rating', sessionId), JSON.stringify(rating), 'NX');
    if (first !== 'OK') throw new AppError(ErrorCode.InvalidState, 'this session was already rated');
    await this.redis
      .multi()
      .del(this.k('ratable', sessionId))
      .zadd(this.k('ratings'), now, sessionId)
      .zadd(this.k('ratings', 'agent', ratable.agentId), now, sessionId)
      .exec();
    if (level <= 2) {
      await this.openFollowUp('bad-rating', sessionId, `${rating.label}：${comment || reasons.join('、') || '未填写原因'}`, addWorkingDays(now, FOLLOW_UP_WORKING_DAYS), now);
    }
    this.onChange();
    return rating;
  }

  async rating(sessionId: string): Promise<Rating | undefined> {
    const raw = await this.redis.get(this.k('rating', sessionId));
    return raw ? (JSON.parse(raw) as Rating) : undefined;
  }

  /** The newest ratings first. */
  async latestRatings(n: number): Promise<Rating[]> {
    const ids = await this.redis.zrevrange(this.k('ratings'), 0, n - 1);
    return (await Promise.all(ids.map((id) => this.rating(id)))).filter((r): r is Rating => !!r);
  }

  async ratings(from: number, to: number): Promise<Rating[]> {
    const ids = await this.redis.zrangebyscore(this.k('ratings'), from, to);
    return (await Promise.all(ids.map((id) => this.rating(id)))).filter((r): r is Rating => !!r);
  }

  /** 办不成事: no call needed; a supervisor follows it up within 5 working days. */
  async reportCantGetDone(input: { boothId?: string; what: string; why: string; contact?: string }, now = Date.now()): Promise<FollowUp> {
    const ref = randomUUID();
    await this.redis.set(this.k('cgd', ref), JSON.stringify({ ...input, at: now }));
    return this.openFollowUp('cant-get-done', ref, `办不成事：${input.what}——${input.why}`, addWorkingDays(now, REPORT_WORKING_DAYS), now);
  }

  async followUps(now = Date.now()): Promise<Array<FollowUp & { overdue: boolean }>> {
    const ids = await this.redis.zrange(this.k('followups'), 0, -1);
    const all = await Promise.all(ids.map(async (id) => JSON.parse((await this.redis.get(this.k('followup', id)))!) as FollowUp));
    return all.map((f) => ({ ...f, overdue: f.state === 'open' && now > f.dueAt }));
  }

  async resolve(id: string, by: string, resolution: string, calledBack: boolean, now = Date.now()): Promise<FollowUp> {
    const raw = await this.redis.get(this.k('followup', id));
    if (!raw) throw new AppError(ErrorCode.NotFound, 'no such follow-up');
    const f = JSON.parse(raw) as FollowUp;
    if (f.state === 'resolved') throw new AppError(ErrorCode.InvalidState, 'already resolved');
    if (f.kind === 'bad-rating' && !calledBack) throw new AppError(ErrorCode.InvalidState, 'a bad rating is resolved only after calling the resident back (回访)');
    const done: FollowUp = { ...f, state: 'resolved', calledBack, resolution, resolvedBy: by, resolvedAt: now };
    await this.redis.set(this.k('followup', id), JSON.stringify(done));
    this.onChange();
    return done;
  }

  private async openFollowUp(kind: FollowUp['kind'], ref: string, summary: string, dueAt: number, now: number): Promise<FollowUp> {
    const f: FollowUp = { id: randomUUID(), kind, ref, summary: summary.slice(0, 300), createdAt: now, dueAt, state: 'open' };
    await this.redis.multi().set(this.k('followup', f.id), JSON.stringify(f)).zadd(this.k('followups'), dueAt, f.id).exec();
    this.onChange();
    return f;
  }
}
