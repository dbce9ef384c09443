/**
 * 材料审核与受理 during a call: the case of the call (number, matter, the
 * applicant unmasked, status), the delivery mode, 开始审核, the material
 * checklist with remote capture, thumbnails and per-material verdicts (with a
 * reason the resident reads), 告知承诺 instead of a certificate (the resident
 * signs the letter at the booth; 受理 waits for it), 受理 / 补齐受理 / 不予受理,
 * the receipt, commitment and dossier PDFs, the document viewer, and guidance
 * pushed to the booth screen.
 */
import { useEffect, useId, useRef, useState, useSyncExternalStore, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { CaseMaterial, CaseView, ReviewVerdict } from '@xiaowu/shared';
import type { DeliveryMode } from '@xiaowu/shared/catalog';
import type { MessageKey } from '@xiaowu/shared/i18n';
import {
  CAPTURE_STATES,
  DELIVERY_EDITABLE,
  REASON_MAX,
  REVIEWABLE,
  acceptBlockers,
  canCommit,
  commitmentUnsigned,
  isDone,
  noticeMaterials,
  type CaseReview,
  type CaseReviewState,
  type ReviewError,
} from './case-review';
import { DocViewer, isImage, isPdf, useStoredFile } from './DocViewer';

type T = ReturnType<typeof useTranslation>['t'];

/** A key chosen at run time (kept in a store) with its values. */
function translate(t: T, key: MessageKey, params?: Record<string, string>): string {
  return (t as unknown as (k: string, o?: Record<string, string>) => string)(key, params);
}

/** The review store's state (re-renders on every change). */
export function useCaseReview(review: CaseReview): CaseReviewState {
  return useSyncExternalStore(review.subscribe, review.getState);
}

export function currentCase(s: CaseReviewState): CaseView | undefined {
  return s.currentNo ? s.cases[s.currentNo] : undefined;
}

const QUICK_REASONS = ['blurry', 'incomplete', 'expired', 'original', 'unsigned', 'mismatch'] as const;
const ID_RE = /^[A-Za-z0-9_.:-]{1,64}$/;
const REJECT_MAX_LINES = 20;
const REJECT_MAX_CHARS = 300;
const ADDRESS_MIN = 5;
const ADDRESS_MAX = 120;
const GUIDE_TEXT_MAX = 600;

function dateTime(ms: number, lang: string, withTime = true): string {
  return new Date(ms).toLocaleString(lang === 'en' ? 'en-GB' : 'zh-CN', {
    timeZone: 'Asia/Shanghai',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    ...(withTime ? { hour: '2-digit', minute: '2-digit', hour12: false } : {}),
  });
}

interface PanelProps {
  review: CaseReview;
  state: CaseReviewState;
  /** The call runs (capture, marks, guidance go to the booth). */
  live: boolean;
}

export function CaseReviewPanel({ review, state, live }: PanelProps) {
  const { t } = useTranslation();
  const ids = useId();
  const c = currentCase(state);
  if (!c) return null;
  const readOnly = state.ended || !live;
  const viewing = state.viewing;
  const viewingMaterial = viewing ? c.materials.find((m) => m.materialId === viewing.materialId) : undefined;

  return (
    <section
      className="panel case-review"
      data-testid="case-review"
      data-state={c.state}
      data-case-number={c.caseNo}
      data-version={c.version}
      aria-labelledby={`${ids}-title`}
      aria-busy={state.busy ? true : undefined}
    >
      <div className="panel-head">
        <h2 id={`${ids}-title`}>{t('agentReview.title')}</h2>
        <span className={`case-state case-state-${c.state}`} data-testid="review-state" data-state={c.state} role="status" aria-live="polite">
          {t(`agentReview.states.${c.state}`)}
        </span>
      </div>

      <div className="review-body">
        {state.order.length > 1 && <CaseTabs review={review} state={state} />}

        <dl className="case-facts">
          <div>
            <dt>{t('agentReview.caseNumber')}</dt>
            <dd className="case-number" data-testid="review-case-number">
              {c.caseNo}
            </dd>
          </div>
          <div>
            <dt>{t('agentReview.matter')}</dt>
            <dd data-testid="review-matter">{c.matterName}</dd>
          </div>
          <div>
            <dt>{t('agentReview.applicant')}</dt>
            <dd data-testid="review-applicant">
              {c.applicant.name}
              {c.masked && <span className="muted"> {t('agentReview.masked')}</span>}
            </dd>
          </div>
          <div>
            <dt>{t('agentReview.idNumber')}</dt>
            <dd className="id-number" data-testid="review-id-number">
              {c.applicant.idNumber}
            </dd>
          </div>
          {c.phone && (
            <div>
              <dt>{t('agentReview.phone')}</dt>
              <dd data-testid="review-phone">{c.phone}</dd>
            </div>
          )}
        </dl>

        {readOnly && <p className="muted">{t('agentReview.readOnly')}</p>}
        {state.error && <ReviewAlert error={state.error} c={c} onDismiss={() => review.dismissError()} />}
        {state.notice && (
          <p className="alert alert-success review-notice" role="status" data-testid="review-notice">
            {translate(t, state.notice.key, state.notice.params)}
          </p>
        )}

        <CaseActions review={review} state={state} c={c} readOnly={readOnly} />

        <div className="review-work">
          <Checklist review={review} state={state} c={c} live={live} readOnly={readOnly} />
          <div className="viewer-slot">
            {viewing ? (
              <DocViewer
                key={viewing.sha256}
                review={review}
                sha256={viewing.sha256}
                materialName={viewingMaterial?.name ?? ''}
                annotations={state.annotations[viewing.sha256] ?? []}
                sync={state.annotationSync[viewing.sha256]}
                live={live && !readOnly}
                openSeq={viewing.seq}
                onClose={() => review.closeViewer()}
              />
            ) : (
              <p className="viewer-empty muted" data-testid="viewer-empty">
                {t('agentReview.viewer.empty')}
              </p>
            )}
          </div>
        </div>

        {live && !readOnly && <GuidePush review={review} c={c} />}
      </div>
    </section>
  );
}

/** Several cases in one call (a second matter): which one is on screen. */
function CaseTabs({ review, state }: { review: CaseReview; state: CaseReviewState }) {
  const { t } = useTranslation();
  return (
    <div className="case-tabs" role="group" aria-label={t('agentReview.otherCases')}>
      {state.order.map((no) => {
        const c = state.cases[no];
        if (!c) return null;
        return (
          <button
            key={no}
            type="button"
            className={no === state.currentNo ? 'case-tab case-tab-on' : 'case-tab'}
            data-testid="review-case-tab"
            data-case-number={no}
            aria-pressed={no === state.currentNo}
            onClick={() => review.selectCase(no)}
          >
            <span>{c.matterName}</span>
            <span className="muted">
              {no.slice(-5)} · {t(`agentReview.states.${c.state}`)}
            </span>
          </button>
        );
      })}
    </div>
  );
}

// ── refusals ────────────────────────────────────────────────────────────────

function verdictLine(t: T, m: Pick<CaseMaterial, 'name' | 'verdict' | 'reason'>): string {
  return `${m.name}：${translate(t, `agentReview.verdicts.${m.verdict}`)}${m.reason ? ` — ${m.reason}` : ''}`;
}

function ReviewAlert({ error, c, onDismiss }: { error: ReviewError; c: CaseView; onDismiss(): void }) {
  const { t } = useTranslation();
  // What stands in the way, from the case as shown (the server's message below says the same in its words).
  const refused = error.code === 'INVALID_STATE';
  const blockers = refused && error.op === 'accept' ? acceptBlockers(c) : refused && error.op === 'supply' ? c.materials.filter((m) => !isDone(m)) : [];
  const unsigned = refused && error.op === 'accept' && commitmentUnsigned(c);
  return (
    <div className="alert alert-error review-error" role="alert" data-testid="review-error" data-op={error.op} data-code={error.code ?? ''}>
      <div>
        <p>
          <strong>{t('agentReview.errors.title')}</strong> {t(error.key)}
        </p>
        {(blockers.length > 0 || unsigned) && (
          <>
            <p>{t('agentReview.blockers.title')}</p>
            <ul className="blockers" data-testid="review-blockers">
              {blockers.map((m) => (
                <li key={m.materialId} data-material-id={m.materialId}>
                  {verdictLine(t, m)}
                </li>
              ))}
              {unsigned && <li>{t('agentReview.blockers.commitmentUnsigned')}</li>}
            </ul>
          </>
        )}
        {error.detail && (
          <p className="error-detail" data-testid="review-error-detail">
            {t('agentReview.errors.detail', { message: error.detail })}
          </p>
        )}
      </div>
      <button type="button" className="btn-icon" aria-label={t('agentReview.errors.dismiss')} onClick={onDismiss}>
        ×
      </button>
    </div>
  );
}

// ── delivery, 开始审核, 受理 / 不予受理 ──────────────────────────────────────────

function CaseActions({ review, state, c, readOnly }: { review: CaseReview; state: CaseReviewState; c: CaseView; readOnly: boolean }) {
  const { t, i18n } = useTranslation();
  const ids = useId();
  const busy = state.busy;
  const modes = c.terms.delivery;
  // Default: 现场领取 when the matter offers it, else its first mode.
  const [mode, setMode] = useState<DeliveryMode>(() => c.delivery?.mode ?? (modes.includes('pickup') ? 'pickup' : (modes[0] ?? 'pickup')));
  const [address, setAddress] = useState(() => c.delivery?.address ?? '');
  const [addressProblem, setAddressProblem] = useState(false);
  const [rejecting, setRejecting] = useState(false);
  const addressRef = useRef<HTMLInputElement>(null);

  // Follow the delivery saved by anyone (the booth too).
  const savedMode = c.delivery?.mode;
  const savedAddress = c.delivery?.address;
  useEffect(() => {
    if (savedMode) setMode(savedMode);
    if (savedAddress !== undefined) setAddress(savedAddress);
  }, [savedMode, savedAddress]);

  const editable = !readOnly && DELIVERY_EDITABLE.includes(c.state);
  const addressOk = (a: string) => a.trim().length >= ADDRESS_MIN && a.trim().length <= ADDRESS_MAX;
  const canStart = !readOnly && (c.state === 'draft' || c.state === 'submitted');
  const blockers = acceptBlockers(c);
  /** A committed material's letter is not signed yet: 受理 waits for the resident (the server refuses it before). */
  const waitsCommitment = commitmentUnsigned(c);
  /** Before 受理 / refusal: the review actions are on screen (enabled as the state allows). */
  const open = c.state === 'draft' || c.state === 'submitted' || c.state === 'under_review' || c.state === 'pending_materials';

  const chooseMode = (m: DeliveryMode) => {
    setMode(m);
    setAddressProblem(false);
    // Saved at once, except post (it needs the address first).
    if (editable && m !== 'mail' && m !== savedMode) void review.setDelivery(m);
  };
  const saveMail = (e?: FormEvent) => {
    e?.preventDefault();
    if (!addressOk(address)) {
      setAddressProblem(true);
      addressRef.current?.focus();
      return;
    }
    setAddressProblem(false);
    void review.setDelivery('mail', address);
  };
  const start = () => {
    const needsAddress = mode === 'mail' && !(savedMode === 'mail' && (address.trim() === '' || address.trim() === savedAddress));
    if (needsAddress && !addressOk(address)) {
      setAddressProblem(true);
      addressRef.current?.focus();
      return;
    }
    void review.startReview(mode, address);
  };

  return (
    <div className="case-actions-area">
      <fieldset className="delivery" disabled={!editable || busy !== undefined}>
        <legend>{t('agentReview.delivery.label')}</legend>
        <div className="delivery-row">
          <label htmlFor={`${ids}-mode`} className="visually-hidden">
            {t('agentReview.delivery.label')}
          </label>
          <select
            id={`${ids}-mode`}
            data-testid="delivery-select"
            value={mode}
            title={!editable && !readOnly ? t('agentReview.delivery.locked') : undefined}
            onChange={(e) => chooseMode(e.target.value as DeliveryMode)}
          >
            {modes.map((m) => (
              <option key={m} value={m}>
                {t(`agentReview.deliveryModes.${m}`)}
              </option>
            ))}
          </select>
          <span className="muted" data-testid="delivery-current" data-mode={savedMode ?? ''}>
            {busy === 'delivery'
              ? t('agentReview.delivery.saving')
              : savedMode
                ? t('agentReview.delivery.saved', { mode: t(`agentReview.deliveryModes.${savedMode}`) })
                : t('agentReview.delivery.notSet')}
          </span>
        </div>
        {mode === 'mail' && (
          <div className="delivery-address">
            <label htmlFor={`${ids}-address`} className="field-label">
              {t('agentReview.delivery.address')}
            </label>
            <div className="delivery-row">
              <input
                id={`${ids}-address`}
                ref={addressRef}
                className="field"
                data-testid="delivery-address"
                maxLength={ADDRESS_MAX}
                autoComplete="off"
                value={address}
                aria-invalid={addressProblem || undefined}
                aria-describedby={`${ids}-address-hint${addressProblem ? ` ${ids}-address-error` : ''}`}
                onChange={(e) => {
                  setAddress(e.target.value);
                  setAddressProblem(false);
                }}
                onKeyDown={(e) => {
                  if (e.key === 'Enter') saveMail(e);
                }}
              />
              <button type="button" className="btn btn-secondary btn-small" data-testid="delivery-save" onClick={() => saveMail()}>
                {t('agentReview.delivery.save')}
              </button>
            </div>
            <span id={`${ids}-address-hint`} className="muted">
              {t('agentReview.delivery.addressHint')}
            </span>
            {addressProblem && (
              <p id={`${ids}-address-error`} className="field-error" role="alert" data-testid="delivery-address-error">
                {t('agentReview.delivery.addressRequired')}
              </p>
            )}
          </div>
        )}
      </fieldset>

      {c.commitment && <CommitmentStatus review={review} c={c} />}

      <div className="case-actions" role="group" aria-label={t('agentReview.actions.title')}>
        {(c.state === 'draft' || c.state === 'submitted') && (
          <button type="button" className="btn btn-primary" data-testid="start-review" disabled={!canStart || busy !== undefined} aria-busy={busy === 'start' || undefined} onClick={start}>
            {busy === 'start' ? t('agentReview.actions.starting') : t('agentReview.actions.startReview')}
          </button>
        )}
        {canStart && <span className="muted action-hint">{t('agentReview.actions.startHint')}</span>}
        {open && c.state !== 'pending_materials' && (
          <>
            <button
              type="button"
              className="btn btn-accept"
              data-testid="accept-case"
              data-waiting={waitsCommitment ? 'commitment' : undefined}
              disabled={readOnly || c.state !== 'under_review' || waitsCommitment || busy !== undefined}
              aria-busy={busy === 'accept' || undefined}
              aria-describedby={`${ids}-accept-hint`}
              onClick={() => void review.act('accept')}
            >
              {busy === 'accept'
                ? t('agentReview.actions.accepting')
                : waitsCommitment
                  ? t('agentReview.actions.acceptWaitsCommitment')
                  : t('agentReview.actions.accept')}
            </button>
            {c.state === 'under_review' && (
              <span id={`${ids}-accept-hint`} className="muted action-hint" data-testid="accept-hint" data-blockers={blockers.length}>
                {blockers.length > 0
                  ? t('agentReview.actions.pendingBlockers', { count: blockers.length })
                  : waitsCommitment
                    ? t('agentReview.actions.waitsCommitmentHint')
                    : t('agentReview.actions.acceptHint')}
              </span>
            )}
          </>
        )}
        {c.state === 'pending_materials' && (
          <>
            <button type="button" className="btn btn-accept" data-testid="supply-missing" disabled={readOnly || busy !== undefined} aria-busy={busy === 'supply' || undefined} onClick={() => void review.act('supply-missing')}>
              {busy === 'supply' ? t('agentReview.actions.supplying') : t('agentReview.actions.supplyMissing')}
            </button>
            <span className="muted action-hint">{t('agentReview.actions.supplyHint')}</span>
          </>
        )}
        {open && (
          <button
            type="button"
            className="btn btn-secondary btn-reject"
            data-testid="reject-case"
            aria-expanded={rejecting}
            aria-controls={rejecting ? `${ids}-reject` : undefined}
            disabled={readOnly || !REVIEWABLE.includes(c.state) || busy !== undefined}
            onClick={() => setRejecting((x) => !x)}
          >
            {t('agentReview.actions.reject')}
          </button>
        )}
      </div>

      {rejecting && REVIEWABLE.includes(c.state) && !readOnly && (
        <RejectForm id={`${ids}-reject`} review={review} c={c} busy={busy} onDone={() => setRejecting(false)} />
      )}

      <CaseResult review={review} c={c} lang={i18n.language} />
    </div>
  );
}

/** 告知承诺书 of the case: 待签 / 已签, the materials it covers, the letter as PDF. */
function CommitmentStatus({ review, c }: { review: CaseReview; c: CaseView }) {
  const { t } = useTranslation();
  const signed = c.signatures.some((s) => s.purpose === 'commitment');
  const names = (c.commitment?.materialIds ?? []).map((id) => c.materials.find((m) => m.materialId === id)?.name ?? id);
  return (
    <div className={`commitment-status commitment-${signed ? 'signed' : 'unsigned'}`} data-testid="commitment-status" data-state={signed ? 'signed' : 'unsigned'} role="status" aria-live="polite">
      <p className="commitment-status-line">
        <strong>{signed ? `✓ ${t('agentReview.commitment.signed')}` : t('agentReview.commitment.unsigned')}</strong>
        <span className="muted"> {t('agentReview.commitment.covers', { names: names.join('、') })}</span>
      </p>
      {!signed && <p className="muted commitment-status-hint">{t('agentReview.commitment.unsignedHint')}</p>}
      <div className="result-links">
        <PdfButton review={review} c={c} kind="commitment" testId="commitment-link" label={t('agentReview.commitment.letter')} />
      </div>
    </div>
  );
}

function RejectForm({ id, review, c, busy, onDone }: { id: string; review: CaseReview; c: CaseView; busy?: string; onDone(): void }) {
  const { t } = useTranslation();
  const ids = useId();
  const ref = useRef<HTMLTextAreaElement>(null);
  const [text, setText] = useState('');
  const [problem, setProblem] = useState<'reasonsRequired' | 'reasonsTooMany' | undefined>();
  const listed = noticeMaterials(c);

  useEffect(() => ref.current?.focus(), []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const lines = text
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.length > 0);
    if (lines.length === 0 && listed.length === 0) {
      setProblem('reasonsRequired');
      ref.current?.focus();
      return;
    }
    if (lines.length > REJECT_MAX_LINES || lines.some((l) => l.length > REJECT_MAX_CHARS)) {
      setProblem('reasonsTooMany');
      ref.current?.focus();
      return;
    }
    setProblem(undefined);
    if (await review.reject(lines)) onDone();
  };

  return (
    <form id={id} className="reject-form" data-testid="reject-form" onSubmit={(e) => void submit(e)} noValidate>
      <h3>{t('agentReview.reject.title')}</h3>
      {listed.length > 0 && (
        <>
          <p className="muted">{t('agentReview.blockers.autoListed')}</p>
          <ul className="blockers">
            {listed.map((m) => (
              <li key={m.materialId}>
                {m.verdict === 'pending'
                  ? `${m.name}：${m.mayBeMissing ? t('agentReview.blockers.lateSupply') : t('agentReview.blockers.notSupplied')}`
                  : verdictLine(t, m)}
              </li>
            ))}
          </ul>
        </>
      )}
      <label htmlFor={`${ids}-reasons`} className="field-label">
        {t('agentReview.reject.reasons')}
      </label>
      <textarea
        id={`${ids}-reasons`}
        ref={ref}
        data-testid="reject-reason"
        rows={3}
        value={text}
        aria-invalid={problem ? true : undefined}
        aria-describedby={`${ids}-hint${problem ? ` ${ids}-error` : ''}`}
        onChange={(e) => {
          setText(e.target.value);
          setProblem(undefined);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.preventDefault();
            onDone();
          }
        }}
      />
      <span id={`${ids}-hint`} className="muted">
        {t('agentReview.reject.reasonsHint')}
      </span>
      {problem && (
        <p id={`${ids}-error`} className="field-error" role="alert">
          {t(`agentReview.reject.${problem}`)}
        </p>
      )}
      <div className="form-actions">
        <button type="button" className="btn btn-secondary" data-testid="reject-cancel" onClick={onDone}>
          {t('agentReview.reject.cancel')}
        </button>
        <button type="submit" className="btn btn-danger" data-testid="reject-confirm" disabled={busy !== undefined} aria-busy={busy === 'reject' || undefined}>
          {busy === 'reject' ? t('agentReview.reject.sending') : t('agentReview.reject.confirm')}
        </button>
      </div>
    </form>
  );
}

