/**
 * 录像回放 end to end: a real call is recorded, muxed into per-track files,
 * and a supervisor reviews it in the console — the list, the session with its
 * four tracks played in sync (decoded video, seeking puts every element on the
 * session clock), parties, chat, case and integrity — with every view and play
 * audited; agents are refused the list.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { callState, goAvailable, openBooth, openConsole, openSupervisor } from '../support/pages';
import { startTestServer, waitFor, type TestServer } from '../support/server';


interface MediaFigures {
  track: string;
  kind: string;
  offset: number;
  active: boolean;
  currentTime: number;
  paused: boolean;
  videoWidth: number;
}

function mediaFigures(page: Page): Promise<MediaFigures[]> {
  return page.getByTestId('player-track').evaluateAll((els) =>
    (els as HTMLMediaElement[]).map((el) => ({
      track: el.dataset.track ?? '',
      kind: el.dataset.kind ?? '',
      offset: Number(el.dataset.offsetMs) / 1000,
      active: el.dataset.active === 'true',
      currentTime: el.currentTime,
      paused: el.paused,
      videoWidth: el instanceof HTMLVideoElement ? el.videoWidth : 0,
    })),
  );
}

/** Sets the timeline like a user dragging it (the value through the native setter, then `input`). */
async function seekTimeline(page: Page, seconds: number): Promise<void> {
  await page.getByTestId('player-timeline').evaluate((el: HTMLInputElement, v) => {
    Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!.call(el, String(v));
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }, seconds);
}

type AuditEntry = Record<string, string>;

async function auditLog(srv: TestServer): Promise<AuditEntry[]> {
  return (await srv.redis.xrange('{xw}:audit', '-', '+')).map(([, f]) => Object.fromEntries(Array.from({ length: f.length / 2 }, (_, i) => [f[2 * i], f[2 * i + 1]])) as AuditEntry);
}

