/**
 * Skill routing on a real Redis: who gets offered which resident, in which
 * order, and what happens on missed offers, cancels, wrap-up, and races.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '@xiaowu/shared';
import { CallRouter, type TicketInput } from '../../sfu/src/queue/call-router';
import { startTestRedis } from '../support/redis';

const T0 = 1_800_000_000_000;
const ticket = (boothId: string, over: Partial<TicketInput> = {}): TicketInput => ({
  boothId,
  boothName: boothId,
  matterId: 'm',
  matterName: '事项',
  skill: 'shebao',
  reqs: [],
  priority: false,
  ...over,
});

describe('CallRouter on a real Redis', () => {
  let env: Awaited<ReturnType<typeof startTestRedis>>;
  let r: CallRouter;
  beforeAll(async () => {
    env = await startTestRedis();
  });
  afterAll(async () => env.close());
  beforeEach(async () => {
    await env.redis.flushall();
    r = new CallRouter(env.redis, { offerTimeoutMs: 1000, wrapUpMs: 1000, priorityHeadStartMs: 60_000 });
  });

  async function agent(agentId: string, skills: string[], tags: string[] = [], at = T0) {
    await r.registerAgent({ agentId, name: agentId, skills, tags });
    return r.setAgentState(agentId, 'available', '', at);
  }

  it('offers a new resident to the longest-idle agent with the skill, never to one without it', async () => {
    await agent('a-minzheng', ['minzheng'], [], T0);
    await agent('a-late', ['shebao'], [], T0 + 20);
    await agent('a-early', ['shebao'], [], T0 + 10);
    const { offeredTo, ticket: t } = await r.enqueue(ticket('b1'), T0 + 100);
    expect(offeredTo).toBe('a-early');
    expect(t.state).toBe('offered');
    expect((await r.agent('a-early'))!.state).toBe('offered');
    expect((await r.agent('a-minzheng'))!.state).toBe('available');
  });

  it('serves the longest-waiting resident first when an agent becomes free, across its skills', async () => {
    await r.registerAgent({ agentId: 'a1', name: 'a1', skills: ['shebao', 'yibao'], tags: [] });
    await r.enqueue(ticket('b-shebao-2'), T0 + 200);
    await r.enqueue(ticket('b-yibao-1', { skill: 'yibao' }), T0 + 100);
    await r.enqueue(ticket('b-shebao-3'), T0 + 300);
    const { offered } = await r.setAgentState('a1', 'available', '', T0 + 400);
    expect((await r.ticket(offered!))!.boothId).toBe('b-yibao-1');
  });

  it('matches required tags (dialect, sign language) and leaves others waiting for a capable agent', async () => {
    await agent('a-plain', ['shebao']);
    const { offeredTo } = await r.enqueue(ticket('b-sign', { reqs: ['sign'] }), T0 + 1);
    expect(offeredTo).toBeUndefined();
    const { offeredTo: second } = await r.enqueue(ticket('b-plain'), T0 + 2);
    expect(second).toBe('a-plain');
    const { offered } = await (async () => {
      await r.registerAgent({ agentId: 'a-sign', name: 's', skills: ['shebao'], tags: ['sign'] });
      return r.setAgentState('a-sign', 'available', '', T0 + 3);
    })();
    expect((await r.ticket(offered!))!.boothId).toBe('b-sign');
  });

  it('gives priority residents a bounded head start, so nobody starves', async () => {
    await r.registerAgent({ agentId: 'a1', name: 'a1', skills: ['shebao'], tags: [] });
    await r.enqueue(ticket('old'), T0); // waited long
    await r.enqueue(ticket('recent'), T0 + 100_000);
    await r.enqueue(ticket('elderly', { priority: true }), T0 + 120_000); // score T0+60s
    const order: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { offered } = await r.setAgentState('a1', 'available', '', T0 + 200_000 + i);
      const t = (await r.ticket(offered!))!;
      order.push(t.boothId);
      await r.accept(t.ticketId, 'a1', `s${i}`, T0 + 200_000 + i);
      await r.finish(t.ticketId, T0 + 200_000 + i);
    }
    // The elderly resident overtakes the one who arrived 20 s before, not the one waiting 2 minutes longer.
    expect(order).toEqual(['old', 'elderly', 'recent']);
  });

  it('re-queues a missed offer at its original place and sets the agent away', async () => {
    await agent('a1', ['shebao']);
    const { ticket: t } = await r.enqueue(ticket('b1'), T0);
    await r.enqueue(ticket('b2'), T0 + 5);
    const events = await r.expireTimers(T0 + 1001);
    expect(events).toEqual([{ kind: 'offer-missed', ticketId: t.ticketId, agentId: 'a1', offeredTo: undefined }]);
    expect((await r.agent('a1'))!.state).toBe('away');
    expect(await r.position(t)).toBe(1);
    // A second agent now gets the first resident, not the second.
    const { offered } = await agent('a2', ['shebao'], [], T0 + 1002);
    expect(offered).toBe(t.ticketId);
  });

  it('only the offered agent can accept, once', async () => {
    await agent('a1', ['shebao']);
    await agent('a2', ['shebao'], [], T0 + 1);
    const { ticket: t } = await r.enqueue(ticket('b1'), T0 + 2);
    await expect(r.accept(t.ticketId, 'a2', 's-x')).rejects.toMatchObject({ code: ErrorCode.CallUnavailable });
    const accepted = await Promise.allSettled([r.accept(t.ticketId, 'a1', 's-1'), r.accept(t.ticketId, 'a1', 's-2')]);
    expect(accepted.filter((x) => x.status === 'fulfilled')).toHaveLength(1);
    expect((await r.agent('a1'))!.state).toBe('in-call');
    expect((await r.agent('a2'))!.state).toBe('available');
  });

  it('a resident who leaves while ringing frees the agent; one in a call cannot leave the queue', async () => {
    await agent('a1', ['shebao']);
    const { ticket: t } = await r.enqueue(ticket('b1'), T0);
    expect(await r.withdraw(t.ticketId, 'b1')).toEqual({ wasOfferedTo: 'a1' });
    expect((await r.agent('a1'))!.state).toBe('available');
    const { ticket: t2 } = await r.enqueue(ticket('b1'), T0 + 10);
    await r.accept(t2.ticketId, 'a1', 's');
    await expect(r.withdraw(t2.ticketId, 'b1')).rejects.toMatchObject({ code: ErrorCode.CallUnavailable });
    await expect(r.withdraw(t2.ticketId, 'someone-else')).rejects.toMatchObject({ code: ErrorCode.NotFound });
  });

  it('puts the agent in wrap-up after the call and back to available when it runs out', async () => {
    await agent('a1', ['shebao']);
    const { ticket: t } = await r.enqueue(ticket('b1'), T0);
    await r.accept(t.ticketId, 'a1', 's', T0 + 1);
    await r.enqueue(ticket('b2'), T0 + 2); // waits: the agent is busy
    expect(await r.finish(t.ticketId, T0 + 10)).toBe('a1');
    expect((await r.agent('a1'))!.state).toBe('wrap-up');
    await expect(r.setAgentState('a1', 'offline')).resolves.toBeDefined();
    await r.setAgentState('a1', 'available', '', T0 + 20);
    expect((await r.agent('a1'))!.state).toBe('offered'); // b2 offered at once
  });

  it('refuses illegal agent transitions with a typed error', async () => {
    await agent('a1', ['shebao']);
    const { ticket: t } = await r.enqueue(ticket('b1'), T0);
    await r.accept(t.ticketId, 'a1', 's');
    await expect(r.setAgentState('a1', 'away')).rejects.toMatchObject({ code: ErrorCode.InvalidState });
    await expect(r.setAgentState('a1', 'available')).rejects.toMatchObject({ code: ErrorCode.InvalidState });
    await expect(r.setAgentState('nobody', 'available')).rejects.toMatchObject({ code: ErrorCode.NotFound });
  });

  it('never gives one resident to two agents, nor two residents to one agent, under concurrent arrivals', async () => {
    const agents = Array.from({ length: 10 }, (_, i) => `a${i}`);
    for (const a of agents) await r.registerAgent({ agentId: a, name: a, skills: ['shebao'], tags: [] });
    const work = [
      ...Array.from({ length: 30 }, (_, i) => r.enqueue(ticket(`b${i}`), T0 + i)),
      ...agents.map((a, i) => r.setAgentState(a, 'available', '', T0 + i)),
    ];
    await Promise.all(work);
    const states = await Promise.all(agents.map((a) => r.agent(a)));
    const offered = states.map((s) => s!.ticketId).filter(Boolean);
    expect(offered).toHaveLength(10);
    expect(new Set(offered).size).toBe(10);
    for (const tid of offered) expect((await r.ticket(tid!))!.state).toBe('offered');
    expect((await r.waiting('shebao')).length).toBe(20);
  });
});
