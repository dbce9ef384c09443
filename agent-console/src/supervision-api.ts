/**
 * The supervisor's REST calls besides recordings: the follow-up list
 * (好差评回访 / 办不成事整改) and its resolution, and the statistics
 * (JSON for the table and charts, CSV for download), with the bearer token.
 * A token the server refuses signs the supervisor out (as for recordings).
 *
 * Also the Beijing-date arithmetic of the statistics' date inputs: a date
 * input holds a calendar date, the server takes epoch ms; a Beijing day starts
 * at 00:00 CST = 16:00 UTC the day before (China has no daylight saving).
 */
import { AppError, ErrorCode, type FigureGroup, type FigurePeriod, type FiguresRow, type LiveFollowUp } from '@xiaowu/shared';
import { apiRequest } from '@xiaowu/shared/client';

export interface FiguresParams {
  period: FigurePeriod;
  group: FigureGroup;
  /** Inclusive start (ms, 00:00 CST of the first day). */
  from: number;
  /** Exclusive end (ms, 00:00 CST of the day after the last day). */
  to: number;
}

export interface ResolveBody {
  resolution: string;
  calledBack: boolean;
}

const codes = new Set<string>(Object.values(ErrorCode));

export class SupervisionApi {
  constructor(
    private readonly token: () => string,
    /** Called when the server refuses the token (expired, signed out elsewhere). */
    private readonly onUnauthorized: () => void = () => undefined,
    private readonly base = '',
  ) {}

  private async req<T>(path: string, opts: { body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
    try {
      return await apiRequest<T>(path, { token: this.token(), body: opts.body, signal: opts.signal, timeoutMs: 20_000 }, this.base);
    } catch (err) {
      if (err instanceof AppError && err.code === ErrorCode.Unauthorized) this.onUnauthorized();
      throw err;
    }
  }

  /** Open follow-ups and the recently resolved ones (GET /api/followups). */
  followUps(signal?: AbortSignal): Promise<LiveFollowUp[]> {
    return this.req('/api/followups', { signal });
  }

  /** Closes one (POST /api/followups/:id/resolve); INVALID_STATE for a bad rating without call-back or one already resolved. */
  resolve(id: string, body: ResolveBody): Promise<LiveFollowUp> {
    return this.req(`/api/followups/${encodeURIComponent(id)}/resolve`, { body });
  }

  /** The figures rows (GET /api/stats). */
  figures(p: FiguresParams, signal?: AbortSignal): Promise<FiguresRow[]> {
    return this.req(`/api/stats?${figuresQuery(p)}`, { signal });
  }

  /** The same figures as CSV in the given language (GET /api/stats.csv), as a Blob to save. */
  async figuresCsv(p: FiguresParams, lang: string): Promise<Blob> {
    const url = `${this.base}/api/stats.csv?${figuresQuery(p)}&lang=${encodeURIComponent(lang)}`;
    let res: Response;
    try {
      res = await fetch(url, { headers: { authorization: `Bearer ${this.token()}`, accept: 'text/csv' }, cache: 'no-store' });
    } catch (err) {
      throw new AppError(ErrorCode.Timeout, `GET ${url}: ${(err as Error).message}`);
    }
    if (!res.ok) {
      const answer = (await res.json().catch(() => undefined)) as { error?: { code?: string; message?: string } } | undefined;
      const code = answer?.error?.code;
      const err = new AppError(
        code && codes.has(code) ? (code as ErrorCode) : res.status === 404 ? ErrorCode.NotFound : res.status === 401 ? ErrorCode.Unauthorized : ErrorCode.Internal,
        answer?.error?.message ?? `GET ${url}: HTTP ${res.status}`,
      );
      if (err.code === ErrorCode.Unauthorized) this.onUnauthorized();
      throw err;
    }
    return res.blob();
  }
}

export function figuresQuery(p: FiguresParams): string {
  return new URLSearchParams({ period: p.period, group: p.group, from: String(p.from), to: String(p.to) }).toString();
}

// ── Beijing dates ─────────────────────────────────────────────────────────────

const CST_OFFSET_MS = 8 * 3600_000;
const DAY_MS = 86_400_000;

/** The Beijing calendar date of an instant, as YYYY-MM-DD (what a date input holds). */
export function beijingDate(ms: number): string {
  return new Date(ms + CST_OFFSET_MS).toISOString().slice(0, 10);
}

/** 00:00 CST of a YYYY-MM-DD date, in ms; NaN for anything else. */
export function beijingMidnight(date: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return NaN;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) - CST_OFFSET_MS;
}

/** The date `days` after (or before) a YYYY-MM-DD date. */
export function addDays(date: string, days: number): string {
  return beijingDate(beijingMidnight(date) + days * DAY_MS);
}

/** The statistics' default range: the last 30 days including today (Beijing). */
export function defaultRange(now = Date.now()): { from: string; to: string } {
  const to = beijingDate(now);
  return { from: addDays(to, -29), to };
}

/** UI dates (both inclusive) → the server's [from, to) in ms. */
export function rangeToMs(from: string, to: string): { from: number; to: number } {
  return { from: beijingMidnight(from), to: beijingMidnight(addDays(to, 1)) };
}

// ── figures formatting ────────────────────────────────────────────────────────

/** 0.8734 → "87.3%", null → "—". */
export function formatRate(r: number | null | undefined): string {
  return r === null || r === undefined || !Number.isFinite(r) ? '—' : `${(r * 100).toFixed(1)}%`;
}

/** Seconds → m:ss (h:mm:ss from one hour on), null → "—". */
export function formatSeconds(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s)) return '—';
  const total = Math.max(0, Math.round(s));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const ss = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** numerator / denominator, null when there is nothing to divide by. */
export function ratio(n: number, d: number): number | null {
  return d > 0 ? n / d : null;
}
