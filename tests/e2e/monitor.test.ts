/**
 * 静默监听 and 耳语 in real browsers against the real sfu (mediasoup, Redis):
 * a booth calls, the agent answers, the supervisor presses 「静默监听」 on the
 * dashboard and the monitor panel decodes the booth's and the agent's camera
 * (Chromium's fake camera) and plays their sound; the booth shows no sign of
 * the supervisor; a whisper reaches the agent's desk (耳语 panel) and the
 * server's staff-only list, and never the booth; the agent whispers back; the supervisor leaves
 * and the call goes on; monitoring again, the booth's hang-up ends the panel.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { callState, goAvailable, openBooth, openConsole, openSupervisor } from '../support/pages';
import { startTestServer, waitFor, type TestServer } from '../support/server';
import { checkA11y, describeViolations } from '../support/axe';

const SUP_NAME = '孙班长';
const WHISPER = '请核对材料';

/** Frames decoded by a <video> (and its width) now. */
function frames(video: Locator): Promise<{ width: number; frames: number; time: number }> {
  return video.evaluate((el: HTMLVideoElement) => ({
    width: el.videoWidth,
    frames: el.getVideoPlaybackQuality().totalVideoFrames,
    time: el.currentTime,
  }));
}

/** Waits until the video has a picture and its decoded frame count goes up. */
async function decoding(video: Locator, what: string): Promise<void> {
  await video.waitFor({ timeout: 30_000 });
  const first = await waitFor(async () => {
    const f = await frames(video);
    return f.width > 0 && f.frames > 0 ? f : undefined;
  }, `${what}: first frame`, 30_000);
  await waitFor(async () => {
    const f = await frames(video);
    return f.frames > first.frames && f.time > first.time;
  }, `${what}: frames advancing`, 20_000);
}

async function bodyText(page: Page): Promise<string> {
  return page.evaluate(() => document.body.innerText);
}

