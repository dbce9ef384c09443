/**
 * The printed documents of a case, A4 with embedded CJK fonts (PdfLayout):
 *  - 受理回执 (receipt) with a QR code to the progress page;
 *  - 不予受理 / 补正告知书: every missing or rejected material with its reason, at once (一次性告知);
 *  - 告知承诺书 (commitment letter);
 *  - 办件档案 (dossier): cover, every scanned image a page, uploaded PDFs merged,
 *    the audit trail, and a content hash that ties the files to the case record.
 * The applicant appears masked (张**, 110105********002X) on every document
 * unless the dossier is asked for the full identity.
 */
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import type { PDFDocument, PDFImage } from 'pdf-lib';
import { AppError, CASE_STATE_LABELS, ErrorCode, maskIdNumber, maskName, type CaseState } from '@xiaowu/shared';
import { DELIVERY_LABELS, MATERIAL_FORM_LABELS, type Matter } from '@xiaowu/shared/catalog';
import {
  ACTION_LABELS,
  SIGNATURE_LABELS,
  VERDICT_LABELS,
  blockingMaterials,
  commitmentText,
  formatBeijingDate,
  formatBeijingDateTime,
  maskAddress,
  maskPhone,
  type AuditEntry,
  type Case,
  type CaseMaterial,
} from '../cases/case-model';
import { PdfLayout } from './layout';
import { appendPdf, flowImage, imagePage, pageBreak } from './layout-ext';

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

const bad = (msg: string) => new AppError(ErrorCode.BadRequest, msg);

function stamp(at: Date): string {
  return at.toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false });
}

function footer(c: Case, printedAt: Date): string {
  return `政务晓屋 · 办件编号 ${c.caseNo} · 事项编码 ${c.matterCode} · 打印于 ${stamp(printedAt)}`;
}

function applicantRows(c: Case, full = false): Array<[string, string]> {
  const rows: Array<[string, string]> = [
    ['申请人', full ? c.applicant.name : maskName(c.applicant.name)],
    ['证件号码', full ? c.applicant.idNumber : maskIdNumber(c.applicant.idNumber)],
  ];
  if (c.phone) rows.push(['联系电话', full ? c.phone : maskPhone(c.phone)]);
  return rows;
}

function deliveryText(c: Case, full = false): string {
  if (!c.delivery) return '未选择';
  const label = DELIVERY_LABELS[c.delivery.mode];
  return c.delivery.address ? `${label}（${full ? c.delivery.address : maskAddress(c.delivery.address)}）` : label;
}

function materialLine(m: CaseMaterial): string {
  return `${m.name}　${MATERIAL_FORM_LABELS[m.form]} ${m.count} 份`;
}

function guideOf(matter: Matter, materialId: string): string[] {
  const g = matter.materials.find((x) => x.id === materialId);
  return g ? [g.description, ...(g.sampleHint ? [`拍摄提示：${g.sampleHint}`] : [])] : [];
}

async function embedSignature(doc: PDFDocument, png: Uint8Array): Promise<PDFImage> {
  if (png.length < 8 || PNG_MAGIC.some((b, i) => png[i] !== b)) throw bad('the signature must be a PNG image');
  return doc.embedPng(png);
}

function signatureBlock(l: PdfLayout, img: PDFImage | undefined, label: string, date: string): void {
  if (img) flowImage(l, img, { maxWidth: 200, maxHeight: 80, label });
  else l.rows([[label, '________________________']]);
  l.rows([['日期', date]]);
}

function promiseText(c: Case): string {
  const days = c.terms.promisedDays;
  if (c.promisedBy) return days === 0 ? `即办（${formatBeijingDate(c.promisedBy)}）` : `${formatBeijingDate(c.promisedBy)}前办结（承诺 ${days} 个工作日）`;
  return days === 0 ? '材料补齐后即办' : `自材料补齐之日起 ${days} 个工作日内办结`;
}

// ------------------------------------------------------------- 受理回执