/** After 受理 (or refusal): dates, the PDFs, the receipt signature. */
function CaseResult({ review, c, lang }: { review: CaseReview; c: CaseView; lang: string }) {
  const { t } = useTranslation();
  const accepted = c.state === 'accepted' || c.state === 'pending_materials' || c.state === 'completed';
  if (!accepted && c.state !== 'rejected') return null;
  const signed = c.signatures.some((s) => s.purpose === 'receipt');
  return (
    <div className="case-result" data-testid="case-result">
      {accepted ? (
        <>
          <ul className="result-facts">
            {c.acceptedAt !== undefined && <li>{t('agentReview.result.acceptedAt', { time: dateTime(c.acceptedAt, lang) })}</li>}
            {c.promisedBy !== undefined && <li data-testid="review-promised-by">{t('agentReview.result.promisedBy', { date: dateTime(c.promisedBy, lang, false) })}</li>}
            {c.state === 'pending_materials' && c.pendingDeadline !== undefined && (
              <li data-testid="review-pending-deadline">{t('agentReview.result.pendingDeadline', { date: dateTime(c.pendingDeadline, lang, false) })}</li>
            )}
          </ul>
          <div className="result-links">
            <PdfButton review={review} c={c} kind="receipt" testId="receipt-link" label={t('agentReview.result.receipt')} />
            <PdfButton review={review} c={c} kind="dossier" testId="dossier-link" label={t('agentReview.result.dossier')} />
          </div>
          {signed ? (
            <p className="signed signed-yes" data-testid="receipt-signed" data-signed="true" role="status">
              ✓ {t('agentReview.result.receiptSigned')}
            </p>
          ) : (
            <p className="signed signed-no muted" data-testid="receipt-unsigned" data-signed="false" role="status">
              {t('agentReview.result.receiptUnsigned')}
            </p>
          )}
        </>
      ) : (
        <>
          <p>{t('agentReview.result.rejectedAt')}</p>
          {c.rejection && (
            <ul className="blockers" data-testid="rejection-reasons">
              {c.rejection.reasons.map((r, i) => (
                <li key={i}>{r}</li>
              ))}
            </ul>
          )}
          <div className="result-links">
            <PdfButton review={review} c={c} kind="rejection" testId="rejection-link" label={t('agentReview.result.rejection')} />
          </div>
        </>
      )}
    </div>
  );
}

