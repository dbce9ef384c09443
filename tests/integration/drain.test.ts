/**
 * Two sfu nodes on one Redis: the node registry (heartbeats, load), and a
 * rolling-upgrade drain: the drained node answers /healthz 503, refuses new
 * connections, sends its idle clients on (they reconnect elsewhere with their
 * state intact: an agent stays available, a waiting resident keeps the place),
 * lets its call finish, then sends those parties on too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io } from 'socket.io-client';
import { ErrorCode, SOCKET_PATH, type CallOffer, type LiveNode } from '@xiaowu/shared';
import type { SignalingClient } from '@xiaowu/shared/client';
import { nextEvent, startTestServer, waitFor, type TestServer } from '../support/server';
import { startTestRedis } from '../support/redis';
import { api } from '../support/api';

describe('node registry and draining', () => {
  let redis: Awaited<ReturnType<typeof startTestRedis>>;
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    redis = await startTestRedis();
    a = await startTestServer({ REDIS_URL: redis.url, NODE_ID: 'node-a', RECORDING: 'off' });
    b = await startTestServer({ REDIS_URL: redis.url, NODE_ID: 'node-b', RECORDING: 'off' });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await redis?.close();
  });

  it('lists live nodes with their load; a drained node sends idle clients on and lets its call finish', async () => {
    const sup = await b.staff({ username: 'sup-drain', role: 'supervisor' });
    const nodes = await waitFor(async () => {
      const r = (await api(b, 'GET', '/nodes', { token: sup })).body.data as LiveNode[];
      return r.length === 2 ? r : undefined;
    }, 'two nodes registered');
    expect(nodes.map((n) => [n.nodeId, n.alive, n.draining])).toEqual([
      ['node-a', true, false],
      ['node-b', true, false],
    ]);
    expect((await api(b, 'GET', '/nodes', { token: await b.staff({ username: 'agent-nodes' }) })).status).toBe(403);

    // On node A: an idle agent, a waiting resident (no agent for that skill), and a call in progress.
    const idleAgentToken = await a.staff({ username: 'agent-idle', skills: ['gongan'] });
    const idleAgent = await a.client(idleAgentToken);
    await idleAgent.request('agent:setState', { state: 'away', reason: 'break' });
    const waitingToken = (await a.booth('booth-waiting')).token;
    const waiting = await a.client(waitingToken);
    const place = await waiting.request('call:request', { matterId: 'shebao-card-reissue' });
    const callAgent = await a.client(await a.staff({ username: 'agent-busy', skills: ['tuiyi'] }));
    const callBooth = await a.client((await a.booth('booth-busy')).token);
    await callAgent.request('agent:setState', { state: 'available' });
    const offer = nextEvent<CallOffer>(callAgent, 'call:offer');
    await callBooth.request('call:request', { matterId: 'consult' });
    const session = await callAgent.request('call:answer', { callId: (await offer).callId });
    await waitFor(async () => ((await a.nodes.list()).find((n) => n.nodeId === 'node-a')?.sessions ?? 0) === 1, 'load reported');

    const drained = (c: SignalingClient) => nextEvent(c, 'server:draining', 8_000);
    const idleSentOn = Promise.all([drained(idleAgent), drained(waiting)]);
    let callPartySentOn = false;
    callAgent.on('server:draining', () => (callPartySentOn = true));
    expect((await api(b, 'POST', '/nodes/node-a/drain', { token: sup })).status).toBe(200);
    await idleSentOn;
    expect((await fetch(`${a.url}/healthz`)).status).toBe(503);
    // New connections are refused with NODE_DRAINING (the load balancer sends them to another node).
    const refused = io(a.url, { path: SOCKET_PATH, transports: ['websocket'], auth: { token: idleAgentToken }, reconnection: false });
    const err = await new Promise<Error & { data?: { code: string } }>((r) => refused.once('connect_error', r));
    refused.close();
    expect(err.data?.code).toBe(ErrorCode.NodeDraining);
    // The idle clients reconnect on node B: their state was kept (not "gone").
    idleAgent.close();
    waiting.close();
    const movedBooth = await b.client(waitingToken);
    await b.client(idleAgentToken);
    expect((await b.router.agent('agent-idle'))?.state).toBe('away');
    const t = await b.router.activeTicketOf('booth-waiting');
    expect(t?.ticketId).toBe(place.callId);
    expect(t?.state).toBe('waiting');
    await movedBooth.request('call:cancel', { callId: place.callId });

    // The call on A goes on; after it ends its parties are sent on within a heartbeat.
    expect(callPartySentOn).toBe(false);
    await callAgent.request('chat:send', { sessionId: session.sessionId, text: '还在通话' });
    const agentSentOn = drained(callAgent);
    await callBooth.request('call:hangup', { sessionId: session.sessionId });
    await agentSentOn;
    const listed = await waitFor(async () => {
      const n = (await b.nodes.list()).find((x) => x.nodeId === 'node-a');
      return n && n.draining && n.sessions === 0 ? n : undefined;
    }, 'node A drained');
    expect(listed.alive).toBe(true);
    // Supervisors see it on the dashboard.
    expect((await b.dashboard.snapshot()).nodes?.find((n) => n.nodeId === 'node-a')).toMatchObject({ draining: true, alive: true, sessions: 0 });
    const audit = await redis.redis.xrange('{xw}:audit', '-', '+');
    expect(audit.map(([, f]) => f[f.indexOf('action') + 1])).toContain('node-drain');
    expect((await api(b, 'POST', '/nodes/node-x/drain', { token: sup })).status).toBe(404);
  });
});