/** 受理回执 for an accepted (or 容缺-accepted, or completed) case. */
export async function renderReceipt(
  c: Case,
  opts: { matter: Matter; agentName: string; progressUrl: string; signaturePng?: Uint8Array; printedAt?: Date },
): Promise<Uint8Array> {
  if (!['accepted', 'pending_materials', 'completed'].includes(c.state)) {
    throw new AppError(ErrorCode.InvalidState, `no receipt for a case that is ${c.state}`);
  }
  const printedAt = opts.printedAt ?? new Date();
  const pending = c.state === 'pending_materials';
  const title = pending ? '容缺受理回执' : '受理回执';
  const l = await PdfLayout.create({ title: `${title}：${c.caseNo}`, footer: footer(c, printedAt) });
  const sig = opts.signaturePng ? await embedSignature(l.doc, opts.signaturePng) : undefined;

  l.title(title, `${c.matterName}（事项编码 ${c.matterCode}）`);
  l.rows([
    ['办件编号', c.caseNo],
    ['办理事项', c.matterName],
    ...applicantRows(c),
    ['受理时间', c.acceptedAt ? formatBeijingDateTime(c.acceptedAt) : '—'],
    ['受理人员', `${opts.agentName}（工号 ${c.agentId ?? '—'}）`],
    ['受理方式', `政务晓屋远程视频受理（晓屋 ${c.boothId}）`],
    ['承诺时限', promiseText(c)],
    ['结果送达', deliveryText(c)],
    ['收费', opts.matter.fee],
  ]);

  l.heading('已收取的申请材料');
  l.list(
    c.materials.map((m) => {
      let mark: string;
      if (m.verdict === 'accepted') mark = `已收取（扫描件 ${m.files.length} 份）`;
      else if (m.verdict === 'committed') mark = '告知承诺（以签署的告知承诺书代替）';
      else if (m.mayBeMissing) mark = `容缺后补${c.pendingDeadline ? `，请于 ${formatBeijingDate(c.pendingDeadline)} 前补交` : ''}`;
      else mark = VERDICT_LABELS[m.verdict];
      return { text: `${materialLine(m)}　${mark}` };
    }),
  );
  if (pending && c.pendingDeadline) {
    const missing = c.materials.filter((m) => m.mayBeMissing && m.verdict !== 'accepted' && m.verdict !== 'committed');
    l.heading('容缺受理：需要补交的材料');
    l.paragraph(
      `本件已容缺受理。请于 ${formatBeijingDate(c.pendingDeadline)} 前，到任一社区政务晓屋补交以下材料：${missing.map((m) => m.name).join('、')}。` +
        '逾期未补交的，本件将不予受理。材料补齐后开始计算承诺办结时限。',
    );
  }
  l.rule();
  l.qr(opts.progressUrl, `用手机扫描二维码查看办理进度；也可以在任一政务晓屋输入办件编号 ${c.caseNo} 和身份证号码后四位查询。`);
  l.heading('申请人签收');
  signatureBlock(l, sig, '申请人签名', formatBeijingDate(c.acceptedAt ?? printedAt.getTime()));
  return l.save();
}

// -------------------------------------------------- 不予受理 / 补正告知书

/**
 * 不予受理告知书 (rejected case: its recorded reasons) or 补正材料告知书 (a case
 * under review with rescan / missing materials): every item with its reason
 * and how to get it right, in one document (一次性告知).
 */