/** Fetches one of the case's PDFs (behind the token) and opens it; a download link stays for blocked pop-ups. */
function PdfButton({ review, c, kind, testId, label }: { review: CaseReview; c: CaseView; kind: 'receipt' | 'dossier' | 'rejection' | 'commitment'; testId: string; label: string }) {
  const { t } = useTranslation();
  const [opening, setOpening] = useState(false);
  const [doc, setDoc] = useState<{ url: string; version: number } | undefined>();
  const [blocked, setBlocked] = useState(false);
  const urlRef = useRef<string | undefined>(undefined);

  useEffect(
    () => () => {
      if (urlRef.current) URL.revokeObjectURL(urlRef.current);
    },
    [],
  );

  const open = async () => {
    if (opening) return;
    setOpening(true);
    setBlocked(false);
    const blob = await review.pdf(kind);
    setOpening(false);
    if (!blob) return;
    if (urlRef.current) URL.revokeObjectURL(urlRef.current);
    const url = URL.createObjectURL(blob.type === 'application/pdf' ? blob : new Blob([blob], { type: 'application/pdf' }));
    urlRef.current = url;
    setDoc({ url, version: c.version });
    const win = window.open(url, '_blank');
    if (!win) setBlocked(true);
  };

  const name = `${kind}-${c.caseNo}.pdf`;
  return (
    <span className="pdf-link">
      <button type="button" className="btn btn-secondary" data-testid={testId} aria-busy={opening || undefined} disabled={opening} onClick={() => void open()}>
        {opening ? t('agentReview.result.opening') : label}
      </button>
      {doc && (
        <a href={doc.url} download={name} className="btn-link" data-testid={`${testId}-download`}>
          {t('agentReview.result.download', { name })}
        </a>
      )}
      {blocked && (
        <span className="muted" role="status">
          {t('agentReview.result.popupBlocked')}
        </span>
      )}
    </span>
  );
}

