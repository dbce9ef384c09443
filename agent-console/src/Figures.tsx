/**
 * 统计报表: the figures per day / week / month (Beijing time), for everything
 * or per booth, agent, department or matter — visits, served, abandoned,
 * cases, on-time completion, satisfaction, average wait and handling time,
 * travel saved — as a table with every column, two charts (volumes; rates)
 * and a CSV download. Loaded lazily by SupervisorApp (recharts is large).
 *
 * Dates are calendar dates in Beijing; the end date is inclusive here and
 * sent as the next day's 00:00 CST (the server's `to` is exclusive).
 */
import { useCallback, useEffect, useId, useMemo, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { AppError, ErrorCode, FigureGroups, FigurePeriods, type FigureGroup, type FigurePeriod, type FiguresRow } from '@xiaowu/shared';
import { defaultRange, formatRate, formatSeconds, rangeToMs, ratio, type FiguresParams, type SupervisionApi } from './supervision-api';

type LooseT = (key: string, opts?: Record<string, unknown>) => string;

/** The table's columns after bucket and name, in FiguresRow order. */
const COLUMNS = [
  'visits',
  'served',
  'abandoned',
  'abandonmentRate',
  'casesAccepted',
  'casesRejected',
  'casesPending',
  'casesWithdrawn',
  'completed',
  'completedOnTime',
  'onTimeRate',
  'rated',
  'satisfied',
  'satisfactionRate',
  'avgWaitSec',
  'avgHandleSec',
  'travelSavedMin',
] as const satisfies ReadonlyArray<keyof FiguresRow>;
type Column = (typeof COLUMNS)[number];

const RATE_COLUMNS = new Set<Column>(['abandonmentRate', 'onTimeRate', 'satisfactionRate']);
const SECOND_COLUMNS = new Set<Column>(['avgWaitSec', 'avgHandleSec']);

function cell(row: FiguresRow, c: Column): string {
  const v = row[c];
  if (RATE_COLUMNS.has(c)) return formatRate(v);
  if (SECOND_COLUMNS.has(c)) return formatSeconds(v);
  return v === null ? '—' : String(Math.round(v * 10) / 10);
}

interface BucketPoint {
  bucket: string;
  visits: number;
  served: number;
  abandoned: number;
  rated: number;
  satisfied: number;
  completed: number;
  completedOnTime: number;
  /** Rates in % (0..100), null when there is nothing to divide by (a gap in the line). */
  satisfaction: number | null;
  onTime: number | null;
  abandonment: number | null;
}

const pct = (r: number | null) => (r === null ? null : Math.round(r * 1000) / 10);

/** Rows summed per bucket, rates recomputed from their numerators and denominators. */
export function byBucket(rows: FiguresRow[]): BucketPoint[] {
  const acc = new Map<string, BucketPoint>();
  for (const r of rows) {
    let p = acc.get(r.bucket);
    if (!p) {
      p = { bucket: r.bucket, visits: 0, served: 0, abandoned: 0, rated: 0, satisfied: 0, completed: 0, completedOnTime: 0, satisfaction: null, onTime: null, abandonment: null };
      acc.set(r.bucket, p);
    }
    p.visits += r.visits;
    p.served += r.served;
    p.abandoned += r.abandoned;
    p.rated += r.rated;
    p.satisfied += r.satisfied;
    p.completed += r.completed;
    p.completedOnTime += r.completedOnTime;
  }
  const out = [...acc.values()].sort((a, b) => (a.bucket < b.bucket ? -1 : a.bucket > b.bucket ? 1 : 0));
  for (const p of out) {
    p.satisfaction = pct(ratio(p.satisfied, p.rated));
    p.onTime = pct(ratio(p.completedOnTime, p.completed));
    p.abandonment = pct(ratio(p.abandoned, p.visits));
  }
  return out;
}

interface Form {
  period: FigurePeriod;
  group: FigureGroup;
  from: string;
  to: string;
}

export function FiguresTab({ api }: { api: SupervisionApi }) {
  const { t, i18n } = useTranslation();
  const lt = t as unknown as LooseT;
  const id = useId();
  const [form, setForm] = useState<Form>(() => ({ period: 'day', group: 'all', ...defaultRange() }));
  /** The query the rows shown answer (the controls may have changed since). */
  const [applied, setApplied] = useState<{ form: Form; params: FiguresParams } | undefined>();
  const [rows, setRows] = useState<FiguresRow[] | undefined>();
  const [phase, setPhase] = useState<'idle' | 'loading'>('idle');
  const [error, setError] = useState<string | undefined>();
  const [csvBusy, setCsvBusy] = useState(false);
  const [csvError, setCsvError] = useState<string | undefined>();

  const errorText = useCallback((err: unknown) => lt(`supervisor.errors.${err instanceof AppError ? err.code : ErrorCode.Internal}`), [lt]);

  const paramsOf = (f: Form): FiguresParams | undefined => {
    const { from, to } = rangeToMs(f.from, f.to);
    if (!Number.isFinite(from) || !Number.isFinite(to) || to <= from) return undefined;
    return { period: f.period, group: f.group, from, to };
  };

  const load = useCallback(
    async (f: Form, params: FiguresParams, signal?: AbortSignal) => {
      setPhase('loading');
      setError(undefined);
      try {
        const r = await api.figures(params, signal);
        setRows(r);
        setApplied({ form: f, params });
      } catch (err) {
        if (signal?.aborted) return;
        console.warn('figures failed to load', err);
        setError(t('supervisor.figures.failed', { reason: errorText(err) }));
      } finally {
        if (!signal?.aborted) setPhase('idle');
      }
    },
    [api, errorText, t],
  );

  // The default range, once on opening the tab (not again on a language switch).
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    const ctl = new AbortController();
    const f: Form = { period: 'day', group: 'all', ...defaultRange() };
    const { from, to } = rangeToMs(f.from, f.to);
    void loadRef.current(f, { period: f.period, group: f.group, from, to }, ctl.signal);
    return () => ctl.abort();
  }, [api]);

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    const params = paramsOf(form);
    if (!params) {
      setError(t('supervisor.figures.badRange'));
      return;
    }
    void load(form, params);
  };

  const downloadCsv = async () => {
    const params = paramsOf(form);
    if (!params) {
      setCsvError(t('supervisor.figures.badRange'));
      return;
    }
    setCsvBusy(true);
    setCsvError(undefined);
    try {
      const blob = await api.figuresCsv(params, i18n.language === 'en' ? 'en' : 'zh-CN');
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = t('supervisor.figures.csvFile', { from: form.from, to: form.to });
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (err) {
      console.warn('figures csv failed', err);
      setCsvError(t('supervisor.figures.csvFailed', { reason: errorText(err) }));
    } finally {
      setCsvBusy(false);
    }
  };

  const points = useMemo(() => (rows ? byBucket(rows) : []), [rows]);
  const grouped = applied?.form.group !== 'all';

  return (
    <div className="fig-tab" data-testid="figures" data-state={phase}>
      <section className="panel" aria-labelledby={`${id}-title`}>
        <div className="panel-head">
          <h2 id={`${id}-title`}>{t('supervisor.figures.title')}</h2>
        </div>
        <form className="fig-controls" aria-label={t('supervisor.figures.controls')} onSubmit={onSubmit}>
          <label className="fig-control">
            <span className="field-label">{t('supervisor.figures.period')}</span>
            <select className="field" data-testid="fig-period" value={form.period} onChange={(e) => setForm({ ...form, period: e.target.value as FigurePeriod })}>
              {FigurePeriods.map((p) => (
                <option key={p} value={p}>
                  {t(`supervisor.figures.periods.${p}`)}
                </option>
              ))}
            </select>
          </label>
          <label className="fig-control">
            <span className="field-label">{t('supervisor.figures.group')}</span>
            <select className="field" data-testid="fig-group" value={form.group} onChange={(e) => setForm({ ...form, group: e.target.value as FigureGroup })}>
              {FigureGroups.map((g) => (
                <option key={g} value={g}>
                  {t(`supervisor.figures.groups.${g}`)}
                </option>
              ))}
            </select>
          </label>
          <label className="fig-control">
            <span className="field-label">{t('supervisor.figures.from')}</span>
            <input type="date" className="field" data-testid="fig-from" required aria-describedby={`${id}-tz`} value={form.from} max={form.to || undefined} onChange={(e) => setForm({ ...form, from: e.target.value })} />
          </label>
          <label className="fig-control">
            <span className="field-label">{t('supervisor.figures.to')}</span>
            <input type="date" className="field" data-testid="fig-to" required aria-describedby={`${id}-tz`} value={form.to} min={form.from || undefined} onChange={(e) => setForm({ ...form, to: e.target.value })} />
          </label>
          <div className="fig-buttons">
            <button type="submit" className="btn btn-primary" data-testid="fig-load" disabled={phase === 'loading'} aria-busy={phase === 'loading' || undefined}>
              {phase === 'loading' ? t('supervisor.figures.loading') : t('supervisor.figures.load')}
            </button>
            <button type="button" className="btn btn-secondary" data-testid="fig-csv" disabled={csvBusy} aria-busy={csvBusy || undefined} onClick={() => void downloadCsv()}>
              {csvBusy ? t('supervisor.figures.csvBusy') : t('supervisor.figures.csv')}
            </button>
          </div>
          <span id={`${id}-tz`} className="muted rec-small fig-tz">
            {t('supervisor.figures.dateHint')}
          </span>
        </form>
        {error && (
          <p className="alert alert-error fig-alert" role="alert" data-testid="fig-error">
            {error}
          </p>
        )}
        {csvError && (
          <p className="alert alert-error fig-alert" role="alert" data-testid="fig-csv-error">
            {csvError}
          </p>
        )}
      </section>

      {rows && rows.length === 0 && (
        <p className="muted" role="status" data-testid="fig-empty">
          {t('supervisor.figures.empty')}
        </p>
      )}

      {rows && rows.length > 0 && (
        <>
          <div className="fig-charts">
            <VolumeChart points={points} />
            <RatesChart points={points} />
          </div>
          <section className="panel" aria-labelledby={`${id}-table`}>
            <div className="panel-head">
              <h2 id={`${id}-table`}>{t('supervisor.figures.tableTitle')}</h2>
            </div>
            <div className="rec-table-wrap fig-table-wrap" role="region" aria-labelledby={`${id}-table`} tabIndex={0}>
              <table className="rec-table fig-table" data-testid="fig-table" data-period={applied?.form.period} data-group={applied?.form.group}>
                <thead>
                  <tr>
                    <th scope="col">{t('supervisor.figures.columns.bucket')}</th>
                    <th scope="col">{t('supervisor.figures.columns.name')}</th>
                    {COLUMNS.map((c) => (
                      <th key={c} scope="col" className="num">
                        {t(`supervisor.figures.columns.${c}`)}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {rows.map((r) => (
                    <tr key={`${r.bucket}|${r.key}`} data-testid="fig-row" data-bucket={r.bucket} data-key={r.key}>
                      <th scope="row" className="rec-when">
                        {r.bucket}
                      </th>
                      <td className="fig-name">{grouped ? r.name || r.key : t('supervisor.figures.all')}</td>
                      {COLUMNS.map((c) => (
                        <td key={c} className="num" data-col={c}>
                          {cell(r, c)}
                        </td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
        </>
      )}
    </div>
  );
}

// ── charts ─────────────────────────────────────────────────────────────────────

const CHART_HEIGHT = 300;

function VolumeChart({ points }: { points: BucketPoint[] }) {
  const { t } = useTranslation();
  const id = useId();
  const sum = (k: 'visits' | 'served' | 'abandoned') => points.reduce((n, p) => n + p[k], 0);
  const summary = t('supervisor.figures.charts.volumeSummary', { buckets: points.length, visits: sum('visits'), served: sum('served'), abandoned: sum('abandoned') });
  return (
    <figure className="panel fig-chart" data-testid="fig-chart" data-chart="volume" aria-labelledby={`${id}-cap`}>
      <figcaption id={`${id}-cap`}>
        <span className="fig-chart-title">{t('supervisor.figures.charts.volume')}</span>
        <span className="visually-hidden">{summary}</span>
      </figcaption>
      <div className="fig-chart-box" aria-hidden="true">
        <ResponsiveContainer width="100%" height={CHART_HEIGHT} minWidth={280}>
          <BarChart data={points} margin={{ top: 8, right: 16, bottom: 8, left: 0 }} accessibilityLayer={false}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="bucket" />
            <YAxis allowDecimals={false} />
            <Tooltip />
            <Legend itemSorter={null} />
            <Bar dataKey="visits" name={t('supervisor.figures.columns.visits')} fill="#0a57c2" isAnimationActive={false} />
            <Bar dataKey="served" name={t('supervisor.figures.columns.served')} fill="#17803d" isAnimationActive={false} />
            <Bar dataKey="abandoned" name={t('supervisor.figures.columns.abandoned')} fill="#b3261e" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}

function RatesChart({ points }: { points: BucketPoint[] }) {
  const { t } = useTranslation();
  const id = useId();
  const tot = points.reduce((a, p) => ({ rated: a.rated + p.rated, satisfied: a.satisfied + p.satisfied, completed: a.completed + p.completed, onTime: a.onTime + p.completedOnTime, visits: a.visits + p.visits, abandoned: a.abandoned + p.abandoned }), {
    rated: 0,
    satisfied: 0,
    completed: 0,
    onTime: 0,
    visits: 0,
    abandoned: 0,
  });
  const summary = t('supervisor.figures.charts.ratesSummary', {
    buckets: points.length,
    satisfaction: formatRate(ratio(tot.satisfied, tot.rated)),
    onTime: formatRate(ratio(tot.onTime, tot.completed)),
    abandonment: formatRate(ratio(tot.abandoned, tot.visits)),
  });
  const asPct = (v: unknown) => (typeof v === 'number' ? `${v.toFixed(1)}%` : '—');
  return (
    <figure className="panel fig-chart" data-testid="fig-chart" data-chart="rates" aria-labelledby={`${id}-cap`}>
      <figcaption id={`${id}-cap`}>
        <span className="fig-chart-title">{t('supervisor.figures.charts.rates')}</span>
        <span className="visually-hidden">{summary}</span>
      </figcaption>
      <div className="fig-chart-box" aria-hidden="true">
        <ResponsiveContainer width="100%" height={CHART_HEIGHT} minWidth={280}>
          <LineChart data={points} margin={{ top: 8, right: 16, bottom: 8, left: 0 }} accessibilityLayer={false}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="bucket" />
            <YAxis domain={[0, 100]} unit="%" />
            <Tooltip formatter={asPct} />
            <Legend itemSorter={null} />
            <Line type="monotone" dataKey="satisfaction" name={t('supervisor.figures.columns.satisfactionRate')} stroke="#17803d" strokeWidth={2} connectNulls isAnimationActive={false} />
            <Line type="monotone" dataKey="onTime" name={t('supervisor.figures.columns.onTimeRate')} stroke="#0a57c2" strokeWidth={2} strokeDasharray="8 4" connectNulls isAnimationActive={false} />
            <Line type="monotone" dataKey="abandonment" name={t('supervisor.figures.columns.abandonmentRate')} stroke="#b3261e" strokeWidth={2} strokeDasharray="2 3" connectNulls isAnimationActive={false} />
          </LineChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}
