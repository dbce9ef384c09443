/**
 * The walking skeleton end to end: a booth page and an agent page in Debian's
 * Chromium (fake camera + microphone) against the real sfu, real mediasoup
 * and real Redis. Media must really be decoded on both sides, bad messages
 * must not disturb the call, and hanging up must leave no mediasoup object behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ErrorCode, type SessionInfo } from '@xiaowu/shared';
import { launchChromium, inboundFigures, newPage, type InboundFigures } from '../support/browser';
import { nextEvent, startTestServer, waitFor, type TestServer } from '../support/server';

async function state(page: Page, s: string): Promise<void> {
  await page.locator(`[data-testid="call-state"][data-state="${s}"]`).waitFor({ timeout: 20_000 });
}

async function flowing(page: Page, since?: InboundFigures): Promise<InboundFigures> {
  return waitFor(async () => {
    const f = await inboundFigures(page);
    const base = since ?? { videoFramesDecoded: 0, audioBytesReceived: 0 };
    return f.videoFramesDecoded > base.videoFramesDecoded + 10 && f.audioBytesReceived > base.audioBytesReceived ? f : undefined;
  }, 'video frames decoded and audio received', 20_000);
}

describe('booth ↔ agent video call in a real browser', () => {
  let srv: TestServer;
  let browser: Browser;
  beforeAll(async () => {
    srv = await startTestServer();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await srv?.close();
  });

  it('connects, carries video and audio both ways, survives bad messages, and cleans up on hang-up', async () => {
    const agent = await newPage(browser, `${srv.url}/agent/?agent=agent-e2e&name=${encodeURIComponent('测试坐席')}`);
    const booth = await newPage(browser, `${srv.url}/booth/?booth=booth-e2e&name=${encodeURIComponent('测试社区晓屋')}`);
    await state(agent, 'idle');
    await state(booth, 'idle');

    await booth.getByTestId('call-button').click();
    await state(booth, 'waiting');
    await booth.getByTestId('queue-position').waitFor();
    const answer = agent.getByTestId('answer-button').first();
    await answer.waitFor();
    expect(await agent.getByTestId('queue-list').textContent()).toContain('测试社区晓屋');
    await answer.click();
    await state(agent, 'in-call');
    await state(booth, 'in-call');

    // Media really decoded on both sides, and still increasing a moment later.
    const booth1 = await flowing(booth);
    const agent1 = await flowing(agent);
    const booth2 = await flowing(booth, booth1);
    const agent2 = await flowing(agent, agent1);
    expect(booth2.videoFrameWidth).toBeGreaterThan(0);
    expect(agent2.videoFrameWidth).toBeGreaterThan(0);
    // …and visible to the user: the remote video element is playing.
    for (const page of [booth, agent]) {
      const w = await page.getByTestId('remote-video').evaluate((v: HTMLVideoElement) => v.videoWidth);
      expect(w).toBeGreaterThan(0);
    }
    // Each side: a send and a receive transport, camera + mic produced, the other's two consumed.
    const expected = { routers: 1, transports: 4, producers: 4, consumers: 4 };
    const live = await waitFor(async () => {
      const s = await srv.stats();
      return Object.entries(expected).every(([k, v]) => s.counts[k] === v) ? s : undefined;
    }, 'server media objects of one call', 5_000).catch(async () => srv.stats());
    expect(live.counts).toMatchObject(expected);
    const victim = live.sessions[0]!;
    const victimProducer = victim.parties.find((p) => p.role === 'booth')!.producers[0]!;

    // A second, rogue pair of clients in their own session reaches for the first call.
    const rogueBooth = await srv.client({ role: 'booth', id: 'booth-rogue' });
    const rogueAgent = await srv.client({ role: 'agent', id: 'agent-rogue' });
    const { callId } = await rogueBooth.request('call:request', {});
    const started = nextEvent<SessionInfo>(rogueBooth, 'call:started');
    await rogueAgent.request('call:answer', { callId });
    const rogueSession = await started;
    const recv = await rogueBooth.request('media:createTransport', { sessionId: rogueSession.sessionId, direction: 'recv' });
    const caps = await rogueBooth.request('media:routerCapabilities', { sessionId: rogueSession.sessionId });
    await expect(rogueBooth.request('media:consume', { transportId: recv.id, producerId: victimProducer, rtpCapabilities: caps as never })).rejects.toMatchObject({
      code: ErrorCode.NotFound,
    });
    await expect(rogueBooth.request('call:hangup', { sessionId: victim.sessionId })).rejects.toMatchObject({ code: ErrorCode.NotInSession });
    await expect(rogueBooth.request('media:routerCapabilities', { sessionId: victim.sessionId })).rejects.toMatchObject({ code: ErrorCode.NotInSession });
    await expect(rogueBooth.request('media:resumeConsumer', { consumerId: 'does-not-exist' })).rejects.toMatchObject({ code: ErrorCode.NotFound });
    await expect(
      rogueBooth.request('media:produce', { transportId: 12 as never, kind: 'video', source: 'camera', rtpParameters: { codecs: [] } as never }),
    ).rejects.toMatchObject({ code: ErrorCode.BadRequest });
    await rogueAgent.request('call:hangup', { sessionId: rogueSession.sessionId });

    // The real call did not notice.
    await flowing(booth, booth2);
    await flowing(agent, agent2);
    expect((await srv.stats()).sessions.map((s) => s.sessionId)).toEqual([victim.sessionId]);

    // Hang up from the booth, with its confirmation step.
    await booth.getByTestId('hangup-button').click();
    await booth.getByTestId('hangup-confirm').click();
    await state(booth, 'ended');
    await state(agent, 'idle');
    await waitFor(async () => (await srv.stats()).counts.routers === 0, 'session router closed');
    expect((await srv.stats()).counts).toMatchObject({ routers: 0, transports: 0, producers: 0, consumers: 0 });
  });
});
