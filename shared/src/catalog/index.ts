/**
 * Service catalog: schemas, the seed, and pure helpers for the booth
 * (search box, department rows, one-time notice screen and PDF).
 * No dependencies beyond zod: the caller passes pinyin initials in.
 */
import type { Catalog, DeliveryMode, Department, Matter, MaterialForm } from './schema';

export * from './schema';
export { SEED_CATALOG } from './seed';

export const MATERIAL_FORM_LABELS: Record<MaterialForm, string> = {
  original: '原件',
  copy: '复印件',
  original_and_copy: '原件及复印件',
  electronic: '电子件',
};

export const DELIVERY_LABELS: Record<DeliveryMode, string> = {
  pickup: '现场领取',
  mail: '邮寄送达',
  electronic: '电子送达',
};

export const MATERIAL_NOTE_MAY_BE_MISSING = '可容缺后补';
export const MATERIAL_NOTE_COMMITMENT = '可告知承诺替代';

export function findMatter(catalog: Catalog, id: string): Matter | undefined {
  return catalog.matters.find((m) => m.id === id);
}

/** Departments in display order, each with its matters (most used first). Departments without matters are kept. */
export function mattersByDepartment(catalog: Catalog): Array<{ department: Department; matters: Matter[] }> {
  return [...catalog.departments]
    .sort((a, b) => a.order - b.order)
    .map((department) => ({
      department,
      matters: catalog.matters.filter((m) => m.departmentId === department.id).sort(byPopular),
    }));
}

/** The `limit` most used matters, for the booth's "常办事项" row. */
export function popularMatters(catalog: Catalog, limit = 8): Matter[] {
  return [...catalog.matters].sort(byPopular).slice(0, limit);
}

function byPopular(a: Matter, b: Matter): number {
  return b.popular - a.popular || a.id.localeCompare(b.id);
}

/** How well one query term matches a matter: lower is better, undefined = no match. */
const TIER_NAME = 0;
const TIER_KEYWORD = 1;
const TIER_SUMMARY = 2;

function normalize(s: string): string {
  return s.normalize('NFKC').toLowerCase().replace(/\s+/g, '');
}

/**
 * Search by name, keywords, summary, and pinyin initials of the name
 * ('tx' finds 退休…). Terms separated by spaces or punctuation must all
 * match. Ranking: name hits (text or initials), then keyword hits, then
 * summary hits; within a tier, the most used first. Empty query → [].
 *
 * A keyword also matches when the query contains it, so a sentence such as
 * 我的社保卡丢了怎么办 finds the keyword 社保卡丢了.
 */
export function searchMatters(catalog: Catalog, query: string, initialsOf: (s: string) => string): Matter[] {
  const terms = query
    .normalize('NFKC')
    .split(/[\s,，、;；。?？!！]+/)
    .map(normalize)
    .filter((t) => t.length > 0);
  if (terms.length === 0) return [];

  const hits: Array<{ matter: Matter; tier: number }> = [];
  for (const matter of catalog.matters) {
    const name = normalize(matter.name);
    const initials = normalize(initialsOf(matter.name));
    const keywords = matter.keywords.map(normalize);
    // Initials of keywords too: 'sbk' finds 社保卡 even though the name says 社会保障卡.
    const keywordInitials = matter.keywords.map((k) => normalize(initialsOf(k)));
    const summary = normalize(matter.summary);

    let worst = TIER_NAME;
    let matched = true;
    for (const term of terms) {
      const tier = termTier(term, name, initials, keywords, keywordInitials, summary);
      if (tier === undefined) {
        matched = false;
        break;
      }
      worst = Math.max(worst, tier);
    }
    if (matched) hits.push({ matter, tier: worst });
  }
  return hits.sort((a, b) => a.tier - b.tier || byPopular(a.matter, b.matter)).map((h) => h.matter);
}

function termTier(term: string, name: string, initials: string, keywords: string[], keywordInitials: string[], summary: string): number | undefined {
  if (name.includes(term)) return TIER_NAME;
  if (/^[a-z]+$/.test(term) && initials.includes(term)) return TIER_NAME;
  if (/^[a-z]{2,}$/.test(term) && keywordInitials.some((k) => k.includes(term))) return TIER_KEYWORD;
  if (keywords.some((k) => k.includes(term) || (k.length >= 2 && term.includes(k)))) return TIER_KEYWORD;
  if (summary.includes(term)) return TIER_SUMMARY;
  return undefined;
}

export interface NoticeMaterial {
  id: string;
  name: string;
  /** Chinese label: 原件 / 复印件 / 原件及复印件 / 电子件. */
  form: string;
  count: number;
  /** What exactly is meant. */
  description: string;
  sampleHint?: string;
  /** e.g. 可容缺后补, 可告知承诺替代. */
  notes: string[];
}

/** The one-time notice (一次性告知) shown on the booth before the call and printed as PDF. */
export interface OneTimeNotice {
  matterId: string;
  code: string;
  title: string;
  summary: string;
  conditions: string[];
  materials: NoticeMaterial[];
  legalDays: number;
  promisedDays: number;
  /** Plain sentence for the time limits, e.g. 承诺 10 个工作日内办结（法定 20 个工作日）. */
  timeLimitText: string;
  fee: string;
  /** Chinese labels, e.g. 现场领取, 邮寄送达. */
  delivery: string[];
  allowsCommitment: boolean;
  onSite: boolean;
  onSiteNote?: string;
}

export function oneTimeNotice(matter: Matter): OneTimeNotice {
  const notice: OneTimeNotice = {
    matterId: matter.id,
    code: matter.code,
    title: matter.name,
    summary: matter.summary,
    conditions: [...matter.conditions],
    materials: matter.materials.map((m) => {
      const notes: string[] = [];
      if (m.mayBeMissing) notes.push(MATERIAL_NOTE_MAY_BE_MISSING);
      if (m.commitmentAllowed) notes.push(MATERIAL_NOTE_COMMITMENT);
      const item: NoticeMaterial = {
        id: m.id,
        name: m.name,
        form: MATERIAL_FORM_LABELS[m.form],
        count: m.count,
        description: m.description,
        notes,
      };
      if (m.sampleHint) item.sampleHint = m.sampleHint;
      return item;
    }),
    legalDays: matter.legalDays,
    promisedDays: matter.promisedDays,
    timeLimitText: timeLimitText(matter.legalDays, matter.promisedDays),
    fee: matter.fee,
    delivery: matter.delivery.map((d) => DELIVERY_LABELS[d]),
    allowsCommitment: matter.allowsCommitment,
    onSite: matter.onSite,
  };
  if (matter.onSiteNote) notice.onSiteNote = matter.onSiteNote;
  return notice;
}

function timeLimitText(legalDays: number, promisedDays: number): string {
  const promised = promisedDays === 0 ? '当场办结' : `承诺 ${promisedDays} 个工作日内办结`;
  if (legalDays === 0) return promised;
  if (legalDays === promisedDays) return `${legalDays} 个工作日内办结`;
  return `${promised}（法定 ${legalDays} 个工作日）`;
}
