/**
 * 「我要评价」: rating later with the resident's 6-digit code (稍后评价 / 智能邀评),
 * at any booth. The code was shown on the end screen after the call (服务评价),
 * or comes from the progress lookup of a completed case (办结评价, filled in:
 * the resident does not type it).
 *
 * Steps: the code on the big number pad → 「确定」 → what is rated (stage,
 * matter, date, case number) over the five levels → thanks and back home.
 * GET /api/ratings/by-code/:code checks the code first (wrong codes count
 * against the booth: RATE_LIMITED for 10 minutes after 10 of them).
 */
import { useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { AppError, ErrorCode } from '@xiaowu/shared';
import { errorKey, type MessageKey } from '@xiaowu/shared/i18n';
import { useNow } from '@xiaowu/shared/ui';
import { RETURN_HOME_MS } from './booth-call';
import type { CatalogOverview } from './catalog-api';
import { beijingParts } from './beijing-time';
import { BackIcon } from './icons';
import { Keypad, digitsOnly } from './Keypad';
import { RatingPanel } from './RatingPanel';
import { RATE_CODE_LENGTH, ratableByCode, type RatableByCode } from './rating-api';
import { useDisplayModes } from './access';
import { ELDERLY_TIMEOUT_SCALE } from './display-modes';

type Step =
  | { kind: 'typing'; error?: { key: MessageKey; next?: MessageKey; kind: 'notFound' | 'rateLimited' | 'other' } }
  /** `handedOver`: the code came filled in (nothing typed: no keypad while it is looked up). */
  | { kind: 'looking'; handedOver?: boolean }
  | { kind: 'found'; code: string; info: RatableByCode };

function codeOf(err: unknown): string | undefined {
  return err instanceof AppError ? err.code : (err as { code?: string } | null)?.code;
}

/** The name of a matter of the catalog the booth already has (undefined if it cannot say). */
export function matterNameOf(catalog: CatalogOverview | undefined, matterId: string): string | undefined {
  if (!catalog) return undefined;
  for (const list of [catalog.popular, ...catalog.departments.map((d) => d.matters), ...(catalog.themes ?? []).map((th) => th.matters)]) {
    const m = list.find((x) => x.id === matterId);
    if (m) return m.name;
  }
  return undefined;
}

/** 「2025年6月12日」 in Beijing time. */
function dateYear(t: TFunction, ms: number): string {
  const p = beijingParts(ms);
  return t('boothDocs.progress.dateYear', { year: p.year, month: p.month, day: p.day });
}

export interface RateByCodeProps {
  getToken(): string;
  /** The catalog the booth has loaded: names the matter. */
  catalog?: CatalogOverview;
  /** Filled in (the progress lookup of a completed case): looked up at once, no typing. */
  initialCode?: string;
  /** Back where the resident came from. */
  onBack(): void;
  /** Rated: back to the start (`auto`: by the timer, the resident has left). */
  onHome(auto: boolean): void;
  /** Rated (or it already was). */
  onRated?(): void;
}

export function RateByCodeScreen({ getToken, catalog, initialCode, onBack, onHome, onRated }: RateByCodeProps) {
  const { t } = useTranslation();
  const ids = useId();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const prefilled = digitsOnly(initialCode ?? '', RATE_CODE_LENGTH);
  const [code, setCode] = useState(prefilled);
  const [step, setStep] = useState<Step>(() => (prefilled.length === RATE_CODE_LENGTH ? { kind: 'looking', handedOver: true } : { kind: 'typing' }));
  const [rated, setRated] = useState(false);
  const ctl = useRef<AbortController | undefined>(undefined);

  const find = (c: string, handedOver = false) => {
    if (c.length !== RATE_CODE_LENGTH) return;
    ctl.current?.abort();
    const abort = (ctl.current = new AbortController());
    setStep({ kind: 'looking', handedOver });
    ratableByCode(getToken(), c, abort.signal).then(
      (info) => {
        if (!abort.signal.aborted) setStep({ kind: 'found', code: c, info });
      },
      (err: unknown) => {
        if (abort.signal.aborted) return;
        const e = codeOf(err);
        if (e === ErrorCode.NotFound || e === ErrorCode.BadRequest) {
          setStep({ kind: 'typing', error: { kind: 'notFound', key: 'boothFeedback.rateLater.notFound', next: 'boothFeedback.rateLater.notFoundNext' } });
        } else if (e === ErrorCode.RateLimited) {
          setStep({ kind: 'typing', error: { kind: 'rateLimited', key: 'boothFeedback.rateLater.rateLimited', next: 'boothFeedback.rateLater.rateLimitedNext' } });
        } else {
          console.warn('rating code lookup failed', err);
          setStep({ kind: 'typing', error: { kind: 'other', key: errorKey(err), next: 'booth.errorNextStep' } });
        }
      },
    );
  };

  // A code handed over (progress lookup) is looked up at once.
  useEffect(() => {
    if (prefilled.length === RATE_CODE_LENGTH) find(prefilled, true);
    return () => ctl.current?.abort();
    // once, on mount
  }, []);

  // Each step starts with its heading read out.
  useEffect(() => {
    if (step.kind !== 'looking') headingRef.current?.focus();
  }, [step.kind]);

  const type = (next: string) => {
    setCode(next);
    if (step.kind === 'typing' && step.error) setStep({ kind: 'typing' });
  };

  const back = () => {
    if (step.kind === 'found' && !rated && prefilled.length !== RATE_CODE_LENGTH) {
      // Back to the code: another one can be typed.
      setStep({ kind: 'typing' });
      return;
    }
    ctl.current?.abort();
    onBack();
  };

  const head = (
    <div className="flow-head">
      {!rated && (
        <button type="button" className="btn btn-secondary btn-back" data-testid="rate-back" onClick={back}>
          <BackIcon />
          {t('boothFeedback.rateLater.back')}
        </button>
      )}
      <h1 className="flow-title" ref={headingRef} tabIndex={-1}>
        {t('boothFeedback.rateLater.title')}
      </h1>
    </div>
  );

  if (step.kind === 'found') {
    return (
      <main className="screen rate-code-screen rate-found" data-testid="rate-code-screen" data-step={rated ? 'done' : 'rate'}>
        {head}
        <RatedWhat info={step.info} catalog={catalog} hideNext={rated} />
        <RatingPanel
          key={step.code}
          target={{ code: step.code }}
          stage={step.info.stage}
          getToken={getToken}
          onActivity={() => undefined}
          onDone={() => {
            setRated(true);
            onRated?.();
          }}
        />
        {rated && <ThanksHome onHome={onHome} />}
      </main>
    );
  }

  if (step.kind === 'looking' && step.handedOver) {
    // Handed over: nothing to type, only a moment to wait.
    return (
      <main className="screen rate-code-screen rate-looking" data-testid="rate-code-screen" data-step="looking">
        {head}
        <p className="flow-status" role="status">
          <span className="pulse small" aria-hidden="true" />
          {t('boothFeedback.rateLater.checking')}
        </p>
      </main>
    );
  }

  const looking = step.kind === 'looking';
  const error = step.kind === 'typing' ? step.error : undefined;
  const full = code.length === RATE_CODE_LENGTH;
  const nextStep = looking
    ? t('boothFeedback.rateLater.checking')
    : full
      ? t('boothFeedback.rateLater.stepSubmit')
      : t('boothFeedback.rateLater.stepType', { count: RATE_CODE_LENGTH - code.length });

  return (
    <main className="screen rate-code-screen" data-testid="rate-code-screen" data-step="code">
      <div className="rate-code-main">
        {head}
        <p className="hint rate-code-hint">{t('boothFeedback.rateLater.hint')}</p>
        <div className="rate-code-entry">
          <label htmlFor={`${ids}-code`} className="rate-code-label">
            {t('boothFeedback.rateLater.inputLabel')}
          </label>
          <div className="rate-code-row">
            <input
              id={`${ids}-code`}
              className="code-input rate-code-input"
              data-testid="rate-code-input"
              data-code={code}
              type="text"
              inputMode="none"
              autoComplete="off"
              spellCheck={false}
              maxLength={RATE_CODE_LENGTH}
              placeholder={'·'.repeat(RATE_CODE_LENGTH)}
              value={code}
              aria-invalid={error?.kind === 'notFound' || undefined}
              aria-describedby={`${ids}-next ${ids}-error`}
              onChange={(e) => type(digitsOnly(e.target.value, RATE_CODE_LENGTH))}
              onKeyDown={(e) => {
                if (e.key === 'Enter') find(code);
              }}
            />
            <button
              type="button"
              className={full ? 'btn btn-primary btn-lookup rate-code-submit ready' : 'btn btn-primary btn-lookup rate-code-submit'}
              data-testid="rate-code-submit"
              disabled={!full || looking}
              aria-busy={looking || undefined}
              onClick={() => find(code)}
            >
              {looking ? t('boothFeedback.rateLater.looking') : t('boothFeedback.rateLater.submit')}
            </button>
          </div>
        </div>
        <p id={`${ids}-next`} className="progress-next rate-code-next" role="status" data-testid="rate-code-next">
          {nextStep}
        </p>
        <div id={`${ids}-error`} aria-live="polite">
          {error && (
            <div role="alert" className="message message-error" data-testid="rate-code-error" data-error={error.kind}>
              <strong>{t(error.key)}</strong>
              {error.next && <span className="message-next">{t(error.next)}</span>}
            </div>
          )}
        </div>
      </div>
      <aside className="rate-pad">
        <Keypad
          controls={`${ids}-code`}
          keyTestId="rate-key"
          disabled={looking}
          full={full}
          onDigit={(d) => type((code + d).slice(0, RATE_CODE_LENGTH))}
          onBackspace={() => type(code.slice(0, -1))}
          onClear={() => type('')}
        />
      </aside>
    </main>
  );
}

/** What the code rates: the stage, the matter, the day, the case number. */
function RatedWhat({ info, catalog, hideNext }: { info: RatableByCode; catalog?: CatalogOverview; hideNext: boolean }) {
  const { t } = useTranslation();
  const titleId = useId();
  const name =
    info.matterId === 'consult' ? t('booth.consultMatter') : (matterNameOf(catalog, info.matterId) ?? t('boothFeedback.rateLater.matterUnknown'));
  const date = dateYear(t, info.endedAt);
  return (
    <section className="rate-what" data-testid="rate-what" data-stage={info.stage} data-matter-id={info.matterId} aria-labelledby={titleId}>
      <h2 className="rate-what-title" id={titleId}>
        {t('boothFeedback.rateLater.whatTitle')}
        <span className={`rating-stage stage-${info.stage}`}>{t(`boothFeedback.rateLater.stages.${info.stage}`)}</span>
      </h2>
      <p className="rate-what-matter" data-testid="rate-what-matter">
        {t('boothFeedback.rateLater.matter', { name })}
      </p>
      <p className="rate-what-facts">
        <span data-testid="rate-what-date">
          {info.stage === 'completion' ? t('boothFeedback.rateLater.completionDate', { date }) : t('boothFeedback.rateLater.serviceDate', { date })}
        </span>
        {info.caseNo && <span data-testid="rate-what-case">{t('boothFeedback.rateLater.caseNo', { caseNo: info.caseNo })}</span>}
      </p>
      {!hideNext && <p className="rate-what-next">{t('boothFeedback.rateLater.nextStep')}</p>}
    </section>
  );
}

/** Thanked: 「返回首页」, and home by itself after the end screen's short wait. */
function ThanksHome({ onHome }: { onHome(auto: boolean): void }) {
  const { t } = useTranslation();
  const display = useDisplayModes();
  const ms = RETURN_HOME_MS * (display.elderly ? ELDERLY_TIMEOUT_SCALE : 1);
  const [until] = useState(() => Date.now() + ms);
  const now = useNow();
  const latest = useRef(onHome);
  latest.current = onHome;
  useEffect(() => {
    const timer = setTimeout(() => latest.current(true), Math.max(0, until - Date.now()));
    return () => clearTimeout(timer);
  }, [until]);
  const seconds = Math.max(0, Math.ceil((until - now) / 1000));
  return (
    <div className="rate-thanks-actions">
      <button type="button" className="btn btn-primary btn-large" data-testid="rate-home" onClick={() => latest.current(false)}>
        {t('boothFeedback.rateLater.backHome')}
      </button>
      <p className="hint">{t('booth.backHomeIn', { seconds })}</p>
    </div>
  );
}
