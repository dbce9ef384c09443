/**
 * Skill-based routing of residents' calls to agents, in Redis (see scripts.ts
 * for the atomic parts and the key layout).
 *
 * Fairness: longest-waiting first within a skill; an agent with several skills
 * takes the longest-waiting ticket across them; among available agents the
 * longest idle gets the next call. Priority residents (elderly, disabled:
 * 帮办代办) get a fixed head start instead of a separate lane, so nobody
 * starves: a resident can only be overtaken by priority residents who
 * arrived less than `priorityHeadStartMs` after them.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { AppError, ErrorCode, MANUAL_FROM_STATES, canTransition, type AgentState, type ManualAgentState, type SignVariant } from '@xiaowu/shared';
import { ACCEPT, DISPATCH_AGENT, DISPATCH_TICKET, FINISH, RELAX, REQUEUE, SET_STATE, WITHDRAW } from './scripts';

export type TicketState = 'waiting' | 'offered' | 'answered' | 'cancelled' | 'ended';

export interface TicketInput {
  boothId: string;
  boothName: string;
  matterId: string;
  matterName: string;
  skill: string;
  /** Agent tags the resident needs, e.g. 'lang:yue', 'sign'. */
  reqs: string[];
  priority: boolean;
  needsSign?: boolean;
  /** The sign language asked for (with needsSign, and on interpreter tickets). */
  signVariant?: SignVariant;
}

export interface Ticket extends TicketInput {
  ticketId: string;
  enqueuedAt: number;
  score: number;
  state: TicketState;
  agentId?: string;
  sessionId?: string;
  /** A transfer: the session to join, who handed on, and the note. */
  transfer?: { sessionId: string; fromAgentId: string; fromName: string; note: string };
  /** An interpreter wanted in a running session (the interpreter joins; nobody leaves). */
  joins?: { sessionId: string };
  /** The resident asked for sign language (手语服务): an interpreter is requested when the call starts. */
  needsSign?: boolean;
  /**
   * Looser requirements the ticket falls back to after its first offer round:
   * set when the ticket is re-queued (offer missed, declined, agent gone) or by relax().
   */
  thenReqs?: string[];
}

export interface AgentProfile {
  agentId: string;
  name: string;
  skills: string[];
  tags: string[];
}

export interface AgentStatus extends AgentProfile {
  state: AgentState;
  since: number;
  reason: string;
  ticketId?: string;
}

export type TimerEvent =
  | { kind: 'offer-missed'; ticketId: string; agentId: string; offeredTo?: string }
  | { kind: 'wrap-up-ended'; agentId: string; offered?: string };

export interface RouterOptions {
  prefix?: string;
  offerTimeoutMs?: number;
  wrapUpMs?: number;
  priorityHeadStartMs?: number;
}

const TICKET_TTL_S = 7 * 24 * 3600;

export class CallRouter {
  readonly prefix: string;
  readonly offerTimeoutMs: number;
  readonly wrapUpMs: number;
  readonly priorityHeadStartMs: number;

  constructor(
    private readonly redis: Redis,
    opts: RouterOptions = {},
  ) {
    this.prefix = opts.prefix ?? '{xw}:';
    this.offerTimeoutMs = opts.offerTimeoutMs ?? 20_000;
    this.wrapUpMs = opts.wrapUpMs ?? 30_000;
    this.priorityHeadStartMs = opts.priorityHeadStartMs ?? 120_000;
  }

  private key(...parts: string[]): string {
    return this.prefix + parts.join(':');
  }

  private run(script: string, ...args: Array<string | number>): Promise<unknown> {
    return this.redis.eval(script, 0, this.prefix, ...args);
  }

  /**
   * Puts a resident in the queue and offers the call at once if an agent is
   * free. A booth already waiting keeps its ticket and place (reconnects);
   * a booth in a call is refused.
   */
  async enqueue(input: TicketInput, now = Date.now()): Promise<{ ticket: Ticket; offeredTo?: string }> {
    const existing = await this.activeTicketOf(input.boothId);
    if (existing) {
      if (existing.state === 'answered') throw new AppError(ErrorCode.CallAlreadyActive, 'this booth is already in a call');
      return { ticket: existing };
    }
    const ticket: Ticket = {
      ...input,
      ticketId: randomUUID(),
      enqueuedAt: now,
      score: now - (input.priority ? this.priorityHeadStartMs : 0),
      state: 'waiting',
    };
    const ok = await this.redis.set(this.key('booth', input.boothId), ticket.ticketId, 'EX', TICKET_TTL_S, 'NX');
    if (ok !== 'OK') throw new AppError(ErrorCode.CallAlreadyActive, 'this booth already has a call');
    await this.redis
      .multi()
      .hset(this.key('t', ticket.ticketId), serialize(ticket))
      .expire(this.key('t', ticket.ticketId), TICKET_TTL_S)
      .zadd(this.key('q', ticket.skill), ticket.score, ticket.ticketId)
      .exec();
    const offeredTo = await this.dispatchTicket(ticket.ticketId, now);
    return { ticket: offeredTo ? { ...ticket, state: 'offered', agentId: offeredTo } : ticket, offeredTo };
  }