describe('静默监听 and 耳语 in the browser', () => {
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

  it('monitors a call silently, whispers to the agent, leaves, and follows the call to its end', { timeout: 240_000 }, async () => {
    await srv.staff({ username: 'sup-mon-e2e', name: SUP_NAME, role: 'supervisor' });
    await srv.staff({ username: 'agent-mon-e2e', name: '周坐席', skills: ['tuiyi'] });
    const sup = await openSupervisor(browser, srv, 'sup-mon-e2e');
    await sup.getByTestId('supervisor-tab-dashboard').click();

    const agent = await openConsole(browser, srv, 'agent-mon-e2e');
    await goAvailable(agent);
    const booth = await openBooth(browser, srv, 'booth-mon-e2e', '监听测试晓屋');
    await callState(booth, 'idle');
    await booth.getByTestId('consult-button').click();
    await callState(booth, 'waiting');
    await agent.getByTestId('answer-button').click();
    await callState(booth, 'in-call');

    // A resident's line before the supervisor comes: replayed to the monitor on join.
    await booth.getByTestId('chat-input').fill('我想咨询退役军人优待');
    await booth.getByTestId('chat-send').click();
    await agent.getByTestId('chat-message').filter({ hasText: '我想咨询退役军人优待' }).waitFor({ timeout: 20_000 });

    const row = sup.locator('[data-testid="dash-session"]').filter({ hasText: '监听测试晓屋' });
    await row.waitFor({ timeout: 20_000 });
    const sessionId = (await row.getAttribute('data-session-id'))!;
    expect(sessionId).toMatch(/[0-9a-f-]{36}/);

    // ── 静默监听 ──
    const button = sup.locator(`[data-testid="dash-monitor"][data-session-id="${sessionId}"]`);
    expect(await button.isEnabled()).toBe(true);
    const t0 = Date.now();
    await button.click();
    const panel = sup.locator(`[data-testid="monitor-panel"][data-session-id="${sessionId}"]`);
    await panel.and(sup.locator('[data-state="live"]')).waitFor({ timeout: 30_000 });
    const tLive = Date.now() - t0;
    expect(await panel.textContent()).toContain('群众端不显示您');
    expect(await panel.textContent()).toContain('监听测试晓屋');

    const boothCam = panel.locator('[data-testid="monitor-video"][data-role="booth"][data-source="camera"]');
    const agentCam = panel.locator('[data-testid="monitor-video"][data-role="agent"][data-source="camera"]');
    await Promise.all([decoding(boothCam, 'booth camera'), decoding(agentCam, 'agent camera')]);
    const tVideo = Date.now() - t0;
    console.info(`[monitor] panel live after ${tLive} ms; both cameras decoding after ${tVideo} ms`);
    for (const v of [boothCam, agentCam]) {
      expect(await v.getAttribute('muted')).not.toBeNull();
      expect(await v.getAttribute('playsinline')).not.toBeNull();
    }
    // Labels, parties, the sound (on by default: the click was the gesture).
    expect(await panel.locator('[data-testid="monitor-video-panel"][data-role="agent"] figcaption').textContent()).toContain('周坐席');
    expect(await sup.getByTestId('monitor-audio').getAttribute('aria-pressed')).toBe('true');
    await waitFor(async () => (await panel.locator('[data-testid="monitor-sound"]').count()) >= 2, 'booth and agent microphones', 20_000);
    await waitFor(
      () => panel.locator('[data-testid="monitor-sound"]').evaluateAll((els) => els.every((el) => !(el as HTMLAudioElement).paused && !(el as HTMLAudioElement).muted)),
      'sound playing',
      10_000,
    );
    await sup.getByTestId('monitor-audio').click();
    expect(await sup.getByTestId('monitor-audio').getAttribute('aria-pressed')).toBe('false');
    expect(await panel.locator('[data-testid="monitor-sound"]').evaluateAll((els) => els.every((el) => (el as HTMLAudioElement).muted))).toBe(true);
    await sup.getByTestId('monitor-audio').click();
    expect(await panel.locator('[data-testid="monitor-party"][data-role="booth"]').count()).toBe(1);
    expect(await panel.locator('[data-testid="monitor-party"][data-role="agent"]').count()).toBe(1);
    expect(await panel.locator('[data-testid="monitor-party"][data-role="supervisor"]').count()).toBe(1);
    await panel.locator('[data-testid="monitor-duration"]').waitFor();
    // The resident's chat, read-only: the line from before the join, and a new one live.
    await panel.getByTestId('monitor-chat').filter({ hasText: '我想咨询退役军人优待' }).waitFor({ timeout: 10_000 });
    await agent.getByTestId('chat-input').fill('请出示身份证');
    await agent.getByTestId('chat-send').click();
    await panel.getByTestId('monitor-chat-message').filter({ hasText: '请出示身份证' }).waitFor({ timeout: 10_000 });
    expect(await panel.locator('[data-testid="monitor-chat"] input, [data-testid="monitor-chat"] textarea').count()).toBe(0);

    // The booth shows no sign of the supervisor.
    const boothSeen = await bodyText(booth);
    expect(boothSeen).not.toContain(SUP_NAME);
    expect(boothSeen).not.toContain('值班长');
    expect(boothSeen).not.toContain('静默');

    // Accessibility of the panel (axe, WCAG 2 A/AA): nothing serious or critical.
    const bad = await checkA11y(sup, 'monitor panel', { include: '[data-testid="monitor-panel"]' });
    expect(bad, describeViolations(bad)).toEqual([]);

    // ── 耳语 ──
    await sup.getByTestId('monitor-whisper-input').fill(WHISPER);
    await sup.getByTestId('monitor-whisper-send').click();
    const line = panel.getByTestId('monitor-whisper').filter({ hasText: WHISPER });
    await line.waitFor({ timeout: 10_000 });
    expect(await line.count()).toBe(1); // the ack and the server's event: one line
    expect(await sup.getByTestId('monitor-whisper-input').inputValue()).toBe('');
    // The agent's desk shows it in its 耳语 panel, and answers the same way.
    await agent.getByTestId('whisper-panel').getByTestId('whisper-message').filter({ hasText: WHISPER }).waitFor({ timeout: 10_000 });
    await agent.getByTestId('whisper-input').fill('好的，正在核对');
    await agent.getByTestId('whisper-send').click();
    await panel.getByTestId('monitor-whisper').filter({ hasText: '好的，正在核对' }).waitFor({ timeout: 10_000 });
    // The server's staff-only list has both.
    const key = `${srv.router.prefix}whisper:${sessionId}`;
    expect(key).toBe(`{xw}:whisper:${sessionId}`);
    const stored = (await srv.redis.lrange(key, 0, -1)).map((x) => JSON.parse(x) as { text: string; role: string; fromName: string });
    expect(stored).toEqual([expect.objectContaining({ text: WHISPER, role: 'supervisor', fromName: SUP_NAME }), expect.objectContaining({ text: '好的，正在核对', role: 'agent' })]);
    await new Promise((r) => setTimeout(r, 500));
    expect(await bodyText(booth)).not.toContain(WHISPER);
    expect(await bodyText(booth)).not.toContain('好的，正在核对');

    // ── 结束监听: the call goes on ──
    await sup.getByTestId('monitor-leave').click();
    await panel.waitFor({ state: 'detached', timeout: 10_000 });
    await waitFor(async () => {
      const s = (await srv.stats()).sessions.find((x) => x.sessionId === sessionId);
      return s && !s.parties.some((p) => p.role === 'supervisor');
    }, 'the supervisor left the session', 10_000);
    await new Promise((r) => setTimeout(r, 1_000));
    await callState(booth, 'in-call');
    expect(await agent.getByTestId('call-state').getAttribute('data-state')).toBe('in-call');
    const audit = (await srv.redis.xrange(`${srv.router.prefix}audit`, '-', '+')).map(([, f]) => f.join(' '));
    expect(audit.some((e) => e.includes('monitor-joined') && e.includes(sessionId))).toBe(true);
    expect(audit.some((e) => e.includes('monitor-left') && e.includes(sessionId))).toBe(true);

    // ── again, and the booth hangs up: the panel shows the end and closes ──
    await button.click();
    await panel.and(sup.locator('[data-state="live"]')).waitFor({ timeout: 30_000 });
    // The whisper from before is replayed.
    await panel.getByTestId('monitor-whisper').filter({ hasText: WHISPER }).waitFor({ timeout: 10_000 });
    await booth.getByTestId('hangup-button').click();
    await booth.getByTestId('hangup-confirm').click();
    await callState(booth, 'ended');
    await panel.and(sup.locator('[data-state="ended"]')).waitFor({ timeout: 20_000 });
    expect(await panel.getByTestId('monitor-ended').getAttribute('data-reason')).toBe('hangup');
    expect(await panel.locator('[data-testid="monitor-video"]').count()).toBe(0);
    await sup.getByTestId('monitor-close').click();
    await panel.waitFor({ state: 'detached', timeout: 10_000 });
  });

  it('pressing 静默监听 on another call leaves the first one', { timeout: 240_000 }, async () => {
    await srv.staff({ username: 'sup-mon2-e2e', name: '吴班长', role: 'supervisor' });
    const sup = await openSupervisor(browser, srv, 'sup-mon2-e2e');
    const sessions: string[] = [];
    for (const n of [1, 2]) {
      await srv.staff({ username: `agent-mon2-${n}`, name: `郑坐席${n}`, skills: ['tuiyi'] });
      const agent = await openConsole(browser, srv, `agent-mon2-${n}`);
      await goAvailable(agent);
      const booth = await openBooth(browser, srv, `booth-mon2-${n}`, `切换测试晓屋${n}`);
      await callState(booth, 'idle');
      await booth.getByTestId('consult-button').click();
      await callState(booth, 'waiting');
      await agent.getByTestId('answer-button').click();
      await callState(booth, 'in-call');
      const row = sup.locator('[data-testid="dash-session"]').filter({ hasText: `切换测试晓屋${n}` });
      await row.waitFor({ timeout: 20_000 });
      sessions.push((await row.getAttribute('data-session-id'))!);
    }
    const [first, second] = sessions as [string, string];
    const inSession = async (id: string) => !!(await srv.stats()).sessions.find((x) => x.sessionId === id)?.parties.some((p) => p.role === 'supervisor');

    await sup.locator(`[data-testid="dash-monitor"][data-session-id="${first}"]`).click();
    await sup.locator(`[data-testid="monitor-panel"][data-session-id="${first}"][data-state="live"]`).waitFor({ timeout: 30_000 });
    await waitFor(() => inSession(first), 'monitoring the first call', 10_000);

    await sup.locator(`[data-testid="dash-monitor"][data-session-id="${second}"]`).click();
    const panel = sup.locator(`[data-testid="monitor-panel"][data-session-id="${second}"]`);
    await panel.and(sup.locator('[data-state="live"]')).waitFor({ timeout: 30_000 });
    expect(await sup.getByTestId('monitor-panel').count()).toBe(1);
    await waitFor(async () => !(await inSession(first)) && (await inSession(second)), 'moved to the second call', 10_000);
    await decoding(panel.locator('[data-testid="monitor-video"][data-role="booth"][data-source="camera"]'), 'second booth camera');
    expect(await panel.locator('[data-testid="monitor-video-panel"][data-role="agent"] figcaption').textContent()).toContain('郑坐席2');
    await sup.getByTestId('monitor-leave').click();
    await panel.waitFor({ state: 'detached', timeout: 10_000 });
    await waitFor(async () => !(await inSession(second)), 'left the second call', 10_000);
  });
});
