/**
 * A deaf resident's call in three real browsers: the booth asks for 手语服务,
 * the agent answers, the interpreter pool is rung and the interpreter joins;
 * every party decodes the others' video, the booth shows the interpreter
 * large, text chat reaches everyone, and the interpreter can leave while the
 * call goes on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { inboundFigures, launchChromium } from '../support/browser';
import { callState, goAvailable, openBooth, openConsole } from '../support/pages';
import { startTestServer, waitFor, type TestServer } from '../support/server';

const state = callState;

async function login(browser: Browser, srv: TestServer, username: string): Promise<Page> {
  const page = await openConsole(browser, srv, username);
  await goAvailable(page);
  return page;
}

describe('sign-language interpreter joins a call (three browsers)', () => {
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

  it('resident asks for 手语服务, the interpreter joins as a third party, chat reaches everyone, the interpreter leaves and the call goes on', async () => {
    await srv.staff({ username: 'agent-sign-e2e', name: '王坐席', skills: ['tuiyi'] });
    await srv.staff({ username: 'interp-e2e', name: '赵老师', role: 'interpreter' });
    const agent = await login(browser, srv, 'agent-sign-e2e');
    const interp = await login(browser, srv, 'interp-e2e');

    const booth = await openBooth(browser, srv, 'booth-sign-e2e', '听障友好晓屋');
    await state(booth, 'idle');
    await booth.getByTestId('need-sign').first().click();
    await booth.getByTestId('consult-button').click();
    await state(booth, 'waiting');

    // consult goes to any agent; this one is the only agent on duty.
    await agent.getByTestId('answer-button').click();
    await state(booth, 'in-call');
    await interp.getByTestId('offer-panel').waitFor();
    await interp.getByTestId('answer-button').click();
    await state(interp, 'in-call');
    await booth.getByTestId('interpreter-video').waitFor();

    // Every party decodes the other two parties' video.
    for (const page of [booth, agent, interp]) {
      await waitFor(async () => {
        const f = await inboundFigures(page);
        return f.videoStreams >= 2 && f.videoFramesDecoded > 20 ? f : undefined;
      }, 'two remote videos decoding', 20_000);
    }
    // …and the interpreter's picture is showing (a layer switch can make the first frame wait for a keyframe).
    await waitFor(async () => (await booth.getByTestId('interpreter-video').evaluate((v: HTMLVideoElement) => v.videoWidth)) > 0, 'interpreter picture shown', 20_000);
    // The interpreter is the largest picture on the booth's screen.
    const area = async (id: string) => booth.getByTestId(id).evaluate((v) => v.getBoundingClientRect().width * v.getBoundingClientRect().height);
    expect(await area('interpreter-video')).toBeGreaterThan(await area('remote-video'));

    // Text chat both ways (quick phrases on the console).
    await booth.getByTestId('chat-input').fill('我想办理优待证');
    await booth.getByTestId('chat-send').click();
    await waitFor(async () => (await agent.getByTestId('chat-panel').textContent())?.includes('我想办理优待证'), 'chat at the agent');
    await waitFor(async () => (await interp.getByTestId('chat-panel').textContent())?.includes('我想办理优待证'), 'chat at the interpreter');
    await agent.getByTestId('quick-phrase').first().click();
    await waitFor(async () => (await booth.getByTestId('chat-panel').textContent())?.includes('请出示身份证'), 'quick phrase at the booth');

    // The interpreter leaves; the resident and the agent stay in the call.
    await interp.getByTestId('hangup-button').click();
    await interp.getByTestId('hangup-confirm').click();
    await waitFor(async () => (await booth.getByTestId('interp-status').textContent())?.includes('离开'), 'booth told the interpreter left');
    await state(booth, 'in-call');
    expect((await srv.stats()).sessions).toHaveLength(1);

    await booth.getByTestId('hangup-button').click();
    await booth.getByTestId('hangup-confirm').click();
    await state(booth, 'ended');
    await waitFor(async () => (await srv.stats()).counts.routers === 0, 'session closed');
  });
});
