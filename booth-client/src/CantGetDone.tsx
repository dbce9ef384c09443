/**
 * 「办不成事」反映窗口 at the booth: a button in the top bar of every screen
 * opens a short form in a modal dialog — what could not be done (typed, or a
 * common matter tapped), why (reason chips and / or typed text) and an
 * optional phone number — sent as POST /api/cant-get-done with the booth's
 * token. It is a dialog over whatever is on screen: a call goes on under it.
 *
 * The reason chips are sent in Chinese whatever the screen language (like the
 * rating reasons), so the supervisors' follow-up list reads alike; what the
 * resident typed or tapped into 「什么事」 is sent as shown.
 *
 * An agent answering (the call starts) closes the dialog so the resident sees
 * the agent at once; what was typed stays as a draft in memory (reopening
 * restores it) until the booth goes home or resets for the next resident.
 *
 * No QR code for reporting by phone: the booth knows no public address for a
 * phone form (PUBLIC_URL stays on the server and only comes back inside
 * server-made links), and there is no such page yet.
 */
import { useEffect, useId, useRef, useState, type MutableRefObject } from 'react';
import { useTranslation } from 'react-i18next';
import { errorKey, type MessageKey } from '@xiaowu/shared/i18n';
import { CGD_CONTACT_MAX, CGD_WHAT_MAX, CGD_WHY_MAX, reportCantGetDone } from './cant-get-done-api';
import { useDisplayModes } from './access';
import { ELDERLY_TIMEOUT_SCALE } from './display-modes';

const WHAT_CHIPS = ['social', 'medical', 'household', 'other'] as const;
const REASONS = ['tooMany', 'manyTrips', 'whereToGo', 'system', 'other'] as const;
type Reason = (typeof REASONS)[number];

/** Untouched this long, the form closes and forgets what was typed (the next resident must not see it). */
const FORM_IDLE_MS = 180_000;
/** The confirmation closes by itself after this long. */
const DONE_CLOSE_MS = 20_000;

/** A phone number as typed: digits, '+', '-' and spaces, at most 20. */
export function contactOnly(text: string): string {
  return text.replace(/[^\d+\- ]/g, '').slice(0, CGD_CONTACT_MAX);
}

interface CantGetDoneProps {
  getToken(): string;
  /** The resident is busy with the form (e.g. keeps the end screen from going home under it). */
  onActivity?(): void;
}

/** What was typed, kept while the dialog is closed by a call starting. */
export interface CantGetDoneDraft {
  what: string;
  reasons: Reason[];
  why: string;
  contact: string;
}

function isEmptyDraft(d: CantGetDoneDraft | undefined): boolean {
  return !d || (!d.what.trim() && d.reasons.length === 0 && !d.why.trim() && !d.contact.trim());
}

type CallPhase = 'idle' | 'waiting' | 'in-call' | 'ended';

interface CantGetDoneButtonProps extends CantGetDoneProps {
  /** The booth's call phase: an agent answering closes the dialog (keeping a draft); going home forgets the draft. */
  phase?: CallPhase;
  /** Changes when the booth resets for the next resident (the draft is forgotten). */
  resetKey?: unknown;
}

