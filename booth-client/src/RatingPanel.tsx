/**
 * 好差评: the national five levels (非常满意 … 非常不满意), then optional
 * reasons and a comment, and 「提交评价」. Reasons are sent in Chinese whatever
 * the screen language, so the supervisors' lists read alike.
 *
 * Rates either a stage of the booth's own session (the end screen, by
 * `sessionId`) or whatever a resident's 稍后评价 code opens (by `code`, at any
 * booth); the stage (服务评价 / 办结评价) is shown over the levels.
 */
import { useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorCode } from '@xiaowu/shared';
import { errorKey, type MessageKey } from '@xiaowu/shared/i18n';
import { submitRating, type RatingLevel, type RatingStage, type RatingTarget } from './rating-api';

const LEVELS: readonly RatingLevel[] = [5, 4, 3, 2, 1];
const GOOD_REASONS = ['warm', 'clear', 'fast', 'once'] as const;
const BAD_REASONS = ['wait', 'unclear', 'network', 'notDone'] as const;
type ReasonKey = `booth.rating.goodReasons.${(typeof GOOD_REASONS)[number]}` | `booth.rating.badReasons.${(typeof BAD_REASONS)[number]}`;

function reasonKeys(level: RatingLevel): ReasonKey[] {
  return level >= 4
    ? GOOD_REASONS.map((r) => `booth.rating.goodReasons.${r}` as const)
    : BAD_REASONS.map((r) => `booth.rating.badReasons.${r}` as const);
}

/** The server may take a moment after the hang-up before the session can be rated. */
const NOT_FOUND_RETRIES = 2;
const RETRY_DELAY_MS = 1_500;
const COMMENT_MAX = 500;

interface RatingPanelProps {
  /** The booth's own session (end screen), or a resident's code. */
  target: RatingTarget;
  /** Which stage is rated (default: the target's own, else 服务评价). */
  stage?: RatingStage;
  getToken(): string;
  /** The resident is busy rating: restart the way back to idle. */
  onActivity(): void;
  /** Rated (or it already was). */
  onDone(): void;
}

