/**
 * What the resident signs and takes home at the booth, as screens over the
 * steps in CaseFlow:
 *
 * - 告知承诺书 (CommitmentStep): when the agent lets a signed commitment
 *   replace a certificate, the resident reads the whole letter in large type,
 *   signs it on the touch screen, and the signed letter is printed to keep;
 *   the agent can accept the case (受理) only after that.
 * - 受理回执 (SignStep): once the case is accepted (or accepted with
 *   documents to follow) the resident signs the receipt; the signed receipt
 *   is printed and the case number shown in very large digits to note
 *   (progress can be looked up later at any booth).
 *
 * Both use the same pad block (SignPad) and print status (PrintStatus); only
 * one of them has a pad on screen at a time (the commitment comes before 受理,
 * the receipt after it).
 */
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CaseView } from '@xiaowu/shared';
import type { CaseFlow, CaseFlowState, PrintDoc, PrintState, SignPurpose, SignState } from './case-flow';
import { SignaturePad, type SignaturePadHandle } from './SignaturePad';

interface SignStepProps {
  flow: CaseFlow;
  state: CaseFlowState;
  caseNo: string;
  matterName: string;
}

/** 2026112511010500042 → 20261125 110105 00042 (date, district, number): easier to copy down. */
export function BigCaseNumber({ caseNo, testId }: { caseNo: string; testId: string }) {
  const groups = caseNo.length === 19 ? [caseNo.slice(0, 8), caseNo.slice(8, 14), caseNo.slice(14)] : [caseNo];
  return (
    <p className="big-case-number" data-testid={testId} aria-label={caseNo}>
      {groups.map((g, i) => (
        <span key={i} className="big-case-group">
          {g}
        </span>
      ))}
    </p>
  );
}

/** The server refuses images under 200 px a side (unreadable scans): a short signature gets a transparent margin. */
const MIN_PNG_SIDE = 240;

async function atLeastMinSize(png: Blob): Promise<Blob> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(png);
  } catch {
    return png;
  }
  try {
    if (bitmap.width >= MIN_PNG_SIDE && bitmap.height >= MIN_PNG_SIDE) return png;
    const canvas = document.createElement('canvas');
    canvas.width = Math.max(MIN_PNG_SIDE, bitmap.width);
    canvas.height = Math.max(MIN_PNG_SIDE, bitmap.height);
    const ctx = canvas.getContext('2d');
    if (!ctx) return png;
    ctx.drawImage(bitmap, Math.floor((canvas.width - bitmap.width) / 2), Math.floor((canvas.height - bitmap.height) / 2));
    return await new Promise<Blob>((resolve) => canvas.toBlob((b) => resolve(b ?? png), 'image/png'));
  } finally {
    bitmap.close();
  }
}

/** Where the texts of each signing step live (the same sub-keys: loading, padLabel, clear, submit…). */
const SIGN_TEXTS = { receipt: 'sign', commitment: 'commitment' } as const satisfies Record<SignPurpose, string>;
/** Where the texts of each print status live (the same sub-keys: printing, printed, failedTitle, problems, retry). */
const PRINT_TEXTS = { receipt: 'print', commitment: 'commitmentPrint', rejection: 'rejectionPrint' } as const satisfies Record<PrintDoc, string>;
/** Test ids of each print status and its retry button (the receipt's are the original ones). */
const PRINT_IDS: Record<PrintDoc, { status: string; retry: string }> = {
  receipt: { status: 'print-status', retry: 'print-retry' },
  commitment: { status: 'commitment-print-status', retry: 'commitment-print-retry' },
  rejection: { status: 'rejection-print-status', retry: 'rejection-print-retry' },
};

/**
 * The pad with 重签 / 确认签名, and the document's loading / error states below
 * it (nothing above the pad moves while the resident signs).
 */