// ── the checklist ────────────────────────────────────────────────────────────

interface ChecklistProps {
  review: CaseReview;
  state: CaseReviewState;
  c: CaseView;
  live: boolean;
  readOnly: boolean;
}

function Checklist({ review, state, c, live, readOnly }: ChecklistProps) {
  const { t } = useTranslation();
  const ids = useId();
  const [reasonFor, setReasonFor] = useState<{ materialId: string; verdict: Exclude<ReviewVerdict, 'accepted'> } | undefined>();
  /** The material whose 「改为告知承诺」 waits for confirmation (one at a time, like the reason form). */
  const [commitFor, setCommitFor] = useState<string | undefined>();
  const done = c.materials.filter(isDone).length;

  // A reason form of a material that can no longer be reviewed goes away.
  useEffect(() => {
    if (reasonFor && !REVIEWABLE.includes(c.state)) setReasonFor(undefined);
  }, [c.state, reasonFor]);
  // So does a commitment confirmation that no longer applies (state moved on, or committed already).
  const commitMaterial = commitFor ? c.materials.find((m) => m.materialId === commitFor) : undefined;
  const commitStill = commitMaterial !== undefined && canCommit(c, commitMaterial);
  useEffect(() => {
    if (commitFor && !commitStill) setCommitFor(undefined);
  }, [commitFor, commitStill]);

  return (
    <section className="checklist" aria-labelledby={`${ids}-title`}>
      <div className="checklist-head">
        <h3 id={`${ids}-title`}>{t('agentReview.materials.title')}</h3>
        <span className="muted" data-testid="review-progress" data-done={done} data-total={c.materials.length}>
          {t('agentReview.materials.progress', { done, total: c.materials.length })}
        </span>
      </div>
      <ul className="materials">
        {c.materials.map((m) => (
          <MaterialRow
            key={m.materialId}
            review={review}
            state={state}
            c={c}
            m={m}
            live={live && !readOnly}
            readOnly={readOnly}
            reasonVerdict={reasonFor?.materialId === m.materialId ? reasonFor.verdict : undefined}
            onAskReason={(verdict) => {
              setReasonFor(verdict ? { materialId: m.materialId, verdict } : undefined);
              if (verdict) setCommitFor(undefined);
            }}
            confirmingCommit={commitFor === m.materialId}
            onAskCommit={(open) => {
              setCommitFor(open ? m.materialId : undefined);
              if (open) setReasonFor(undefined);
            }}
          />
        ))}
      </ul>
    </section>
  );
}

