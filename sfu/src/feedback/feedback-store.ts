/**
 * 好差评 and 办不成事, as the published provincial rules run them:
 * - five levels (非常满意 … 非常不满意), one rating per session, tied to the
 *   session, the call, the agent (and interpreters) and the matter;
 * - 不满意 and 非常不满意 are 差评: each opens a follow-up for a supervisor
 *   (回访 + 整改) due within 15 working days; overdue ones are listed as such;
 * - 一事多评: a matter is rated per stage — `service` when the call ends
 *   (收件 and 受理 happen in the call) and `completion` when its case is
 *   办结 — each rating tied to its stage;
 * - 智能邀评: each stage left unrated stays ratable for 3 days with a 6-digit
 *   code the resident can use at any booth (shown on the end screen, and on
 *   the progress lookup of a completed case), then closes as not rated;
 * - 办不成事 reports need no call (booth button or the QR code on a phone) and
 *   reach the supervisors' list with a deadline.
 */
import { randomInt, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { AppError, ErrorCode, type LiveFollowUp } from '@xiaowu/shared';
import { addWorkingDays } from '../cases/case-model';

export const RATING_LEVELS = { 5: '非常满意', 4: '满意', 3: '基本满意', 2: '不满意', 1: '非常不满意' } as const;
export type RatingLevel = keyof typeof RATING_LEVELS;
export const RATABLE_DAYS = 3;
export const RATING_STAGES = ['service', 'completion'] as const;
export type RatingStage = (typeof RATING_STAGES)[number];
/** Wrong invite codes a booth may try per 10 minutes (10^6 codes, 3 days: guessing stays hopeless). */
const CODE_GUESSES = 10;
export const FOLLOW_UP_WORKING_DAYS = 15;
export const REPORT_WORKING_DAYS = 5;

export interface Ratable {
  sessionId: string;
  callId: string;
  boothId: string;
  agentId: string;
  interpreterIds: string[];
  matterId: string;
  /** The stage's time: the end of the call, or the case's completion. */
  endedAt: number;
  /** Absent on records written before stages existed: 'service'. */
  stage?: RatingStage;
  caseNo?: string;
  /** 智能邀评 code (6 digits) while the stage is ratable. */
  code?: string;
  expiresAt?: number;
}

export interface Rating extends Ratable {
  ratingId: string;
  level: RatingLevel;
  label: string;
  reasons: string[];
  comment: string;
  at: number;
}

/** A follow-up as stored (the dashboard's LiveFollowUp adds `overdue`). */
export type FollowUp = Omit<LiveFollowUp, 'overdue'>;

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

  /** Stage `service` keeps the historical keys (the session id); `completion` adds a suffix. */
  private ref(sessionId: string, stage: RatingStage): string {
    return stage === 'service' ? sessionId : `${sessionId}:completion`;
  }

  /** A session ended: its service can be rated for RATABLE_DAYS, at the booth now or with the code later. */
  async sessionEnded(r: Ratable, now = Date.now()): Promise<Ratable> {
    return this.openStage({ ...r, stage: 'service' }, now);
  }

  /** A case served in a session was completed (办结): the completion can be rated, with its own code. */
  async caseCompleted(r: Ratable & { caseNo: string }, now = Date.now()): Promise<Ratable> {
    return this.openStage({ ...r, stage: 'completion' }, now);
  }

  private async openStage(r: Ratable & { stage: RatingStage }, now: number): Promise<Ratable> {
    const ref = this.ref(r.sessionId, r.stage);
    const existing = await this.redis.get(this.k('ratable', ref));
    if (existing) return JSON.parse(existing) as Ratable;
    const ttl = RATABLE_DAYS * 86_400;
    for (let i = 0; i < 20; i++) {
      const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
      if ((await this.redis.set(this.k('rate-code', code), ref, 'EX', ttl, 'NX')) !== 'OK') continue;
      const ratable: Ratable = { ...r, code, expiresAt: now + ttl * 1000 };
      if ((await this.redis.set(this.k('ratable', ref), JSON.stringify(ratable), 'EX', ttl, 'NX')) === 'OK') return ratable;
      await this.redis.del(this.k('rate-code', code)); // another node opened it meanwhile
      return JSON.parse((await this.redis.get(this.k('ratable', ref)))!) as Ratable;
    }
    throw new AppError(ErrorCode.Internal, 'no free invite code');
  }

  async ratable(sessionId: string, stage: RatingStage = 'service'): Promise<Ratable | undefined> {
    const raw = await this.redis.get(this.k('ratable', this.ref(sessionId, stage)));
    return raw ? (JSON.parse(raw) as Ratable) : undefined;
  }

  /**
   * What an invite code opens (any booth may use it: the code is the resident's).
   * Wrong codes count against the booth (CODE_GUESSES per 10 minutes).
   */
  async byCode(boothId: string, code: string): Promise<Ratable> {
    const rl = this.k('rl', 'rate-code', boothId);
    if (Number(await this.redis.get(rl)) >= CODE_GUESSES) throw new AppError(ErrorCode.RateLimited, 'too many wrong codes; try again in 10 minutes');
    const ref = /^\d{6}$/.test(code) ? await this.redis.get(this.k('rate-code', code)) : null;
    const raw = ref ? await this.redis.get(this.k('ratable', ref)) : null;
    if (!raw) {
      await this.redis.multi().incr(rl).expire(rl, 600).exec();
      throw new AppError(ErrorCode.NotFound, 'no rating with this code (wrong, already used, or older than 3 days)');
    }
    return JSON.parse(raw) as Ratable;
  }

  /**
   * Rates a stage once. By session id: only the booth that had the session;
   * by invite code: any booth (the resident carries the code).
   */
  async rate(
    boothId: string,
    target: { sessionId: string; stage?: RatingStage } | { code: string },
    level: RatingLevel,
    reasons: string[],
    comment: string,
    now = Date.now(),
  ): Promise<Rating> {
    let ratable: Ratable | undefined;
    if ('code' in target) {
      ratable = await this.byCode(boothId, target.code);
    } else {
      const stage = target.stage ?? 'service';
      const done = await this.rating(this.ref(target.sessionId, stage));
      if (done && done.boothId === boothId) throw new AppError(ErrorCode.InvalidState, 'this session was already rated');
      ratable = await this.ratable(target.sessionId, stage);
      if (!ratable || ratable.boothId !== boothId) throw new AppError(ErrorCode.NotFound, 'no session to rate (unknown, not yours, or older than 3 days)');
    }
    const stage = ratable.stage ?? 'service';
    const ref = this.ref(ratable.sessionId, stage);
    const { code, expiresAt: _e, ...facts } = ratable;
    const rating: Rating = { ...facts, stage, ratingId: randomUUID(), level, label: RATING_LEVELS[level], reasons, comment, at: now };
    const first = await this.redis.set(this.k('rating', ref), JSON.stringify(rating), 'NX');
    if (first !== 'OK') throw new AppError(ErrorCode.InvalidState, 'this session was already rated');
    const tx = this.redis.multi().del(this.k('ratable', ref)).zadd(this.k('ratings'), now, ref).zadd(this.k('ratings', 'agent', ratable.agentId), now, ref);
    if (code) tx.del(this.k('rate-code', code));
    await tx.exec();
    if (level <= 2) {
      const what = stage === 'completion' ? `办结评价${rating.label}` : rating.label;
      await this.openFollowUp('bad-rating', ratable.sessionId, `${what}：${comment || reasons.join('、') || '未填写原因'}`, addWorkingDays(now, FOLLOW_UP_WORKING_DAYS), now);
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
