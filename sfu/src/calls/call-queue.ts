/**
 * The waiting calls, in Redis so several sfu processes share one queue.
 * A single implicit queue for now (skills and routing come with issue 3):
 * a sorted set scored by the time the resident pressed "call", longest
 * waiting first, and one hash per call. Answering is an atomic claim (Lua),
 * so two agents, even on two nodes, can never take the same resident.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { AppError, ErrorCode, type WaitingCall } from '@xiaowu/shared';

export type CallState = 'waiting' | 'answered' | 'cancelled' | 'ended';

export interface CallRecord extends WaitingCall {
  state: CallState;
  agentId?: string;
  sessionId?: string;
}

const CLAIM = `
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[2], 'state', 'answered', 'agentId', ARGV[2], 'sessionId', ARGV[3])
redis.call('SET', KEYS[3], ARGV[1], 'EX', ARGV[4])
return 1`;

/** How long a booth's "active call" marker outlives silence (a crashed node must not block a booth for ever). */
const ACTIVE_TTL_S = 4 * 3600;

export class CallQueue {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'xw:',
  ) {}

  private k = {
    waiting: () => `${this.prefix}calls:waiting`,
    call: (id: string) => `${this.prefix}call:${id}`,
    booth: (boothId: string) => `${this.prefix}booth:${boothId}:call`,
  };

  /**
   * Puts a booth in the queue. Idempotent for a booth already waiting (a
   * reconnecting booth keeps its place); refused while it is in a call.
   */
  async enqueue(boothId: string, boothName: string, now = Date.now()): Promise<{ call: CallRecord; position: number }> {
    const existing = await this.activeCallOf(boothId);
    if (existing?.state === 'waiting') return { call: existing, position: await this.position(existing.callId) };
    if (existing?.state === 'answered') throw new AppError(ErrorCode.CallAlreadyActive, 'this booth is already in a call');

    const call: CallRecord = { callId: randomUUID(), boothId, boothName, waitingSince: now, state: 'waiting' };
    const ok = await this.redis.set(this.k.booth(boothId), call.callId, 'EX', ACTIVE_TTL_S, 'NX');
    if (ok !== 'OK') throw new AppError(ErrorCode.CallAlreadyActive, 'this booth already has a call');
    await this.redis
      .multi()
      .hset(this.k.call(call.callId), { ...call, waitingSince: String(now) })
      .expire(this.k.call(call.callId), 7 * 24 * 3600)
      .zadd(this.k.waiting(), now, call.callId)
      .exec();
    return { call, position: await this.position(call.callId) };
  }

  /** The booth's waiting or answered call, if any. */
  async activeCallOf(boothId: string): Promise<CallRecord | undefined> {
    const callId = await this.redis.get(this.k.booth(boothId));
    if (!callId) return undefined;
    const call = await this.get(callId);
    if (!call || (call.state !== 'waiting' && call.state !== 'answered')) {
      await this.redis.del(this.k.booth(boothId));
      return undefined;
    }
    return call;
  }

  async get(callId: string): Promise<CallRecord | undefined> {
    const h = await this.redis.hgetall(this.k.call(callId));
    if (!h.callId) return undefined;
    return {
      callId: h.callId,
      boothId: h.boothId!,
      boothName: h.boothName!,
      waitingSince: Number(h.waitingSince),
      state: h.state as CallState,
      agentId: h.agentId || undefined,
      sessionId: h.sessionId || undefined,
    };
  }

  /** 1-based place in the queue, or 0 when the call no longer waits. */
  async position(callId: string): Promise<number> {
    const rank = await this.redis.zrank(this.k.waiting(), callId);
    return rank === null ? 0 : rank + 1;
  }

  /** Waiting calls, longest waiting first. */
  async waiting(limit = 100): Promise<CallRecord[]> {
    const ids = await this.redis.zrange(this.k.waiting(), 0, limit - 1);
    const calls = await Promise.all(ids.map((id) => this.get(id)));
    return calls.filter((c): c is CallRecord => !!c);
  }

  /** Atomically gives a waiting call to one agent. */
  async claim(callId: string, agentId: string, sessionId: string): Promise<CallRecord> {
    const call = await this.get(callId);
    if (!call) throw new AppError(ErrorCode.CallUnavailable, 'no such call');
    const won = await this.redis.eval(CLAIM, 3, this.k.waiting(), this.k.call(callId), this.k.booth(call.boothId), callId, agentId, sessionId, ACTIVE_TTL_S);
    if (won !== 1) throw new AppError(ErrorCode.CallUnavailable, 'the call was answered by someone else or cancelled');
    return { ...call, state: 'answered', agentId, sessionId };
  }

  /** Puts a claimed call back at its original place (the session could not be set up). */
  async unclaim(call: CallRecord): Promise<void> {
    await this.redis
      .multi()
      .hset(this.k.call(call.callId), 'state', 'waiting', 'agentId', '', 'sessionId', '')
      .zadd(this.k.waiting(), call.waitingSince, call.callId)
      .exec();
  }

  /** The booth leaves the queue. Returns false when the call was not waiting (already answered). */
  async cancel(callId: string, boothId: string): Promise<boolean> {
    const call = await this.get(callId);
    if (!call || call.boothId !== boothId) throw new AppError(ErrorCode.NotFound, `no call ${callId} for this booth`);
    const removed = await this.redis.zrem(this.k.waiting(), callId);
    if (removed === 0) return false;
    await this.finish(call, 'cancelled');
    return true;
  }

  async finish(call: Pick<CallRecord, 'callId' | 'boothId'>, state: 'cancelled' | 'ended'): Promise<void> {
    await this.redis
      .multi()
      .zrem(this.k.waiting(), call.callId)
      .hset(this.k.call(call.callId), 'state', state, 'endedAt', String(Date.now()))
      .eval(
        // Clear the booth's marker only if it still points at this call.
        `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`,
        1,
        this.k.booth(call.boothId),
        call.callId,
      )
      .exec();
  }
}