interface RowProps {
  review: CaseReview;
  state: CaseReviewState;
  c: CaseView;
  m: CaseMaterial;
  live: boolean;
  readOnly: boolean;
  reasonVerdict?: Exclude<ReviewVerdict, 'accepted'>;
  onAskReason(verdict: Exclude<ReviewVerdict, 'accepted'> | undefined): void;
  /** The 「改为告知承诺」 confirmation of this material is open. */
  confirmingCommit: boolean;
  onAskCommit(open: boolean): void;
}

function MaterialRow({ review, state, c, m, live, readOnly, reasonVerdict, onAskReason, confirmingCommit, onAskCommit }: RowProps) {
  const { t } = useTranslation();
  const ids = useId();
  const busy = state.busy;
  const id = m.materialId;
  const waiting = state.captures[id] !== undefined;
  const reviewable =
    !readOnly && REVIEWABLE.includes(c.state) && m.verdict !== 'committed' && (c.state !== 'pending_materials' || m.mayBeMissing);
  const capturable =
    live &&
    CAPTURE_STATES.includes(c.state) &&
    m.verdict !== 'committed' &&
    (c.state !== 'pending_materials' || (m.mayBeMissing && !isDone(m)));
  const verdictBusy = busy === `verdict:${id}` || busy === `commit:${id}`;
  /** 告知承诺 is offered for this material (the matter allows it); enabled before 受理. */
  const offersCommit = c.terms.allowsCommitment && m.commitmentAllowed;
  const committable = !readOnly && canCommit(c, m);
  const rescanRef = useRef<HTMLButtonElement>(null);
  const missingRef = useRef<HTMLButtonElement>(null);
  const commitRef = useRef<HTMLButtonElement>(null);
  const closeCommit = () => {
    onAskCommit(false);
    requestAnimationFrame(() => commitRef.current?.focus());
  };
  /** Closes the reason form and puts the focus back on the button that opened it. */
  const closeReason = (verdict: 'rescan' | 'missing') => {
    onAskReason(undefined);
    requestAnimationFrame(() => (verdict === 'rescan' ? rescanRef : missingRef).current?.focus());
  };

  const decide = (verdict: ReviewVerdict) => {
    if (verdict === 'accepted') {
      onAskReason(undefined);
      void review.verdict(id, 'accepted');
    } else {
      onAskReason(reasonVerdict === verdict ? undefined : verdict);
    }
  };

  return (
    <li className={`material verdict-row-${m.verdict}`} data-testid="review-material" data-material-id={id} data-verdict={m.verdict} aria-labelledby={`${ids}-name`} aria-busy={verdictBusy || undefined}>
      <div className="material-head">
        <span id={`${ids}-name`} className="material-name">
          {m.name}
        </span>
        <span className={`verdict verdict-${m.verdict}`} data-testid="material-verdict">
          {t(`agentReview.verdicts.${m.verdict}`)}
        </span>
      </div>
      <p className="material-meta">
        <span>{t('agentReview.materials.formCount', { form: t(`agentReview.forms.${m.form}`), count: m.count })}</span>
        {m.mayBeMissing && (
          <span className="badge badge-tag" data-testid="badge-may-be-missing">
            {t('agentReview.materials.mayBeMissing')}
          </span>
        )}
        {m.commitmentAllowed && (
          <span className="badge badge-tag" data-testid="badge-commitment">
            {t('agentReview.materials.commitment')}
          </span>
        )}
      </p>
      {m.reason && (
        <p className="material-reason" data-testid="material-reason">
          {t('agentReview.materials.reason', { reason: m.reason })}
        </p>
      )}

      <div className="material-files" aria-label={t('agentReview.materials.filesLabel')}>
        {m.files.length === 0 ? (
          <span className="muted no-files">{t('agentReview.materials.noFiles')}</span>
        ) : (
          m.files.map((sha, i) => (
            <FileThumb
              key={sha}
              review={review}
              sha256={sha}
              selected={state.viewing?.sha256 === sha}
              label={t('agentReview.materials.openFile', { name: m.name, index: i + 1 })}
              onOpen={() => review.open(sha, id)}
            />
          ))
        )}
      </div>

      <div className="material-actions">
        {live && (
          <span className="capture">
            <button
              type="button"
              className="btn btn-secondary btn-small"
              data-testid={`capture-request-${id}`}
              disabled={!capturable}
              title={t('agentReview.materials.captureHint')}
              onClick={() => void review.requestCapture(id)}
            >
              {waiting ? t('agentReview.materials.captureAgain') : t('agentReview.materials.capture')}
            </button>
            {waiting && (
              <span className="capture-waiting" data-testid="capture-waiting" data-material-id={id} role="status">
                {t('agentReview.materials.captureWaiting')}
              </span>
            )}
          </span>
        )}
        {live && ID_RE.test(id) && (
          <button
            type="button"
            className="btn-link"
            data-testid={`sample-push-${id}`}
            onClick={() => void review.pushGuide({ kind: 'sample', materialId: id }, { key: 'agentReview.guide.sampleSent', params: { name: m.name } })}
          >
            {t('agentReview.materials.sample')}
          </button>
        )}
        <span className="verdict-buttons" role="group" aria-labelledby={`${ids}-name`}>
          <button
            type="button"
            className="btn btn-small btn-verdict-accept"
            data-testid={`verdict-accept-${id}`}
            aria-pressed={m.verdict === 'accepted'}
            disabled={!reviewable || busy !== undefined}
            onClick={() => decide('accepted')}
          >
            {t('agentReview.materials.accept')}
          </button>
          <button
            ref={rescanRef}
            type="button"
            className="btn btn-small btn-verdict-rescan"
            data-testid={`verdict-rescan-${id}`}
            aria-pressed={m.verdict === 'rescan'}
            aria-expanded={reasonVerdict === 'rescan'}
            disabled={!reviewable || busy !== undefined}
            onClick={() => decide('rescan')}
          >
            {t('agentReview.materials.rescan')}
          </button>
          <button
            ref={missingRef}
            type="button"
            className="btn btn-small btn-verdict-missing"
            data-testid={`verdict-missing-${id}`}
            aria-pressed={m.verdict === 'missing'}
            aria-expanded={reasonVerdict === 'missing'}
            disabled={!reviewable || busy !== undefined}
            onClick={() => decide('missing')}
          >
            {t('agentReview.materials.missing')}
          </button>
          {offersCommit && (
            <button
              ref={commitRef}
              type="button"
              className="btn btn-small btn-verdict-commit"
              data-testid={`verdict-commit-${id}`}
              aria-pressed={m.verdict === 'committed'}
              aria-expanded={confirmingCommit}
              title={t('agentReview.materials.commitHint')}
              disabled={!committable || busy !== undefined}
              onClick={() => onAskCommit(!confirmingCommit)}
            >
              {m.verdict === 'committed' ? t('agentReview.materials.committed') : t('agentReview.materials.commit')}
            </button>
          )}
        </span>
      </div>

      {confirmingCommit && committable && (
        <CommitConfirm
          m={m}
          busy={busy}
          onCancel={closeCommit}
          onConfirm={async () => {
            if (await review.commit(id)) onAskCommit(false);
          }}
        />
      )}

      {reasonVerdict && reviewable && (
        <ReasonForm
          key={reasonVerdict}
          m={m}
          verdict={reasonVerdict}
          busy={busy}
          onCancel={() => closeReason(reasonVerdict)}
          onSubmit={async (reason) => {
            if (await review.verdict(id, reasonVerdict, reason)) closeReason(reasonVerdict);
          }}
        />
      )}
    </li>
  );
}