export async function renderRejectionNotice(c: Case, opts: { matter: Matter; printedAt?: Date }): Promise<Uint8Array> {
  const printedAt = opts.printedAt ?? new Date();
  const rejected = c.state === 'rejected';
  const materials = rejected ? (c.rejection?.materials ?? []) : blockingMaterials(c);
  const notes = rejected ? (c.rejection?.notes ?? []) : [];
  if (materials.length === 0 && notes.length === 0) throw new AppError(ErrorCode.InvalidState, 'nothing to notify: no missing or rejected material');
  const title = rejected ? '不予受理告知书' : '补正材料告知书';
  const l = await PdfLayout.create({ title: `${title}：${c.caseNo}`, footer: footer(c, printedAt) });

  l.title(title, `办件编号 ${c.caseNo}　（一次性告知）`);
  l.paragraph(`${maskName(c.applicant.name)}（证件号码 ${maskIdNumber(c.applicant.idNumber)}）：`);
  l.paragraph(
    `您于 ${formatBeijingDate(c.createdAt)} 通过政务晓屋申请办理的“${c.matterName}”（办件编号 ${c.caseNo}），经审查，` +
      (rejected ? '决定不予受理，原因如下。' : '申请材料不齐全或者不符合法定形式，请补正下列全部内容。') +
      '本告知书一次性列明全部需要补正的内容，补齐后即可再次申请，不必重复询问。',
  );
  if (materials.length) {
    l.heading('一、需要补正的材料');
    l.list(materials.map((m) => ({ text: `${m.name}：${m.reason}`, detail: guideOf(opts.matter, m.materialId) })));
  }
  if (notes.length) {
    l.heading(materials.length ? '二、其他原因' : '一、不予受理的原因');
    l.list(notes.map((text) => ({ text })));
  }
  l.heading('依据');
  l.paragraph(
    '《中华人民共和国行政许可法》第三十二条：申请材料不齐全或者不符合法定形式的，应当当场或者在五日内一次告知申请人需要补正的全部内容；' +
      `以及本事项办事指南（指南版本 ${c.catalogVersion}）。`,
  );
  l.heading('如何再次办理');
  l.paragraph(
    '请按上述要求备齐材料后，到任一社区政务晓屋呼叫工作人员，或到区政务服务中心窗口重新申请；补正后符合要求的，将依法受理。' +
      `查询本件请提供办件编号 ${c.caseNo}。如对本决定有异议，可以依法申请行政复议或者提起行政诉讼。`,
  );
  l.rule();
  l.rows([
    ['告知时间', formatBeijingDateTime(c.rejection?.at ?? printedAt.getTime())],
    ['告知人员', c.agentId ? `工号 ${c.agentId}` : '—'],
    ['办理事项', `${c.matterName}（${c.matterCode}）`],
  ]);
  return l.save();
}

// --------------------------------------------------------- 告知承诺书

/** 告知承诺书 for the given commitmentAllowed materials of the case. */
export async function renderCommitmentLetter(
  c: Case,
  opts: { matter: Matter; materialIds: string[]; signaturePng?: Uint8Array; printedAt?: Date },
): Promise<Uint8Array> {
  if (!c.terms.allowsCommitment || !opts.matter.allowsCommitment) throw new AppError(ErrorCode.InvalidState, 'this matter does not accept 告知承诺');
  if (opts.materialIds.length === 0) throw bad('name at least one material');
  const chosen = opts.materialIds.map((id) => {
    const m = c.materials.find((x) => x.materialId === id);
    if (!m) throw bad(`this case has no material ${id}`);
    if (!m.commitmentAllowed) throw new AppError(ErrorCode.InvalidState, `${m.name} cannot be replaced by a commitment`);
    return m;
  });
  const printedAt = opts.printedAt ?? new Date();
  const l = await PdfLayout.create({ title: `告知承诺书：${c.caseNo}`, footer: footer(c, printedAt) });
  const sig = opts.signaturePng ? await embedSignature(l.doc, opts.signaturePng) : undefined;

  l.title('告知承诺书', `${c.matterName}（事项编码 ${c.matterCode}）`);
  l.rows([['办件编号', c.caseNo], ...applicantRows(c)]);
  l.heading('一、行政机关告知');
  l.paragraph(
    '本事项实行证明事项告知承诺制。申请人可以书面承诺符合要求，代替提交下列证明材料。' +
      '行政机关将在办理后依法核查；发现承诺不实的，将依法撤销办理结果，并将不实承诺记入申请人的信用记录，情节严重的依法追究法律责任。' +
      '申请人也可以不作承诺，按办事指南提交证明材料。',
  );
  l.heading('二、以承诺代替的证明材料');
  l.list(chosen.map((m) => ({ text: materialLine(m), detail: guideOf(opts.matter, m.materialId) })));
  l.heading('三、申请人承诺');
  l.paragraph(commitmentText(c.matterName, chosen.map((m) => m.name)));
  l.heading('四、申请人签名');
  signatureBlock(l, sig, '承诺人签名', formatBeijingDate(c.commitment?.signedAt ?? printedAt.getTime()));
  return l.save();
}

// ------------------------------------------------------------ 办件档案

