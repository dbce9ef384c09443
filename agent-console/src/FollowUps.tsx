/**
 * 好差评与整改: the supervisors' follow-up list — every 差评 (bad rating) to
 * call back and rectify, every 办不成事 report — with its deadline (15
 * working days) and overdue marker, filtered by state and kind; an open one
 * is resolved with a written resolution and, for a bad rating, the call-back
 * to the resident ticked (the server refuses it otherwise: INVALID_STATE).
 *
 * Loaded from GET /api/followups, and reloaded whenever a pushed dashboard
 * snapshot carries different follow-ups (the supervisor area's one socket),
 * so the list is live without polling.
 */
import { useEffect, useId, useMemo, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { AppError, ErrorCode, type LiveFollowUp } from '@xiaowu/shared';
import { type DashboardLive, useDashboardLive } from './dashboard-live';
import { beijingMinute, beijingWhen, sortFollowUps } from './DashboardView';
import type { SupervisionApi } from './supervision-api';

type LooseT = (key: string, opts?: Record<string, unknown>) => string;

type StateFilter = 'open' | 'overdue' | 'resolved' | 'all';
type KindFilter = 'all' | LiveFollowUp['kind'];
const STATE_FILTERS: readonly StateFilter[] = ['open', 'overdue', 'resolved', 'all'];
const KINDS: readonly LiveFollowUp['kind'][] = ['bad-rating', 'cant-get-done'];
const MAX_RESOLUTION = 1000;

/** What identifies the list's content in a snapshot: a change means reload. */
function followUpsKey(xs: LiveFollowUp[] | undefined): string {
  return xs ? xs.map((f) => `${f.id}:${f.state}:${f.overdue ? 1 : 0}`).join(',') : '';
}

function passes(f: LiveFollowUp, state: StateFilter, kind: KindFilter): boolean {
  if (kind !== 'all' && f.kind !== kind) return false;
  switch (state) {
    case 'open':
      return f.state === 'open';
    case 'overdue':
      return f.state === 'open' && f.overdue;
    case 'resolved':
      return f.state === 'resolved';
    default:
      return true;
  }
}

export function FeedbackTab({ api, live }: { api: SupervisionApi; live: DashboardLive }) {
  const { t } = useTranslation();
  const lt = t as unknown as LooseT;
  const id = useId();
  const liveKey = followUpsKey(useDashboardLive(live).snapshot?.followUps);
  const [rows, setRows] = useState<LiveFollowUp[] | undefined>();
  const [error, setError] = useState<ErrorCode | undefined>();
  const [busy, setBusy] = useState(false);
  const [generation, setGeneration] = useState(0);
  const [stateFilter, setStateFilter] = useState<StateFilter>('open');
  const [kindFilter, setKindFilter] = useState<KindFilter>('all');
  const [resolving, setResolving] = useState<string | undefined>();
  const [done, setDone] = useState<string | undefined>();
  /** Resolved here: kept over a reload that was already under way when the resolution was sent. */
  const resolvedHere = useRef(new Map<string, LiveFollowUp>());
  const doneRef = useRef<HTMLParagraphElement>(null);

  useEffect(() => {
    const ctl = new AbortController();
    setBusy(true);
    api.followUps(ctl.signal).then(
      (list) => {
        setRows(list.map((f) => (f.state === 'open' && resolvedHere.current.get(f.id)) || f));
        setError(undefined);
        setBusy(false);
      },
      (err) => {
        if (ctl.signal.aborted) return;
        console.warn('follow-ups failed to load', err);
        setError(err instanceof AppError ? err.code : ErrorCode.Internal);
        setBusy(false);
      },
    );
    return () => ctl.abort();
  }, [api, generation, liveKey]);

  const sorted = useMemo(() => (rows ? sortFollowUps(rows) : []), [rows]);
  // Resolved here stays in view (whatever the filter) so that the result can be seen.
  const shown = useMemo(() => sorted.filter((f) => passes(f, stateFilter, kindFilter) || resolvedHere.current.has(f.id)), [sorted, stateFilter, kindFilter]);

  const onResolved = (f: LiveFollowUp) => {
    resolvedHere.current.set(f.id, f);
    setRows((rs) => rs?.map((x) => (x.id === f.id ? f : x)));
    setResolving(undefined);
    setDone(f.summary);
    requestAnimationFrame(() => doneRef.current?.focus());
  };

  return (
    <section className="panel fu-panel" data-testid="fu-list" data-state={rows === undefined ? 'loading' : busy ? 'refreshing' : 'idle'} aria-labelledby={`${id}-title`}>
      <div className="panel-head">
        <h2 id={`${id}-title`}>{t('supervisor.feedback.title')}</h2>
        <button type="button" className="btn btn-secondary" data-testid="fu-refresh" disabled={busy} onClick={() => setGeneration((g) => g + 1)}>
          {t('supervisor.feedback.refresh')}
        </button>
      </div>
      <div className="fu-body">
        <p className="muted">{t('supervisor.feedback.intro')}</p>
        <div className="fu-filters">
          <label className="fu-filter">
            <span className="field-label">{t('supervisor.feedback.stateFilter')}</span>
            <select className="field" data-testid="fu-filter-state" value={stateFilter} onChange={(e) => setStateFilter(e.target.value as StateFilter)}>
              {STATE_FILTERS.map((s) => (
                <option key={s} value={s}>
                  {t(`supervisor.feedback.states.${s}`)}
                </option>
              ))}
            </select>
          </label>
          <label className="fu-filter">
            <span className="field-label">{t('supervisor.feedback.kindFilter')}</span>
            <select className="field" data-testid="fu-filter-kind" value={kindFilter} onChange={(e) => setKindFilter(e.target.value as KindFilter)}>
              <option value="all">{t('supervisor.feedback.allKinds')}</option>
              {KINDS.map((k) => (
                <option key={k} value={k}>
                  {t(`supervisor.dash.followUps.kinds.${k}`)}
                </option>
              ))}
            </select>
          </label>
          {rows && (
            <span className="muted" role="status" data-testid="fu-count">
              {t('supervisor.feedback.count', { count: rows.length, shown: shown.length })}
            </span>
          )}
        </div>
        {error && (
          <p className="alert alert-error" role="alert" data-testid="fu-error" data-code={error}>
            {lt(`supervisor.errors.${error}`)}
          </p>
        )}
        {done && (
          <p className="alert alert-success" role="status" tabIndex={-1} ref={doneRef} data-testid="fu-resolved-msg">
            {t('supervisor.feedback.resolvedOk')}：{done}
          </p>
        )}
        {rows === undefined ? (
          !error && (
            <p className="muted" role="status">
              {t('supervisor.feedback.loading')}
            </p>
          )
        ) : rows.length === 0 ? (
          <p className="muted" data-testid="fu-empty">
            {t('supervisor.feedback.empty')}
          </p>
        ) : shown.length === 0 ? (
          <p className="muted" data-testid="fu-empty">
            {t('supervisor.feedback.noMatch')}
          </p>
        ) : (
          <div className="rec-table-wrap" role="region" aria-labelledby={`${id}-title`} tabIndex={0}>
            <table className="rec-table fu-table">
              <thead>
                <tr>
                  <th scope="col">{t('supervisor.feedback.columns.kind')}</th>
                  <th scope="col">{t('supervisor.feedback.columns.summary')}</th>
                  <th scope="col">
                    {t('supervisor.feedback.columns.createdAt')}
                    <span className="muted rec-tz">{t('supervisor.beijingTime')}</span>
                  </th>
                  <th scope="col">{t('supervisor.feedback.columns.dueAt')}</th>
                  <th scope="col">{t('supervisor.feedback.columns.state')}</th>
                  <th scope="col">{t('supervisor.feedback.columns.result')}</th>
                  <th scope="col">
                    <span className="visually-hidden">{t('supervisor.feedback.columns.actions')}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {shown.map((f) => (
                  <FollowUpRow
                    key={f.id}
                    f={f}
                    open={resolving === f.id}
                    onOpen={() => {
                      setDone(undefined);
                      setResolving(f.id);
                    }}
                    onCancel={() => setResolving(undefined)}
                    onResolved={onResolved}
                    onStale={() => setGeneration((g) => g + 1)}
                    api={api}
                  />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
    </section>
  );
}

function FollowUpRow({
  f,
  open,
  onOpen,
  onCancel,
  onResolved,
  onStale,
  api,
}: {
  f: LiveFollowUp;
  open: boolean;
  onOpen(): void;
  onCancel(): void;
  onResolved(f: LiveFollowUp): void;
  onStale(): void;
  api: SupervisionApi;
}) {
  const { t } = useTranslation();
  const lt = t as unknown as LooseT;
  const now = Date.now();
  const overdue = f.state === 'open' && f.overdue;
  const openButton = useRef<HTMLButtonElement>(null);
  return (
    <>
      <tr className={overdue ? 'fu-row dash-overdue' : 'fu-row'} data-testid="fu-row" data-id={f.id} data-kind={f.kind} data-state={f.state} data-overdue={overdue}>
        <td>{lt(`supervisor.dash.followUps.kinds.${f.kind}`)}</td>
        <td className="fu-summary">{f.summary}</td>
        <td className="rec-when">{beijingMinute(f.createdAt)}</td>
        <td className="rec-when" data-testid="fu-due">
          <time dateTime={new Date(f.dueAt).toISOString()}>{beijingMinute(f.dueAt)}</time>
        </td>
        <td data-testid="fu-row-state">
          <span className={`dash-state fu-${f.state}`}>{lt(`supervisor.dash.followUps.states.${f.state}`)}</span>
          {overdue && (
            <span className="badge dash-overdue-badge">
              <span aria-hidden="true">⚠ </span>
              {t('supervisor.dash.followUps.overdue')}
            </span>
          )}
        </td>
        <td className="fu-result">
          {f.state === 'resolved' && (
            <div className="fu-result-body">
              <span>{f.resolution}</span>
              <span className="muted rec-small">
                {f.calledBack ? t('supervisor.feedback.calledBack') : t('supervisor.feedback.notCalledBack')}
                {f.resolvedAt !== undefined && ` · ${t('supervisor.feedback.resolvedBy', { by: f.resolvedBy ?? '', time: beijingWhen(f.resolvedAt, now) })}`}
              </span>
            </div>
          )}
        </td>
        <td>
          {f.state === 'open' && (
            <button
              ref={openButton}
              type="button"
              className="btn btn-primary btn-small"
              data-testid="fu-resolve-open"
              aria-expanded={open}
              aria-label={t('supervisor.feedback.resolveOpenLabel', { summary: f.summary })}
              disabled={open}
              onClick={onOpen}
            >
              {t('supervisor.feedback.resolveOpen')}
            </button>
          )}
        </td>
      </tr>
      {open && f.state === 'open' && (
        <tr className="fu-form-row">
          <td colSpan={7}>
            <ResolveForm
              f={f}
              api={api}
              onResolved={onResolved}
              onStale={onStale}
              onCancel={() => {
                onCancel();
                requestAnimationFrame(() => openButton.current?.focus());
              }}
            />
          </td>
        </tr>
      )}
    </>
  );
}

function ResolveForm({ f, api, onResolved, onCancel, onStale }: { f: LiveFollowUp; api: SupervisionApi; onResolved(f: LiveFollowUp): void; onCancel(): void; onStale(): void }) {
  const { t } = useTranslation();
  const lt = t as unknown as LooseT;
  const id = useId();
  const [resolution, setResolution] = useState('');
  const [calledBack, setCalledBack] = useState(false);
  const [sending, setSending] = useState(false);
  const [problem, setProblem] = useState<string | undefined>();
  const area = useRef<HTMLTextAreaElement>(null);
  const needsCallBack = f.kind === 'bad-rating';

  useEffect(() => area.current?.focus(), []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const text = resolution.trim();
    if (!text) {
      setProblem(t('supervisor.feedback.form.required'));
      area.current?.focus();
      return;
    }
    if (text.length > MAX_RESOLUTION) {
      setProblem(t('supervisor.feedback.form.tooLong'));
      return;
    }
    if (needsCallBack && !calledBack) {
      setProblem(t('supervisor.feedback.form.callBackRequired'));
      return;
    }
    setSending(true);
    setProblem(undefined);
    try {
      const answer = await api.resolve(f.id, { resolution: text, calledBack });
      const resolved: LiveFollowUp =
        answer && typeof answer === 'object' && answer.id === f.id && answer.state === 'resolved' ? answer : { ...f, state: 'resolved', overdue: false, resolution: text, calledBack, resolvedAt: Date.now() };
      onResolved(resolved);
    } catch (err) {
      const code = err instanceof AppError ? err.code : ErrorCode.Internal;
      if (code === ErrorCode.InvalidState) {
        if (needsCallBack && !calledBack) setProblem(t('supervisor.feedback.form.callBackRequired'));
        else {
          setProblem(t('supervisor.feedback.form.alreadyResolved'));
          onStale();
        }
      } else setProblem(lt(`supervisor.errors.${code}`));
      setSending(false);
    }
  };

  return (
    <form className="fu-form" data-testid="fu-form" data-id={f.id} aria-labelledby={`${id}-title`} onSubmit={(e) => void submit(e)} noValidate>
      <h3 id={`${id}-title`}>{t('supervisor.feedback.form.title', { summary: f.summary })}</h3>
      <label htmlFor={`${id}-res`} className="field-label">
        {t('supervisor.feedback.form.resolution')}
      </label>
      <textarea
        id={`${id}-res`}
        ref={area}
        className="field fu-resolution"
        data-testid="fu-resolution"
        rows={4}
        maxLength={MAX_RESOLUTION}
        required
        aria-required="true"
        aria-invalid={problem !== undefined && !resolution.trim() ? true : undefined}
        aria-describedby={`${id}-hint`}
        value={resolution}
        onChange={(e) => setResolution(e.target.value)}
      />
      <span id={`${id}-hint`} className="muted rec-small">
        {t('supervisor.feedback.form.resolutionHint', { count: resolution.trim().length })}
      </span>
      <label className="fu-check">
        <input type="checkbox" data-testid="fu-calledback" checked={calledBack} aria-describedby={needsCallBack ? `${id}-cb` : undefined} onChange={(e) => setCalledBack(e.target.checked)} />
        {t('supervisor.feedback.form.calledBack')}
      </label>
      {needsCallBack && (
        <span id={`${id}-cb`} className="muted rec-small">
          {t('supervisor.feedback.form.calledBackHint')}
        </span>
      )}
      {problem && (
        <p className="alert alert-error" role="alert" data-testid="fu-form-error">
          {problem}
        </p>
      )}
      <div className="fu-actions">
        <button type="submit" className="btn btn-primary" data-testid="fu-resolve-submit" disabled={sending} aria-busy={sending || undefined}>
          {sending ? t('supervisor.feedback.form.submitting') : t('supervisor.feedback.form.submit')}
        </button>
        <button type="button" className="btn btn-secondary" data-testid="fu-resolve-cancel" disabled={sending} onClick={onCancel}>
          {t('supervisor.feedback.form.cancel')}
        </button>
      </div>
    </form>
  );
}