/** The top-bar button, and the dialog while it is open. */
export function CantGetDoneButton({ getToken, onActivity, phase, resetKey }: CantGetDoneButtonProps) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  /** Kept in memory only: the form writes into it as the resident types. */
  const draft = useRef<CantGetDoneDraft | undefined>(undefined);
  /** The form was closed by the call starting: reopening says the draft is still there. */
  const [kept, setKept] = useState(false);

  // An agent answered: the resident must see them at once; what was typed stays for later.
  const lastPhase = useRef(phase);
  useEffect(() => {
    const prev = lastPhase.current;
    lastPhase.current = phase;
    if (prev === phase) return;
    if (phase === 'in-call' && open) {
      if (isEmptyDraft(draft.current)) draft.current = undefined;
      else setKept(true);
      setOpen(false);
    }
    // Home after a call (or waiting given up): the next resident starts with an empty form.
    if (phase === 'idle' && prev !== undefined && !open) forget();
  }, [phase]);

  // The booth reset itself for the next resident.
  const firstReset = useRef(true);
  useEffect(() => {
    if (firstReset.current) {
      firstReset.current = false;
      return;
    }
    if (!open) forget();
  }, [resetKey]);

  function forget() {
    draft.current = undefined;
    setKept(false);
  }

  /** 取消, sent, or left alone: the draft goes too. */
  const close = () => {
    forget();
    setOpen(false);
  };

  return (
    <>
      <button
        type="button"
        className="cgd-open"
        data-testid="cgd-open"
        data-draft={kept || undefined}
        aria-haspopup="dialog"
        onClick={() => setOpen(true)}
      >
        <svg className="cgd-open-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
          <path d="M4 4h16v11H8l-4 4z" fill="none" stroke="currentColor" strokeWidth="2.4" strokeLinejoin="round" />
          <path d="M12 7.2v4" stroke="currentColor" strokeWidth="2.4" strokeLinecap="round" />
          <circle cx="12" cy="13.1" r="1.3" fill="currentColor" />
        </svg>
        {t('boothFeedback.cantGetDone.open')}
      </button>
      {open && <CantGetDoneDialog getToken={getToken} onActivity={onActivity} draft={draft} restored={kept} onClose={close} />}
    </>
  );
}

interface DialogProps extends CantGetDoneProps {
  /** Starts from it, and keeps it up to date. */
  draft: MutableRefObject<CantGetDoneDraft | undefined>;
  /** Reopened with the draft kept when a call started. */
  restored: boolean;
  onClose(): void;
}

