/**
 * The two other endings of a remote review, in real browsers against the real
 * sfu, mediasoup and Redis (the booth's document camera and printer as in
 * documents.test.ts):
 *
 * 1. 告知承诺制: the agent accepts the ID card, then lets a signed commitment
 *    replace the proof of residence; 受理 waits while the booth shows the whole
 *    letter, the resident signs it on the touch screen, the signed letter is
 *    printed (read back: the case, the material, the signature image); then
 *    受理, and the receipt is signed and printed as usual. The case records a
 *    'commitment' signature bound to the letter (not to the PNG).
 * 2. 不予受理: on a second call the agent marks a material missing with a
 *    reason and refuses with a reason of its own; the booth shows every reason
 *    at once and prints the notice, which holds them all.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser';
import { callState, goAvailable, openConsole } from '../support/pages';
import { startTestServer, waitFor, type TestServer } from '../support/server';
import { api } from '../support/api';
import { pdfText } from '../support/pdf';
import { drawSignature, launchBoothBrowser, makeDocumentVideo, openConfiguredBooth, pdfImages, startPrintService, type PrintService } from '../support/documents';

const MATTER = 'gongan-residence-register';
const MATTER_NAME = '来京人员居住登记';
const ID_CARD = 'idcard';
const RESIDENCE = 'zhuzhi-zhengming';
const RESIDENCE_NAME = '住所证明';

const squash = (s: string) => s.replace(/\s+/g, '');

describe('告知承诺制 and 不予受理 at the booth', () => {
  let srv: TestServer;
  let boothBrowser: Browser;
  let browser: Browser;
  let tmp: string;
  let printer: PrintService;
  let agent: Page;
  let agentToken: string;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xw-commit-'));
    const video = makeDocumentVideo(tmp);
    srv = await startTestServer();
    printer = await startPrintService();
    browser = await launchChromium();
    boothBrowser = await launchBoothBrowser(video);
    agentToken = await srv.staff({ username: 'agent-commit', name: '公安坐席', skills: ['gongan'] });
    agent = await openConsole(browser, srv, 'agent-commit');
    await goAvailable(agent);
  });
  afterAll(async () => {
    await boothBrowser?.close();
    await browser?.close();
    await printer?.close();
    await srv?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  const fetchCase = async (caseNo: string) => (await api(srv, 'GET', `/cases/${caseNo}`, { token: agentToken })).body.data;

  /** A booth calls on the matter, the agent answers; resolves with the case number both screens show. */
  async function callOnMatter(boothId: string): Promise<{ booth: Page; caseNo: string }> {
    // One camera that is also the document camera; letters, receipts and notices go to the loopback print service.
    const booth = await openConfiguredBooth(boothBrowser, srv, boothId, { docCamera: { kind: 'same' }, printer: { kind: 'service', url: printer.url } });
    await callState(booth, 'idle');
    await booth.getByTestId('matter-search').fill('居住登记');
    await booth.getByTestId('search-results').getByTestId(`matter-${MATTER}`).click();
    await booth.getByTestId('notice').waitFor();
    await booth.getByTestId('call-button').click();
    await agent.getByTestId('answer-button').click();
    await callState(agent, 'in-call');
    await callState(booth, 'in-call');
    const caseNo = (await waitFor(async () => (await booth.getByTestId('case-number').textContent())?.match(/\d{19}/)?.[0], 'case number at the booth', 20_000))!;
    await agent.locator(`[data-testid="review-case-number"]:has-text("${caseNo}")`).waitFor({ timeout: 15_000 });
    await agent.getByTestId('start-review').click();
    await agent.locator('[data-testid="review-state"][data-state="under_review"]').waitFor();
    return { booth, caseNo };
  }

  it('告知承诺: 受理 waits for the letter; the booth shows it, the resident signs, it is printed; then 受理 and the receipt', async () => {
    const { booth, caseNo } = await callOnMatter('booth-commit');
    expect((await fetchCase(caseNo)).materials.map((m: { materialId: string; commitmentAllowed: boolean }) => [m.materialId, m.commitmentAllowed])).toEqual([
      [ID_CARD, false],
      [RESIDENCE, true],
    ]);

    // The ID card by remote capture, accepted. It offers no commitment; the proof of residence does.
    expect(await agent.getByTestId(`verdict-commit-${ID_CARD}`).count()).toBe(0);
    await agent.getByTestId(`capture-request-${ID_CARD}`).click();
    await agent.locator(`[data-testid="review-material"][data-material-id="${ID_CARD}"] [data-testid="material-file"]`).waitFor({ timeout: 20_000 });
    await agent.getByTestId(`verdict-accept-${ID_CARD}`).click();
    await booth.locator(`[data-testid="material-row"][data-material-id="${ID_CARD}"][data-verdict="accepted"]`).waitFor({ timeout: 10_000 });

    // 改为告知承诺, confirmed: the case waits for the signed letter and the console says so.
    await agent.getByTestId(`verdict-commit-${RESIDENCE}`).click();
    await agent.getByTestId('commit-confirm-form').waitFor();
    await agent.getByTestId('commit-confirm').click();
    await agent.locator(`[data-testid="review-material"][data-material-id="${RESIDENCE}"][data-verdict="committed"]`).waitFor();
    await agent.locator('[data-testid="commitment-status"][data-state="unsigned"]').waitFor();
    const accept = agent.getByTestId('accept-case');
    expect(await accept.isDisabled()).toBe(true);
    expect(await accept.getAttribute('data-waiting')).toBe('commitment');

    // The booth: the whole letter, large and readable, then the pad (no receipt step yet).
    await booth.locator('[data-testid="commitment-panel"][data-state="ready"]').waitFor({ timeout: 15_000 });
    await booth.locator(`[data-testid="material-row"][data-material-id="${RESIDENCE}"][data-verdict="committed"]`).waitFor();
    const letter = (await booth.getByTestId('commitment-text').textContent()) ?? '';
    const c1 = await fetchCase(caseNo);
    expect(letter).toBe(c1.commitment.text);
    expect(letter).toContain(RESIDENCE_NAME);
    expect(letter).toContain(MATTER_NAME);
    expect(Number.parseFloat(await booth.getByTestId('commitment-text').evaluate((e) => getComputedStyle(e).fontSize))).toBeGreaterThanOrEqual(30);
    expect(await booth.getByTestId('sign-panel').count()).toBe(0);
    expect(await booth.getByTestId('sign-submit').isDisabled()).toBe(true); // nothing signed yet
    await drawSignature(booth);
    await booth.getByTestId('sign-submit').click();
    await booth.locator('[data-testid="commitment-print-status"][data-state="printed"]').waitFor({ timeout: 20_000 });

    // The printed letter: the case, the material it replaces, and the handwritten signature in it.
    expect(printer.jobs).toHaveLength(1);
    const letterJob = printer.jobs[0]!;
    expect(letterJob.title).toBe(`告知承诺书 ${caseNo}`);
    const letterText = squash(pdfText(letterJob.pdf));
    expect(letterText).toContain(caseNo);
    expect(letterText).toContain(RESIDENCE_NAME);
    expect(letterText).toContain('告知承诺书');
    expect(pdfImages(letterJob.pdf).length).toBeGreaterThanOrEqual(1);

    // The signature is on record, bound to the letter: the console sees it signed and 受理 goes through.
    const c2 = await fetchCase(caseNo);
    const sig = c2.signatures.find((s: { purpose: string }) => s.purpose === 'commitment');
    expect(sig.sha256).toMatch(/^[a-f0-9]{64}$/);
    expect(sig.documentSha256).toMatch(/^[a-f0-9]{64}$/);
    expect(sig.documentSha256).not.toBe(sig.sha256);
    expect((await sharp((await api(srv, 'GET', `/files/${sig.sha256}`, { token: agentToken })).body.data as Uint8Array).metadata()).format).toBe('png');
    await agent.locator('[data-testid="commitment-status"][data-state="signed"]').waitFor({ timeout: 10_000 });
    await accept.click();
    await agent.locator('[data-testid="review-state"][data-state="accepted"]').waitFor();

    // The receipt as usual: the commitment step has made room for it.
    await booth.getByTestId('sign-panel').waitFor({ timeout: 15_000 });
    expect(await booth.getByTestId('commitment-panel').count()).toBe(0);
    await drawSignature(booth);
    await booth.getByTestId('sign-submit').click();
    await booth.locator('[data-testid="print-status"][data-state="printed"]').waitFor({ timeout: 20_000 });
    expect(printer.jobs).toHaveLength(2);
    expect(printer.jobs[1]!.title).toBe(`受理回执 ${caseNo}`);
    expect(squash(pdfText(printer.jobs[1]!.pdf))).toContain(caseNo);
    expect(pdfImages(printer.jobs[1]!.pdf).length).toBeGreaterThanOrEqual(1);

    const done = await fetchCase(caseNo);
    expect(done.state).toBe('accepted');
    expect(done.materials.map((m: { verdict: string }) => m.verdict)).toEqual(['accepted', 'committed']);
    expect(done.signatures.map((s: { purpose: string }) => s.purpose)).toEqual(['commitment', 'receipt']);
    const audit = ((await api(srv, 'GET', `/cases/${caseNo}/audit`, { token: agentToken })).body.data as Array<{ action: string }>).map((e) => e.action);
    expect(audit.indexOf('commitment')).toBeGreaterThan(-1);
    expect(audit.indexOf('commitment')).toBeLessThan(audit.indexOf('accept'));

    // The resident leaves; the agent files the call and is free for the next one.
    await booth.getByTestId('hangup-button').click();
    await booth.getByTestId('hangup-confirm').click();
    await callState(booth, 'ended');
    await booth.context().close();
    await agent.getByTestId('wrapup-form').waitFor({ timeout: 15_000 });
    await agent.getByTestId('disposition-resolved').click();
    await agent.getByTestId('wrapup-submit').click();
    await agent.locator('[data-testid="agent-state"][data-state="available"]').waitFor();
  });

  it('不予受理: every reason at once on the booth, the notice printed with all of them', async () => {
    const missingReason = '身份证已过期，请携带有效期内的身份证';
    const note = '住所不在本区，请到居住地所在区办理';
    const jobsBefore = printer.jobs.length;
    const { booth, caseNo } = await callOnMatter('booth-refuse');

    await agent.getByTestId(`verdict-missing-${ID_CARD}`).click();
    await agent.getByTestId('verdict-reason').fill(missingReason);
    await agent.getByTestId('verdict-reason-submit').click();
    await agent.locator(`[data-testid="review-material"][data-material-id="${ID_CARD}"][data-verdict="missing"]`).waitFor();
    await agent.getByTestId('reject-case').click();
    await agent.getByTestId('reject-reason').fill(note);
    await agent.getByTestId('reject-confirm').click();
    await agent.locator('[data-testid="review-state"][data-state="rejected"]').waitFor();

    // The booth: every reason at once (the missing ID card, the proof of residence never handed in, the agent's note), and what to do next.
    await booth.getByTestId('rejection-panel').waitFor({ timeout: 15_000 });
    const shown = (await booth.getByTestId('rejection-reason').allTextContents()).map(squash);
    const reasons = ((await fetchCase(caseNo)).rejection.reasons as string[]).map(squash);
    expect(shown).toEqual(reasons);
    expect(shown.some((r) => r.includes(squash(missingReason)))).toBe(true);
    expect(shown.some((r) => r.includes(squash(note)))).toBe(true);
    expect(await booth.getByTestId('rejection-next').textContent()).toContain('任一政务晓屋');
    await booth.locator('[data-testid="rejection-print-status"][data-state="printed"]').waitFor({ timeout: 20_000 });

    // The printed notice holds the case and all the reasons.
    expect(printer.jobs).toHaveLength(jobsBefore + 1);
    const job = printer.jobs[jobsBefore]!;
    expect(job.title).toBe(`不予受理告知书 ${caseNo}`);
    const text = squash(pdfText(job.pdf));
    expect(text).toContain(caseNo);
    expect(text).toContain('不予受理告知书');
    expect(text).toContain(squash(missingReason));
    expect(text).toContain(squash(note));
    expect(text).toContain(RESIDENCE_NAME);
  });
});