export function RatingPanel({ target, stage: stageProp, getToken, onActivity, onDone }: RatingPanelProps) {
  const { t } = useTranslation();
  const titleId = useId();
  const byCode = 'code' in target;
  const stage: RatingStage = stageProp ?? (!byCode ? target.stage : undefined) ?? 'service';
  const [level, setLevel] = useState<RatingLevel>();
  const [reasons, setReasons] = useState<ReasonKey[]>([]);
  const [comment, setComment] = useState('');
  const [sending, setSending] = useState(false);
  const [done, setDone] = useState(false);
  const [error, setError] = useState<MessageKey>();
  const abort = useRef<AbortController | undefined>(undefined);
  useEffect(() => () => abort.current?.abort(), []);

  // While rating, every touch or key press keeps the end screen up.
  const rating = level !== undefined && !done;
  const activity = useRef(onActivity);
  activity.current = onActivity;
  useEffect(() => {
    if (!rating) return;
    // After the event: a synchronous re-render inside the input event would reset the typed comment (controlled input).
    const touch = () => setTimeout(() => activity.current(), 0);
    const events = ['pointerdown', 'keydown', 'input'] as const;
    for (const e of events) window.addEventListener(e, touch, { capture: true, passive: true });
    return () => {
      for (const e of events) window.removeEventListener(e, touch, { capture: true });
    };
  }, [rating]);

  const choose = (next: RatingLevel) => {
    onActivity();
    setError(undefined);
    // Reasons of the other side (满意 vs 不满意) no longer fit.
    if (level === undefined || (level >= 4) !== (next >= 4)) setReasons([]);
    setLevel(next);
  };
  const toggle = (key: ReasonKey) => setReasons((rs) => (rs.includes(key) ? rs.filter((r) => r !== key) : [...rs, key]));

  const finish = () => {
    setDone(true);
    onDone();
  };

  const submit = async () => {
    if (level === undefined || sending || done) return;
    onActivity();
    setSending(true);
    setError(undefined);
    abort.current?.abort();
    const ctl = new AbortController();
    abort.current = ctl;
    const text = comment.trim().slice(0, COMMENT_MAX);
    const body = {
      ...target,
      level,
      reasons: reasons.map((k) => t(k, { lng: 'zh-CN' })),
      ...(text ? { comment: text } : {}),
    };
    for (let attempt = 0; ; attempt++) {
      try {
        await submitRating(getToken(), body, ctl.signal);
        if (!ctl.signal.aborted) finish();
        break;
      } catch (err) {
        if (ctl.signal.aborted) return;
        const code = (err as { code?: unknown }).code;
        if (code === ErrorCode.InvalidState) {
          finish(); // already rated
          break;
        }
        // Just after the hang-up the session may not be ratable yet; a code was checked before (no retry).
        if (code === ErrorCode.NotFound && !byCode && attempt < NOT_FOUND_RETRIES) {
          await new Promise((r) => setTimeout(r, RETRY_DELAY_MS));
          if (ctl.signal.aborted) return;
          continue;
        }
        console.warn('rating failed', err);
        setError(
          code === ErrorCode.NotFound
            ? byCode
              ? 'boothFeedback.rateLater.notFound'
              : 'booth.rating.errors.NOT_FOUND'
            : code === ErrorCode.RateLimited
              ? 'boothFeedback.rateLater.rateLimited'
              : errorKey(err),
        );
        break;
      }
    }
    setSending(false);
  };

  if (done) {
    return (
      <section className="rating rating-done" data-testid="rating" data-state="done" data-stage={stage}>
        <p className="rating-thanks" role="status" data-testid="rate-done">
          {t('booth.rating.done')}
        </p>
      </section>
    );
  }

  return (
    <section
      className="rating"
      data-testid="rating"
      data-state={level === undefined ? 'choose' : 'details'}
      data-stage={stage}
      aria-labelledby={titleId}
    >
      <h2 id={titleId} className="rating-title">
        <span className={`rating-stage stage-${stage}`} data-testid="rate-stage" data-stage={stage}>
          {t(`boothFeedback.rateLater.stages.${stage}`)}
        </span>
        <span className="rating-title-text">{stage === 'completion' ? t('boothFeedback.rateLater.titleCompletion') : t('booth.rating.title')}</span>
      </h2>
      <div className="rating-levels" role="group" aria-labelledby={titleId}>
        {LEVELS.map((l) => (
          <button
            key={l}
            type="button"
            className={`rating-level level-${l}${level === l ? ' selected' : ''}`}
            data-testid={`rate-${l}`}
            aria-pressed={level === l}
            disabled={sending}
            onClick={() => choose(l)}
          >
            <FaceIcon level={l} />
            <span className="rating-level-label">{t(`booth.rating.levels.${l}`)}</span>
          </button>
        ))}
      </div>

      {level !== undefined && (
        <>
          <div className="rating-reasons" role="group" aria-label={t('booth.rating.reasonsTitle')}>
            <span className="rating-reasons-title">{t('booth.rating.reasonsTitle')}</span>
            {reasonKeys(level).map((key) => {
              const on = reasons.includes(key);
              return (
                <button
                  key={key}
                  type="button"
                  className={on ? 'rating-chip on' : 'rating-chip'}
                  data-testid="rate-reason"
                  aria-pressed={on}
                  disabled={sending}
                  onClick={() => toggle(key)}
                >
                  <span className="chip-mark" aria-hidden="true">
                    {on ? '✓' : '+'}
                  </span>
                  {t(key)}
                </button>
              );
            })}
          </div>
          {level <= 2 && (
            <p className="rating-followup" data-testid="rate-followup">
              {t('booth.rating.followUp')}
            </p>
          )}
          <div className="rating-send">
            <label className="rating-comment">
              <span className="visually-hidden">{t('booth.rating.commentLabel')}</span>
              <textarea
                className="field"
                data-testid="rate-comment"
                rows={2}
                maxLength={COMMENT_MAX}
                value={comment}
                placeholder={`${t('booth.rating.commentLabel')} · ${t('booth.rating.commentPlaceholder')}`}
                disabled={sending}
                onChange={(e) => setComment(e.target.value)}
              />
            </label>
            <button type="button" className="btn btn-primary btn-large" data-testid="rate-submit" disabled={sending} onClick={() => void submit()}>
              {sending ? t('booth.rating.submitting') : t('booth.rating.submit')}
            </button>
          </div>
        </>
      )}
      {error && (
        <p className="message message-error" role="alert" data-testid="rate-error">
          {t(error)}
        </p>
      )}
    </section>
  );
}

/** A plain drawn face: the mouth curves from a broad smile (5) to a deep frown (1). */
function FaceIcon({ level }: { level: RatingLevel }) {
  const mouth = {
    5: 'M15 30 Q24 40 33 30',
    4: 'M16 31 Q24 36 32 31',
    3: 'M16 32 L32 32',
    2: 'M16 34 Q24 29 32 34',
    1: 'M15 36 Q24 26 33 36',
  }[level];
  return (
    <svg className="rating-face" viewBox="0 0 48 48" aria-hidden="true" focusable="false">
      <circle cx="24" cy="24" r="21" fill="none" stroke="currentColor" strokeWidth="3" />
      <circle cx="17" cy="19" r="2.6" fill="currentColor" />
      <circle cx="31" cy="19" r="2.6" fill="currentColor" />
      <path d={mouth} fill="none" stroke="currentColor" strokeWidth="3" strokeLinecap="round" />
    </svg>
  );
}