function CantGetDoneDialog({ getToken, onActivity, draft, restored, onClose }: DialogProps) {
  const { t } = useTranslation();
  const display = useDisplayModes();
  const scale = display.elderly ? ELDERLY_TIMEOUT_SCALE : 1;
  const ref = useRef<HTMLDialogElement>(null);
  const id = useId();
  const [what, setWhat] = useState(() => draft.current?.what ?? '');
  const [reasons, setReasons] = useState<Reason[]>(() => draft.current?.reasons ?? []);
  const [why, setWhy] = useState(() => draft.current?.why ?? '');
  const [contact, setContact] = useState(() => draft.current?.contact ?? '');
  const showRestored = restored && !isEmptyDraft(draft.current);
  const [sending, setSending] = useState(false);
  const [done, setDone] = useState<'contact' | 'plain'>();
  const [missing, setMissing] = useState<'what' | 'why'>();
  const [error, setError] = useState<MessageKey>();
  const abort = useRef<AbortController | undefined>(undefined);
  const latest = useRef({ onClose, onActivity });
  latest.current = { onClose, onActivity };

  // The draft follows the form (the dialog may be closed by a call starting at any moment).
  useEffect(() => {
    draft.current = { what, reasons, why, contact };
  }, [what, reasons, why, contact]);

  // Modal like the app's other dialogs: the rest of the screen is inert, focus goes back to the button.
  useEffect(() => {
    const dialog = ref.current;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (dialog && !dialog.open) dialog.showModal();
    return () => {
      abort.current?.abort();
      dialog?.close();
      if (opener?.isConnected && !opener.hasAttribute('disabled')) opener.focus();
    };
  }, []);

  // Left alone, the form closes (and forgets) by itself; the confirmation sooner.
  useEffect(() => {
    if (sending) return;
    const ms = (done ? DONE_CLOSE_MS : FORM_IDLE_MS) * scale;
    let timer = setTimeout(() => latest.current.onClose(), ms);
    const touch = () => {
      clearTimeout(timer);
      timer = setTimeout(() => latest.current.onClose(), ms);
      // After the event: a synchronous re-render inside the input event would reset the typed text (controlled input).
      setTimeout(() => latest.current.onActivity?.(), 0);
    };
    const events = ['pointerdown', 'keydown', 'input'] as const;
    for (const e of events) window.addEventListener(e, touch, { capture: true, passive: true });
    return () => {
      clearTimeout(timer);
      for (const e of events) window.removeEventListener(e, touch, { capture: true });
    };
  }, [done, sending, scale]);

  const toggle = (r: Reason) => {
    setMissing(undefined);
    setReasons((rs) => (rs.includes(r) ? rs.filter((x) => x !== r) : [...rs, r]));
  };

  const submit = async () => {
    if (sending || done) return;
    const whatText = what.trim().slice(0, CGD_WHAT_MAX);
    const whyText = [...REASONS.filter((r) => reasons.includes(r)).map((r) => t(`boothFeedback.cantGetDone.reasons.${r}`, { lng: 'zh-CN' })), why.trim()]
      .filter(Boolean)
      .join('；')
      .slice(0, CGD_WHY_MAX);
    if (!whatText || !whyText) {
      setMissing(!whatText ? 'what' : 'why');
      return;
    }
    const phone = contact.trim();
    setMissing(undefined);
    setError(undefined);
    setSending(true);
    abort.current?.abort();
    const ctl = new AbortController();
    abort.current = ctl;
    try {
      await reportCantGetDone(getToken(), { what: whatText, why: whyText, ...(phone ? { contact: phone } : {}) }, ctl.signal);
      if (!ctl.signal.aborted) {
        draft.current = undefined; // sent: nothing to keep
        setDone(phone ? 'contact' : 'plain');
      }
    } catch (err) {
      if (ctl.signal.aborted) return;
      console.warn('cant-get-done report failed', err);
      setError(errorKey(err));
    } finally {
      if (!ctl.signal.aborted) setSending(false);
    }
  };

  const titleId = `${id}-title`;
  const introId = `${id}-intro`;
  return (
    <dialog
      ref={ref}
      className="confirm cgd-dialog"
      role="dialog"
      aria-modal="true"
      aria-labelledby={titleId}
      aria-describedby={introId}
      data-testid="cgd-dialog"
      data-state={done ? 'done' : sending ? 'sending' : 'form'}
      onCancel={(e) => {
        e.preventDefault(); // Esc: close like 「取消」 (React then removes the dialog)
        onClose();
      }}
    >
      {/* Focus on the title, not a field: a field would bring up the on-screen keyboard at once. */}
      <h2 id={titleId} tabIndex={-1} autoFocus={!done}>
        {t('boothFeedback.cantGetDone.title')}
      </h2>
      {done ? (
        <div className="cgd-done">
          <p className="cgd-done-text" role="status" id={introId} data-testid="cgd-done">
            <span className="cgd-done-mark" aria-hidden="true">
              ✓
            </span>
            {done === 'contact' ? t('boothFeedback.cantGetDone.done') : t('boothFeedback.cantGetDone.doneNoContact')}
          </p>
          <div className="confirm-actions">
            <button type="button" className="btn btn-primary btn-large" data-testid="cgd-close" autoFocus onClick={onClose}>
              {t('boothFeedback.cantGetDone.close')}
            </button>
          </div>
        </div>
      ) : (
        <form
          className="cgd-form"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
        >
          <p className="cgd-intro" id={introId}>
            {t('boothFeedback.cantGetDone.intro')}
          </p>
          {showRestored && (
            <p className="cgd-restored" role="status" data-testid="cgd-draft-kept">
              {t('boothFeedback.cantGetDone.draftKept')}
            </p>
          )}

          <div className="cgd-section">
            <label className="cgd-label" htmlFor={`${id}-what`}>
              {t('boothFeedback.cantGetDone.whatLabel')}
            </label>
            <div className="cgd-what-row">
              <input
                id={`${id}-what`}
                className="cgd-field"
                data-testid="cgd-what"
                type="text"
                autoComplete="off"
                maxLength={CGD_WHAT_MAX}
                value={what}
                placeholder={t('boothFeedback.cantGetDone.whatPlaceholder')}
                aria-invalid={missing === 'what'}
                aria-describedby={missing === 'what' ? `${id}-missing` : undefined}
                disabled={sending}
                onChange={(e) => {
                  setMissing(undefined);
                  setWhat(e.target.value.slice(0, CGD_WHAT_MAX));
                }}
              />
              <div className="cgd-chips" role="group" aria-label={t('boothFeedback.cantGetDone.whatLabel')}>
                {WHAT_CHIPS.map((c) => {
                  const text = t(`boothFeedback.cantGetDone.whatChips.${c}`);
                  const on = what === text;
                  return (
                    <button
                      key={c}
                      type="button"
                      className={on ? 'rating-chip cgd-chip on' : 'rating-chip cgd-chip'}
                      data-testid="cgd-what-chip"
                      data-chip={c}
                      aria-pressed={on}
                      disabled={sending}
                      onClick={() => {
                        setMissing(undefined);
                        setWhat(on ? '' : text);
                      }}
                    >
                      {text}
                    </button>
                  );
                })}
              </div>
            </div>
          </div>

          <div className="cgd-section">
            <span className="cgd-label" id={`${id}-why-label`}>
              {t('boothFeedback.cantGetDone.whyLabel')}
            </span>
            <div className="cgd-chips" role="group" aria-labelledby={`${id}-why-label`}>
              {REASONS.map((r) => {
                const on = reasons.includes(r);
                return (
                  <button
                    key={r}
                    type="button"
                    className={on ? 'rating-chip cgd-chip on' : 'rating-chip cgd-chip'}
                    data-testid="cgd-reason"
                    data-reason={r}
                    aria-pressed={on}
                    disabled={sending}
                    onClick={() => toggle(r)}
                  >
                    <span className="chip-mark" aria-hidden="true">
                      {on ? '✓' : '+'}
                    </span>
                    {t(`boothFeedback.cantGetDone.reasons.${r}`)}
                  </button>
                );
              })}
            </div>
            <textarea
              className="cgd-field cgd-why"
              data-testid="cgd-why"
              rows={2}
              maxLength={CGD_WHY_MAX}
              value={why}
              placeholder={t('boothFeedback.cantGetDone.whyPlaceholder')}
              aria-labelledby={`${id}-why-label`}
              aria-invalid={missing === 'why'}
              aria-describedby={missing === 'why' ? `${id}-missing` : undefined}
              disabled={sending}
              onChange={(e) => {
                setMissing(undefined);
                setWhy(e.target.value.slice(0, CGD_WHY_MAX));
              }}
            />
          </div>

          <div className="cgd-section cgd-contact">
            <label className="cgd-label" htmlFor={`${id}-contact`}>
              {t('boothFeedback.cantGetDone.contactLabel')}
            </label>
            <input
              id={`${id}-contact`}
              className="cgd-field cgd-phone"
              data-testid="cgd-contact"
              type="tel"
              inputMode="tel"
              autoComplete="off"
              maxLength={CGD_CONTACT_MAX}
              value={contact}
              aria-describedby={`${id}-contact-hint`}
              disabled={sending}
              onChange={(e) => setContact(contactOnly(e.target.value))}
            />
            <span className="cgd-hint" id={`${id}-contact-hint`}>
              {t('boothFeedback.cantGetDone.contactHint')}
            </span>
          </div>

          {missing && (
            <p className="message message-error" role="alert" id={`${id}-missing`} data-testid="cgd-missing" data-field={missing}>
              {missing === 'what' ? t('boothFeedback.cantGetDone.needWhat') : t('boothFeedback.cantGetDone.needWhy')}
            </p>
          )}
          {error && (
            <p className="message message-error" role="alert" data-testid="cgd-error">
              {t(error)}
            </p>
          )}

          <div className="confirm-actions">
            <button type="button" className="btn btn-secondary btn-large" data-testid="cgd-cancel" onClick={onClose}>
              {t('boothFeedback.cantGetDone.cancel')}
            </button>
            <button type="submit" className="btn btn-primary btn-large" data-testid="cgd-submit" disabled={sending}>
              {sending ? t('boothFeedback.cantGetDone.submitting') : t('boothFeedback.cantGetDone.submit')}
            </button>
          </div>
        </form>
      )}
    </dialog>
  );
}
