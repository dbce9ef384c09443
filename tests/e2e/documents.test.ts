/**
 * Remote document review and remote acceptance, the whole path, in real
 * browsers against the real sfu, mediasoup and Redis:
 *
 * the resident picks a matter and calls; the booth reads the ID card and opens
 * the case; its document camera (Chromium's file capture: a y4m of a printed
 * page) is published as a second video track; the agent takes a still
 * remotely (remote shutter), marks it, asks for a rescan with a reason that the
 * resident sees at once; the resident rescans; the agent accepts every
 * material and the case; the resident signs the receipt on the touch screen;
 * the booth prints it (to a loopback print service standing in for the
 * kiosk's printer); the printed PDF is read back and holds the case, the
 * matter and the signature; another booth finds the case as accepted in the
 * progress lookup.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, KIOSK, newPage } from '../support/browser';
import { callState, goAvailable, openConsole } from '../support/pages';
import { startTestServer, waitFor, type TestServer } from '../support/server';
import { api } from '../support/api';
import { pdfText } from '../support/pdf';
import { drawSignature, launchBoothBrowser, makeDocumentVideo, openConfiguredBooth, startPrintService, type PrintService } from '../support/documents';

const MATTER = 'minzheng-marriage-record';

/** Share of dark pixels of an image (text on a white page gives a few percent). */
async function darkShare(bytes: Uint8Array): Promise<{ width: number; height: number; dark: number }> {
  const { data, info } = await sharp(bytes).greyscale().raw().toBuffer({ resolveWithObject: true });
  let dark = 0;
  for (const v of data) if (v < 100) dark++;
  return { width: info.width, height: info.height, dark: dark / data.length };
}

