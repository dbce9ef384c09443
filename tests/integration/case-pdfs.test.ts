/**
 * The printed documents of a case, made from cases that went through the real
 * CaseStore: what a reader sees (pdftotext), that the Chinese glyphs have ink,
 * and the dossier's page structure and content hash.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, type Identity } from '@xiaowu/shared';
import { SEED_CATALOG, findMatter, type Matter } from '@xiaowu/shared/catalog';
import type { Principal } from '../../sfu/src/auth/tokens';
import { CaseStore, type Case } from '../../sfu/src/cases/case-store';
import { dossierContentHash, renderCommitmentLetter, renderDossier, renderReceipt, renderRejectionNotice } from '../../sfu/src/pdf/case-pdfs';
import { startTestRedis } from '../support/redis';
import { DEMO_IDENTITY } from '../../booth-client/src/devices/id-card-reader';
import { inkRatio, pdfText } from '../support/pdf';

const bj = (iso: string) => Date.parse(`${iso}+08:00`);
const START = bj('2026-11-25T09:05:00'); // a Wednesday
const printedAt = new Date(START);
const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
/** pdftotext -layout spaces words out; compare without whitespace. */
const squash = (s: string) => s.replace(/\s+/g, '');
const textOf = (pdf: Uint8Array) => squash(pdfText(pdf));
const pagesOf = (pdf: Uint8Array) => pdfText(pdf).split('\f').slice(0, -1).map(squash);

/** The booth's demo ID card: the same fixture the booth and the e2e tests use. */
const APPLICANT: Identity = DEMO_IDENTITY;
const booth: Principal = { role: 'booth', userId: 'b1', name: '和平里晓屋' };
const agent: Principal = { role: 'agent', userId: 'a1', name: '王芳' };
const PENSION = findMatter(SEED_CATALOG, 'shebao-retire-pension')!;
const ENDORSE = findMatter(SEED_CATALOG, 'gongan-residence-permit-endorse')!;

