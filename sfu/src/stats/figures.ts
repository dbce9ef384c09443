/**
 * Supervisor statistics (值班长统计) as pure functions: visits, cases,
 * completions and ratings folded into one row per period bucket × group key,
 * and the CSV export of those rows. No I/O here: the caller loads the facts.
 *
 * Definitions
 * - Time zone: Beijing (UTC+8 fixed, no daylight saving). Buckets: `day`;
 *   `week` = the Monday that starts the ISO week; `month` = the 1st. A row's
 *   `bucket` is the bucket's start date as YYYY-MM-DD.
 * - Only facts whose own time (named below) lies in [q.from, q.to) count.
 * - Visits: by `requestedAt`. A session across midnight counts on the day it
 *   started, with its whole handling time. visits = all, served / abandoned by
 *   outcome, abandonmentRate = abandoned / visits.
 *   avgWaitSec = mean(answeredAt − requestedAt), avgHandleSec =
 *   mean(endedAt − answeredAt), both over served visits (a served visit
 *   without answeredAt is left out of both means), in seconds rounded to one
 *   decimal; null when there is none.
 * - Transfers: a visit with several segments counts once for the groups
 *   all / booth / department / matter. Under `agent` it counts (visits +1,
 *   served +1) for each distinct agent with a segment; that agent's handling
 *   time is the sum of its own segments (to − from) in that visit, and the
 *   visit's wait (answeredAt − requestedAt) counts only for the agent of the
 *   FIRST segment — the agents transferred to did not make the resident wait
 *   in the queue. Abandoned visits (no segments) do not appear under `agent`.
 * - Cases: by `createdAt`. casesAccepted = accepted | pending_materials |
 *   completed (容缺受理 is an acceptance); casesRejected = rejected;
 *   casesWithdrawn = withdrawn (and in none of the others); casesPending =
 *   draft | submitted | under_review.
 * - Completions: by `completedAt`, state completed with completedAt only.
 *   completed = count; completedOnTime = completedAt ≤ promisedBy; a completed
 *   case WITHOUT promisedBy counts as completed but NOT on time (no promise
 *   can be shown to have been kept). onTimeRate = completedOnTime / completed.
 * - Ratings: by the session's `endedAt` (the service day, not the day the
 *   resident rated). rated = count, satisfied = level ≥ 4 (满意, 非常满意),
 *   satisfactionRate = satisfied / rated. Unrated sessions are not counted
 *   (not in the denominator).
 * - travelSavedMin = Σ over served visits of the booth's round trip to the
 *   hall (travelMinutes, else defaultTravelMinutes); under `agent` it goes to
 *   the first segment's agent only.
 * - Group keys: booth → boothId; agent → segment agents (visits), case.agentId
 *   (cases without one are skipped), rating.agentId; department → visit's
 *   departmentId, for cases and ratings departmentOfMatter(matterId) (unknown
 *   matter → skipped); matter → matterId; all → key '' named '全部'. Other
 *   names from `names`, the key itself when missing.
 * - Rows: one per (bucket, key) with at least one counted fact, sorted by
 *   bucket then key (plain string order). Rates are null when the
 *   denominator is 0.
 */
import type { Case, CaseState, FigureGroup, FigurePeriod, FiguresQuery, FiguresRow, VisitRecord } from '@xiaowu/shared';
import { beijingDate } from '../cases/case-model';

export interface RatingFact {
  sessionId: string;
  boothId: string;
  agentId: string;
  matterId: string;
  level: 1 | 2 | 3 | 4 | 5;
  at: number;
  endedAt: number;
}

export interface FigureInput {
  visits: VisitRecord[];
  cases: Case[];
  ratings: RatingFact[];
  /** matterId → departmentId (cases carry only matterId) */
  departmentOfMatter: ReadonlyMap<string, string>;
  /** display names per group; missing → the key itself */
  names: {
    booth: ReadonlyMap<string, string>;
    agent: ReadonlyMap<string, string>;
    department: ReadonlyMap<string, string>;
    matter: ReadonlyMap<string, string>;
  };
  /** per booth: minutes of a round trip to the hall (travel time saved per served visit); missing → defaultTravelMinutes */
  travelMinutes: ReadonlyMap<string, number>;
  defaultTravelMinutes: number;
}

const DAY = 86_400_000;
export const ALL_NAME = '全部';

/** Start date (YYYY-MM-DD, Beijing time) of the day / ISO week (Monday) / month containing `ms`. */
export function bucketOf(ms: number, period: FigurePeriod): string {
  const date = beijingDate(ms);
  if (period === 'day') return date;
  if (period === 'month') return `${date.slice(0, 8)}01`;
  const midnight = Date.parse(`${date}T00:00:00Z`);
  const sinceMonday = (new Date(midnight).getUTCDay() + 6) % 7;
  return new Date(midnight - sinceMonday * DAY).toISOString().slice(0, 10);
}