describe('remote document review and acceptance, the whole path', () => {
  let srv: TestServer;
  let boothBrowser: Browser;
  let browser: Browser;
  let tmp: string;
  let printer: PrintService;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xw-docs-'));
    const video = makeDocumentVideo(tmp);
    srv = await startTestServer();
    printer = await startPrintService();
    browser = await launchChromium();
    // The booth's browser: its cameras show the printed page (file capture replaces the fake pattern).
    boothBrowser = await launchBoothBrowser(video);
  });
  afterAll(async () => {
    await boothBrowser?.close();
    await browser?.close();
    await printer?.close();
    await srv?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('capture, remote shutter, annotation, rescan, verdicts, acceptance, signature, printed receipt, progress lookup', async () => {
    const agentToken = await srv.staff({ username: 'agent-docs', name: '审核坐席', skills: ['minzheng'] });
    const agent = await openConsole(browser, srv, 'agent-docs');
    await goAvailable(agent);

    // One camera on this booth: the document camera shares it ('same'); receipts go to the loopback print service.
    const booth = await openConfiguredBooth(boothBrowser, srv, 'booth-docs', { docCamera: { kind: 'same' }, printer: { kind: 'service', url: printer.url } });
    await callState(booth, 'idle');
    await booth.getByTestId('matter-search').fill('婚姻登记档案');
    await booth.getByTestId('search-results').getByTestId(`matter-${MATTER}`).click();
    await booth.getByTestId('notice').waitFor();
    await booth.getByTestId('call-button').click();

    await agent.getByTestId('answer-button').click();
    await callState(agent, 'in-call');
    await callState(booth, 'in-call');

    // The booth read the ID card and opened the case; both screens show the same case number.
    const caseNo = (await waitFor(async () => (await booth.getByTestId('case-number').textContent())?.match(/\d{19}/)?.[0], 'case number at the booth', 20_000))!;
    await agent.locator(`[data-testid="review-case-number"]:has-text("${caseNo}")`).waitFor({ timeout: 15_000 });
    const fetchCase = async () => (await api(srv, 'GET', `/cases/${caseNo}`, { token: agentToken })).body.data;
    const c0 = await fetchCase();
    expect(c0.matterId).toBe(MATTER);
    expect(c0.boothId).toBe('booth-docs');
    expect(c0.applicant.idNumber).toBe('11010519491231002X'); // the agent sees the full identity
    const [idMaterial, otherMaterial] = c0.materials.map((m: { materialId: string }) => m.materialId) as [string, string];

    // The document camera is a second video track the agent watches live, sharp (≥ 1280 wide from this 1280×720 source).
    await agent.getByTestId('document-video').waitFor({ timeout: 15_000 });
    await waitFor(
      () => agent.getByTestId('document-video').evaluate((v: HTMLVideoElement) => (v.videoWidth >= 1280 && v.currentTime > 0 ? v.videoWidth : undefined)),
      'document camera at full width on the console',
      20_000,
    );

    // Review starts (delivery: pick-up, the default of the console).
    await agent.getByTestId('start-review').click();
    await agent.locator('[data-testid="review-state"][data-state="under_review"]').waitFor();

    // Remote shutter: the agent asks, the booth takes the still and uploads it with progress; the file is the printed page.
    await agent.getByTestId(`capture-request-${idMaterial}`).click();
    const firstSha = await waitFor(async () => (await fetchCase()).materials[0].files[0] as string | undefined, 'remote capture stored', 20_000);
    const still = await api(srv, 'GET', `/files/${firstSha}`, { token: agentToken });
    const page1 = await darkShare(still.body.data as Uint8Array);
    expect(page1.width).toBe(1280);
    expect(page1.height).toBe(720);
    expect(page1.dark).toBeGreaterThan(0.005); // printed text, not a blank or black frame
    expect(page1.dark).toBeLessThan(0.3);

    // The agent opens it at full resolution, zooms, rotates, marks a box: the mark shows on the booth at once.
    await agent.locator(`[data-testid="material-file"][data-sha256="${firstSha}"]`).click();
    await agent.locator(`[data-testid="doc-viewer"][data-sha256="${firstSha}"]`).waitFor();
    await agent.getByTestId('viewer-zoom-in').click();
    await agent.getByTestId('viewer-fit').click();
    await agent.getByTestId('tool-box').click();
    const img = (await agent.getByTestId('viewer-image').boundingBox())!;
    await agent.mouse.move(img.x + img.width * 0.1, img.y + img.height * 0.45);
    await agent.mouse.down();
    await agent.mouse.move(img.x + img.width * 0.6, img.y + img.height * 0.65, { steps: 6 });
    await agent.mouse.up();
    await booth.locator(`[data-testid="annotation-view"][data-sha256="${firstSha}"] [data-testid="annotation-mark"][data-kind="box"]`).waitFor({ timeout: 10_000 });

    // Rescan with a reason: the resident sees the reason at once.
    await agent.getByTestId(`verdict-rescan-${idMaterial}`).click();
    await agent.getByTestId('verdict-reason').fill('照片反光，请放平后重拍');
    await agent.getByTestId('verdict-reason-submit').click();
    const row = booth.locator(`[data-testid="material-row"][data-material-id="${idMaterial}"]`);
    await booth.locator(`[data-testid="material-row"][data-material-id="${idMaterial}"][data-verdict="rescan"]`).waitFor({ timeout: 10_000 });
    expect(await row.getByTestId('material-reason').textContent()).toContain('照片反光');

    // The resident rescans from the booth; the new file replaces the old one and goes back to review.
    await booth.getByTestId(`capture-button-${idMaterial}`).click();
    await waitFor(async () => {
      const m = (await fetchCase()).materials[0];
      return m.verdict === 'pending' && m.files.length === 1 && m.files[0] !== firstSha;
    }, 'rescanned file replaces the first', 20_000);

    // The second material from the booth's own button, then every material accepted.
    await booth.getByTestId(`capture-button-${otherMaterial}`).click();
    await waitFor(async () => (await fetchCase()).materials[1].files.length === 1, 'second material uploaded', 20_000);
    for (const id of [idMaterial, otherMaterial]) {
      await agent.locator(`[data-testid="review-material"][data-material-id="${id}"][data-verdict="pending"]`).waitFor({ timeout: 10_000 });
      await agent.getByTestId(`verdict-accept-${id}`).click();
      await booth.locator(`[data-testid="material-row"][data-material-id="${id}"][data-verdict="accepted"]`).waitFor({ timeout: 10_000 });
    }

    // 受理: the booth asks the resident to sign the receipt.
    await agent.getByTestId('accept-case').click();
    await agent.locator('[data-testid="review-state"][data-state="accepted"]').waitFor();
    await booth.getByTestId('sign-panel').waitFor({ timeout: 15_000 });
    expect(await booth.getByTestId('sign-submit').isDisabled()).toBe(true); // nothing signed yet
    await drawSignature(booth);
    await booth.getByTestId('sign-submit').click();
    await booth.locator('[data-testid="print-status"][data-state="printed"]').waitFor({ timeout: 20_000 });

    // The printed receipt: the case, the matter, the masked applicant, and the signature image in it.
    expect(printer.jobs).toHaveLength(1);
    const job = printer.jobs[0]!;
    expect(job.title).toContain(caseNo);
    expect(Buffer.from(job.pdf.subarray(0, 5)).toString('latin1')).toBe('%PDF-');
    const text = pdfText(job.pdf).replace(/\s+/g, '');
    expect(text).toContain(caseNo);
    expect(text).toContain('婚姻登记档案查询');
    expect(text).toContain('张**');
    expect(text).not.toContain('11010519491231002X');
    const images = fs.mkdtempSync(path.join(tmp, 'img-'));
    fs.writeFileSync(path.join(images, 'r.pdf'), job.pdf);
    const listed = execFileSync('pdfimages', ['-list', path.join(images, 'r.pdf')], { encoding: 'utf8' }).trim().split('\n').slice(2);
    expect(listed.length).toBeGreaterThanOrEqual(1); // the handwritten signature

    // The case record: accepted, the signature bound to the receipt it signed, the console sees it signed.
    const done = await fetchCase();
    expect(done.state).toBe('accepted');
    const sig = done.signatures.find((s: { purpose: string }) => s.purpose === 'receipt');
    expect(sig.sha256).toMatch(/^[a-f0-9]{64}$/);
    expect(sig.documentSha256).toMatch(/^[a-f0-9]{64}$/);
    expect(sig.documentSha256).not.toBe(sig.sha256);
    await agent.getByTestId('receipt-signed').waitFor({ timeout: 10_000 });
    const signature = await api(srv, 'GET', `/files/${sig.sha256}`, { token: agentToken });
    expect((await sharp(signature.body.data as Uint8Array).metadata()).format).toBe('png');
    const audit = (await api(srv, 'GET', `/cases/${caseNo}/audit`, { token: agentToken })).body.data as Array<{ action: string }>;
    const actions = audit.map((e) => e.action);
    for (const a of ['create', 'delivery', 'submit', 'start_review', 'attach', 'review', 'accept', 'signature']) expect(actions).toContain(a);

    // Another booth: the resident looks the case up by its number and the last 4 of the ID number.
    await booth.getByTestId('hangup-button').click();
    await booth.getByTestId('hangup-confirm').click();
    await callState(booth, 'ended');
    const other = await newPage(browser, `${srv.url}/booth/#enroll=booth-docs-2.${(await srv.booth('booth-docs-2')).secret}`, KIOSK);
    await callState(other, 'idle');
    await other.getByTestId('home-progress').click();
    await other.getByTestId('progress-screen').waitFor();
    await other.getByTestId('progress-case-no').click();
    for (const d of caseNo) await other.getByTestId('progress-screen').getByRole('button', { name: d, exact: true }).first().click();
    await other.getByTestId('progress-id-last4').click();
    for (const d of '002X') await other.getByTestId('progress-screen').getByRole('button', { name: d, exact: true }).first().click();
    await other.getByTestId('progress-submit').click();
    await other.locator('[data-testid="progress-result"][data-state="accepted"]').waitFor({ timeout: 10_000 });
    expect(await other.getByTestId('progress-result').textContent()).toContain('已受理');
  });
});
