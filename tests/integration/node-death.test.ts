/**
 * Two sfu nodes on one Redis behind a load balancer; one is killed (SIGKILL)
 * during calls. Its sessions are taken over by the other node: every party
 * learns the new media epoch (a 'media:reset', or its resume after
 * reconnecting through the load balancer), opens transports there, publishes
 * and consumes again — measured from the kill, bar 5 s. No call ends; the
 * queue (a waiting resident), the case opened during a call and the agents'
 * states are intact; the calls then end normally and leave nothing behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallOffer, SessionInfo } from '@xiaowu/shared';
import type { SignalingClient } from '@xiaowu/shared/client';
import { mediaAgain, publishMic } from '../support/media';
import { connectClient, nextEvent, nextEventWhere, startTestServer, waitFor, type TestServer } from '../support/server';
import { startTestRedis } from '../support/redis';
import { startChildNode, type ChildNode } from '../support/child-node';
import { startTcpBalancer, type TcpBalancer } from '../support/tcp-lb';
import { DEMO_IDENTITY } from '../../booth-client/src/devices/id-card-reader';

const CALLS = 6;
/** Resolves once the party knows its session's media moved: a 'media:reset', or a resume (after its reconnect) with a newer epoch. */
function mediaMoved(c: SignalingClient, sessionId: string, timeoutMs = 8_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`media of ${sessionId} not moved in ${timeoutMs} ms`)), timeoutMs);
    const done = () => {
      clearTimeout(timer);
      off();
      c.socket.off('connect', onConnect);
      resolve();
    };
    const off = c.on('media:reset', (r) => {
      if (r.sessionId === sessionId && r.epoch >= 1) done();
    });
    // What the apps do when their socket is back: resume the call.
    const onConnect = () =>
      void c.request('session:resume', { sessionId }).then(
        (info) => (info.mediaEpoch ?? 0) >= 1 && done(),
        () => undefined,
      );
    c.socket.on('connect', onConnect);
  });
}

