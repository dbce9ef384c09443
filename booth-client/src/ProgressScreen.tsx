/**
 * 进度查询 (互动双屏): a resident types the 19-digit case number (办件编号)
 * from the receipt and the last 4 characters of the ID number on the big
 * number pad, and sees where the case stands, what comes next and its
 * history. No login: the server limits the tries (RATE_LIMITED for 10
 * minutes). The receipt's QR code opens the booth at /booth/#progress=<no>
 * with the number already filled in.
 */
import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { AppError, CASE_STATE_LABELS, ErrorCode, type CaseState } from '@xiaowu/shared';
import { CasesApi, type ProgressView } from '@xiaowu/shared/client';
import { errorKey, resolveLanguage, type MessageKey } from '@xiaowu/shared/i18n';
import { beijingParts, clockText } from './beijing-time';
import { BackIcon, RateIcon } from './icons';
import { Keypad, digitsOnly } from './Keypad';

export const CASE_NO_LENGTH = 19;
const ID_LENGTH = 4;
const HASH_PREFIX = '#progress=';

/** The case number of a `#progress=<caseNo>` address (the receipt's QR code), or undefined for any other address. */
export function progressCaseNoFromHash(hash: string = typeof location === 'undefined' ? '' : location.hash): string | undefined {
  if (!hash.startsWith(HASH_PREFIX)) return undefined;
  let raw = hash.slice(HASH_PREFIX.length);
  try {
    raw = decodeURIComponent(raw);
  } catch {
    // keep it as it is
  }
  return digitsOnly(raw, CASE_NO_LENGTH);
}

/**
 * The last 4 characters of an ID number as typed or pasted: digits, and X
 * (only as the last character, where ID numbers have it), upper case.
 */
export function idLast4Only(text: string): string {
  let out = '';
  for (const ch of text.toUpperCase()) {
    if (out.length >= ID_LENGTH) break;
    if (/\d/.test(ch) || (ch === 'X' && out.length === ID_LENGTH - 1)) out += ch;
  }
  return out;
}

type Field = 'caseNo' | 'id';

type Lookup =
  | { kind: 'idle' }
  | { kind: 'looking' }
  | { kind: 'error'; error: MessageKey; notFound: boolean }
  | { kind: 'found'; view: ProgressAnswer };

type WeekdayKey = '0' | '1' | '2' | '3' | '4' | '5' | '6';

/** 「2025年6月12日」 in Beijing time, as on the printed receipt. */
function dateYear(t: TFunction, ms: number): string {
  const p = beijingParts(ms);
  return t('boothDocs.progress.dateYear', { year: p.year, month: p.month, day: p.day });
}

/** 「2025年6月12日（周四）」 */
function dateWithWeekday(t: TFunction, ms: number): string {
  const p = beijingParts(ms);
  return t('booth.time.dayWithWeekday', { day: dateYear(t, ms), weekday: t(`booth.time.weekdays.${String(p.weekday) as WeekdayKey}`) });
}

const STATE_OF_LABEL = new Map<string, CaseState>(Object.entries(CASE_STATE_LABELS).map(([s, label]) => [label, s as CaseState]));

function codeOf(err: unknown): string | undefined {
  return err instanceof AppError ? err.code : (err as { code?: string } | null)?.code;
}

/** A magnifier over a sheet: looking up a case. */
export function ProgressIcon() {
  return (
    <svg className="btn-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d="M13 3H6.5A1.5 1.5 0 0 0 5 4.5v15A1.5 1.5 0 0 0 6.5 21H11" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
      <path d="M8.5 8h6M8.5 11.5h3.5" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
      <circle cx="16" cy="15" r="3.6" fill="none" stroke="currentColor" strokeWidth="2.2" />
      <path d="M18.7 17.7L21.5 20.5" fill="none" stroke="currentColor" strokeWidth="2.4" strokeLinecap="round" />
    </svg>
  );
}

export interface ProgressScreenProps {
  /** Filled in from the receipt's QR code (#progress=<caseNo>). */
  initialCaseNo?: string;
  /** Back to the start screen. */
  onBack(): void;
  /**
   * 「为办结服务评价」 of a completed case (the lookup's `rateCode`): the rating
   * screen with the code filled in; `close` comes back to the result,
   * `rated` drops the offer from it.
   */
  renderRating?(code: string, close: () => void, rated: () => void): ReactNode;
}