function SignPad({ flow, purpose, sign, height = 240 }: { flow: CaseFlow; purpose: SignPurpose; sign: SignState; height?: number }) {
  const { t } = useTranslation();
  const pad = useRef<SignaturePadHandle>(null);
  const [empty, setEmpty] = useState(true);
  const k = SIGN_TEXTS[purpose];
  const submitting = sign.status === 'submitting';
  const canSubmit = (sign.status === 'ready' || sign.status === 'submit-error') && !empty;

  const submit = async () => {
    const p = pad.current;
    if (!p || p.isEmpty()) {
      setEmpty(true);
      return;
    }
    let png: Blob;
    try {
      png = await atLeastMinSize(await p.toPng());
    } catch {
      setEmpty(true);
      return;
    }
    await flow.submitSignature(purpose, png);
  };

  return (
    <>
      <SignaturePad ref={pad} height={height} data-testid="signature-pad" label={t(`boothDocs.call.${k}.padLabel`)} onChange={(isEmpty) => setEmpty(isEmpty)} />
      {sign.status === 'loading' && (
        <p className="sign-status" role="status">
          <span className="banner-spinner" aria-hidden="true" />
          {t(`boothDocs.call.${k}.loading`)}
        </p>
      )}
      {sign.status === 'load-error' && (
        <div className="message message-error sign-error" role="alert" data-testid="sign-error">
          <strong>{t(`boothDocs.call.${k}.loadFailed`)}</strong>
          <span>{t(sign.error)}</span>
          <button type="button" className="btn btn-primary" data-testid="sign-retry" onClick={() => flow.retryDocument(purpose)}>
            {t('boothDocs.call.retry')}
          </button>
        </div>
      )}
      {sign.status === 'submit-error' && (
        <p className="message message-error sign-error" role="alert" data-testid="sign-error">
          <strong>{t(`boothDocs.call.${k}.submitFailed`)}</strong>
          <span>{t(sign.error)}</span>
        </p>
      )}
      <div className="sign-actions">
        <button
          type="button"
          className="btn btn-secondary"
          data-testid="sign-clear"
          disabled={submitting}
          onClick={() => {
            pad.current?.clear();
            setEmpty(true);
          }}
        >
          {t(`boothDocs.call.${k}.clear`)}
        </button>
        <button type="button" className="btn btn-primary" data-testid="sign-submit" disabled={!canSubmit || submitting} aria-busy={submitting || undefined} onClick={() => void submit()}>
          {submitting ? t(`boothDocs.call.${k}.submitting`) : t(`boothDocs.call.${k}.submit`)}
        </button>
      </div>
      {empty && !submitting && <p className="sign-next">{t(`boothDocs.call.${k}.emptyHint`)}</p>}
    </>
  );
}

/** Printing a document for the resident: in progress, done (take it), or failed with the reason and 「重新打印」. */
export function PrintStatus({ flow, doc, print }: { flow: CaseFlow; doc: PrintDoc; print: PrintState | undefined }) {
  const { t } = useTranslation();
  const k = PRINT_TEXTS[doc];
  const state = print?.state ?? 'printing';
  return (
    <div className={`print-status print-${state}`} data-testid={PRINT_IDS[doc].status} data-state={state} role={state === 'failed' ? 'alert' : 'status'}>
      {state === 'printing' && (
        <p className="print-line">
          <span className="banner-spinner" aria-hidden="true" />
          {t(`boothDocs.call.${k}.printing`)}
        </p>
      )}
      {state === 'printed' && <p className="print-line print-done">{t(`boothDocs.call.${k}.printed`)}</p>}
      {print?.state === 'failed' && (
        <>
          <p className="print-line">
            <strong>{t(`boothDocs.call.${k}.failedTitle`)}</strong>
          </p>
          <p className="print-problem">{t(`boothDocs.call.${k}.problems.${print.reason}`)}</p>
          <button type="button" className="btn btn-primary" data-testid={PRINT_IDS[doc].retry} onClick={() => flow.retryPrint(doc)}>
            {t(`boothDocs.call.${k}.retry`)}
          </button>
        </>
      )}
    </div>
  );
}

