/**
 * The supervisors' figures (统计报表): GET /api/stats (JSON rows) and
 * GET /api/stats.csv (the same rows as a spreadsheet), supervisors only.
 * The facts are read from Redis for the asked range and computed by the pure
 * functions of stats/figures.ts (their definitions are documented there).
 */
import express, { type Router } from 'express';
import { z } from 'zod';
import { AppError, ErrorCode, FiguresQuery, type FiguresRow } from '@xiaowu/shared';
import type { TokenService } from '../auth/tokens';
import type { Accounts } from '../auth/accounts';
import type { CatalogStore } from '../catalog/catalog-store';
import type { CaseStore } from '../cases/case-store';
import type { FeedbackStore } from '../feedback/feedback-store';
import type { VisitLog } from '../stats/visit-log';
import { computeFigures, figuresCsv, type FigureInput } from '../stats/figures';
import { RATABLE_DAYS } from '../feedback/feedback-store';
import { parse, principal, route } from './api';

/** A report spans at most this long (a year and a bit: yearly reports with their previous December). */
const MAX_RANGE_MS = 400 * 86_400_000;
/** Cases completed in the range may have been created this long before it. */
const CASE_LOOKBACK_MS = 366 * 86_400_000;

export interface StatsDeps {
  tokens: TokenService;
  accounts: Accounts;
  catalog: CatalogStore;
  cases: CaseStore;
  feedback: FeedbackStore;
  visits: VisitLog;
  /** Round trip to the hall for booths without their own estimate (minutes). */
  defaultTravelMinutes: number;
}

export async function figuresFor(d: StatsDeps, q: FiguresQuery): Promise<FiguresRow[]> {
  if (q.to <= q.from) throw new AppError(ErrorCode.BadRequest, '`to` must be after `from`');
  if (q.to - q.from > MAX_RANGE_MS) throw new AppError(ErrorCode.BadRequest, 'a report spans at most 400 days');
  const [visits, cases, ratings, booths, staff, catalog] = await Promise.all([
    d.visits.range(q.from, q.to),
    d.cases.createdBetween(q.from - CASE_LOOKBACK_MS, q.to),
    // A session of the range can be rated up to RATABLE_DAYS after it ended.
    d.feedback.ratings(q.from, q.to + RATABLE_DAYS * 86_400_000),
    d.accounts.listBooths(),
    d.accounts.listStaff(),
    d.catalog.current(),
  ]);
  const input: FigureInput = {
    visits,
    cases,
    ratings: ratings.map((r) => ({ sessionId: r.sessionId, boothId: r.boothId, agentId: r.agentId, matterId: r.matterId, level: r.level, at: r.at, endedAt: r.endedAt })),
    departmentOfMatter: new Map(catalog.matters.map((m) => [m.id, m.departmentId])),
    names: {
      booth: new Map(booths.map((b) => [b.boothId, b.name])),
      agent: new Map(staff.map((s) => [s.username, s.name])),
      department: new Map([...catalog.departments.map((x) => [x.id, x.name] as const), ['consult', '咨询'] as const]),
      matter: new Map([...catalog.matters.map((m) => [m.id, m.name] as const), ['consult', '咨询'] as const]),
    },
    travelMinutes: new Map(booths.flatMap((b) => (b.travelMinutes === undefined ? [] : [[b.boothId, b.travelMinutes] as const]))),
    defaultTravelMinutes: d.defaultTravelMinutes,
  };
  return computeFigures(input, q);
}

export function createStatsApi(d: StatsDeps): Router {
  const api = express.Router();
  const query = (raw: Record<string, unknown>) => {
    const { lang: _lang, ...rest } = raw;
    return parse(FiguresQuery, rest);
  };

  api.get('/stats', route(async (req) => {
    await principal(req, d.tokens, ['supervisor']);
    return figuresFor(d, query(req.query as Record<string, unknown>));
  }));

  api.get('/stats.csv', route(async (req, res) => {
    await principal(req, d.tokens, ['supervisor']);
    const q = query(req.query as Record<string, unknown>);
    const lang = parse(z.enum(['zh-CN', 'en']).default('zh-CN'), req.query.lang);
    const csv = figuresCsv(await figuresFor(d, q), lang);
    const day = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10);
    const name = `figures-${q.period}-${q.group}-${day(q.from)}-${day(q.to - 1)}.csv`;
    res.setHeader('content-type', 'text/csv; charset=utf-8');
    res.setHeader('content-disposition', `attachment; filename="${name}"`);
    res.setHeader('cache-control', 'no-store');
    res.send(csv);
  }));

  return api;
}
