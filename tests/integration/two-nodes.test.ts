/**
 * Two sfu processes on one Redis (this test's process and a child `node
 * sfu/src/main.ts`): residents and agents spread over both, every resident
 * served exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentStatusInfo, CallOffer } from '@xiaowu/shared';
import type { SignalingClient } from '@xiaowu/shared/client';
import { connectClient, startTestServer, waitFor, type TestServer } from '../support/server';
import { startTestRedis } from '../support/redis';
import { startChildNode, type ChildNode } from '../support/child-node';

const RESIDENTS = 200;
const AGENTS = 20;

describe('two sfu nodes sharing one Redis', () => {
  let redis: Awaited<ReturnType<typeof startTestRedis>>;
  let node: TestServer;
  let child: ChildNode;
  const clients: SignalingClient[] = [];
  beforeAll(async () => {
    redis = await startTestRedis();
    const env = { REDIS_URL: redis.url, OFFER_TIMEOUT_S: '20', WRAP_UP_S: '30' };
    node = await startTestServer(env);
    child = await startChildNode(env);
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await child?.stop();
    await node?.close();
    await redis?.close();
  });

  /** A client of node 0 (this process) or node 1 (the child process). */
  async function connect(i: number, token: string): Promise<SignalingClient> {
    return i % 2 === 0 ? node.client(token) : connectClient(child.url, token, clients);
  }

  it(`serves ${RESIDENTS} residents with ${AGENTS} agents, each exactly once`, async () => {
    const answeredBy = new Map<string, string[]>(); // callId → agents that answered it
    const startedAt = new Map<string, number>(); // boothId → call:started count
    const agents: SignalingClient[] = [];
    for (let i = 0; i < AGENTS; i++) {
      const id = `agent-${i}`;
      const a = await connect(i, await node.staff({ username: id, skills: i % 4 === 0 ? ['minzheng'] : ['shebao', 'yibao'] }));
      a.on('call:offer', (offer: CallOffer) => {
        void (async () => {
          const session = await a.request('call:answer', { callId: offer.callId });
          answeredBy.set(offer.callId, [...(answeredBy.get(offer.callId) ?? []), id]);
          await a.request('call:hangup', { sessionId: session.sessionId });
        })().catch(() => undefined);
      });
      a.on('agent:state', (s: AgentStatusInfo) => {
        if (s.state === 'wrap-up') void a.request('agent:wrapUp', { disposition: 'resolved' }).catch(() => undefined);
      });
      await a.request('agent:setState', { state: 'available' });
      agents.push(a);
    }

    const matters = ['shebao-retire-pension', 'yibao-offsite-filing', 'minzheng-marriage-record', 'consult'];
    const catalog = await node.catalog.current();
    for (const m of matters) if (m !== 'consult') expect(catalog.matters.some((x) => x.id === m), m).toBe(true);
    const callIds: string[] = [];
    await Promise.all(
      Array.from({ length: RESIDENTS }, async (_, i) => {
        const boothId = `booth-${i}`;
        const b = await connect(i + 1, (await node.booth(boothId)).token);
        b.on('call:started', () => startedAt.set(boothId, (startedAt.get(boothId) ?? 0) + 1));
        const { callId } = await b.request('call:request', { matterId: matters[i % matters.length]!, priority: i % 10 === 0 });
        callIds.push(callId);
      }),
    );

    await waitFor(() => answeredBy.size === RESIDENTS && startedAt.size === RESIDENTS, `all ${RESIDENTS} residents answered`, 120_000);
    expect([...answeredBy.values()].every((a) => a.length === 1)).toBe(true);
    expect([...startedAt.values()].every((n) => n === 1)).toBe(true);
    expect(new Set(callIds).size).toBe(RESIDENTS);
    // Both nodes took part in answering and in hosting residents.
    const perAgent = new Map<string, number>();
    for (const [a] of [...answeredBy.values()]) perAgent.set(a!, (perAgent.get(a!) ?? 0) + 1);
    expect(perAgent.size).toBeGreaterThan(AGENTS / 2);
    const tickets = await Promise.all(callIds.map((id) => node.router.ticket(id)));
    await waitFor(async () => {
      const ts = await Promise.all(callIds.map((id) => node.router.ticket(id)));
      return ts.every((t) => t?.state === 'ended');
    }, 'all call records ended', 30_000);
    expect(tickets.every((t) => !!t)).toBe(true);
  }, 180_000);
});