  /**
   * Queues a resident who is in a call for another agent or skill, keeping the
   * original place in line (they already waited). The booth's active ticket
   * becomes the new one; the old ticket ends when the next agent joins.
   */
  async enqueueTransfer(
    from: Ticket,
    target: { agentId: string; skill: string } | { skill: string },
    by: { agentId: string; name: string; note: string },
    now = Date.now(),
  ): Promise<{ ticket: Ticket; offeredTo?: string }> {
    if (from.state !== 'answered' || !from.sessionId) throw new AppError(ErrorCode.InvalidState, 'only a call in progress can be transferred');
    const ticket: Ticket = {
      ...from,
      ticketId: randomUUID(),
      skill: target.skill,
      reqs: 'agentId' in target ? [`agent:${target.agentId}`] : from.reqs,
      enqueuedAt: now,
      state: 'waiting',
      agentId: undefined,
      sessionId: undefined,
      transfer: { sessionId: from.sessionId, fromAgentId: by.agentId, fromName: by.name, note: by.note },
    };
    await this.redis
      .multi()
      .hset(this.key('t', ticket.ticketId), serialize(ticket))
      .expire(this.key('t', ticket.ticketId), TICKET_TTL_S)
      .zadd(this.key('q', ticket.skill), ticket.score, ticket.ticketId)
      .set(this.key('booth', ticket.boothId), ticket.ticketId, 'EX', TICKET_TTL_S)
      .exec();
    const offeredTo = await this.dispatchTicket(ticket.ticketId, now);
    return { ticket, offeredTo };
  }

  /**
   * Asks the interpreter pool (skill `skill`) to join a running session; does not touch the booth's own ticket.
   * `opts.thenReqs`: what the ticket falls back to after its first offer round (see relax()).
   */
  async enqueueJoin(
    from: Pick<Ticket, 'boothId' | 'boothName' | 'matterId' | 'matterName'>,
    sessionId: string,
    skill: string,
    reqs: string[],
    now = Date.now(),
    opts: { thenReqs?: string[]; signVariant?: SignVariant } = {},
  ): Promise<{ ticket: Ticket; offeredTo?: string }> {
    const ticket: Ticket = {
      ...from,
      ticketId: randomUUID(),
      skill,
      reqs,
      ...(opts.thenReqs ? { thenReqs: opts.thenReqs } : {}),
      ...(opts.signVariant ? { signVariant: opts.signVariant } : {}),
      priority: true,
      enqueuedAt: now,
      score: now - this.priorityHeadStartMs,
      state: 'waiting',
      joins: { sessionId },
    };
    await this.redis
      .multi()
      .hset(this.key('t', ticket.ticketId), serialize(ticket))
      .expire(this.key('t', ticket.ticketId), TICKET_TTL_S)
      .zadd(this.key('q', skill), ticket.score, ticket.ticketId)
      .exec();
    return { ticket, offeredTo: await this.dispatchTicket(ticket.ticketId, now) };
  }

  /**
   * A waiting ticket with fallback requirements (thenReqs) takes them now and
   * is dispatched again; returns the agent it was then offered to, if any.
   */
  async relax(ticketId: string, now = Date.now()): Promise<string | undefined> {
    const changed = await this.run(RELAX, ticketId);
    return changed === 1 ? this.dispatchTicket(ticketId, now) : undefined;
  }

  async dispatchTicket(ticketId: string, now = Date.now()): Promise<string | undefined> {
    const aid = await this.run(DISPATCH_TICKET, ticketId, now, now + this.offerTimeoutMs);
    return typeof aid === 'string' ? aid : undefined;
  }

  async dispatchAgent(agentId: string, now = Date.now()): Promise<string | undefined> {
    const tid = await this.run(DISPATCH_AGENT, agentId, now, now + this.offerTimeoutMs);
    return typeof tid === 'string' ? tid : undefined;
  }

  /** The agent takes the call offered to it. */
  async accept(ticketId: string, agentId: string, sessionId: string, now = Date.now()): Promise<Ticket> {
    const ok = await this.run(ACCEPT, ticketId, agentId, now, sessionId);
    if (ok !== 1) throw new AppError(ErrorCode.CallUnavailable, 'this call is not (or no longer) offered to you');
    return (await this.ticket(ticketId))!;
  }

