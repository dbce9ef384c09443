/**
 * Issue 7 in real browsers against the real sfu (mediasoup, Redis): the
 * supervisor's live dashboard follows a call, the booth rates 不满意 with a
 * reason after it, and the dashboard shows the rating and the follow-up
 * (整改) without a reload; a 办不成事 report from the booth reaches the
 * supervisor's list; the booth's heartbeat shows it online with its devices.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { callState, goAvailable, openBooth, openConsole, openSupervisor } from '../support/pages';
import { startTestServer, type TestServer } from '../support/server';


describe('supervisor dashboard, 好差评 and 办不成事 in the browser', () => {
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

  it('a rating of 不满意 and a 办不成事 report appear live on the dashboard', async () => {
    await srv.staff({ username: 'sup-e2e', name: '赵班长', role: 'supervisor' });
    await srv.staff({ username: 'agent-sup-e2e', name: '王坐席', skills: ['tuiyi'] });
    const sup = await openSupervisor(browser, srv, 'sup-e2e');
    await sup.getByTestId('supervisor-tab-dashboard').click();
    // Marks this document: still there at the end = nothing was reloaded.
    await sup.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));

    const agent = await openConsole(browser, srv, 'agent-sup-e2e');
    await goAvailable(agent);
    await sup.locator('[data-testid="dash-agent"][data-agent-id="agent-sup-e2e"][data-state="available"]').waitFor();

    const booth = await openBooth(browser, srv, 'booth-sup-e2e', '督办测试晓屋');
    await callState(booth, 'idle');
    // The booth's heartbeat: online, with its device checks.
    const tile = sup.locator('[data-testid="dash-booth"][data-booth-id="booth-sup-e2e"]');
    await tile.and(sup.locator('[data-online="true"]')).waitFor({ timeout: 15_000 });

    await booth.getByTestId('consult-button').click();
    await callState(booth, 'waiting');
    await agent.getByTestId('answer-button').click();
    await callState(booth, 'in-call');
    const row = sup.locator('[data-testid="dash-session"]').filter({ hasText: '督办测试晓屋' });
    await row.waitFor();
    const sessionId = (await row.getAttribute('data-session-id'))!;
    expect(sessionId).toMatch(/[0-9a-f-]{36}/);
    await sup.locator('[data-testid="dash-agent"][data-agent-id="agent-sup-e2e"][data-state="in-call"]').waitFor();

    // The resident hangs up and rates 不满意 with a reason.
    await booth.getByTestId('hangup-button').click();
    await booth.getByTestId('hangup-confirm').click();
    await callState(booth, 'ended');
    await row.waitFor({ state: 'detached' });
    await booth.getByTestId('rate-2').click();
    const reason = booth.getByTestId('rate-reason').first();
    const reasonText = (await reason.textContent())!.trim();
    await reason.click();
    await booth.getByTestId('rate-comment').fill('排队等了很久');
    await booth.getByTestId('rate-submit').click();
    await booth.getByTestId('rate-done').waitFor();

    // Live on the dashboard: the rating and the follow-up.
    const rating = sup.locator(`[data-testid="dash-rating"][data-session-id="${sessionId}"]`);
    await rating.waitFor({ timeout: 10_000 });
    expect(await rating.getAttribute('data-level')).toBe('2');
    expect(await rating.textContent()).toContain('不满意');
    expect(await rating.textContent()).toContain('排队等了很久'); // typed on the end screen, nothing lost
    const followUp = sup.locator('[data-testid="dash-followup"][data-kind="bad-rating"][data-state="open"]');
    await followUp.first().waitFor();
    expect(await followUp.first().textContent()).toContain('不满意');
    expect(reasonText.length).toBeGreaterThan(0);

    // 办不成事 from the end screen (typing keeps the end screen up and must not lose a character).
    expect(await booth.getByTestId('call-state').getAttribute('data-state')).toBe('ended');
    await booth.getByTestId('cgd-open').click();
    await booth.getByTestId('cgd-what').fill('办理老年人优待证');
    await booth.getByTestId('cgd-reason').first().click();
    await booth.getByTestId('cgd-why').fill('社区说要去区里办，区里说要回社区');
    await booth.getByTestId('cgd-submit').click();
    await booth.locator('[data-testid="cgd-done"], [data-testid="cgd-error"], [data-testid="cgd-missing"]').first().waitFor();
    expect(await booth.getByTestId('cgd-error').count(), (await booth.getByTestId('cgd-dialog').textContent()) ?? '').toBe(0);
    await booth.getByTestId('cgd-done').waitFor();
    const report = sup.locator('[data-testid="dash-followup"][data-kind="cant-get-done"]').filter({ hasText: '办理老年人优待证' });
    await report.waitFor({ timeout: 10_000 });
    expect(await sup.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);

    // The follow-up list: the report is there, and the bad rating can be closed only after calling back.
    await sup.getByTestId('supervisor-tab-feedback').click();
    await sup.locator('[data-testid="fu-row"][data-kind="cant-get-done"]').filter({ hasText: '办理老年人优待证' }).waitFor();
    const bad = sup.locator('[data-testid="fu-row"][data-kind="bad-rating"][data-state="open"]').first();
    await bad.getByTestId('fu-resolve-open').click();
    await sup.getByTestId('fu-resolution').fill('已电话回访，增加午间坐席');
    await sup.getByTestId('fu-calledback').check();
    await sup.getByTestId('fu-resolve-submit').click();
    await sup.locator('[data-testid="fu-row"][data-kind="bad-rating"][data-state="resolved"]').first().waitFor();
    expect((await srv.feedback.followUps()).find((f) => f.kind === 'bad-rating')).toMatchObject({ state: 'resolved', calledBack: true });
  });
});
