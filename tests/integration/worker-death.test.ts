/**
 * A mediasoup worker dies (SIGKILL) during 10 calls: the worker is respawned,
 * every session is moved onto it, both parties are told ('media:reset') and
 * can open new transports, publish and consume again — the calls, their call
 * records and the agents' states go on. Measured: kill → every party able to
 * consume the other's new track.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallOffer, SessionInfo } from '@xiaowu/shared';
import type { SignalingClient } from '@xiaowu/shared/client';
import { mediaAgain, publishMic } from '../support/media';
import { nextEvent, startTestServer, waitFor, type TestServer } from '../support/server';

const CALLS = 10;
describe('mediasoup worker death', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer({ RECORDING: 'off' });
  });
  afterAll(async () => srv?.close());

  it(`moves ${CALLS} live calls onto the respawned worker; every party publishes and consumes again within 5 s`, async () => {
    const calls: Array<{ booth: SignalingClient; agent: SignalingClient; session: SessionInfo }> = [];
    for (let i = 0; i < CALLS; i++) {
      const agent = await srv.client(await srv.staff({ username: `agent-wd-${i}`, skills: ['shebao'] }));
      const booth = await srv.client((await srv.booth(`booth-wd-${i}`)).token);
      await agent.request('agent:setState', { state: 'available' });
      const offer = nextEvent<CallOffer>(agent, 'call:offer');
      await booth.request('call:request', { matterId: 'shebao-card-reissue' });
      const session = await agent.request('call:answer', { callId: (await offer).callId });
      await publishMic(booth, session.sessionId);
      calls.push({ booth, agent, session });
    }
    const ended: string[] = [];
    for (const c of calls) c.booth.on('call:ended', (e) => ended.push(e.sessionId));
    const [w] = await srv.pool.usage();
    const resets = calls.map((c) => Promise.all([nextEvent(c.booth, 'media:reset', 8_000), nextEvent(c.agent, 'media:reset', 8_000)]));
    const t0 = Date.now();
    process.kill(w!.pid, 'SIGKILL');

    const recovered = await Promise.all(
      calls.map(async (c, i) => {
        const [reset] = (await resets[i]) as [{ sessionId: string; epoch: number }, unknown];
        expect(reset).toEqual({ sessionId: c.session.sessionId, epoch: 1 });
        // Both sides open media again; the agent consumes the booth's new microphone.
        await mediaAgain(c.booth, c.agent, c.session.sessionId);
        return Date.now() - t0;
      }),
    );
    const worst = Math.max(...recovered);
    console.log(`worker killed with ${CALLS} calls: all re-created and consuming again after ${worst} ms (median ${recovered.sort((a, b) => a - b)[CALLS >> 1]} ms)`);
    expect(worst).toBeLessThan(5_000);
    expect(ended).toEqual([]);
    const [nw] = await srv.pool.usage();
    expect(nw!.pid).not.toBe(w!.pid);
    expect(nw!.routers).toBe(CALLS);
    expect(srv.calls.liveSessions()).toHaveLength(CALLS);
    for (let i = 0; i < CALLS; i++) expect((await srv.router.agent(`agent-wd-${i}`))?.state).toBe('in-call');

    // The calls end normally afterwards; nothing is left behind.
    for (const c of calls) await c.booth.request('call:hangup', { sessionId: c.session.sessionId });
    await waitFor(async () => ((await srv.stats()) as unknown as { counts: { routers: number } }).counts.routers === 0, 'routers closed');
    expect(((await srv.stats()) as unknown as { counts: Record<string, number> }).counts).toMatchObject({ workers: 1, routers: 0, transports: 0, producers: 0, consumers: 0 });
  });
});