/** 「改为告知承诺」 asks once more: what the resident will do, and that it cannot be undone here. */
function CommitConfirm({ m, busy, onCancel, onConfirm }: { m: CaseMaterial; busy?: string; onCancel(): void; onConfirm(): Promise<void> }) {
  const { t } = useTranslation();
  const ids = useId();
  // Focus on 「取消」: the change cannot be undone from the console.
  const ref = useRef<HTMLButtonElement>(null);
  useEffect(() => ref.current?.focus(), []);
  const sending = busy === `commit:${m.materialId}`;
  return (
    <div
      className="commit-confirm"
      role="alertdialog"
      aria-labelledby={`${ids}-title`}
      aria-describedby={`${ids}-text`}
      data-testid="commit-confirm-form"
      data-material-id={m.materialId}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.preventDefault();
          onCancel();
        }
      }}
    >
      <p id={`${ids}-title`} className="commit-confirm-title">
        {t('agentReview.commitConfirm.title', { name: m.name })}
      </p>
      <p id={`${ids}-text`}>{t('agentReview.commitConfirm.text', { name: m.name })}</p>
      <div className="form-actions">
        <button ref={ref} type="button" className="btn btn-secondary btn-small" data-testid="commit-cancel" onClick={onCancel}>
          {t('agentReview.commitConfirm.cancel')}
        </button>
        <button type="button" className="btn btn-primary btn-small" data-testid="commit-confirm" disabled={busy !== undefined} aria-busy={sending || undefined} onClick={() => void onConfirm()}>
          {sending ? t('agentReview.commitConfirm.sending') : t('agentReview.commitConfirm.confirm')}
        </button>
      </div>
    </div>
  );
}