  /**
   * Takes an offered (or just answered) call back from an agent and re-queues
   * it at its original place; the agent goes to `agentState`. Returns the
   * agent the call was then offered to, if any. A ticket with fallback
   * requirements (thenReqs) takes them now: its first offer round is over.
   */
  async requeue(ticketId: string, agentId: string, agentState: 'away' | 'available', reason: string, now = Date.now()): Promise<{ requeued: boolean; offeredTo?: string }> {
    const ok = await this.run(REQUEUE, ticketId, agentId, now, agentState, reason);
    if (ok !== 1) return { requeued: false };
    return { requeued: true, offeredTo: await this.dispatchTicket(ticketId, now) };
  }

  /**
   * The booth leaves the queue. An agent it was ringing becomes available and
   * is at once offered the next resident it can serve (`offered`).
   */
  async withdraw(ticketId: string, boothId: string, now = Date.now()): Promise<{ wasOfferedTo?: string; offered?: string }> {
    const res = String(await this.run(WITHDRAW, ticketId, boothId, now));
    if (res === 'gone') throw new AppError(ErrorCode.NotFound, `no call ${ticketId} for this booth`);
    if (res === 'answered') throw new AppError(ErrorCode.CallUnavailable, 'the call was already answered');
    if (!res.startsWith('offered:')) return {};
    const wasOfferedTo = res.slice('offered:'.length);
    return { wasOfferedTo, offered: await this.dispatchAgent(wasOfferedTo, now) };
  }

  /** The call ended: the agent goes to wrap-up (话后处理) for `wrapUpMs`. */
  async finish(ticketId: string, now = Date.now()): Promise<string | undefined> {
    const aid = await this.run(FINISH, ticketId, now, now + this.wrapUpMs);
    return typeof aid === 'string' ? aid : undefined;
  }

  /** Creates or updates an agent's profile; a new agent starts offline. */
  async registerAgent(profile: AgentProfile): Promise<void> {
    const k = this.key('a', profile.agentId);
    await this.redis
      .multi()
      // 'agent:<id>' lets a transfer name one agent through the same tag matching.
      .hset(k, { agentId: profile.agentId, name: profile.name, skills: JSON.stringify(profile.skills), tags: JSON.stringify([...profile.tags, `agent:${profile.agentId}`]) })
      .hsetnx(k, 'state', 'offline')
      .hsetnx(k, 'since', String(Date.now()))
      .sadd(this.key('agents'), profile.agentId)
      .exec();
  }