describe('an sfu node dies during calls', () => {
  let redis: Awaited<ReturnType<typeof startTestRedis>>;
  let a: ChildNode;
  let b: TestServer;
  let lb: TcpBalancer;
  const clients: SignalingClient[] = [];
  beforeAll(async () => {
    redis = await startTestRedis();
    const env = { REDIS_URL: redis.url, RECORDING: 'off', RECONNECT_GRACE_S: '4' };
    a = await startChildNode({ ...env, NODE_ID: 'node-a' });
    b = await startTestServer({ ...env, NODE_ID: 'node-b' });
    lb = await startTcpBalancer([a.url, b.url]);
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await lb?.close();
    await a?.stop();
    await b?.close();
    await redis?.close();
  });

  const connect = (token: string) => connectClient(lb.url, token, clients);

  const owner = (sessionId: string) => redis.redis.hget(`{xw}:sess:${sessionId}`, 'node');

  it(`takes the calls of a killed node over: every party publishes and consumes again within 5 s; queue and cases intact`, async () => {
    const calls: Array<{ booth: SignalingClient; agent: SignalingClient; session: SessionInfo; boothToken: string; agentToken: string }> = [];
    for (let i = 0; i < CALLS; i++) {
      const agentToken = await b.staff({ username: `agent-nd-${i}`, skills: ['shebao'] });
      const agent = await connect(agentToken);
      const boothToken = (await b.booth(`booth-nd-${i}`)).token;
      const booth = await connect(boothToken);
      await agent.request('agent:setState', { state: 'available' });
      const offer = nextEvent<CallOffer>(agent, 'call:offer');
      await booth.request('call:request', { matterId: 'shebao-card-reissue' });
      const session = await agent.request('call:answer', { callId: (await offer).callId });
      await publishMic(booth, session.sessionId);
      calls.push({ booth, agent, session, boothToken, agentToken });
    }
    // Placement spread the sessions over both nodes (least calls per worker).
    const owners = await Promise.all(calls.map((c) => owner(c.session.sessionId)));
    const onA = calls.filter((_, i) => owners[i] === 'node-a');
    const onB = calls.filter((_, i) => owners[i] === 'node-b');
    expect(onA.length + onB.length).toBe(CALLS);
    expect(onA.length).toBeGreaterThanOrEqual(2);
    expect(onB.length).toBeGreaterThanOrEqual(2);
    // Both nodes took connections (the balancer spread them).
    expect(lb.accepted.every((n) => n > 0)).toBe(true);

    // A case opened in a call on node A (through the balancer), and a resident waiting in the queue.
    const c0 = onA[0]!;
    const opened = await fetch(`${lb.url}/api/cases`, {
      method: 'POST',
      headers: { authorization: `Bearer ${c0.boothToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ matterId: 'shebao-card-reissue', applicant: DEMO_IDENTITY }),
    });
    expect(opened.status).toBe(200);
    const theCase = ((await opened.json()) as { data: { caseNo: string; sessionId: string; agentId: string } }).data;
    expect(theCase.sessionId).toBe(c0.session.sessionId);
    expect(theCase.agentId).toBe(`agent-nd-${calls.indexOf(c0)}`);
    const waiting = await connect((await b.booth('booth-nd-wait')).token);
    const place = await waiting.request('call:request', { matterId: 'minzheng-marriage-record' });
    // An idle agent on node A whose console goes away with the node (closed as A dies, never back).
    const ghost = await connectClient(a.url, await b.staff({ username: 'agent-nd-ghost', skills: ['gongan'] }), clients);
    await ghost.request('agent:setState', { state: 'available' });

    const ended: string[] = [];
    for (const c of clients) c.on('call:ended', (e) => ended.push(e.sessionId));
    const resetsOnB: string[] = [];
    for (const c of onB) for (const p of [c.booth, c.agent]) p.on('media:reset', (r) => resetsOnB.push(r.sessionId));
    const moved = onA.map((c) => Promise.all([mediaMoved(c.booth, c.session.sessionId), mediaMoved(c.agent, c.session.sessionId)]));

    const t0 = Date.now();
    a.process.kill('SIGKILL');
    ghost.close();

    const recovered = await Promise.all(
      onA.map(async (c, i) => {
        await moved[i];
        await mediaAgain(c.booth, c.agent, c.session.sessionId);
        return Date.now() - t0;
      }),
    );
    const worst = Math.max(...recovered);
    console.log(`node killed with ${onA.length} of ${CALLS} calls on it: all taken over and consuming again after ${worst} ms (median ${recovered.sort((x, y) => x - y)[recovered.length >> 1]} ms)`);
    expect(worst).toBeLessThan(5_000);

    // Every call goes on, now all on node B; nothing of node B's own calls was disturbed.
    expect(ended).toEqual([]);
    expect(resetsOnB).toEqual([]);
    for (const c of calls) expect(await owner(c.session.sessionId)).toBe('node-b');
    expect(b.calls.liveSessions()).toHaveLength(CALLS);
    for (let i = 0; i < CALLS; i++) expect((await b.router.agent(`agent-nd-${i}`))?.state).toBe('in-call');
    // The queue and the case are intact.
    const t = await b.router.activeTicketOf('booth-nd-wait');
    expect(t?.ticketId).toBe(place.callId);
    expect(t?.state).toBe('waiting');
    const again = await fetch(`${b.url}/api/cases/${theCase.caseNo}`, { headers: { authorization: `Bearer ${c0.agentToken}` } });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { data: { sessionId: string } }).data.sessionId).toBe(c0.session.sessionId);
    // The agent that never came back is let go after the grace (RECONNECT_GRACE_S), as its node would have done;
    // everyone who came back is untouched (the waiting resident above).
    await waitFor(async () => (await b.router.agent('agent-nd-ghost'))?.state === 'offline', 'the vanished agent offline', 12_000);
    expect((await b.router.activeTicketOf('booth-nd-wait'))?.state).toBe('waiting');
    // Chat still reaches both sides of a taken-over call.
    const line = nextEventWhere<{ text: string }>(c0.agent, 'chat:message', (m) => m.text === '还在吗', 5_000);
    await c0.booth.request('chat:send', { sessionId: c0.session.sessionId, text: '还在吗' });
    await line;

    // The calls end normally; the directory and the media are empty afterwards.
    for (const c of calls) await c.booth.request('call:hangup', { sessionId: c.session.sessionId });
    await waitFor(async () => ((await b.stats()) as unknown as { counts: { routers: number } }).counts.routers === 0, 'routers closed');
    expect(((await b.stats()) as unknown as { counts: Record<string, number> }).counts).toMatchObject({ routers: 0, transports: 0, producers: 0, consumers: 0 });
    expect(await redis.redis.keys('{xw}:sess:*')).toEqual([]);
    expect(await redis.redis.keys('{xw}:in:*')).toEqual([]);
    for (let i = 0; i < CALLS; i++) await waitFor(async () => (await b.router.agent(`agent-nd-${i}`))?.state === 'wrap-up', `agent ${i} in wrap-up`);
  });
});