function ReasonForm({
  m,
  verdict,
  busy,
  onCancel,
  onSubmit,
}: {
  m: CaseMaterial;
  verdict: 'rescan' | 'missing';
  busy?: string;
  onCancel(): void;
  onSubmit(reason: string): Promise<void>;
}) {
  const { t } = useTranslation();
  const ids = useId();
  const ref = useRef<HTMLInputElement>(null);
  const [reason, setReason] = useState(() => (m.verdict === verdict ? (m.reason ?? '') : ''));
  const [problem, setProblem] = useState<'reasonRequired' | 'reasonTooLong' | undefined>();

  useEffect(() => ref.current?.focus(), []);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const r = reason.trim();
    if (!r) {
      setProblem('reasonRequired');
      ref.current?.focus();
      return;
    }
    if (r.length > REASON_MAX) {
      setProblem('reasonTooLong');
      ref.current?.focus();
      return;
    }
    setProblem(undefined);
    void onSubmit(r);
  };

  const pick = (text: string) => {
    setReason((prev) => {
      const p = prev.trim();
      if (!p) return text;
      if (p.includes(text)) return prev;
      return `${p}；${text}`.slice(0, REASON_MAX);
    });
    setProblem(undefined);
    ref.current?.focus();
  };

  return (
    <form className="reason-form" data-testid="verdict-reason-form" data-verdict={verdict} onSubmit={submit} noValidate>
      <label htmlFor={`${ids}-reason`} className="field-label">
        {t('agentReview.materials.reasonFor', { name: m.name, verdict: t(`agentReview.materials.${verdict}`) })}
      </label>
      <div className="chips" role="group" aria-label={t('agentReview.materials.quickReasons')}>
        {QUICK_REASONS.map((k) => (
          <button key={k} type="button" className="chip" data-testid="reason-chip" data-reason={k} onClick={() => pick(t(`agentReview.materials.quick.${k}`))}>
            {t(`agentReview.materials.quick.${k}`)}
          </button>
        ))}
      </div>
      <div className="reason-row">
        <input
          id={`${ids}-reason`}
          ref={ref}
          className="field"
          data-testid="verdict-reason"
          maxLength={REASON_MAX}
          autoComplete="off"
          value={reason}
          required
          aria-required="true"
          aria-invalid={problem ? true : undefined}
          aria-describedby={`${ids}-count${problem ? ` ${ids}-error` : ''}`}
          onChange={(e) => {
            setReason(e.target.value.slice(0, REASON_MAX));
            setProblem(undefined);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Escape') {
              e.preventDefault();
              onCancel();
            }
          }}
        />
        <button type="submit" className="btn btn-primary btn-small" data-testid="verdict-reason-submit" disabled={busy !== undefined} aria-busy={busy === `verdict:${m.materialId}` || undefined}>
          {busy === `verdict:${m.materialId}` ? t('agentReview.materials.saving') : t('agentReview.materials.confirm')}
        </button>
        <button type="button" className="btn btn-secondary btn-small" data-testid="verdict-reason-cancel" onClick={onCancel}>
          {t('agentReview.materials.cancel')}
        </button>
      </div>
      <span id={`${ids}-count`} className="muted reason-count">
        {t('agentReview.materials.reasonCount', { count: reason.length })}
      </span>
      {problem && (
        <p id={`${ids}-error`} className="field-error" role="alert" data-testid="verdict-reason-error">
          {t(`agentReview.materials.${problem}`)}
        </p>
      )}
    </form>
  );
}

