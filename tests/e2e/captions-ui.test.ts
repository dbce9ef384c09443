/**
 * Issue 5's remaining booth pieces in real browsers: 「手语服务」 on the
 * waiting screen (noted, the interpreter pool is rung once the call starts),
 * the resident's quick replies in the booth chat, and the 「字幕」 toggle
 * (no speech engine ships: the booth says captions are not connected).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { callState, goAvailable, openBooth, openConsole } from '../support/pages';
import { startTestServer, waitFor, type TestServer } from '../support/server';

describe('booth accessibility in the call: waiting-screen 手语服务, quick replies, captions', () => {
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

  it('手语服务 while waiting rings the interpreter once answered; a quick reply reaches the agent; captions say they are unavailable', async () => {
    await srv.staff({ username: 'agent-cap-e2e', name: '李坐席', skills: ['tuiyi'] });
    await srv.staff({ username: 'interp-cap-e2e', name: '钱老师', role: 'interpreter' });
    const agent = await openConsole(browser, srv, 'agent-cap-e2e');
    await goAvailable(agent);
    const interp = await openConsole(browser, srv, 'interp-cap-e2e');
    await goAvailable(interp);

    const booth = await openBooth(browser, srv, 'booth-cap-e2e', '字幕测试晓屋');
    await callState(booth, 'idle');
    await booth.getByTestId('consult-button').click();
    await callState(booth, 'waiting');

    // 「手语服务」 on the waiting screen: pick the sign language, the booth notes it.
    await booth.getByTestId('waiting-sign').click();
    await booth.getByTestId('sign-variant-dialog').getByTestId('sign-variant-csl').click();
    await booth.getByTestId('waiting-sign-noted').waitFor();
    expect(await booth.getByTestId('waiting-sign-noted').textContent()).toContain('已为您预约手语翻译');

    // The agent answers: the interpreter pool is asked at once.
    await agent.getByTestId('answer-button').click();
    await callState(booth, 'in-call');
    await interp.getByTestId('offer-panel').waitFor({ timeout: 15_000 });

    // A resident quick reply is sent with one press.
    const reply = booth.getByTestId('resident-quick-reply').filter({ hasText: '请再说一遍' });
    await reply.click();
    await waitFor(async () => (await agent.getByTestId('chat-panel').textContent())?.includes('请再说一遍'), 'quick reply at the agent');
    // The console has no resident replies; the booth's 手写/拼音输入 focuses the text field.
    expect(await agent.getByTestId('resident-quick-reply').count()).toBe(0);
    await booth.getByTestId('chat-ime').click();
    expect(await booth.getByTestId('chat-input').evaluate((el) => el === document.activeElement)).toBe(true);

    // 字幕: no speech engine on this server, and the booth says so plainly.
    const toggle = booth.getByTestId('captions-toggle');
    expect(await toggle.getAttribute('aria-pressed')).toBe('false');
    await toggle.click();
    await booth.getByTestId('captions-unavailable').waitFor();
    expect(await booth.getByTestId('captions-unavailable').textContent()).toContain('实时字幕服务尚未接入');
    expect(await booth.getByTestId('caption-line').count()).toBe(0);
    expect(await agent.getByTestId('captions-toggle').count()).toBe(1);

    await booth.getByTestId('hangup-button').click();
    await booth.getByTestId('hangup-confirm').click();
    await callState(booth, 'ended');
  });
});