/** Object keys sorted at every level, undefined members dropped, no whitespace. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : canonicalJson(x))).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
    .join(',')}}`;
}

/** SHA-256 of every file reference of the case, materials in order, files in the order attached (duplicates kept). */
export function caseFileHashes(c: Case): string[] {
  return c.materials.flatMap((m) => m.files);
}

/**
 * The dossier's content hash, exactly:
 *
 *   hex( SHA-256( UTF-8( caseFileHashes(c).join('\n') + '\n' + canonicalJson(c) ) ) )
 *
 * where caseFileHashes lists the lowercase hex SHA-256 of every file of every
 * material (material order, then attach order) and canonicalJson is the case
 * record with object keys sorted at every level and no whitespace. Anyone
 * with the case JSON (and the files, whose own hashes are checked against
 * their bytes when the dossier is made) can recompute it.
 */
export function dossierContentHash(c: Case): string {
  return createHash('sha256')
    .update(`${caseFileHashes(c).join('\n')}\n${canonicalJson(c)}`, 'utf8')
    .digest('hex');
}

async function embedScan(doc: PDFDocument, bytes: Uint8Array, mime: string): Promise<PDFImage> {
  // Camera JPEGs may carry an EXIF rotation pdf-lib ignores: bake it in. Anything exotic becomes JPEG.
  const meta = await sharp(bytes).metadata();
  if ((meta.orientation ?? 1) > 1 || (mime !== 'image/jpeg' && mime !== 'image/png')) {
    return doc.embedJpg(await sharp(bytes).rotate().jpeg({ quality: 90 }).toBuffer());
  }
  try {
    return mime === 'image/png' ? await doc.embedPng(bytes) : await doc.embedJpg(bytes);
  } catch {
    return doc.embedJpg(await sharp(bytes).jpeg({ quality: 90 }).toBuffer());
  }
}

function auditLine(e: AuditEntry, c: Case): { text: string; detail?: string[] } {
  const d = e.detail;
  const name = (id: unknown) => c.materials.find((m) => m.materialId === id)?.name ?? String(id);
  const label = (s: unknown) => CASE_STATE_LABELS[s as CaseState] ?? String(s);
  const parts: string[] = [];
  if (typeof d.to === 'string') parts.push(d.from ? `${label(d.from)} → ${label(d.to)}` : label(d.to));
  if (d.materialId !== undefined) parts.push(`材料：${name(d.materialId)}`);
  if (typeof d.verdict === 'string') parts.push(`结论：${VERDICT_LABELS[d.verdict as keyof typeof VERDICT_LABELS] ?? d.verdict}`);
  if (typeof d.reason === 'string') parts.push(`原因：${d.reason}`);
  if (typeof d.sha256 === 'string') parts.push(`文件 SHA-256：${d.sha256}`);
  if (typeof d.purpose === 'string') parts.push(SIGNATURE_LABELS[d.purpose as keyof typeof SIGNATURE_LABELS] ?? d.purpose);
  if (typeof d.mode === 'string') parts.push(`送达方式：${DELIVERY_LABELS[d.mode as keyof typeof DELIVERY_LABELS] ?? d.mode}`);
  if (Array.isArray(d.reasons)) parts.push(`原因：${d.reasons.join('；')}`);
  if (typeof d.pendingDeadline === 'number') parts.push(`补交期限：${formatBeijingDate(d.pendingDeadline)}`);
  if (typeof d.promisedBy === 'number') parts.push(`承诺办结：${formatBeijingDate(d.promisedBy)}`);
  if (Array.isArray(d.missing)) parts.push(`待补材料：${d.missing.map(name).join('、')}`);
  if (Array.isArray(d.replaced)) parts.push(`替换原文件 ${d.replaced.length} 个`);
  const known = new Set(['to', 'from', 'materialId', 'verdict', 'reason', 'sha256', 'purpose', 'mode', 'reasons', 'pendingDeadline', 'promisedBy', 'documentSha256', 'previousVerdict', 'missing', 'replaced']);
  const rest = Object.entries(d).filter(([k]) => !known.has(k));
  if (rest.length) parts.push(rest.map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join('，'));
  return { text: `${formatBeijingDateTime(e.at)}　${e.who}　${ACTION_LABELS[e.action] ?? e.action}`, detail: parts.length ? parts : undefined };
}

