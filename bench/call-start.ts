/**
 * Call start in real Chromium: from the agent pressing 接听 to the first video
 * frame decoded on each side, over N calls through the real server (real
 * mediasoup, real Redis, UI clicks included), split into "signaling" (the
 * booth shows the call) and "media" (first frame). Recording on, as in
 * production.
 */
import type { Page } from 'playwright-core';
import { launchChromium, inboundFigures } from '../tests/support/browser';
import { openBooth, openConsole } from '../tests/support/pages';
import { startTestServer } from '../tests/support/server';

export interface CallStartResult {
  calls: number;
  signalingMs: Stats;
  boothFirstFrameMs: Stats;
  agentFirstFrameMs: Stats;
}
interface Stats {
  p50: number;
  p95: number;
  p99: number;
}

const stats = (xs: number[]): Stats => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
  return { p50: at(50), p95: at(95), p99: at(99) };
};

async function until(page: Page, pred: () => Promise<boolean>, limitMs = 20_000): Promise<void> {
  const t0 = Date.now();
  while (!(await pred())) {
    if (Date.now() - t0 > limitMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
  void page;
}

export async function benchCallStart(calls: number): Promise<CallStartResult> {
  const srv = await startTestServer({ LOG_LEVEL: 'error', WRAP_UP_S: '0' });
  const browser = await launchChromium();
  try {
    await srv.staff({ username: 'agent-bench', skills: ['shebao'] });
    const agent = await openConsole(browser, srv, 'agent-bench');
    const booth = await openBooth(browser, srv, 'booth-bench');
    const sig: number[] = [];
    const boothFrame: number[] = [];
    const agentFrame: number[] = [];
    await agent.getByTestId('state-available').click();
    for (let i = 0; i < calls; i++) {
      await agent.locator('[data-testid="agent-state"][data-state="available"]').waitFor();
      await booth.locator('[data-testid="call-state"][data-state="idle"]').waitFor();
      await booth.getByTestId('consult-button').click();
      await agent.getByTestId('answer-button').waitFor();
      const t0 = performance.now();
      await agent.getByTestId('answer-button').click();
      await booth.locator('[data-testid="call-state"][data-state="in-call"]').waitFor();
      sig.push(performance.now() - t0);
      let b = 0;
      let a = 0;
      await until(booth, async () => {
        const [fb, fa] = await Promise.all([b ? undefined : inboundFigures(booth), a ? undefined : inboundFigures(agent)]);
        if (fb && fb.videoFramesDecoded > 0) b = performance.now() - t0;
        if (fa && fa.videoFramesDecoded > 0) a = performance.now() - t0;
        return b > 0 && a > 0;
      });
      boothFrame.push(b);
      agentFrame.push(a);
      await booth.getByTestId('hangup-button').click();
      await booth.getByTestId('hangup-confirm').click();
      await booth.getByTestId('home-button').click();
      // WRAP_UP_S=0: the agent is available again within the sweeper's 0.5 s.
      await agent.locator('[data-testid="agent-state"][data-state="available"]').waitFor();
    }
    return { calls, signalingMs: stats(sig), boothFirstFrameMs: stats(boothFrame), agentFirstFrameMs: stats(agentFrame) };
  } finally {
    await browser.close();
    await srv.close();
  }
}
