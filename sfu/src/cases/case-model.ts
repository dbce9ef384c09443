/**
 * The case (办件) record and the pure rules around it: what a case holds, who
 * may see which personal data (masking per viewer), working-day arithmetic for
 * deadlines (Beijing calendar, weekends and a holiday list), the one-time list
 * of everything that blocks acceptance (一次性告知), and the wording of the
 * commitment (告知承诺书). No I/O here: CaseStore persists, case-pdfs prints.
 */
import { CASE_STATE_LABELS, maskIdNumber, maskName, type CaseState, type Identity } from '@xiaowu/shared';
import type { DeliveryMode, MaterialForm } from '@xiaowu/shared/catalog';
import type { Principal } from '../auth/tokens';
import { maskPhone } from '../queue/appointments';

export { maskPhone };

export const Verdicts = ['pending', 'accepted', 'rescan', 'missing', 'committed'] as const;
export type Verdict = (typeof Verdicts)[number];
/** What an agent may decide for one material (committed comes from signCommitment). */
export const ReviewVerdicts = ['accepted', 'rescan', 'missing'] as const;
export type ReviewVerdict = (typeof ReviewVerdicts)[number];

export const VERDICT_LABELS: Record<Verdict, string> = {
  pending: '待审核',
  accepted: '已收取',
  rescan: '需重新扫描',
  missing: '缺少',
  committed: '告知承诺',
};

export const SignaturePurposes = ['application', 'commitment', 'receipt'] as const;
export type SignaturePurpose = (typeof SignaturePurposes)[number];

export const SIGNATURE_LABELS: Record<SignaturePurpose, string> = {
  application: '申请表签名',
  commitment: '告知承诺书签名',
  receipt: '受理回执签收',
};

export interface CaseMaterial {
  materialId: string;
  name: string;
  form: MaterialForm;
  count: number;
  /** 容缺: the case may be accepted without it (→ pending_materials). */
  mayBeMissing: boolean;
  /** 告知承诺: a signed commitment may replace it (when the matter allows it). */
  commitmentAllowed: boolean;
  /** SHA-256 of the stored files (FileStore, content-addressed), in the order attached. */
  files: string[];
  verdict: Verdict;
  /** Why rescan / missing (≤ 200 characters), shown to the resident. */
  reason?: string;
  /** `${role}:${userId}` of the reviewing agent. */
  reviewedBy?: string;
  reviewedAt?: number;
}

export interface CaseDelivery {
  mode: DeliveryMode;
  /** Required for 'mail'. */
  address?: string;
}

export interface CaseSignature {
  purpose: SignaturePurpose;
  /** SHA-256 of the signature PNG (a stored file). */
  sha256: string;
  /** SHA-256 of the document (PDF) the resident signed. */
  documentSha256: string;
  at: number;
  /** `${role}:${userId}` that recorded it (the booth, usually). */
  by: string;
}

export interface CaseRejection {
  /** Everything, one line each: material lines first, then the agent's free text. */
  reasons: string[];
  /** The materials among them, with their reason (for the notice). */
  materials: Array<{ materialId: string; name: string; reason: string }>;
  /** The agent's free-text reasons. */
  notes: string[];
  at: number;
}

/** The matter's terms at the catalog version the case started with. */
export interface CaseTerms {
  legalDays: number;
  promisedDays: number;
  delivery: DeliveryMode[];
  allowsCommitment: boolean;
}

export interface Case {
  /** `${YYYYMMDD}${districtCode}${sequence:5}`, e.g. 2026112511010500042. */
  caseNo: string;
  /** Bumped by every saved change (optimistic concurrency). */
  version: number;
  state: CaseState;
  matterId: string;
  matterCode: string;
  matterName: string;
  catalogVersion: number;
  skill: string;
  terms: CaseTerms;
  boothId: string;
  agentId?: string;
  sessionId?: string;
  interpreterIds?: string[];
  /** Full identity as read from the ID card; never shown unmasked except to the assigned agent and supervisors. */
  applicant: Identity;
  phone?: string;
  materials: CaseMaterial[];
  delivery?: CaseDelivery;
  signatures: CaseSignature[];
  /** 告知承诺书 text covering every committed material. */
  commitment?: { text: string; signedAt: number; materialIds: string[] };
  /** When the case was accepted (受理), also for 容缺受理. */
  acceptedAt?: number;
  /** pending_materials: end of the last working day to supply the missing materials. */
  pendingDeadline?: number;
  /** accepted: end of the promised completion day (promisedDays working days after full acceptance). */
  promisedBy?: number;
  rejection?: CaseRejection;
  completedAt?: number;
  withdrawnAt?: number;
  createdAt: number;
  updatedAt: number;
}