/** The lookup answer; a completed case whose completion is not yet rated also has its 稍后评价 code. */
type ProgressAnswer = ProgressView & { rateCode?: string };

export function ProgressScreen({ initialCaseNo, onBack, renderRating }: ProgressScreenProps) {
  const { t } = useTranslation();
  const ids = useId();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const [caseNo, setCaseNo] = useState(() => digitsOnly(initialCaseNo ?? '', CASE_NO_LENGTH));
  const [idLast4, setIdLast4] = useState('');
  const [active, setActive] = useState<Field>(() => (digitsOnly(initialCaseNo ?? '', CASE_NO_LENGTH).length === CASE_NO_LENGTH ? 'id' : 'caseNo'));
  const [lookup, setLookup] = useState<Lookup>({ kind: 'idle' });
  /** Rating the completion with the lookup's code. */
  const [rating, setRating] = useState<string>();
  const seq = useRef(0);

  useEffect(() => {
    headingRef.current?.focus();
    // Taken from the address: a reload must not show the number to the next resident.
    if (location.hash.startsWith(HASH_PREFIX)) history.replaceState(history.state, '', location.pathname + location.search);
    return () => {
      seq.current++; // answers after leaving are dropped
    };
  }, []);

  const looking = lookup.kind === 'looking';
  const caseDone = caseNo.length === CASE_NO_LENGTH;
  const idDone = idLast4.length === ID_LENGTH;
  const ready = caseDone && idDone;

  const edited = () => {
    if (lookup.kind === 'error') setLookup({ kind: 'idle' });
  };
  const typeCaseNo = (next: string) => {
    edited();
    setCaseNo(next);
    // The last digit of the number moves on to the ID field: one touch less.
    if (next.length === CASE_NO_LENGTH && next !== caseNo && !idDone) setActive('id');
  };
  const typeId = (next: string) => {
    edited();
    setIdLast4(next);
  };

  const submit = () => {
    if (!ready || looking) return;
    const mine = ++seq.current;
    setLookup({ kind: 'looking' });
    CasesApi.progress(caseNo, idLast4).then(
      (view) => {
        if (mine === seq.current) setLookup({ kind: 'found', view });
      },
      (err: unknown) => {
        if (mine !== seq.current) return;
        const code = codeOf(err);
        const notFound = code === ErrorCode.NotFound || code === ErrorCode.BadRequest;
        if (!notFound && code !== ErrorCode.RateLimited) console.warn('progress lookup failed', err);
        const error: MessageKey = notFound
          ? 'boothDocs.progress.notFound'
          : code === ErrorCode.RateLimited
            ? 'boothDocs.progress.rateLimited'
            : code === ErrorCode.Timeout
              ? 'boothDocs.progress.timeout'
              : errorKey(err);
        setLookup({ kind: 'error', error, notFound });
      },
    );
  };

  const again = () => {
    seq.current++;
    setLookup({ kind: 'idle' });
    setCaseNo('');
    setIdLast4('');
    setActive('caseNo');
    headingRef.current?.focus();
  };

  const head = (
    <div className="flow-head">
      <button type="button" className="btn btn-secondary btn-back" data-testid="progress-back" onClick={onBack}>
        <BackIcon />
        {t('boothDocs.progress.back')}
      </button>
      <h1 className="flow-title" ref={headingRef} tabIndex={-1}>
        {lookup.kind === 'found' ? t('boothDocs.progress.resultTitle') : t('boothDocs.progress.title')}
      </h1>
    </div>
  );

  if (lookup.kind === 'found' && rating !== undefined && renderRating) {
    const view = lookup.view;
    return renderRating(
      rating,
      () => setRating(undefined),
      () => setLookup({ kind: 'found', view: { ...view, rateCode: undefined } }),
    );
  }

  if (lookup.kind === 'found') {
    const code = lookup.view.rateCode;
    return (
      <main className="screen progress-screen showing-result" data-testid="progress-screen">
        {head}
        <ProgressResult
          view={lookup.view}
          onAgain={again}
          onDone={onBack}
          onRate={renderRating && code && /^\d{6}$/.test(code) ? () => setRating(code) : undefined}
        />
      </main>
    );
  }

  const nextStep = !caseDone
    ? t('boothDocs.progress.stepCaseNo', { count: CASE_NO_LENGTH - caseNo.length })
    : !idDone
      ? t('boothDocs.progress.stepId', { count: ID_LENGTH - idLast4.length })
      : t('boothDocs.progress.stepSubmit');
  const activeValue = active === 'caseNo' ? caseNo : idLast4;
  const activeMax = active === 'caseNo' ? CASE_NO_LENGTH : ID_LENGTH;
  const typeActive = (next: string) => (active === 'caseNo' ? typeCaseNo(next) : typeId(next));

  return (
    <main className="screen progress-screen" data-testid="progress-screen">
      <div className="progress-main">
        {head}
        <p className="hint progress-hint">{t('boothDocs.progress.hint')}</p>

        <div className="progress-fields">
          <label className={active === 'caseNo' ? 'progress-field active' : 'progress-field'} data-field="caseNo">
            <span className="progress-field-label">
              <span>{t('boothDocs.progress.caseNoLabel')}</span>
              <span className="progress-field-where">{t('boothDocs.progress.caseNoWhere')}</span>
              <span className="progress-field-badge" aria-hidden="true">
                {active === 'caseNo' ? t('boothDocs.progress.typing') : t('boothDocs.progress.tapToType')}
              </span>
            </span>
            <input
              id={`${ids}-case`}
              className="progress-input progress-input-case"
              data-testid="progress-case-no"
              type="text"
              inputMode="none"
              autoComplete="off"
              spellCheck={false}
              maxLength={CASE_NO_LENGTH}
              value={caseNo}
              placeholder={'·'.repeat(CASE_NO_LENGTH)}
              aria-describedby={`${ids}-next`}
              onFocus={() => setActive('caseNo')}
              onChange={(e) => typeCaseNo(digitsOnly(e.target.value, CASE_NO_LENGTH))}
              onKeyDown={(e) => {
                if (e.key === 'Enter') submit();
              }}
            />
            <span className="progress-count" aria-hidden="true">
              {caseNo.length} / {CASE_NO_LENGTH}
            </span>
          </label>

          <label className={active === 'id' ? 'progress-field progress-field-id active' : 'progress-field progress-field-id'} data-field="id">
            <span className="progress-field-label">
              <span>{t('boothDocs.progress.idLabel')}</span>
              <span className="progress-field-where">{t('boothDocs.progress.idWhere')}</span>
              <span className="progress-field-badge" aria-hidden="true">
                {active === 'id' ? t('boothDocs.progress.typing') : t('boothDocs.progress.tapToType')}
              </span>
            </span>
            <input
              id={`${ids}-id`}
              className="progress-input progress-input-id"
              data-testid="progress-id-last4"
              type="text"
              inputMode="none"
              autoComplete="off"
              autoCapitalize="characters"
              spellCheck={false}
              maxLength={ID_LENGTH}
              value={idLast4}
              placeholder="····"
              aria-describedby={`${ids}-next`}
              onFocus={() => setActive('id')}
              onChange={(e) => typeId(idLast4Only(e.target.value))}
              onKeyDown={(e) => {
                if (e.key === 'Enter') submit();
              }}
            />
          </label>
        </div>

        <div className="progress-submit-row">
          <p id={`${ids}-next`} className="progress-next" role="status" data-testid="progress-next">
            {nextStep}
          </p>
          <button
            type="button"
            className="btn btn-primary btn-large progress-submit"
            data-testid="progress-submit"
            disabled={!ready || looking}
            aria-busy={looking || undefined}
            onClick={submit}
          >
            {looking ? t('boothDocs.progress.looking') : t('boothDocs.progress.submit')}
          </button>
        </div>

        <div aria-live="polite">
          {lookup.kind === 'error' && (
            <div role="alert" className="message message-error" data-testid="progress-error" data-error={lookup.error}>
              <strong>{t(lookup.error)}</strong>
              <span className="message-next">{t('boothDocs.progress.errorNext')}</span>
            </div>
          )}
        </div>
      </div>

      <aside className="progress-pad" data-field={active}>
        <p className="progress-pad-title" aria-hidden="true">
          {active === 'caseNo' ? t('boothDocs.progress.caseNoLabel') : t('boothDocs.progress.idLabel')}
        </p>
        <Keypad
          controls={active === 'caseNo' ? `${ids}-case` : `${ids}-id`}
          disabled={looking}
          full={activeValue.length >= activeMax}
          onDigit={(d) => typeActive((activeValue + d).slice(0, activeMax))}
          onBackspace={() => typeActive(activeValue.slice(0, -1))}
          onClear={() => typeActive('')}
        />
        {active === 'id' && (
          // ID numbers end in a digit or X: the X key, only for the last place.
          <button
            type="button"
            className="key key-x"
            data-testid="keypad-x"
            aria-controls={`${ids}-id`}
            disabled={looking || idLast4.length !== ID_LENGTH - 1}
            onClick={() => typeId(idLast4 + 'X')}
          >
            X
          </button>
        )}
      </aside>
    </main>
  );
}