/** Embedded images of a PDF as [width, height] (pdfimages -list). */
function imagesOf(pdf: Uint8Array): Array<[number, number]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xw-img-'));
  try {
    fs.writeFileSync(path.join(dir, 'a.pdf'), pdf);
    const out = execFileSync('pdfimages', ['-list', path.join(dir, 'a.pdf')], { encoding: 'utf8' });
    return out
      .split('\n')
      .slice(2)
      .filter((l) => l.trim())
      .map((l) => l.trim().split(/\s+/))
      .filter((cols) => cols[2] === 'image')
      .map((cols) => [Number(cols[3]), Number(cols[4])]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const svg = (w: number, h: number, body: string) => Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">${body}</svg>`);

describe('case PDFs', () => {
  let env: Awaited<ReturnType<typeof startTestRedis>>;
  let store: CaseStore;
  let signature: Buffer;
  beforeAll(async () => {
    env = await startTestRedis();
    signature = await sharp(svg(600, 200, '<path d="M20 150 C 120 20, 220 190, 320 60 S 520 160, 580 40" stroke="black" stroke-width="10" fill="none"/>')).png().toBuffer();
  });
  afterAll(async () => env.close());
  beforeEach(async () => {
    await env.redis.flushall();
    store = new CaseStore(env.redis, { now: () => START });
  });

  async function underReview(matter: Matter, files: Record<string, string[]> = {}, skip: string[] = []): Promise<Case> {
    const c = await store.create({ matter, catalogVersion: 1, boothId: 'b1', agentId: 'a1', applicant: APPLICANT, phone: '13812340000' }, booth);
    for (const m of c.materials) {
      if (skip.includes(m.materialId)) continue;
      for (const f of files[m.materialId] ?? [sha(`${c.caseNo}/${m.materialId}`)]) await store.attachFile(c.caseNo, m.materialId, f, booth);
    }
    await store.setDelivery(c.caseNo, matter.delivery.includes('mail') ? { mode: 'mail', address: '北京市朝阳区和平里街道示例社区 1 号' } : { mode: matter.delivery[0]! }, booth);
    await store.submit(c.caseNo, booth);
    return store.startReview(c.caseNo, agent);
  }

  function expectBasics(pdf: Uint8Array, c: Case, title: string): string {
    const text = textOf(pdf);
    expect(text).toContain(title);
    expect(text).toContain(c.caseNo);
    expect(text).toContain('张**');
    expect(text).toContain('110105********002X');
    expect(text).not.toContain('张建国');
    expect(text).not.toContain(APPLICANT.idNumber);
    // The title band must be inked (a blank CJK subset passes pdftotext but prints nothing).
    expect(inkRatio(pdf, 1, [0.05, 0.12])).toBeGreaterThan(0.01);
    return text;
  }

  it('受理回执: number, QR, masked applicant, every material, promised date, agent, delivery, signature', async () => {
    const c = await underReview(PENSION);
    for (const m of c.materials) await store.review(c.caseNo, m.materialId, 'accepted', undefined, agent);
    const accepted = await store.accept(c.caseNo, agent);
    await expect(renderReceipt(c, { matter: PENSION, agentName: '王芳', progressUrl: 'https://x.example/p' })).rejects.toMatchObject({ code: ErrorCode.InvalidState });

    const pdf = await renderReceipt(accepted, { matter: PENSION, agentName: '王芳', progressUrl: `https://xiaowu.example.gov.cn/progress/${c.caseNo}`, signaturePng: signature, printedAt });
    const text = expectBasics(pdf, accepted, '受理回执');
    for (const m of PENSION.materials) expect(text).toContain(squash(m.name));
    expect(text).toContain('已收取（扫描件1份）');
    expect(text).toContain('2026年12月9日前办结');
    expect(text).toContain('王芳（工号a1）');
    expect(text).toContain('2026-11-2509:05'); // 受理时间, Beijing
    expect(text).toContain('邮寄送达（北京市朝阳区****）');
    expect(text).toContain('138****0000');
    expect(imagesOf(pdf)).toEqual([[600, 200]]); // the signature PNG
    // The QR code is drawn (dark squares) in the lower part of the page.
    expect(inkRatio(pdf, 1, [0.55, 0.95])).toBeGreaterThan(0.02);
    await expect(renderReceipt(accepted, { matter: PENSION, agentName: '王芳', progressUrl: 'https://x', signaturePng: Buffer.from('GIF89a....') })).rejects.toMatchObject({
      code: ErrorCode.BadRequest,
    });
  });

  it('容缺受理回执 marks the 容缺 material with its deadline', async () => {
    const c = await underReview(PENSION, {}, ['shitong-jiaofei']);
    for (const id of ['idcard', 'shebaoka', 'shenqingbiao']) await store.review(c.caseNo, id, 'accepted', undefined, agent);
    const pending = await store.accept(c.caseNo, agent);
    const pdf = await renderReceipt(pending, { matter: PENSION, agentName: '王芳', progressUrl: 'https://xiaowu.example.gov.cn/p', printedAt });
    const text = expectBasics(pdf, pending, '容缺受理回执');
    for (const m of PENSION.materials) expect(text).toContain(squash(m.name));
    expect(text).toContain('视同缴费年限证明材料原件1份容缺后补，请于2026年12月2日前补交');
    expect(text).toContain('自材料补齐之日起10个工作日内办结');
    expect(imagesOf(pdf)).toEqual([]);
  });

  it('不予受理告知书 lists every missing or rejected material with its reason, the legal basis and how to come back', async () => {
    const c = await underReview(PENSION, {}, ['shebaoka']);
    await store.review(c.caseNo, 'idcard', 'rescan', '照片一角被手指挡住', agent);
    await store.review(c.caseNo, 'shebaoka', 'missing', '社保卡未带，需本人社保卡', agent);
    await store.review(c.caseNo, 'shenqingbiao', 'accepted', undefined, agent);
    await store.review(c.caseNo, 'shitong-jiaofei', 'missing', '退伍证复印件不清楚', agent);

    // Still under review: the same list as a 补正 notice.
    const correction = await renderRejectionNotice(await store.get(c.caseNo, agent), { matter: PENSION, printedAt });
    const ctext = expectBasics(correction, c, '补正材料告知书');
    for (const s of ['居民身份证：照片一角被手指挡住', '社会保障卡：社保卡未带，需本人社保卡', '视同缴费年限证明材料：退伍证复印件不清楚']) expect(ctext).toContain(squash(s));

    const rejected = await store.reject(c.caseNo, ['申请人尚未达到退休年龄'], agent);
    const pdf = await renderRejectionNotice(rejected, { matter: PENSION, printedAt });
    const text = expectBasics(pdf, rejected, '不予受理告知书');
    for (const r of rejected.rejection!.reasons) expect(text).toContain(squash(r));
    expect(rejected.rejection!.reasons).toHaveLength(4);
    expect(text).toContain('申请人尚未达到退休年龄');
    expect(text).toContain('一次性');
    expect(text).toContain('《中华人民共和国行政许可法》第三十二条');
    expect(text).toContain('政务晓屋');
    // How to get it right: the guide's description of a missing material.
    expect(text).toContain(squash(PENSION.materials.find((m) => m.id === 'shebaoka')!.description).slice(0, 20));
    expect(text).not.toContain('基本养老保险待遇申领表：'); // accepted materials are not listed
  });

  it('告知承诺书 names the materials it replaces, the commitment and the signature', async () => {
    const c = await underReview(ENDORSE, {}, ['zhuzhi-zhengming']);
    const signed = await store.signCommitment(c.caseNo, 'zhuzhi-zhengming', booth);
    await expect(renderCommitmentLetter(signed, { matter: ENDORSE, materialIds: ['idcard'] })).rejects.toMatchObject({ code: ErrorCode.InvalidState });
    await expect(renderCommitmentLetter(signed, { matter: PENSION, materialIds: ['zhuzhi-zhengming'] })).rejects.toMatchObject({ code: ErrorCode.InvalidState });
    const pdf = await renderCommitmentLetter(signed, { matter: ENDORSE, materialIds: ['zhuzhi-zhengming'], signaturePng: signature, printedAt });
    const text = expectBasics(pdf, signed, '告知承诺书');
    expect(text).toContain('居住地证明');
    expect(text).toContain(squash(signed.commitment!.text));
    expect(text).toContain(ENDORSE.name);
    expect(text).toContain('承诺人签名');
    expect(imagesOf(pdf)).toEqual([[600, 200]]);
  });

  it('办件档案: cover, one page per image, merged PDF pages, the audit trail, and a verifiable content hash', async () => {
    const dark = await sharp(svg(1200, 1600, '<rect width="100%" height="100%" fill="#333"/>')).jpeg().toBuffer();
    const back = await sharp(svg(1600, 1000, '<rect width="100%" height="100%" fill="#ddd"/><rect x="100" y="100" width="600" height="300" fill="#000"/>')).png().toBuffer();
    // A camera JPEG stored sideways with an EXIF rotation: the dossier shows it upright (800 × 1200).
    const rotated = await sharp(svg(1200, 800, '<rect width="100%" height="100%" fill="#888"/>')).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const form = await PDFDocument.create();
    const helv = await form.embedFont(StandardFonts.Helvetica);
    for (const n of [1, 2]) form.addPage([595, 842]).drawText(`FORM PAGE ${n}`, { x: 60, y: 700, size: 24, font: helv });
    const formPdf = await form.save();
    const files = [
      { sha256: sha(dark), mime: 'image/jpeg', bytes: dark },
      { sha256: sha(back), mime: 'image/png', bytes: back },
      { sha256: sha(rotated), mime: 'image/jpeg', bytes: rotated },
      { sha256: sha(formPdf), mime: 'application/pdf', bytes: formPdf },
    ];
    const c = await underReview(PENSION, { idcard: [sha(dark), sha(back)], shebaoka: [sha(rotated)], shenqingbiao: [sha(formPdf)] }, ['shitong-jiaofei']);
    await store.addSignature(c.caseNo, { purpose: 'application', sha256: sha(signature), documentSha256: sha(formPdf) }, booth);
    for (const id of ['idcard', 'shebaoka', 'shenqingbiao']) await store.review(c.caseNo, id, 'accepted', undefined, agent);
    await store.review(c.caseNo, 'shitong-jiaofei', 'missing', '退伍证暂时没找到', agent);
    const pending = await store.accept(c.caseNo, agent);
    const audit = await store.audit(c.caseNo, agent);

    await expect(renderDossier(pending, { matter: PENSION, files: files.slice(1), audit })).rejects.toMatchObject({ code: ErrorCode.NotFound });
    await expect(renderDossier(pending, { matter: PENSION, files: [{ ...files[0]!, bytes: back }, ...files.slice(1)], audit })).rejects.toMatchObject({ code: ErrorCode.BadRequest });

    const pdf = await renderDossier(pending, { matter: PENSION, files, audit, printedAt });
    const pageCount = (await PDFDocument.load(pdf)).getPageCount();
    const pages = pagesOf(pdf);
    expect(pages).toHaveLength(pageCount);

    // 1 cover page, 3 image pages, 2 merged form pages, then the audit trail.
    expect(pages[0]).toContain('办件档案');
    expect(pages[0]).toContain(c.caseNo);
    expect(pages[0]).toContain('张**');
    for (const m of PENSION.materials) expect(pages[0]).toContain(squash(m.name));
    expect(pages[0]).toContain('退伍证暂时没找到');
    expect(pages[1]).toContain('居民身份证（1/2）');
    expect(pages[2]).toContain('居民身份证（2/2）');
    expect(pages[3]).toContain('社会保障卡（1/1）');
    expect(pages[4]).toContain('FORMPAGE1');
    expect(pages[5]).toContain('FORMPAGE2');
    expect(pages[4]).toContain('基本养老保险待遇申领表（1/1）');
    expect(pages[6]).toContain('办件日志');
    const auditPages = pageCount - 6;
    expect(auditPages).toBeGreaterThanOrEqual(1);
    expect(auditPages).toBeLessThanOrEqual(3);
    expect(pages.slice(6).join('')).toContain('容缺受理');
    expect(pages.slice(6).join('').match(/审核材料/g)).toHaveLength(4);
    expect(pageCount).toBe(1 + 3 + 2 + auditPages);
    // The first scan (dark) fills its page; the sideways photo was turned upright.
    expect(inkRatio(pdf, 2, [0.3, 0.7])).toBeGreaterThan(0.5);
    expect(imagesOf(pdf)).toEqual([
      [1200, 1600],
      [1600, 1000],
      [800, 1200],
    ]);
    expect(inkRatio(pdf, 1, [0.05, 0.12])).toBeGreaterThan(0.01);

    // The last line is the content hash: SHA-256(file hashes joined by \n + \n + case JSON with sorted keys).
    const canonical = (v: unknown): string =>
      v === null || typeof v !== 'object'
        ? JSON.stringify(v)
        : Array.isArray(v)
          ? `[${v.map(canonical).join(',')}]`
          : `{${Object.keys(v as object)
              .sort()
              .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
              .join(',')}}`;
    const expected = sha(`${[sha(dark), sha(back), sha(rotated), sha(formPdf)].join('\n')}\n${canonical(JSON.parse(JSON.stringify(pending)))}`);
    expect(dossierContentHash(pending)).toBe(expected);
    const lastLines = pdfText(pdf).split('\f').at(-2)!.split('\n').filter((l) => l.trim());
    expect(squash(lastLines.at(-2)!)).toBe(`SHA-256：${expected}`); // the line before the footer
  });
});