const ACCEPTED: readonly CaseState[] = ['accepted', 'pending_materials', 'completed'];
const PENDING: readonly CaseState[] = ['draft', 'submitted', 'under_review'];

interface Acc {
  bucket: string;
  key: string;
  visits: number;
  served: number;
  abandoned: number;
  casesAccepted: number;
  casesRejected: number;
  casesPending: number;
  casesWithdrawn: number;
  completed: number;
  completedOnTime: number;
  rated: number;
  satisfied: number;
  waitMsSum: number;
  waitN: number;
  handleMsSum: number;
  handleN: number;
  travelSavedMin: number;
}

const ratio = (n: number, d: number): number | null => (d === 0 ? null : n / d);
const meanSec = (sumMs: number, n: number): number | null => (n === 0 ? null : Math.round(sumMs / n / 100) / 10);

export function computeFigures(input: FigureInput, q: FiguresQuery): FiguresRow[] {
  const { period, group } = q;
  const inRange = (t: number | undefined): t is number => t !== undefined && t >= q.from && t < q.to;
  const acc = new Map<string, Acc>();
  const at = (t: number, key: string): Acc => {
    const bucket = bucketOf(t, period);
    const id = `${bucket}\u0000${key}`;
    let a = acc.get(id);
    if (!a) {
      a = {
        bucket, key, visits: 0, served: 0, abandoned: 0,
        casesAccepted: 0, casesRejected: 0, casesPending: 0, casesWithdrawn: 0,
        completed: 0, completedOnTime: 0, rated: 0, satisfied: 0,
        waitMsSum: 0, waitN: 0, handleMsSum: 0, handleN: 0, travelSavedMin: 0,
      };
      acc.set(id, a);
    }
    return a;
  };
  const travelOf = (boothId: string) => input.travelMinutes.get(boothId) ?? input.defaultTravelMinutes;
  /** Group key of a case or rating; undefined → skipped under this group. */
  const keyOf = (f: { boothId: string; matterId: string; agentId?: string | undefined }, g: FigureGroup): string | undefined => {
    switch (g) {
      case 'all': return '';
      case 'booth': return f.boothId;
      case 'agent': return f.agentId || undefined;
      case 'department': return input.departmentOfMatter.get(f.matterId);
      case 'matter': return f.matterId;
    }
  };

  // ── visits
  for (const v of input.visits) {
    if (!inRange(v.requestedAt)) continue;
    const served = v.outcome === 'served';
    const answered = served && v.answeredAt !== undefined;
    const waitMs = answered ? v.answeredAt! - v.requestedAt : 0;
    if (group === 'agent') {
      if (!served) continue;
      const handled = new Map<string, number>(); // agent → Σ own segments, in first-appearance order
      for (const s of v.segments) handled.set(s.agentId, (handled.get(s.agentId) ?? 0) + (s.to - s.from));
      const first = v.segments[0]?.agentId;
      for (const [agentId, ms] of handled) {
        const a = at(v.requestedAt, agentId);
        a.visits++;
        a.served++;
        a.handleMsSum += ms;
        a.handleN++;
        if (agentId === first) {
          if (answered) {
            a.waitMsSum += waitMs;
            a.waitN++;
          }
          a.travelSavedMin += travelOf(v.boothId);
        }
      }
      continue;
    }
    const key = group === 'all' ? '' : group === 'booth' ? v.boothId : group === 'department' ? v.departmentId : v.matterId;
    const a = at(v.requestedAt, key);
    a.visits++;
    if (served) {
      a.served++;
      a.travelSavedMin += travelOf(v.boothId);
      if (answered) {
        a.waitMsSum += waitMs;
        a.waitN++;
        a.handleMsSum += v.endedAt - v.answeredAt!;
        a.handleN++;
      }
    } else {
      a.abandoned++;
    }
  }

  // ── cases (by creation) and completions (by completion)
  for (const c of input.cases) {
    const key = keyOf(c, group);
    if (key === undefined) continue;
    if (inRange(c.createdAt)) {
      const a = at(c.createdAt, key);
      if (c.state === 'withdrawn') a.casesWithdrawn++;
      else if (c.state === 'rejected') a.casesRejected++;
      else if (ACCEPTED.includes(c.state)) a.casesAccepted++;
      else if (PENDING.includes(c.state)) a.casesPending++;
    }
    if (c.state === 'completed' && inRange(c.completedAt)) {
      const a = at(c.completedAt, key);
      a.completed++;
      if (c.promisedBy !== undefined && c.completedAt <= c.promisedBy) a.completedOnTime++;
    }
  }

  // ── ratings (by the session's end)
  for (const r of input.ratings) {
    if (!inRange(r.endedAt)) continue;
    const key = keyOf(r, group);
    if (key === undefined) continue;
    const a = at(r.endedAt, key);
    a.rated++;
    if (r.level >= 4) a.satisfied++;
  }

  const nameOf = (key: string): string => (group === 'all' ? ALL_NAME : input.names[group].get(key) ?? key);
  const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return [...acc.values()]
    .sort((x, y) => cmp(x.bucket, y.bucket) || cmp(x.key, y.key))
    .map((a) => ({
      bucket: a.bucket,
      key: a.key,
      name: nameOf(a.key),
      visits: a.visits,
      served: a.served,
      abandoned: a.abandoned,
      abandonmentRate: ratio(a.abandoned, a.visits),
      casesAccepted: a.casesAccepted,
      casesRejected: a.casesRejected,
      casesPending: a.casesPending,
      casesWithdrawn: a.casesWithdrawn,
      completed: a.completed,
      completedOnTime: a.completedOnTime,
      onTimeRate: ratio(a.completedOnTime, a.completed),
      rated: a.rated,
      satisfied: a.satisfied,
      satisfactionRate: ratio(a.satisfied, a.rated),
      avgWaitSec: meanSec(a.waitMsSum, a.waitN),
      avgHandleSec: meanSec(a.handleMsSum, a.handleN),
      travelSavedMin: a.travelSavedMin,
    }));
}

