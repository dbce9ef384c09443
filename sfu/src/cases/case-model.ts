/**
 * The case (办件) record and the pure rules around it: what a case holds, who
 * may see which personal data (masking per viewer), working-day arithmetic for
 * deadlines (Beijing calendar, weekends and a holiday list), the one-time list
 * of everything that blocks acceptance (一次性告知), and the wording of the
 * commitment (告知承诺书). No I/O here: CaseStore persists, case-pdfs prints.
 */
import { CASE_STATE_LABELS, maskIdNumber, maskName, type Case, type CaseMaterial, type CaseState, type CaseView, type Verdict } from '@xiaowu/shared';
import type { Principal } from '../auth/tokens';
import { maskPhone } from '../queue/appointments';

export { maskPhone };

export { Verdicts, ReviewVerdicts, VERDICT_LABELS, SignaturePurposes, SIGNATURE_LABELS, ACTION_LABELS } from '@xiaowu/shared';
export type { Verdict, ReviewVerdict, SignaturePurpose, CaseMaterial, CaseDelivery, CaseSignature, CaseRejection, CaseTerms, Case, AuditEntry, ApplicantView, CaseView } from '@xiaowu/shared';

// ---------------------------------------------------------------- masking


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