/** One audit record (append-only Redis Stream per case). */
export interface AuditEntry {
  /** Stream entry id (monotonic). */
  id: string;
  at: number;
  /** `${role}:${userId}`, or `system:<job>`. */
  who: string;
  action: string;
  detail: Record<string, unknown>;
}

export const ACTION_LABELS: Record<string, string> = {
  create: '创建办件',
  assign: '分配人员',
  attach: '上传材料',
  review: '审核材料',
  delivery: '选择送达方式',
  signature: '电子签名',
  commitment: '签署告知承诺',
  submit: '提交申请',
  start_review: '开始审核',
  accept: '受理',
  accept_pending: '容缺受理',
  supply_missing: '补齐容缺材料',
  reject: '不予受理',
  expire: '容缺材料逾期',
  complete: '办结',
  withdraw: '撤回',
};

// ---------------------------------------------------------------- masking

/** Applicant as shown to a viewer: full identity, or masked name and ID number with the other card fields dropped. */
export type ApplicantView = Pick<Identity, 'name' | 'idNumber' | 'sex' | 'ethnicity'> & Partial<Omit<Identity, 'name' | 'idNumber' | 'sex' | 'ethnicity'>>;

export interface CaseView extends Omit<Case, 'applicant' | 'phone'> {
  applicant: ApplicantView;
  phone?: string;
  /** True when the applicant's identity is masked in this view. */
  masked: boolean;
}

/** The assigned agent (who registers the case and needs the full ID number) and supervisors. */
export function seesFullIdentity(c: Case, viewer: Principal): boolean {
  return viewer.role === 'supervisor' || (viewer.role === 'agent' && c.agentId === viewer.userId);
}

/** Staff (agents, supervisors) see the phone number; booths and interpreters see 138****0000. */
export function seesPhone(viewer: Principal): boolean {
  return viewer.role === 'agent' || viewer.role === 'supervisor';
}

/** Keeps the first `keep` characters of an address: 北京市朝阳区**** . */
export function maskAddress(address: string, keep = 6): string {
  return address.length <= keep ? address : address.slice(0, keep) + '****';
}

/**
 * What `viewer` may see of a case. Masked views (booths, interpreters, other
 * agents) show the name as 张** and the ID number as 110105********002X, drop
 * the other ID-card fields (birth date, address, issuer, validity) and mask a
 * mailing address; the phone is masked for everyone but staff.
 */
export function viewCase(c: Case, viewer: Principal): CaseView {
  const full = seesFullIdentity(c, viewer);
  const { applicant, phone, ...rest } = structuredClone(c);
  const v: CaseView = {
    ...rest,
    applicant: full ? applicant : { name: maskName(applicant.name), idNumber: maskIdNumber(applicant.idNumber), sex: applicant.sex, ethnicity: applicant.ethnicity },
    masked: !full,
  };
  if (phone !== undefined) v.phone = seesPhone(viewer) ? phone : maskPhone(phone);
  if (!full && v.delivery?.address) v.delivery.address = maskAddress(v.delivery.address);
  return v;
}

// ------------------------------------------------------ Beijing calendar

const BJ_OFFSET = 8 * 3600_000; // Asia/Shanghai, no daylight saving
const DAY = 86_400_000;

/** Holidays and adjusted working days (调休), YYYY-MM-DD in Beijing time. */
export interface WorkCalendar {
  /** Weekdays with no service (法定节假日). */
  holidays?: readonly string[];
  /** Saturdays/Sundays that are working days (调休上班). */
  workdays?: readonly string[];
}