  /**
   * A state change by the agent (or on its behalf: offline at disconnect),
   * checked against the transition table. Becoming available dispatches.
   */
  async setAgentState(agentId: string, to: ManualAgentState | 'offline', reason = '', now = Date.now()): Promise<{ from: AgentState; offered?: string }> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const status = await this.agent(agentId);
      if (!status) throw new AppError(ErrorCode.NotFound, `unknown agent ${agentId}`);
      if (status.state === to) return { from: to };
      if (!MANUAL_FROM_STATES.includes(status.state) || !canTransition(status.state, to)) {
        throw new AppError(ErrorCode.InvalidState, `an agent cannot go from ${status.state} to ${to}`);
      }
      const ok = await this.run(SET_STATE, agentId, status.state, to, now, reason);
      if (ok === 1) return { from: status.state, offered: to === 'available' ? await this.dispatchAgent(agentId, now) : undefined };
    }
    throw new AppError(ErrorCode.InvalidState, 'agent state changed concurrently; try again');
  }

  /** Offers not answered in time and wrap-ups that ran out; safe to run on every node. */
  async expireTimers(now = Date.now()): Promise<TimerEvent[]> {
    const due = await this.redis.zrangebyscore(this.key('timers'), 0, now, 'LIMIT', 0, 100);
    const events: TimerEvent[] = [];
    for (const member of due) {
      const [kind, id] = [member.slice(0, member.indexOf(':')), member.slice(member.indexOf(':') + 1)];
      if (kind === 'offer') {
        const t = await this.ticket(id);
        if (t?.state === 'offered' && t.agentId) {
          const { requeued, offeredTo } = await this.requeue(id, t.agentId, 'away', 'missed-offer', now);
          if (requeued) events.push({ kind: 'offer-missed', ticketId: id, agentId: t.agentId, offeredTo });
        } else await this.redis.zrem(this.key('timers'), member);
      } else if (kind === 'wrap') {
        const ok = await this.run(SET_STATE, id, 'wrap-up', 'available', now, 'wrap-up-timeout');
        await this.redis.zrem(this.key('timers'), member);
        if (ok === 1) events.push({ kind: 'wrap-up-ended', agentId: id, offered: await this.dispatchAgent(id, now) });
      }
    }
    return events;
  }

  async ticket(ticketId: string): Promise<Ticket | undefined> {
    const h = await this.redis.hgetall(this.key('t', ticketId));
    return h.ticketId ? deserialize(h) : undefined;
  }

  async activeTicketOf(boothId: string): Promise<Ticket | undefined> {
    const tid = await this.redis.get(this.key('booth', boothId));
    if (!tid) return undefined;
    const t = await this.ticket(tid);
    if (!t || t.state === 'cancelled' || t.state === 'ended') {
      await this.redis.del(this.key('booth', boothId));
      return undefined;
    }
    return t;
  }

  async agent(agentId: string): Promise<AgentStatus | undefined> {
    const h = await this.redis.hgetall(this.key('a', agentId));
    if (!h.agentId) return undefined;
    return {
      agentId: h.agentId,
      name: h.name ?? h.agentId,
      skills: JSON.parse(h.skills ?? '[]'),
      tags: JSON.parse(h.tags ?? '[]'),
      state: (h.state ?? 'offline') as AgentState,
      since: Number(h.since ?? 0),
      reason: h.reason ?? '',
      ticketId: h.ticket || undefined,
    };
  }

  async agents(): Promise<AgentStatus[]> {
    const ids = await this.redis.smembers(this.key('agents'));
    const all = await Promise.all(ids.map((id) => this.agent(id)));
    return all.filter((a): a is AgentStatus => !!a);
  }

  /** 1-based place among the tickets of the same skill, 0 when not waiting. */
  async position(ticket: Pick<Ticket, 'ticketId' | 'skill'>): Promise<number> {
    const rank = await this.redis.zrank(this.key('q', ticket.skill), ticket.ticketId);
    return rank === null ? 0 : rank + 1;
  }

  /** Waiting tickets of a skill, best first. */
  async waiting(skill: string, limit = 100): Promise<Ticket[]> {
    const ids = await this.redis.zrange(this.key('q', skill), 0, limit - 1);
    const ts = await Promise.all(ids.map((id) => this.ticket(id)));
    return ts.filter((t): t is Ticket => !!t);
  }

  /** Skills that have a queue key (waiting tickets). */
  async activeSkills(): Promise<string[]> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.redis.scan(cursor, 'MATCH', `${this.key('q')}:*`, 'COUNT', 500);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    return keys.map((k) => k.slice(this.key('q').length + 1));
  }

  /** Average handling time per skill (exponential moving average, seconds). */
  async averageHandlingSeconds(skill: string): Promise<number> {
    const v = await this.redis.get(this.key('aht', skill));
    return v ? Number(v) : 240;
  }

  async recordHandlingTime(skill: string, seconds: number): Promise<void> {
    const prev = await this.averageHandlingSeconds(skill);
    await this.redis.set(this.key('aht', skill), String(Math.round(prev * 0.8 + seconds * 0.2)));
  }
}

function serialize(t: Ticket): Record<string, string> {
  return {
    ticketId: t.ticketId,
    boothId: t.boothId,
    boothName: t.boothName,
    matterId: t.matterId,
    matterName: t.matterName,
    skill: t.skill,
    reqs: JSON.stringify(t.reqs),
    priority: t.priority ? '1' : '0',
    enqueuedAt: String(t.enqueuedAt),
    score: String(t.score),
    state: t.state,
    transfer: t.transfer ? JSON.stringify(t.transfer) : '',
    joins: t.joins ? JSON.stringify(t.joins) : '',
    needsSign: t.needsSign ? '1' : '',
    signVariant: t.signVariant ?? '',
    thenReqs: t.thenReqs ? JSON.stringify(t.thenReqs) : '',
  };
}

function deserialize(h: Record<string, string>): Ticket {
  return {
    ticketId: h.ticketId!,
    boothId: h.boothId!,
    boothName: h.boothName!,
    matterId: h.matterId!,
    matterName: h.matterName!,
    skill: h.skill!,
    reqs: JSON.parse(h.reqs ?? '[]'),
    priority: h.priority === '1',
    enqueuedAt: Number(h.enqueuedAt),
    score: Number(h.score),
    state: h.state as TicketState,
    agentId: h.agentId || undefined,
    sessionId: h.sessionId || undefined,
    transfer: h.transfer ? JSON.parse(h.transfer) : undefined,
    joins: h.joins ? JSON.parse(h.joins) : undefined,
    needsSign: h.needsSign === '1',
    signVariant: (h.signVariant || undefined) as SignVariant | undefined,
    thenReqs: h.thenReqs ? JSON.parse(h.thenReqs) : undefined,
  };
}
