/**
 * A mediasoup worker dies (SIGKILL) during a call: the parties are told at
 * once, the worker is respawned, and the next call works.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallOffer } from '@xiaowu/shared';
import { nextEvent, startTestServer, waitFor, type TestServer } from '../support/server';

describe('mediasoup worker death', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer({ RECORDING: 'off' });
  });
  afterAll(async () => srv?.close());

  it('ends the calls on the dead worker with media-failure, respawns it, and serves the next call', async () => {
    const agent = await srv.client(await srv.staff({ username: 'agent-wd', skills: ['shebao'] }));
    const booth = await srv.client((await srv.booth('booth-wd')).token);
    const call = async () => {
      const offer = nextEvent<CallOffer>(agent, 'call:offer');
      await booth.request('call:request', { matterId: 'shebao-card-reissue' });
      const s = await agent.request('call:answer', { callId: (await offer).callId });
      await booth.request('media:createTransport', { sessionId: s.sessionId, direction: 'send' });
      return s;
    };
    await agent.request('agent:setState', { state: 'available' });
    const first = await call();
    const [w] = await srv.pool.usage();
    const ended = nextEvent<{ sessionId: string; reason: string }>(booth, 'call:ended');
    process.kill(w!.pid, 'SIGKILL');
    expect(await ended).toEqual({ sessionId: first.sessionId, reason: 'media-failure' });

    await waitFor(async () => {
      const [nw] = await srv.pool.usage().catch(() => []);
      return nw && nw.pid !== w!.pid ? nw : undefined;
    }, 'worker respawned');
    const health = await (await fetch(`${srv.url}/healthz`)).json();
    expect(health).toMatchObject({ ok: true, workers: 1 });

    // The agent wraps up and takes the next call on the new worker.
    await waitFor(async () => (await srv.router.agent('agent-wd'))?.state === 'wrap-up', 'agent in wrap-up');
    await agent.request('agent:wrapUp', { disposition: 'dropped', note: '媒体服务中断' });
    const second = await call();
    expect(second.sessionId).not.toBe(first.sessionId);
    expect((await srv.stats()).counts).toMatchObject({ workers: 1, routers: 1, transports: 1 });
  });
});
