/**
 * Automated accessibility check (axe-core, WCAG 2 A/AA) of the main screens in
 * real Chromium: the booth's start, notice, waiting and call screens (also with
 * 高对比 + 大字 + 长者模式 on), the console's login page and desk, and the
 * interpreter's console with a sign-language offer. No violation of impact
 * 'serious' or 'critical' is allowed; the others are printed.
 *
 * On the way it checks the booth's accessibility features: the display modes
 * on every screen, paging in elderly mode, the choice of sign language before
 * the call reaching the interpreter's offer, the visual 「已接通」, and the end
 * screen's slower way home in elderly mode.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, newPage } from '../support/browser';
import { callState, goAvailable, openBooth, openConsole } from '../support/pages';
import { startTestServer, waitFor, TEST_PASSWORD, type TestServer } from '../support/server';
import { checkA11y, describeViolations } from '../support/axe';

async function expectAccessible(page: Page, screen: string, opts: { include?: string; exclude?: string[] } = {}): Promise<void> {
  const bad = await checkA11y(page, screen, opts);
  expect(bad, `${screen}:\n${describeViolations(bad)}`).toEqual([]);
}

const pressed = (page: Page, testId: string) => page.getByTestId(testId).getAttribute('aria-pressed');

describe('accessibility of the main screens (axe-core)', () => {
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

  it('console login and desk, booth screens in every display mode, the interpreter offer with its sign language: no serious violations', async () => {
    await srv.staff({ username: 'agent-a11y', name: '王坐席', skills: ['shebao'] });
    await srv.staff({ username: 'interp-a11y', name: '钱老师', role: 'interpreter', tags: ['sign:csl', 'sign:bj'] });

    // ── the console: login page, then the desk offline and available ──
    const agent = await newPage(browser, `${srv.url}/agent/`);
    await agent.getByTestId('login-username').waitFor();
    await expectAccessible(agent, 'console login');
    await agent.getByTestId('login-username').fill('agent-a11y');
    await agent.getByTestId('login-password').fill(TEST_PASSWORD);
    await agent.getByTestId('login-submit').click();
    await agent.locator('[data-testid="agent-state"][data-state="offline"]').waitFor();
    await expectAccessible(agent, 'agent desk (offline)');
    await goAvailable(agent);
    await expectAccessible(agent, 'agent desk (available)');

    const interp = await openConsole(browser, srv, 'interp-a11y');
    await expectAccessible(interp, 'interpreter desk (offline)');
    await goAvailable(interp);
    await expectAccessible(interp, 'interpreter desk (available)');

    // ── the booth's start screen, plain and with every display mode on ──
    const booth = await openBooth(browser, srv, 'booth-a11y', '无障碍测试晓屋');
    await callState(booth, 'idle');
    await booth.getByTestId('popular-matters').waitFor();
    await expectAccessible(booth, 'booth home');

    expect(await pressed(booth, 'high-contrast')).toBe('false');
    for (const mode of ['high-contrast', 'large-text', 'elderly-mode']) await booth.getByTestId(mode).click();
    expect(await pressed(booth, 'high-contrast')).toBe('true');
    expect(await booth.getByTestId('call-state').getAttribute('class')).toMatch(/mode-high-contrast.*mode-elderly|mode-elderly.*mode-high-contrast/);
    // 长者模式: fewer items per screen, with 「下一页」.
    const departments = booth.locator('[data-testid^="department-"]');
    expect(await departments.count()).toBe(6);
    await booth.getByTestId('departments-next').click();
    await waitFor(async () => (await booth.getByTestId('departments-pager').getAttribute('data-page')) === '2', 'second page of departments');
    expect(await departments.count()).toBeLessThanOrEqual(6);
    await expectAccessible(booth, 'booth home (high contrast, large text, elderly)');
    for (const mode of ['high-contrast', 'large-text']) await booth.getByTestId(mode).click();
    expect(await departments.count()).toBeLessThanOrEqual(6);
    await booth.getByTestId('elderly-mode').click();
    expect(await departments.count()).toBe(10);

    // ── the notice, with 手语服务 and the choice of sign language ──
    await booth.getByTestId('matter-search').fill('txsl');
    await booth.getByTestId('search-results').getByTestId('matter-shebao-retire-pension').click();
    await booth.getByTestId('notice').waitFor();
    await expectAccessible(booth, 'booth notice');
    await booth.getByTestId('need-sign').click();
    await booth.getByTestId('sign-variants').waitFor();
    expect(await booth.getByTestId('sign-variants').getAttribute('data-variant')).toBe('csl');
    await booth.getByTestId('sign-variant-bj').click();
    expect(await booth.getByTestId('sign-variant-bj').isChecked()).toBe(true);
    await expectAccessible(booth, 'booth notice (sign language chosen)');

    // ── waiting: the agent is offered the resident; the offer says which sign language ──
    await agent.getByTestId('state-away').click();
    await agent.locator('[data-testid="agent-state"][data-state="away"]').waitFor();
    await booth.getByTestId('call-button').click();
    await callState(booth, 'waiting');
    await booth.getByTestId('queue-position').waitFor();
    await expectAccessible(booth, 'booth waiting');
    await agent.getByTestId('state-available').click();
    await agent.getByTestId('offer-panel').waitFor();
    expect(await agent.getByTestId('badge-sign-variant').getAttribute('data-variant')).toBe('bj');
    await expectAccessible(agent, 'agent offer');

    // ── in the call: 「已接通」 is shown, the interpreter is offered the session in 北京方言手语 ──
    await agent.getByTestId('answer-button').click();
    await callState(booth, 'in-call');
    await booth.getByTestId('call-answered').waitFor();
    await interp.getByTestId('offer-panel').waitFor();
    expect(await interp.getByTestId('offer-sign-variant').getAttribute('data-variant')).toBe('bj');
    expect(await interp.getByTestId('offer-sign-variant').textContent()).toContain('北京方言手语');
    await expectAccessible(interp, 'interpreter offer');
    await expectAccessible(booth, 'booth in call');

    // ── 长者模式 on the call screen: the end screen waits twice as long before going home ──
    await booth.getByTestId('elderly-mode').click();
    await booth.getByTestId('hangup-button').click();
    await booth.getByTestId('hangup-confirm').click();
    await callState(booth, 'ended');
    const seconds = Number((await booth.locator('.screen.ended > .hint').textContent())?.match(/\d+/)?.[0]);
    expect(seconds).toBeGreaterThan(45); // 30 s to rate first, doubled
    expect(await pressed(booth, 'elderly-mode')).toBe('true');
    await expectAccessible(booth, 'booth ended (elderly)');
  });
});