/**
 * 办件档案: a cover (the case and a table of its materials), each scanned
 * image on its own page scaled to fit A4, each uploaded PDF's pages merged in,
 * then the audit trail and, last, the content hash (dossierContentHash).
 * Every file referenced by the case must be given, and its bytes must match
 * its SHA-256.
 */
export async function renderDossier(
  c: Case,
  opts: { matter: Matter; files: Array<{ sha256: string; mime: string; bytes: Uint8Array }>; audit: AuditEntry[]; fullIdentity?: boolean; printedAt?: Date },
): Promise<Uint8Array> {
  const byHash = new Map(opts.files.map((f) => [f.sha256, f]));
  for (const sha of new Set(caseFileHashes(c))) {
    const f = byHash.get(sha);
    if (!f) throw new AppError(ErrorCode.NotFound, `file ${sha} of the case was not given`);
    if (createHash('sha256').update(f.bytes).digest('hex') !== sha) throw bad(`file ${sha} does not match its SHA-256`);
  }
  const printedAt = opts.printedAt ?? new Date();
  const full = opts.fullIdentity ?? false;
  const l = await PdfLayout.create({ title: `办件档案：${c.caseNo}`, footer: footer(c, printedAt) });

  l.title('办件档案', `办件编号 ${c.caseNo}`);
  l.rows([
    ['办件编号', c.caseNo],
    ['办理事项', c.matterName],
    ['事项编码', `${c.matterCode}（指南版本 ${c.catalogVersion}）`],
    ['办件状态', CASE_STATE_LABELS[c.state]],
    ...applicantRows(c, full),
    ['晓屋', c.boothId],
    ['受理人员', c.agentId ? `工号 ${c.agentId}` : '—'],
    ['创建时间', formatBeijingDateTime(c.createdAt)],
    ['受理时间', c.acceptedAt ? formatBeijingDateTime(c.acceptedAt) : '—'],
    ...(c.pendingDeadline ? ([['容缺补交期限', formatBeijingDate(c.pendingDeadline)]] as Array<[string, string]>) : []),
    ['承诺时限', c.acceptedAt ? promiseText(c) : '—'],
    ['结果送达', deliveryText(c, full)],
  ]);
  l.heading('材料目录');
  l.list(
    c.materials.map((m) => ({
      text: `${materialLine(m)}　${VERDICT_LABELS[m.verdict]}${m.mayBeMissing ? '（可容缺）' : ''}${m.reason ? `：${m.reason}` : ''}`,
      detail: m.files.length ? m.files.map((sha) => `${byHash.get(sha)!.mime}　SHA-256 ${sha}`) : ['未上传文件'],
    })),
  );
  if (c.signatures.length) {
    l.heading('签名记录');
    l.list(c.signatures.map((s) => ({ text: `${formatBeijingDateTime(s.at)}　${SIGNATURE_LABELS[s.purpose]}`, detail: [`签名图像 SHA-256 ${s.sha256}`, `所签文件 SHA-256 ${s.documentSha256}`] })));
  }
  if (c.commitment) {
    l.heading('告知承诺');
    l.paragraph(c.commitment.text);
  }
  if (c.rejection) {
    l.heading('不予受理原因');
    l.list(c.rejection.reasons.map((text) => ({ text })));
  }

  for (const m of c.materials) {
    for (const [i, sha] of m.files.entries()) {
      const f = byHash.get(sha)!;
      const caption = `${m.name}（${i + 1}/${m.files.length}）　SHA-256 ${sha}`;
      if (f.mime === 'application/pdf') await appendPdf(l, f.bytes, caption);
      else imagePage(l, await embedScan(l.doc, f.bytes, f.mime), caption);
    }
  }

  pageBreak(l);
  l.heading('办件日志');
  l.list(opts.audit.map((e) => auditLine(e, c)));
  l.rule();
  l.paragraph('档案内容摘要：SHA-256（各材料文件的 SHA-256 按材料顺序、上传顺序以换行连接，再加换行和按键名排序的办件 JSON）', { muted: true, size: 9.5 });
  l.paragraph(`SHA-256：${dossierContentHash(c)}`);
  return l.save();
}
