/**
 * A rolling upgrade moves calls instead of cutting them: node A, draining with
 * DRAIN_MOVE_AFTER_S=0, hands its running sessions to node B (stopped on A,
 * taken over on B); the parties — connected to A through the load balancer —
 * are told 'media:reset', are sent on, reconnect to B, resume, publish and
 * consume again. No call ends; A ends up with no sessions; B's calls then end
 * normally. A graceful shutdown (SIGTERM, close()) hands calls over the same way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallOffer, SessionInfo } from '@xiaowu/shared';
import type { SignalingClient } from '@xiaowu/shared/client';
import { mediaAgain, publishMic } from '../support/media';
import { connectClient, nextEvent, nextEventWhere, startTestServer, waitFor, type TestServer } from '../support/server';
import { startTestRedis } from '../support/redis';
import { startTcpBalancer, type TcpBalancer } from '../support/tcp-lb';

describe('calls handed over by a draining node', () => {
  let redis: Awaited<ReturnType<typeof startTestRedis>>;
  let a: TestServer;
  let b: TestServer;
  let lb: TcpBalancer;
  const clients: SignalingClient[] = [];
  beforeAll(async () => {
    redis = await startTestRedis();
    const env = { REDIS_URL: redis.url, RECORDING: 'off', PLACEMENT: 'local', DRAIN_MOVE_AFTER_S: '0' };
    a = await startTestServer({ ...env, NODE_ID: 'node-a' });
    b = await startTestServer({ ...env, NODE_ID: 'node-b' });
    lb = await startTcpBalancer([a.url, b.url]);
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await lb?.close();
    await a?.close();
    await b?.close();
    await redis?.close();
  });

  /** Connections alternate A, B, A… through the balancer. */
  const connect = (token: string) => connectClient(lb.url, token, clients);

  it('moves the running calls to the other node; the parties follow; nothing ends', async () => {
    const calls: Array<{ booth: SignalingClient; agent: SignalingClient; session: SessionInfo }> = [];
    for (let i = 0; i < 2; i++) {
      const agent = await connect(await a.staff({ username: `agent-ho-${i}`, skills: ['shebao'] })); // → A
      const booth = await connect((await a.booth(`booth-ho-${i}`)).token); // → B
      await agent.request('agent:setState', { state: 'available' });
      const offer = nextEvent<CallOffer>(agent, 'call:offer');
      await booth.request('call:request', { matterId: 'shebao-card-reissue' });
      const session = await agent.request('call:answer', { callId: (await offer).callId });
      await publishMic(booth, session.sessionId);
      calls.push({ booth, agent, session });
    }
    expect(a.calls.sessionIds().sort()).toEqual(calls.map((c) => c.session.sessionId).sort());
    // A supervisor on node B monitors a call held by node A and whispers to its agent (forwarded to A).
    const sup = await b.client(await b.staff({ username: 'sup-ho', role: 'supervisor' }));
    const watched = await sup.request('monitor:join', { sessionId: calls[0]!.session.sessionId });
    expect(watched.you).toMatchObject({ role: 'supervisor', silent: true });
    const whisper = nextEventWhere<{ text: string }>(calls[0]!.agent, 'chat:whisper', (m) => m.text === '注意核对身份证');
    await sup.request('chat:whisper', { sessionId: calls[0]!.session.sessionId, text: '注意核对身份证' });
    await whisper;
    const ended: string[] = [];
    for (const c of clients) c.on('call:ended', (e) => ended.push(e.sessionId));
    // The agents (on A) are sent on and reconnect through the balancer to B; the booths hear it on B.
    const resets = calls.map((c) => Promise.all([nextEvent<{ epoch: number }>(c.booth, 'media:reset', 8_000), nextEvent(c.agent, 'server:draining', 8_000)]));
    // What the console does when its socket is back: resume (it must not be told NOT_IN_SESSION while the call moves).
    const resumed = calls.map(
      (c) =>
        new Promise<SessionInfo>((resolve, reject) => {
          setTimeout(() => reject(new Error('the agent did not resume within 15 s')), 15_000);
          c.agent.socket.on('connect', () => void c.agent.request('session:resume', { sessionId: c.session.sessionId }).then(resolve, reject));
        }),
    );

    const t0 = Date.now();
    await a.nodes.requestDrain('node-a');
    for (const [i, c] of calls.entries()) {
      const [reset] = await resets[i]!;
      expect(reset.epoch).toBe(1);
      const info = await resumed[i]!;
      expect(info.mediaEpoch).toBe(1);
      await mediaAgain(c.booth, c.agent, c.session.sessionId);
    }
    console.log(`drain moved ${calls.length} calls; media flowing again after ${Date.now() - t0} ms`);
    expect(ended).toEqual([]);
    expect(a.calls.sessionIds()).toEqual([]);
    expect(b.calls.sessionIds().sort()).toEqual(calls.map((c) => c.session.sessionId).sort());
    for (const c of calls) expect(await redis.redis.hget(`{xw}:sess:${c.session.sessionId}`, 'node')).toBe('node-b');
    expect(b.pool.size).toBe(1);
    for (let i = 0; i < 2; i++) expect((await b.router.agent(`agent-ho-${i}`))?.state).toBe('in-call');
    await waitFor(async () => (await a.nodes.list()).find((n) => n.nodeId === 'node-a')?.sessions === 0, 'node A reports no calls');

    for (const c of calls) await c.agent.request('call:hangup', { sessionId: c.session.sessionId });
    await waitFor(() => b.calls.sessionIds().length === 0, 'calls ended on B');
    expect(await redis.redis.keys('{xw}:sess:*')).toEqual([]);
  });
});