/** 受理回执: sign, then the printed receipt and the case number to note. */
export function SignStep({ flow, state, caseNo, matterName }: SignStepProps) {
  const { t } = useTranslation();
  const section = useRef<HTMLElement>(null);
  const sign = state.sign.receipt;
  const signed = sign.status === 'signed';

  // The step appears in the middle of the call: bring it (and the whole pad) into view.
  useEffect(() => {
    section.current?.scrollIntoView({ block: 'nearest', behavior: 'auto' });
  }, [signed]);

  return (
    <section ref={section} className={`sign-step sign-${sign.status}`} data-testid="sign-panel" data-state={sign.status} aria-labelledby="sign-step-title">
      {!signed ? (
        <>
          <h2 id="sign-step-title" className="sign-title">
            {t('boothDocs.call.sign.title')}
          </h2>
          <div className="sign-summary">
            <span className="sign-summary-label">{t('boothDocs.call.caseNumber')}</span>
            <BigCaseNumber caseNo={caseNo} testId="sign-case-number" />
            <span className="sign-summary-matter">{t('boothDocs.call.matter', { name: matterName })}</span>
          </div>
          {/* Statuses and errors go below the pad: nothing above it moves while the resident signs. */}
          <SignPad flow={flow} purpose="receipt" sign={sign} />
        </>
      ) : (
        <>
          <h2 id="sign-step-title" className="sign-title sign-done-title">
            <span className="sign-done-mark" aria-hidden="true">
              ✓
            </span>
            {t('boothDocs.call.sign.accepted')}
          </h2>
          <PrintStatus flow={flow} doc="receipt" print={state.print.receipt} />
          <div className="sign-summary sign-summary-done">
            <span className="sign-summary-label">{t('boothDocs.call.caseNumber')}</span>
            <BigCaseNumber caseNo={caseNo} testId="sign-case-number" />
            <span className="sign-next">{t('boothDocs.call.sign.noteNumber')}</span>
          </div>
        </>
      )}
    </section>
  );
}

/**
 * 告知承诺书: the whole letter the resident commits to, in large type and
 * scrollable, the materials it stands in for, the pad; once signed, the
 * printed copy and 「请等待工作人员受理」.
 */
export function CommitmentStep({ flow, state, view }: { flow: CaseFlow; state: CaseFlowState; view: CaseView }) {
  const { t } = useTranslation();
  const section = useRef<HTMLElement>(null);
  const sign = state.sign.commitment;
  const signed = sign.status === 'signed';
  const commitment = view.commitment;
  const names = (commitment?.materialIds ?? []).map((id) => view.materials.find((m) => m.materialId === id)?.name ?? id);
  const waiting = view.state === 'draft' || view.state === 'submitted' || view.state === 'under_review';

  useEffect(() => {
    section.current?.scrollIntoView({ block: 'nearest', behavior: 'auto' });
  }, [signed]);

  return (
    <section
      ref={section}
      className={`sign-step commitment-step sign-${sign.status}`}
      data-testid="commitment-panel"
      data-state={sign.status}
      aria-labelledby="commitment-step-title"
    >
      {!signed ? (
        <>
          <h2 id="commitment-step-title" className="sign-title">
            {t('boothDocs.call.commitment.title')}
          </h2>
          <p className="commitment-intro">{t('boothDocs.call.commitment.intro', { names: names.join('、') })}</p>
          {/* The letter scrolls inside its frame: title, letter, pad and buttons all fit on the kiosk screen at once. */}
          <div className="commitment-letter" tabIndex={0} role="region" aria-label={t('boothDocs.call.commitment.letterLabel')}>
            <p className="commitment-text" data-testid="commitment-text" lang="zh-CN">
              {commitment?.text ?? ''}
            </p>
          </div>
          {/* Statuses and errors go below the pad: nothing above it moves while the resident signs. */}
          <SignPad flow={flow} purpose="commitment" sign={sign} height={200} />
        </>
      ) : (
        <>
          <h2 id="commitment-step-title" className="sign-title sign-done-title">
            <span className="sign-done-mark" aria-hidden="true">
              ✓
            </span>
            {t('boothDocs.call.commitment.signed')}
          </h2>
          <PrintStatus flow={flow} doc="commitment" print={state.print.commitment} />
          {waiting && <p className="sign-next commitment-next">{t('boothDocs.call.commitment.waitAccept')}</p>}
        </>
      )}
    </section>
  );
}
