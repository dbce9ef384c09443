/**
 * 受理回执 at the booth: once the case is accepted (or accepted with documents
 * to follow) the resident signs the receipt on the touch screen; the signed
 * receipt is printed and the case number shown in very large digits to note
 * (progress can be looked up later at any booth). The steps themselves live
 * in CaseFlow; this is only their screen.
 */
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CaseFlow, CaseFlowState } from './case-flow';
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

export function SignStep({ flow, state, caseNo, matterName }: SignStepProps) {
  const { t } = useTranslation();
  const pad = useRef<SignaturePadHandle>(null);
  const section = useRef<HTMLElement>(null);
  const [empty, setEmpty] = useState(true);
  const { sign, print } = state;
  const signed = sign.status === 'signed';
  const submitting = sign.status === 'submitting';
  const canSubmit = (sign.status === 'ready' || sign.status === 'submit-error') && !empty;

  // The step appears in the middle of the call: bring it (and the whole pad) into view.
  useEffect(() => {
    section.current?.scrollIntoView({ block: 'nearest', behavior: 'auto' });
  }, [signed]);

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
    await flow.submitSignature(png);
  };

  const printState = print?.state ?? 'printing';

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
          <SignaturePad
            ref={pad}
            height={240}
            data-testid="signature-pad"
            label={t('boothDocs.call.sign.padLabel')}
            onChange={(isEmpty) => setEmpty(isEmpty)}
          />
          {sign.status === 'loading' && (
            <p className="sign-status" role="status">
              <span className="banner-spinner" aria-hidden="true" />
              {t('boothDocs.call.sign.loading')}
            </p>
          )}
          {sign.status === 'load-error' && (
            <div className="message message-error sign-error" role="alert" data-testid="sign-error">
              <strong>{t('boothDocs.call.sign.loadFailed')}</strong>
              <span>{t(sign.error)}</span>
              <button type="button" className="btn btn-primary" data-testid="sign-retry" onClick={() => flow.retryReceipt()}>
                {t('boothDocs.call.retry')}
              </button>
            </div>
          )}
          {sign.status === 'submit-error' && (
            <p className="message message-error sign-error" role="alert" data-testid="sign-error">
              <strong>{t('boothDocs.call.sign.submitFailed')}</strong>
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
              {t('boothDocs.call.sign.clear')}
            </button>
            <button type="button" className="btn btn-primary" data-testid="sign-submit" disabled={!canSubmit || submitting} aria-busy={submitting || undefined} onClick={() => void submit()}>
              {submitting ? t('boothDocs.call.sign.submitting') : t('boothDocs.call.sign.submit')}
            </button>
          </div>
          {empty && !submitting && <p className="sign-next">{t('boothDocs.call.sign.emptyHint')}</p>}
        </>
      ) : (
        <>
          <h2 id="sign-step-title" className="sign-title sign-done-title">
            <span className="sign-done-mark" aria-hidden="true">
              ✓
            </span>
            {t('boothDocs.call.sign.accepted')}
          </h2>
          <div
            className={`print-status print-${printState}`}
            data-testid="print-status"
            data-state={printState}
            role={printState === 'failed' ? 'alert' : 'status'}
          >
            {printState === 'printing' && (
              <p className="print-line">
                <span className="banner-spinner" aria-hidden="true" />
                {t('boothDocs.call.print.printing')}
              </p>
            )}
            {printState === 'printed' && <p className="print-line print-done">{t('boothDocs.call.print.printed')}</p>}
            {print?.state === 'failed' && (
              <>
                <p className="print-line">
                  <strong>{t('boothDocs.call.print.failedTitle')}</strong>
                </p>
                <p className="print-problem">{t(`boothDocs.call.print.problems.${print.reason}`)}</p>
                <button type="button" className="btn btn-primary" data-testid="print-retry" onClick={() => flow.retryPrint()}>
                  {t('boothDocs.call.print.retry')}
                </button>
              </>
            )}
          </div>
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