function FileThumb({ review, sha256, selected, label, onOpen }: { review: CaseReview; sha256: string; selected: boolean; label: string; onOpen(): void }) {
  const { t } = useTranslation();
  const file = useStoredFile(review.files, sha256);
  return (
    <button
      type="button"
      className={selected ? 'thumb thumb-on' : 'thumb'}
      data-testid="material-file"
      data-sha256={sha256}
      data-status={file.status}
      aria-pressed={selected}
      aria-label={label}
      title={label}
      onClick={onOpen}
    >
      {file.status === 'ready' && isImage(file.mime) ? (
        <img src={file.url} alt="" draggable={false} />
      ) : file.status === 'ready' && isPdf(file.mime) ? (
        <span className="thumb-kind">PDF</span>
      ) : file.status === 'error' ? (
        <span className="thumb-kind thumb-failed" aria-hidden="true">
          !
        </span>
      ) : file.status === 'ready' ? (
        <span className="thumb-kind">{t('agentReview.viewer.title')}</span>
      ) : (
        <span className="thumb-kind thumb-loading" aria-hidden="true">
          …
        </span>
      )}
    </button>
  );
}

// ── guidance on the booth screen ─────────────────────────────────────────────

function GuidePush({ review, c }: { review: CaseReview; c: CaseView }) {
  const { t } = useTranslation();
  const ids = useId();
  const [text, setText] = useState('');
  const [problem, setProblem] = useState(false);
  const [sending, setSending] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const words = text.trim().slice(0, GUIDE_TEXT_MAX);
    if (!words) {
      setProblem(true);
      return;
    }
    setSending(true);
    const ok = await review.pushGuide({ kind: 'step', title: c.matterName.slice(0, 60), text: words }, { key: 'agentReview.guide.pushed' });
    setSending(false);
    if (ok) setText('');
  };

  return (
    <form className="guide-push" onSubmit={(e) => void submit(e)} noValidate aria-labelledby={`${ids}-title`}>
      <h3 id={`${ids}-title`}>{t('agentReview.guide.title')}</h3>
      <label htmlFor={`${ids}-text`} className="field-label">
        {t('agentReview.guide.text')}
      </label>
      <textarea
        id={`${ids}-text`}
        data-testid="guide-text"
        rows={2}
        maxLength={GUIDE_TEXT_MAX}
        placeholder={t('agentReview.guide.placeholder')}
        value={text}
        aria-invalid={problem || undefined}
        aria-describedby={problem ? `${ids}-error` : undefined}
        onChange={(e) => {
          setText(e.target.value);
          setProblem(false);
        }}
      />
      {problem && (
        <p id={`${ids}-error`} className="field-error" role="alert">
          {t('agentReview.guide.textRequired')}
        </p>
      )}
      <div className="form-actions">
        <button type="button" className="btn btn-secondary btn-small" data-testid="guide-clear" onClick={() => void review.pushGuide({ kind: 'clear' })}>
          {t('agentReview.guide.clear')}
        </button>
        <button type="submit" className="btn btn-primary btn-small" data-testid="guide-push" disabled={sending} aria-busy={sending || undefined}>
          {t('agentReview.guide.push')}
        </button>
      </div>
    </form>
  );
}

/** One line in wrap-up: the case of the call just finished. */
export function WrapUpCase({ review }: { review: CaseReview }) {
  const { t } = useTranslation();
  const state = useCaseReview(review);
  const c = currentCase(state);
  if (!c) return null;
  return (
    <p className="muted" data-testid="wrapup-case" data-case-number={c.caseNo} data-state={c.state}>
      {t('agentReview.wrapUp', { caseNo: c.caseNo, state: t(`agentReview.states.${c.state}`) })}
    </p>
  );
}
