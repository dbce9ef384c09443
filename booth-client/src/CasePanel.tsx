/**
 * The case beside the video during a call: the case number and its state, the
 * checklist of materials with the agent's verdicts and reasons, capturing and
 * uploading (document camera, or a file picker without one), the agent's
 * remote shutter, the still with the agent's marks and pointer, guide items,
 * the 告知承诺书 and the receipt to sign (CommitmentStep, SignStep), and the
 * reasons of a refusal with its printed notice (RejectionPanel). Everything
 * it shows comes from the CaseFlow snapshot; every action goes to CaseFlow.
 */
import { useEffect, useRef, useState, type ChangeEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { Annotation, CaseMaterial, CaseView } from '@xiaowu/shared';
import { VideoView } from '@xiaowu/shared/ui';
import type { CaseFlow, CaseFlowState, GuideView, Still } from './case-flow';
import { CommitmentStep, PrintStatus, SignStep } from './SignStep';

interface CasePanelProps {
  flow: CaseFlow;
  state: CaseFlowState;
}

const PICK_ACCEPT = 'image/jpeg,image/png,application/pdf';

export function CasePanel({ flow, state }: CasePanelProps) {
  const { t } = useTranslation();
  const view = state.caseView;
  const fileInput = useRef<HTMLInputElement>(null);
  const pickFor = useRef<string | undefined>(undefined);

  /** Opens the file picker for a material (must run inside the touch's handler). */
  const openPicker = (materialId: string) => {
    const input = fileInput.current;
    if (!input) return;
    pickFor.current = materialId;
    input.value = '';
    input.click();
  };
  const picked = (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    const materialId = pickFor.current;
    pickFor.current = undefined;
    if (file && materialId) flow.uploadPicked(materialId, file);
  };
  const capture = (materialId: string) => {
    if (state.docCamera === 'none') openPicker(materialId);
    else flow.captureFromCamera(materialId);
  };

  const showSign = view !== undefined && (state.sign.receipt.status !== 'idle' || state.print.receipt !== undefined);
  const showCommitment = view !== undefined && showCommitmentStep(view, state);
  const showRejection = view?.state === 'rejected';
  // New marks or guide items come into view, but never while the resident is signing (the pad must stay put).
  const signing = (showSign && state.sign.receipt.status !== 'signed') || (showCommitment && state.sign.commitment.status !== 'signed');
  const autoScroll = !signing;
  const busy = state.upload !== undefined;

  return (
    <aside
      className={`case-panel${state.withCase ? '' : ' guide-only'}`}
      data-testid="case-panel"
      data-state={view?.state ?? 'none'}
      data-step={state.step.kind}
      aria-label={t('boothDocs.call.panelLabel')}
    >
      <input ref={fileInput} type="file" accept={PICK_ACCEPT} className="visually-hidden" tabIndex={-1} aria-hidden="true" data-testid="capture-file-input" onChange={picked} />
      {state.withCase && <CaseHead state={state} />}
      {showRejection && view && <RejectionPanel flow={flow} state={state} view={view} />}
      {showSign && view && <SignStep flow={flow} state={state} caseNo={view.caseNo} matterName={view.matterName} />}
      {showCommitment && view && <CommitmentStep flow={flow} state={state} view={view} />}
      {state.withCase && state.step.kind !== 'ready' && <IdCardStep flow={flow} state={state} />}
      {state.refreshFailed && (
        <div className="message message-error case-refresh" role="alert" data-testid="case-refresh-failed">
          <strong>{t('boothDocs.call.refreshFailed')}</strong>
          <button type="button" className="btn btn-secondary" data-testid="case-refresh" onClick={() => flow.refreshNow()}>
            {t('boothDocs.call.refresh')}
          </button>
        </div>
      )}
      {state.remoteNotice && (
        <div className="capture-notice" role="status" data-testid="capture-notice" data-material-id={state.remoteNotice.materialId}>
          <span className="capture-notice-icon" aria-hidden="true" />
          <span className="capture-notice-text">
            <strong>{t('boothDocs.call.remoteNotice')}</strong>
            <span>{t('boothDocs.call.remoteBy', { name: state.remoteNotice.by, material: state.remoteNotice.name })}</span>
          </span>
        </div>
      )}
      {state.pickRequest && (
        <div className="pick-request" role="alert" data-testid="pick-request" data-material-id={state.pickRequest.materialId}>
          <strong>
            {state.pickRequest.by ? t('boothDocs.call.pickRequest', { name: state.pickRequest.name }) : t('boothDocs.call.pickOwn', { name: state.pickRequest.name })}
          </strong>
          <span>{state.pickRequest.by ? t('boothDocs.call.pickNext') : t('boothDocs.call.pickOwnNext')}</span>
          <div className="card-actions">
            <button type="button" className="btn btn-primary" data-testid="pick-file" onClick={() => state.pickRequest && openPicker(state.pickRequest.materialId)}>
              {t('boothDocs.call.pickFile')}
            </button>
            <button type="button" className="btn btn-secondary" data-testid="pick-dismiss" onClick={() => flow.dismissPickRequest()}>
              {t('boothDocs.call.dismiss')}
            </button>
          </div>
        </div>
      )}
      {state.upload && (
        <section className="upload-card" data-testid="upload-card" data-stage={state.upload.stage} data-material-id={state.upload.materialId} aria-live="polite">
          <p className="upload-name">{t(`boothDocs.call.upload.${state.upload.stage}`, { name: state.upload.name })}</p>
          <div className="upload-bar">
            <div
              className="upload-track"
              data-testid="upload-progress"
              role="progressbar"
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={state.upload.percent}
              aria-label={state.upload.name}
            >
              <div className="upload-fill" style={{ width: `${state.upload.percent}%` }} />
            </div>
            <span className="upload-percent">{state.upload.percent}%</span>
          </div>
          {state.upload.stage === 'capturing' && <p className="upload-hint">{t('boothDocs.call.upload.keepStill')}</p>}
        </section>
      )}
      {state.uploadError && (
        <div
          className="message message-error upload-error"
          role="alert"
          data-testid="upload-error"
          data-material-id={state.uploadError.materialId}
          data-problem={state.uploadError.problem}
          data-code={state.uploadError.code ?? ''}
        >
          <strong>{t('boothDocs.call.uploadFailed', { name: state.uploadError.name })}</strong>
          <span>{t(`boothDocs.call.uploadProblems.${state.uploadError.problem}`)}</span>
          <button type="button" className="btn btn-secondary" data-testid="upload-error-dismiss" onClick={() => flow.dismissUploadError()}>
            {t('boothDocs.call.dismiss')}
          </button>
        </div>
      )}
      {state.view && state.stills[state.view] && (
        <DocumentView
          still={state.stills[state.view]!}
          name={view?.materials.find((m) => m.materialId === state.stills[state.view!]!.materialId)?.name ?? ''}
          annotations={state.annotations[state.view] ?? []}
          pointer={state.pointer?.sha256 === state.view ? state.pointer : undefined}
          autoScroll={autoScroll}
          onClose={() => flow.closeView()}
        />
      )}
      {state.guide && <GuideCard guide={state.guide} stills={state.stills} autoScroll={autoScroll} onClose={() => flow.closeGuide()} />}
      {state.withCase && view && (
        <section className="case-checklist" aria-labelledby="case-checklist-title">
          <h2 id="case-checklist-title" className="case-section-title">
            {t('boothDocs.call.checklistTitle')}
          </h2>
          <div className="checklist-intro">
            <p className="checklist-hint">{state.docCamera === 'none' ? t('boothDocs.call.checklistHintNoCamera') : t('boothDocs.call.checklistHint')}</p>
            {state.docStream && (
              <figure className="doc-preview">
                <VideoView stream={state.docStream} muted data-testid="doc-camera-preview" />
                <figcaption>{t('boothDocs.call.docPreview')}</figcaption>
              </figure>
            )}
          </div>
          <ol className="material-list">
            {view.materials.map((m) => (
              <MaterialRow key={m.materialId} material={m} canAttach={flow.canAttach(m.materialId)} busy={busy} onCapture={() => capture(m.materialId)} />
            ))}
          </ol>
        </section>
      )}
    </aside>
  );
}

/**
 * The commitment step is on screen while the letter waits for the resident's
 * signature and after it is signed (the printed copy, 「请等待受理」); once the
 * case is accepted and the copy printed it makes room for the receipt.
 */
function showCommitmentStep(view: CaseView, state: CaseFlowState): boolean {
  const sign = state.sign.commitment;
  const print = state.print.commitment;
  if (sign.status === 'idle' && print === undefined) return false;
  const accepted = view.state !== 'draft' && view.state !== 'submitted' && view.state !== 'under_review';
  return !(accepted && sign.status === 'signed' && print?.state === 'printed');
}

/**
 * 不予受理 / 补正告知: every reason at once (一次性告知) in large type, what to
 * do next, and the notice printed at once to take home.
 */
function RejectionPanel({ flow, state, view }: { flow: CaseFlow; state: CaseFlowState; view: CaseView }) {
  const { t } = useTranslation();
  const ref = useRef<HTMLElement>(null);
  const reasons = view.rejection?.reasons ?? [];
  useEffect(() => {
    ref.current?.scrollIntoView({ block: 'nearest' });
  }, []);
  return (
    <section ref={ref} className="rejection-panel" data-testid="rejection-panel" data-count={reasons.length} aria-labelledby="rejection-title" aria-live="polite">
      <h2 id="rejection-title" className="rejection-title">
        {t('boothDocs.call.rejection.title')}
      </h2>
      <p className="rejection-intro">{t('boothDocs.call.rejection.intro', { n: reasons.length })}</p>
      <ol className="rejection-reasons">
        {reasons.map((r, i) => (
          <li key={i} className="rejection-reason" data-testid="rejection-reason">
            {r}
          </li>
        ))}
      </ol>
      <p className="rejection-next" data-testid="rejection-next">
        {t('boothDocs.call.rejection.next')}
      </p>
      <PrintStatus flow={flow} doc="rejection" print={state.print.rejection} />
    </section>
  );
}

function CaseHead({ state }: { state: CaseFlowState }) {
  const { t } = useTranslation();
  const view = state.caseView;
  return (
    <header className="case-head">
      {view && (
        <p className="case-no-line">
          <span className="case-no-label">{t('boothDocs.call.caseNumber')}</span>
          <span className="case-no" data-testid="case-number">
            {view.caseNo}
          </span>
        </p>
      )}
      <p className="case-meta">
        <span className="case-matter" data-testid="case-matter">
          {view?.matterName ?? state.matterName}
        </span>
        {view && (
          <span className={`case-state-badge state-${view.state}`} data-testid="case-state" data-state={view.state}>
            {t(`boothDocs.call.states.${view.state}`)}
          </span>
        )}
      </p>
    </header>
  );
}

function IdCardStep({ flow, state }: CasePanelProps) {
  const { t } = useTranslation();
  const step = state.step;
  return (
    <section className={`idcard-step idcard-${step.kind}`} data-testid="idcard-step" data-state={step.kind} aria-live="polite">
      <div className="idcard-figure" aria-hidden="true">
        <span className="idcard-card" />
        <span className="idcard-reader" />
      </div>
      <div className="idcard-body">
        <h2 className="idcard-title">{t('boothDocs.call.idCard.title')}</h2>
        {step.kind === 'reading-card' && (
          <>
            <p className="idcard-status" role="status">
              <span className="banner-spinner" aria-hidden="true" />
              {t('boothDocs.call.idCard.reading')}
            </p>
            <p className="idcard-where">{t('boothDocs.call.idCard.where')}</p>
          </>
        )}
        {step.kind === 'creating' && (
          <p className="idcard-status" role="status">
            <span className="banner-spinner" aria-hidden="true" />
            {t('boothDocs.call.idCard.creating')}
          </p>
        )}
        {step.kind === 'card-error' && (
          <>
            <div className="message message-error" role="alert" data-testid="idcard-error" data-reason={step.reason}>
              <strong>{t('boothDocs.call.idCard.failedTitle')}</strong>
              <span>{t(`boothDocs.call.idCard.problems.${step.reason}`)}</span>
            </div>
            <button type="button" className="btn btn-primary btn-step" data-testid="idcard-retry" onClick={() => flow.retryOpen()}>
              {t('boothDocs.call.idCard.retry')}
            </button>
          </>
        )}
        {step.kind === 'create-error' && (
          <>
            <div className="message message-error" role="alert" data-testid="case-error">
              <strong>{t('boothDocs.call.createFailed')}</strong>
              <span>{t(step.error)}</span>
              <span>{t('boothDocs.call.createNext')}</span>
            </div>
            <button type="button" className="btn btn-primary btn-step" data-testid="case-retry" onClick={() => flow.retryOpen()}>
              {t('boothDocs.call.retry')}
            </button>
          </>
        )}
      </div>
    </section>
  );
}

interface MaterialRowProps {
  material: CaseMaterial;
  canAttach: boolean;
  busy: boolean;
  onCapture(): void;
}

function MaterialRow({ material: m, canAttach, busy, onCapture }: MaterialRowProps) {
  const { t } = useTranslation();
  const needsAction = m.verdict === 'rescan' || m.verdict === 'missing';
  const showButton = canAttach && m.verdict !== 'accepted';
  const note = m.verdict === 'accepted' ? t('boothDocs.call.acceptedNote') : m.verdict === 'committed' ? t('boothDocs.call.committedNote') : t('boothDocs.call.closedNote');
  return (
    <li className={`material-row verdict-${m.verdict}`} data-testid="material-row" data-material-id={m.materialId} data-verdict={m.verdict}>
      <div className="material-row-head">
        <div className="material-row-text">
          <span className="material-row-name">{m.name}</span>
          <span className="material-row-form">
            {t('boothDocs.call.materialCount', { form: t(`boothDocs.call.forms.${m.form}`), count: m.count })}
            {m.files.length > 0 && <span className="material-row-files"> · {m.files.length} ✓</span>}
          </span>
        </div>
        <span className={`verdict-badge verdict-badge-${m.verdict}`} data-testid="verdict-badge">
          {t(`boothDocs.call.verdicts.${m.verdict}`)}
        </span>
      </div>
      {needsAction && m.reason && (
        <p className="material-reason" data-testid="material-reason">
          <span className="material-reason-label">{t('boothDocs.call.reasonLabel')}</span>
          {m.reason}
        </p>
      )}
      {needsAction && showButton && <p className="material-next">{t('boothDocs.call.rescanNext')}</p>}
      {showButton ? (
        <button type="button" className="btn btn-primary btn-capture" data-testid={`capture-button-${m.materialId}`} disabled={busy} onClick={onCapture}>
          <span className="capture-icon" aria-hidden="true" />
          {t('boothDocs.call.capture')}
        </button>
      ) : (
        <p className="material-note">{note}</p>
      )}
    </li>
  );
}

/** A still with the agent's marks (SVG over the image, in the image's own pixels) and its pointer. */
function MarkedImage({
  still,
  annotations,
  pointer,
  highlight,
}: {
  still: Still;
  annotations: Annotation[];
  pointer?: { x: number; y: number };
  highlight?: { x: number; y: number; w: number; h: number };
}) {
  const { t } = useTranslation();
  const [size, setSize] = useState<{ w: number; h: number }>({ w: 1000, h: 1000 });
  const { w: W, h: H } = size;
  const pct = (v: number) => `${Math.max(0, Math.min(1, v)) * 100}%`;
  const labels = annotations.filter((a) => a.text);
  return (
    <div className="doc-figure">
      <img
        src={still.url}
        alt=""
        draggable={false}
        onLoad={(e) => {
          const img = e.currentTarget;
          if (img.naturalWidth && img.naturalHeight) setSize({ w: img.naturalWidth, h: img.naturalHeight });
        }}
      />
      <svg className="doc-marks" viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" aria-hidden="true">
        {highlight && (
          <rect
            className="doc-highlight"
            data-testid="guide-highlight-rect"
            x={highlight.x * W}
            y={highlight.y * H}
            width={Math.max(1, highlight.w * W)}
            height={Math.max(1, highlight.h * H)}
            vectorEffect="non-scaling-stroke"
          />
        )}
        {annotations.map((a) => {
          if (a.kind === 'box') {
            const x = Math.min(a.x, a.x + a.w) * W;
            const y = Math.min(a.y, a.y + a.h) * H;
            return (
              <g key={a.id} data-testid="annotation-mark" data-kind="box" className="mark mark-box">
                <rect x={x} y={y} width={Math.max(1, Math.abs(a.w) * W)} height={Math.max(1, Math.abs(a.h) * H)} vectorEffect="non-scaling-stroke" />
              </g>
            );
          }
          if (a.kind === 'arrow') {
            const x1 = a.x * W;
            const y1 = a.y * H;
            const x2 = (a.x + a.w) * W;
            const y2 = (a.y + a.h) * H;
            const len = Math.hypot(x2 - x1, y2 - y1) || 1;
            const ux = (x2 - x1) / len;
            const uy = (y2 - y1) / len;
            const s = Math.max(W, H) * 0.035;
            const head = `${x2},${y2} ${x2 - s * ux - s * 0.55 * uy},${y2 - s * uy + s * 0.55 * ux} ${x2 - s * ux + s * 0.55 * uy},${y2 - s * uy - s * 0.55 * ux}`;
            return (
              <g key={a.id} data-testid="annotation-mark" data-kind="arrow" className="mark mark-arrow">
                <line x1={x1} y1={y1} x2={x2 - s * 0.6 * ux} y2={y2 - s * 0.6 * uy} vectorEffect="non-scaling-stroke" />
                <polygon points={head} />
              </g>
            );
          }
          // A text mark: its anchor in the SVG (the words are in the label over it, sized for reading).
          return (
            <g key={a.id} data-testid="annotation-mark" data-kind="text" className="mark mark-text-anchor">
              <title>{a.text ?? ''}</title>
              <circle cx={a.x * W} cy={a.y * H} r={Math.max(W, H) * 0.008} />
            </g>
          );
        })}
      </svg>
      {labels.map((a) => (
        <span
          key={`${a.id}-label`}
          className={a.kind === 'text' ? 'mark-label mark-text' : 'mark-label'}
          style={
            a.kind === 'box'
              ? { left: pct(Math.min(a.x, a.x + a.w)), top: pct(Math.max(a.y, a.y + a.h)) }
              : { left: pct(a.x), top: pct(a.y) }
          }
        >
          {a.text}
        </span>
      ))}
      {pointer && (
        <span className="doc-pointer" data-testid="annotation-pointer" role="img" aria-label={t('boothDocs.call.docView.pointer')} style={{ left: pct(pointer.x), top: pct(pointer.y) }} />
      )}
    </div>
  );
}

function DocumentView({
  still,
  name,
  annotations,
  pointer,
  autoScroll,
  onClose,
}: {
  still: Still;
  name: string;
  annotations: Annotation[];
  pointer?: { x: number; y: number };
  autoScroll: boolean;
  onClose(): void;
}) {
  const { t } = useTranslation();
  const marked = annotations.length > 0 || pointer !== undefined;
  const ref = useScrollIntoView<HTMLElement>(autoScroll, `${still.sha256}:${annotations.length}:${marked}`);
  return (
    <section ref={ref} className={`annotation-view${marked ? ' marked' : ''}`} data-testid="annotation-view" data-sha256={still.sha256} data-marks={annotations.length} aria-live="polite">
      <div className="card-head">
        <p className="card-title">{marked ? t('boothDocs.call.docView.marked') : t('boothDocs.call.docView.uploaded', { name })}</p>
        <button type="button" className="btn btn-secondary btn-card-close" data-testid="annotation-close" onClick={onClose}>
          {t('boothDocs.call.docView.close')}
        </button>
      </div>
      {marked && name && <p className="card-sub">{name}</p>}
      {still.url ? <MarkedImage still={still} annotations={annotations} pointer={pointer} /> : <p className="card-text">{t('boothDocs.call.docView.pdf')}</p>}
      {/* The marks' words also as plain text (read out by screen readers, and legible when the image is small). */}
      {annotations.some((a) => a.text) && (
        <ul className="mark-texts">
          {annotations
            .filter((a) => a.text)
            .map((a) => (
              <li key={a.id}>{a.text}</li>
            ))}
        </ul>
      )}
    </section>
  );
}

function GuideCard({ guide, stills, autoScroll, onClose }: { guide: GuideView; stills: CaseFlowState['stills']; autoScroll: boolean; onClose(): void }) {
  const { t } = useTranslation();
  const still = guide.kind === 'highlight' ? stills[guide.fileSha256] : undefined;
  const ref = useScrollIntoView<HTMLElement>(autoScroll, guide);
  return (
    <section ref={ref} className={`guide-card guide-${guide.kind}`} data-testid="guide-item" data-kind={guide.kind} role="status">
      <div className="card-head">
        <p className="card-title">{t('boothDocs.call.guide.title')}</p>
        <button type="button" className="btn btn-secondary btn-card-close" data-testid="guide-close" onClick={onClose}>
          {t('boothDocs.call.guide.close')}
        </button>
      </div>
      {guide.kind === 'step' && (
        <>
          <p className="guide-step-title" data-testid="guide-title">
            {guide.title}
          </p>
          <p className="card-text" data-testid="guide-text">
            {guide.text}
          </p>
        </>
      )}
      {guide.kind === 'sample' && (
        <>
          <p className="guide-step-title">{t('boothDocs.call.guide.sample', { name: guide.name })}</p>
          {guide.hint && <p className="card-text">{guide.hint}</p>}
        </>
      )}
      {guide.kind === 'highlight' && (
        <>
          <p className="guide-step-title">{guide.text || t('boothDocs.call.guide.highlight')}</p>
          {still?.url ? (
            <div className="guide-highlight" data-testid="guide-highlight" data-sha256={guide.fileSha256}>
              <MarkedImage still={still} annotations={[]} highlight={guide} />
            </div>
          ) : (
            <p className="card-text">{t('boothDocs.call.guide.noImage')}</p>
          )}
        </>
      )}
    </section>
  );
}

/** Brings the element into view (within the panel) whenever `key` changes. */
function useScrollIntoView<E extends HTMLElement>(enabled: boolean, key: unknown) {
  const ref = useRef<E>(null);
  useEffect(() => {
    if (enabled) ref.current?.scrollIntoView({ block: 'nearest' });
  }, [key]); // eslint-disable-line react-hooks/exhaustive-deps -- only when the content changes
  return ref;
}

/** Whether the call screen needs the side panel: a matter call (the case), or a guide pushed in a consultation. */
export function needsCasePanel(state: CaseFlowState | undefined): boolean {
  return state !== undefined && (state.withCase || state.guide !== undefined);
}