/** YYYY-MM-DD of the Beijing day containing `ms`. */
export function beijingDate(ms: number): string {
  return new Date(ms + BJ_OFFSET).toISOString().slice(0, 10);
}

/** YYYYMMDD (case numbers). */
export function beijingDateCompact(ms: number): string {
  return beijingDate(ms).replace(/-/g, '');
}

/** 2026年12月9日 */
export function formatBeijingDate(ms: number): string {
  const [y, m, d] = beijingDate(ms).split('-');
  return `${y}年${Number(m)}月${Number(d)}日`;
}

/** 2026-11-25 09:05 */
export function formatBeijingDateTime(ms: number): string {
  return new Date(ms + BJ_OFFSET).toISOString().slice(0, 16).replace('T', ' ');
}

export function isWorkingDay(date: string, cal: WorkCalendar = {}): boolean {
  if (cal.workdays?.includes(date)) return true;
  if (cal.holidays?.includes(date)) return false;
  const dow = new Date(`${date}T00:00:00Z`).getUTCDay();
  return dow !== 0 && dow !== 6;
}

/**
 * End (23:59:59.999 Beijing) of the `n`-th working day after the day of
 * `from`; the day of `from` itself does not count (a case accepted on Friday
 * with 1 day is due Monday). n = 0 (即办) → the end of the same day.
 */
export function addWorkingDays(from: number, n: number, cal: WorkCalendar = {}): number {
  let day = Date.parse(`${beijingDate(from)}T00:00:00+08:00`);
  for (let left = n, guard = 0; left > 0; guard++) {
    if (guard > 3660) throw new Error('working-day calendar has no working days');
    day += DAY;
    if (isWorkingDay(beijingDate(day), cal)) left--;
  }
  return day + DAY - 1;
}

// ------------------------------------------------------- one-time lists

const DONE: readonly Verdict[] = ['accepted', 'committed'];
export const isDone = (m: CaseMaterial) => DONE.includes(m.verdict);

/**
 * Every material that stands in the way, each with its reason, listed at once
 * (一次性告知): rescan / missing verdicts with the agent's reason, and required
 * materials nothing was ever attached to. Missing 容缺 materials count too
 * once the case is pending_materials (their deadline is what is at stake).
 */
export function blockingMaterials(c: Case): Array<{ materialId: string; name: string; reason: string }> {
  const out: Array<{ materialId: string; name: string; reason: string }> = [];
  for (const m of c.materials) {
    if (m.verdict === 'rescan') out.push({ materialId: m.materialId, name: m.name, reason: m.reason ?? '扫描件不清楚或不完整，需要重新扫描' });
    else if (m.verdict === 'missing') out.push({ materialId: m.materialId, name: m.name, reason: m.reason ?? '未提供' });
    else if (m.verdict === 'pending' && m.files.length === 0 && (!m.mayBeMissing || c.state === 'pending_materials')) {
      out.push({ materialId: m.materialId, name: m.name, reason: m.mayBeMissing ? '容缺材料未在期限内补交' : '未提交' });
    }
  }
  return out;
}

/** The 告知承诺书 wording the resident signs for the given materials. */
export function commitmentText(matterName: string, materialNames: string[]): string {
  return (
    `本人申请办理“${matterName}”，已知晓行政机关告知的全部内容。` +
    `本人承诺符合办理条件，并以本承诺书代替以下证明材料：${materialNames.join('、')}。` +
    '本人所作承诺真实、准确、完整，愿意接受行政机关的核查；如承诺不实，愿意承担相应的法律责任，' +
    '并同意行政机关依法撤销办理结果，将不实承诺记入本人信用记录。'
  );
}

export function stateLabel(s: CaseState): string {
  return CASE_STATE_LABELS[s];
}

/** Case numbers as generated: 8-digit date, 6-digit district code, 5-digit daily sequence. */
export const CASE_NO = /^\d{8}\d{6}\d{5}$/;
export const SHA256_HEX = /^[a-f0-9]{64}$/;