describe('supervisor reviews a recorded call in the console', () => {
  let srv: TestServer;
  let browser: Browser;
  beforeAll(async () => {
    srv = await startTestServer({ RECORD_SEGMENT_S: '2' });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await srv?.close();
  });

  it('lists the session, plays its four tracks in sync, shows parties, chat, case and integrity, and audits every view and play', async () => {
    // ── a recorded call ────────────────────────────────────────────────────────
    await srv.staff({ username: 'agent-rec', name: '录像坐席', skills: ['shebao'] });
    const agent = await openConsole(browser, srv, 'agent-rec');
    const booth = await openBooth(browser, srv, 'booth-rec', '回放社区晓屋');
    await callState(booth, 'idle');
    await booth.getByTestId('matter-search').fill('txsl');
    await booth.getByTestId('search-results').getByTestId('matter-shebao-retire-pension').click();
    await booth.getByTestId('notice').waitFor();
    await goAvailable(agent);
    await booth.getByTestId('call-button').click();
    await agent.getByTestId('offer-panel').waitFor({ timeout: 20_000 });
    await agent.getByTestId('answer-button').click();
    await callState(agent, 'in-call');
    await callState(booth, 'in-call');
    const sessionId = await waitFor(async () => (await srv.stats()).sessions[0]?.sessionId, 'the session in the media stats');
    await booth.getByTestId('recording-indicator').waitFor();
    // A chat line for the transcript.
    await agent.getByTestId('chat-input').fill('您好，请出示身份证');
    await agent.getByTestId('chat-send').click();
    await agent.getByTestId('chat-message').filter({ hasText: '请出示身份证' }).waitFor();
    // Some seconds of call (ffmpeg needs ~3–4 s to see the first keyframe and start writing video).
    await new Promise((r) => setTimeout(r, 6000));
    await booth.getByTestId('hangup-button').click();
    await booth.getByTestId('hangup-confirm').click();
    await callState(booth, 'ended');
    await waitFor(() => srv.calls.recordingDone.has(sessionId), 'the session to close');
    await srv.calls.recordingDone.get(sessionId);
    await Promise.all([agent.context().close(), booth.context().close()]); // two cores: only the reviewer's page from here

    // ── the list ───────────────────────────────────────────────────────────────
    await srv.staff({ username: 'sup-rec', name: '回放值班长', role: 'supervisor' });
    const sup = await openSupervisor(browser, srv, 'sup-rec', { width: 1440, height: 900 });
    expect(await sup.getByTestId('app-title').getAttribute('data-role')).toBe('supervisor');
    expect(await sup.getByTestId('agent-state').count()).toBe(0); // no agent desk
    // 监控大屏 opens first; the reviewer goes to 录像回放.
    expect(await sup.getByTestId('supervisor-tab-dashboard').getAttribute('aria-selected')).toBe('true');
    await sup.getByTestId('supervisor-tab-recordings').click();
    expect(await sup.getByTestId('supervisor-tab-recordings').getAttribute('aria-selected')).toBe('true');
    const list = sup.getByTestId('recordings-list');
    const row = list.locator(`[data-testid="recording-row"][data-session-id="${sessionId}"]`);
    await row.waitFor();
    const rowText = (await row.textContent()) ?? '';
    expect(rowText).toContain('回放社区晓屋');
    expect(rowText).toContain('录像坐席');
    expect(rowText).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/);
    expect(await row.getByTestId('recording-duration').textContent()).toMatch(/^00:(0[5-9]|1\d)/);
    const caseNo = ((await row.getByTestId('recording-cases').textContent()) ?? '').trim();
    expect(caseNo).toMatch(/^\d{10,}$/);
    // The filter narrows the loaded rows (by agent, case number), and a miss says so.
    await sup.getByTestId('recordings-filter').fill('no-such-booth');
    await expect.poll(() => list.getByTestId('recording-row').count()).toBe(0);
    await sup.getByTestId('recordings-filter').fill(caseNo);
    await row.waitFor();
    await sup.getByTestId('recordings-filter').fill('录像坐席');
    await row.waitFor();

    // ── the session ────────────────────────────────────────────────────────────
    await row.getByTestId('recording-open').click();
    const view = sup.locator(`[data-testid="recording-view"][data-session-id="${sessionId}"][data-state="ready"]`);
    await view.waitFor();
    expect(await list.isHidden()).toBe(true);
    // Integrity of the hash chain.
    const integrity = view.getByTestId('recording-integrity');
    expect(await integrity.getAttribute('data-ok')).toBe('true');
    expect(await view.getByTestId('recording-integrity-problem').count()).toBe(0);
    // Parties with their times, the chat transcript, the case with its state and materials.
    const parties = await view.getByTestId('recording-party').evaluateAll((els) => els.map((e) => `${(e as HTMLElement).dataset.role}:${(e as HTMLElement).dataset.userId}`));
    expect(parties.sort()).toEqual(['agent:agent-rec', 'booth:booth-rec']);
    expect(await view.getByTestId('recording-parties-panel').textContent()).toMatch(/\d{2}:\d{2}:\d{2}/);
    expect(await view.getByTestId('recording-chat-line').filter({ hasText: '您好，请出示身份证' }).count()).toBe(1);
    const theCase = view.locator(`[data-testid="recording-case"][data-case-no="${caseNo}"]`);
    await view.locator(`[data-testid="recording-case"][data-case-no="${caseNo}"]:not([data-state="loading"])`).waitFor();
    expect(await theCase.getAttribute('data-state')).not.toBe('error');
    expect(await theCase.getByTestId('recording-case-state').textContent()).toBeTruthy();
    expect(await theCase.getByTestId('recording-case-material').count()).toBeGreaterThan(0);
    // Masked by default, full on request.
    expect(await theCase.getAttribute('data-masked')).toBe('true');
    expect(await theCase.getByTestId('recording-case-id').textContent()).toContain('********');
    await theCase.getByTestId('recording-case-unmask').click();
    expect(await theCase.getByTestId('recording-case-id').textContent()).toMatch(/^\d{17}[\dX]$/);

    // ── the player: four tracks, loaded, on one clock ─────────────────────────────
    await expect.poll(() => view.getByTestId('player-track').count()).toBe(4);
    const kinds = (await mediaFigures(sup)).map((m) => `${m.kind}:${m.track}`).sort();
    expect(kinds).toEqual(['audio:agent-agent-rec-mic', 'audio:booth-booth-rec-mic', 'video:agent-agent-rec-camera', 'video:booth-booth-rec-camera']);
    const captions = await view.getByTestId('player-video').allTextContents();
    expect(captions.some((c) => c.includes('回放社区晓屋') && c.includes('居民摄像头'))).toBe(true);
    expect(captions.some((c) => c.includes('录像坐席') && c.includes('坐席'))).toBe(true);
    // The first video is the booth camera, shown large.
    expect(await view.getByTestId('player-video').first().getAttribute('data-track')).toBe('booth-booth-rec-camera');
    const play = view.getByTestId('player-play');
    await view.locator('[data-testid="player-play"]:not([disabled])').waitFor({ timeout: 20_000 });
    expect(await view.getByTestId('player-loading').count()).toBe(0);
    const duration = Number(await view.getByTestId('player-timeline').getAttribute('max'));
    expect(duration).toBeGreaterThan(4);

    // Play: the booth camera decodes and advances.
    await play.click();
    expect(await play.getAttribute('data-playing')).toBe('true');
    const boothCam = view.locator('video[data-track="booth-booth-rec-camera"]');
    const first = await waitFor(async () => {
      const v = await boothCam.evaluate((el: HTMLVideoElement) => ({ t: el.currentTime, w: el.videoWidth, paused: el.paused }));
      return v.w > 0 && v.t > 0.3 && !v.paused ? v : undefined;
    }, 'the booth camera playing', 10_000);
    await new Promise((r) => setTimeout(r, 700));
    const later = await boothCam.evaluate((el: HTMLVideoElement) => el.currentTime);
    expect(later).toBeGreaterThan(first.t + 0.3);
    expect(first.w).toBeGreaterThan(0);

    // Seek while playing: every active element follows the clock (t − offset), within the drift allowance.
    await seekTimeline(sup, 3);
    await new Promise((r) => setTimeout(r, 1200));
    const clock = Number(await view.getByTestId('recording-player').getAttribute('data-time'));
    const playing = await mediaFigures(sup);
    expect(clock).toBeGreaterThan(3.5);
    expect(clock).toBeLessThan(5.5);
    const onClock = playing.filter((m) => m.active);
    expect(onClock.map((m) => m.track)).toContain('booth-booth-rec-camera');
    const positions = onClock.map((m) => m.currentTime + m.offset);
    console.log(`[recordings] clock ${clock.toFixed(2)} s; tracks at ${onClock.map((m) => `${m.track}=${(m.currentTime + m.offset).toFixed(2)}`).join(', ')}`);
    for (const m of onClock) expect(m.paused).toBe(false);
    // All tracks within 0.5 s of each other on the session clock, and near the player clock (read a moment apart).
    expect(Math.max(...positions) - Math.min(...positions)).toBeLessThan(0.5);
    for (const p of positions) expect(Math.abs(p - clock)).toBeLessThan(0.6);

    // Pause and seek: every element exactly at t − offset, and the time shown.
    await play.click();
    expect(await play.getAttribute('data-playing')).toBe('false');
    await seekTimeline(sup, 3);
    await expect.poll(async () => view.getByTestId('player-time').getAttribute('data-seconds')).toBe('3.0');
    expect(await view.getByTestId('player-time').textContent()).toContain('00:03');
    const parked = await waitFor(async () => {
      const ms = await mediaFigures(sup);
      return ms.every((m) => !m.active || Math.abs(m.currentTime - (3 - m.offset)) < 0.05) ? ms : undefined;
    }, 'elements at t − offset', 3_000);
    for (const m of parked) {
      expect(m.paused).toBe(true);
      if (m.active) expect(m.currentTime).toBeCloseTo(3 - m.offset, 1);
    }

    // Back to the list: it kept its rows and filter.
    await view.getByTestId('recording-back').click();
    await list.waitFor();
    expect(await sup.getByTestId('recordings-filter').inputValue()).toBe('录像坐席');
    await row.waitFor();

    // ── the audit trail, and who may list ───────────────────────────────────────────
    const audit = (await auditLog(srv)).filter((e) => e.sessionId === sessionId && e.who === 'supervisor:sup-rec');
    expect(audit.filter((e) => e.action === 'recording-viewed')).toHaveLength(1);
    const played = audit.filter((e) => e.action === 'recording-played').map((e) => e.file).sort();
    expect(played).toEqual(['agent-agent-rec-camera.webm', 'agent-agent-rec-mic.webm', 'booth-booth-rec-camera.webm', 'booth-booth-rec-mic.webm']);
    const agentToken = await srv.tokens.issue({ role: 'agent', userId: 'agent-rec', name: '录像坐席' });
    expect((await fetch(`${srv.url}/api/recordings`, { headers: { authorization: `Bearer ${agentToken.token}` } })).status).toBe(403);
  });
});
