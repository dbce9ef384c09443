/**
 * Issue 8 in real browsers: the mediasoup worker of a live call is killed
 * (SIGKILL). The server moves the session onto the respawned worker and tells
 * both apps ('media:reset'); the booth and the console open their media again
 * by themselves — the call screen stays, nobody presses anything — and video
 * is decoding again on both sides within 5 s.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium, pcCount, videoBack } from '../support/browser';
import { callState, goAvailable, openBooth, openConsole } from '../support/pages';
import { startTestServer, type TestServer } from '../support/server';

describe('a killed mediasoup worker in a browser call', () => {
  let srv: TestServer;
  let browser: Browser;
  beforeAll(async () => {
    srv = await startTestServer({ RECORDING: 'off' });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await srv?.close();
  });

  it('both apps open their media again by themselves; video decodes again within 5 s; the call goes on', async () => {
    await srv.staff({ username: 'agent-wk-e2e', name: '周坐席', skills: ['tuiyi'] });
    const agent = await openConsole(browser, srv, 'agent-wk-e2e');
    await goAvailable(agent);
    const booth = await openBooth(browser, srv, 'booth-wk-e2e', '容灾测试晓屋');
    await callState(booth, 'idle');
    await booth.getByTestId('consult-button').click();
    await callState(booth, 'waiting');
    await agent.getByTestId('answer-button').click();
    await callState(booth, 'in-call');
    // Media flowing both ways first.
    await videoBack(booth, 0, 20_000);
    await videoBack(agent, 0, 20_000);
    const sessionId = srv.calls.liveSessions()[0]!.sessionId;
    const before = await Promise.all([pcCount(booth), pcCount(agent)]);

    const [w] = await srv.pool.usage();
    const t0 = Date.now();
    process.kill(w!.pid, 'SIGKILL');
    await Promise.all([videoBack(booth, before[0], 10_000), videoBack(agent, before[1], 10_000)]);
    const ms = Date.now() - t0;
    console.log(`worker killed mid-call: video decoding again on both sides after ${ms} ms`);
    expect(ms).toBeLessThan(5_000);

    // Same call, same screens: nothing ended.
    await callState(booth, 'in-call');
    expect(await agent.getByTestId('hangup-button').count()).toBe(1);
    expect(srv.calls.liveSessions().map((s) => s.sessionId)).toEqual([sessionId]);
    const [nw] = await srv.pool.usage();
    expect(nw!.pid).not.toBe(w!.pid);
    expect((await srv.router.agent('agent-wk-e2e'))?.state).toBe('in-call');

    await booth.getByTestId('hangup-button').click();
    await booth.getByTestId('hangup-confirm').click();
    await callState(booth, 'ended');
  });
});
