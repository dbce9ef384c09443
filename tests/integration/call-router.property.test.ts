/**
 * Property test (fast-check) over random arrival, departure and agent
 * sequences on a real Redis: no resident is ever lost or served twice, no
 * agent holds two residents, and no free agent is left idle beside a
 * resident it could serve.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ErrorCode } from '@xiaowu/shared';
import { CallRouter, type Ticket } from '../../sfu/src/queue/call-router';
import { startTestRedis } from '../support/redis';

const SKILLS = ['shebao', 'yibao'] as const;
const AGENTS = [
  { agentId: 'a0', skills: ['shebao'], tags: [] },
  { agentId: 'a1', skills: ['shebao', 'yibao'], tags: ['sign'] },
  { agentId: 'a2', skills: ['yibao'], tags: [] },
];

type Op =
  | { op: 'arrive'; booth: number; skill: number; priority: boolean; sign: boolean }
  | { op: 'leave'; booth: number }
  | { op: 'available' | 'away'; agent: number }
  | { op: 'answer' | 'decline' | 'finish'; agent: number }
  | { op: 'tick'; ms: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('arrive' as const), booth: fc.nat(7), skill: fc.nat(1), priority: fc.boolean(), sign: fc.boolean() }),
  fc.record({ op: fc.constant('leave' as const), booth: fc.nat(7) }),
  fc.record({ op: fc.constantFrom('available' as const, 'away' as const, 'answer' as const, 'decline' as const, 'finish' as const), agent: fc.nat(2) }),
  fc.record({ op: fc.constant('tick' as const), ms: fc.integer({ min: 100, max: 3000 }) }),
);

describe('CallRouter properties', () => {
  let env: Awaited<ReturnType<typeof startTestRedis>>;
  beforeAll(async () => {
    env = await startTestRedis();
  });
  afterAll(async () => env.close());

  it('never loses or double-serves a resident over random sequences', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 60 }), async (ops) => {
        await env.redis.flushall();
        const r = new CallRouter(env.redis, { offerTimeoutMs: 1000, wrapUpMs: 1500, priorityHeadStartMs: 5000 });
        for (const a of AGENTS) await r.registerAgent({ ...a, name: a.agentId });
        let now = 1_000_000;
        const tickets = new Set<string>();
        const answered = new Map<string, number>();
        for (const o of ops) {
          now += 10;
          try {
            switch (o.op) {
              case 'arrive': {
                // A booth already in a call is refused (CALL_ALREADY_ACTIVE); that is part of the model.
                const res = await r
                  .enqueue({ boothId: `b${o.booth}`, boothName: 'b', matterId: 'm', matterName: 'm', skill: SKILLS[o.skill]!, reqs: o.sign ? ['sign'] : [], priority: o.priority }, now)
                  .catch((err: { code?: string }) => {
                    if (err.code === ErrorCode.CallAlreadyActive) return undefined;
                    throw err;
                  });
                if (res) tickets.add(res.ticket.ticketId);
                break;
              }
              case 'leave': {
                const t = await r.activeTicketOf(`b${o.booth}`);
                if (t) await r.withdraw(t.ticketId, `b${o.booth}`, now).catch(() => undefined);
                break;
              }
              case 'available':
              case 'away':
                await r.setAgentState(AGENTS[o.agent]!.agentId, o.op, '', now).catch(() => undefined);
                break;
              case 'answer': {
                const a = await r.agent(AGENTS[o.agent]!.agentId);
                if (a?.state === 'offered' && a.ticketId) {
                  await r.accept(a.ticketId, a.agentId, `s-${a.ticketId}`, now);
                  answered.set(a.ticketId, (answered.get(a.ticketId) ?? 0) + 1);
                }
                break;
              }
              case 'decline': {
                const a = await r.agent(AGENTS[o.agent]!.agentId);
                if (a?.state === 'offered' && a.ticketId) await r.requeue(a.ticketId, a.agentId, 'away', 'declined', now);
                break;
              }
              case 'finish': {
                const a = await r.agent(AGENTS[o.agent]!.agentId);
                if (a?.state === 'in-call' && a.ticketId) await r.finish(a.ticketId, now);
                break;
              }
              case 'tick':
                now += o.ms;
                await r.expireTimers(now);
                break;
            }
          } catch (err) {
            throw new Error(`${JSON.stringify(o)}: ${(err as Error).message}`);
          }
          await checkInvariants(r, tickets, answered);
        }
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 100), ...(process.env.FC_SEED ? { seed: Number(process.env.FC_SEED) } : {}) },
    );
  }, 120_000);
});

async function checkInvariants(r: CallRouter, ids: Set<string>, answered: Map<string, number>): Promise<void> {
  const tickets = new Map<string, Ticket>();
  for (const id of ids) {
    const t = await r.ticket(id);
    expect(t, `ticket ${id} lost`).toBeDefined();
    tickets.set(id, t!);
  }
  const queued = new Map<string, string>();
  for (const skill of SKILLS) for (const t of await r.waiting(skill, 1000)) queued.set(t.ticketId, skill);
  const agents = await r.agents();
  for (const t of tickets.values()) {
    // A waiting ticket is in its queue, and only a waiting one is.
    expect(queued.has(t.ticketId), `ticket ${t.ticketId} ${t.state} vs queue`).toBe(t.state === 'waiting');
    if (t.state === 'offered' || (t.state === 'answered' && agents.some((a) => a.ticketId === t.ticketId))) {
      const holders = agents.filter((a) => a.ticketId === t.ticketId);
      expect(holders.map((a) => a.agentId)).toEqual([t.agentId]);
    }
  }
  for (const n of answered.values()) expect(n).toBe(1);
  for (const a of agents) {
    if (a.state === 'offered' || a.state === 'in-call') expect(tickets.get(a.ticketId!)?.agentId).toBe(a.agentId);
    // Work-conserving: no available agent beside a waiting resident it could serve.
    if (a.state === 'available') {
      for (const t of tickets.values()) {
        if (t.state === 'waiting' && a.skills.includes(t.skill) && t.reqs.every((q) => a.tags.includes(q))) {
          throw new Error(`agent ${a.agentId} idle while ${t.ticketId} (${t.skill}) waits`);
        }
      }
    }
  }
}