function ProgressResult({ view, onAgain, onDone, onRate }: { view: ProgressView; onAgain(): void; onDone(): void; onRate?: () => void }) {
  const { t, i18n } = useTranslation();
  const titleId = useId();
  const zh = resolveLanguage(i18n.language) === 'zh-CN';
  // The server speaks Chinese; other languages translate its labels where known.
  const label = (text: string, state?: CaseState): string => {
    if (zh) return text;
    const s = state ?? STATE_OF_LABEL.get(text);
    return s && s in CASE_STATE_LABELS ? t(`boothDocs.progress.states.${s}`) : text;
  };
  const known = view.state in CASE_STATE_LABELS;
  const history = view.history;
  return (
    <div className="progress-result-layout">
      <section className="progress-result" data-testid="progress-result" data-state={view.state} aria-labelledby={titleId}>
        <p className="progress-result-case" data-testid="progress-result-case">
          {t('boothDocs.progress.caseNo', { caseNo: view.caseNo })}
        </p>
        <p className="progress-result-matter">{t('boothDocs.progress.matter', { name: view.matterName })}</p>
        <div className="progress-state-box">
          <span className="progress-state-title" id={titleId}>
            {t('boothDocs.progress.stateTitle')}
          </span>
          <strong className="progress-state" data-testid="progress-state">
            {label(view.stateLabel, view.state)}
          </strong>
        </div>
        {view.pendingDeadline !== undefined && (
          <p className="progress-deadline" data-testid="progress-deadline">
            {t('boothDocs.progress.pendingDeadline', { date: dateWithWeekday(t, view.pendingDeadline) })}
          </p>
        )}
        {view.promisedBy !== undefined && (
          <p className="progress-promised" data-testid="progress-promised">
            {t('boothDocs.progress.promisedBy', { date: dateWithWeekday(t, view.promisedBy) })}
          </p>
        )}
        {known && <p className="progress-state-next">{t(`boothDocs.progress.next.${view.state}`)}</p>}
        {onRate && (
          <div className="progress-rate-row">
            <p className="progress-rate-hint">{t('boothFeedback.rateLater.progressRateHint')}</p>
            <button type="button" className="btn btn-primary btn-large progress-rate" data-testid="progress-rate" onClick={onRate}>
              <RateIcon />
              {t('boothFeedback.rateLater.progressRate')}
            </button>
          </div>
        )}
        <div className="progress-result-actions">
          <button type="button" className="btn btn-secondary" data-testid="progress-again" onClick={onAgain}>
            {t('boothDocs.progress.again')}
          </button>
          <button type="button" className="btn btn-primary btn-large" data-testid="progress-done" onClick={onDone}>
            {t('boothDocs.progress.back')}
          </button>
        </div>
      </section>
      <section className="progress-history" aria-label={t('boothDocs.progress.historyTitle')}>
        <h2 className="section-title">{t('boothDocs.progress.historyTitle')}</h2>
        {history.length === 0 ? (
          <p className="hint">{t('boothDocs.progress.historyEmpty')}</p>
        ) : (
          <ol className="progress-timeline">
            {history.map((h, i) => (
              <li key={`${h.at}-${i}`} className={i === history.length - 1 ? 'progress-history-item latest' : 'progress-history-item'} data-testid="progress-history-item">
                <span className="progress-history-label">{label(h.label)}</span>
                <time className="progress-history-at" dateTime={new Date(h.at).toISOString()}>
                  {dateYear(t, h.at)} {clockText(h.at)}
                </time>
              </li>
            ))}
          </ol>
        )}
      </section>
    </div>
  );
}