// ── CSV ─────────────────────────────────────────────────────────────────────

type Column = { zh: string; en: string; cell: (r: FiguresRow, lang: 'zh-CN' | 'en') => string };

const num = (n: number | null) => (n === null ? '' : String(n));
const pct = (n: number | null) => (n === null ? '' : `${(n * 100).toFixed(1)}%`);

const COLUMNS: Column[] = [
  { zh: '时段', en: 'Period', cell: (r) => r.bucket },
  { zh: '分组', en: 'Group key', cell: (r) => r.key },
  { zh: '名称', en: 'Name', cell: (r, lang) => (lang === 'en' && r.key === '' && r.name === ALL_NAME ? 'All' : r.name) },
  { zh: '来访量', en: 'Visits', cell: (r) => num(r.visits) },
  { zh: '已服务', en: 'Served', cell: (r) => num(r.served) },
  { zh: '放弃', en: 'Abandoned', cell: (r) => num(r.abandoned) },
  { zh: '放弃率', en: 'Abandonment rate', cell: (r) => pct(r.abandonmentRate) },
  { zh: '受理', en: 'Cases accepted', cell: (r) => num(r.casesAccepted) },
  { zh: '不予受理', en: 'Cases rejected', cell: (r) => num(r.casesRejected) },
  { zh: '办理中', en: 'Cases pending', cell: (r) => num(r.casesPending) },
  { zh: '撤回', en: 'Cases withdrawn', cell: (r) => num(r.casesWithdrawn) },
  { zh: '办结', en: 'Completed', cell: (r) => num(r.completed) },
  { zh: '按时办结', en: 'Completed on time', cell: (r) => num(r.completedOnTime) },
  { zh: '按时办结率', en: 'On-time rate', cell: (r) => pct(r.onTimeRate) },
  { zh: '评价数', en: 'Ratings', cell: (r) => num(r.rated) },
  { zh: '满意数', en: 'Satisfied', cell: (r) => num(r.satisfied) },
  { zh: '满意率', en: 'Satisfaction rate', cell: (r) => pct(r.satisfactionRate) },
  { zh: '平均等待(秒)', en: 'Avg wait (s)', cell: (r) => num(r.avgWaitSec) },
  { zh: '平均办理(秒)', en: 'Avg handling (s)', cell: (r) => num(r.avgHandleSec) },
  { zh: '节省路途(分钟)', en: 'Travel saved (min)', cell: (r) => num(r.travelSavedMin) },
];
/** The columns holding free text (the others are numbers we format ourselves). */
const TEXT_COLUMNS = new Set([0, 1, 2]);

/** Spreadsheet formula injection: a text cell starting with = + - @ (or tab / CR) is prefixed with an apostrophe. */
function defuse(s: string): string {
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}

/** RFC 4180: quote a field containing a comma, a quote, CR or LF; double the quotes. */
function quote(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * The rows as CSV for Excel: UTF-8 BOM, a header row in `lang`, CRLF line
 * endings (also after the last row), RFC 4180 quoting, rates as percentages
 * with one decimal ("33.3%") or an empty cell when null, text cells guarded
 * against formula injection.
 */
export function figuresCsv(rows: FiguresRow[], lang: 'zh-CN' | 'en'): string {
  const lines = [COLUMNS.map((c) => quote(lang === 'en' ? c.en : c.zh))];
  for (const r of rows) lines.push(COLUMNS.map((c, i) => quote(TEXT_COLUMNS.has(i) ? defuse(c.cell(r, lang)) : c.cell(r, lang))));
  return '\uFEFF' + lines.map((l) => l.join(',') + '\r\n').join('');
}
