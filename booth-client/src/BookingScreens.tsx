/**
 * Appointments (预约) at the booth: booking a time for a matter (from the
 * notice outside service hours, or from the waiting screen), the booking
 * confirmation with the 6-digit code, and 「我有预约」 — checking in with
 * that code at any booth to be served first.
 */
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AppError, ErrorCode, type Appointment, type AppointmentSlot } from '@xiaowu/shared';
import { errorKey, type MessageKey } from '@xiaowu/shared/i18n';
import { appointmentByCode, bookAppointment, checkInWindow, fetchSlots, CHECK_IN_EARLY_MS } from './booking-api';
import { beijingParts, clockText, dateText, dayText, rangeText, whenText } from './beijing-time';
import { useNow } from '@xiaowu/shared/ui';
import { useServiceHours } from './service-hours-ui';
import { BackIcon, CalendarIcon, PhoneIcon } from './icons';
import { Keypad, digitsOnly } from './Keypad';

const PHONE_RE = /^1\d{10}$/;
const CODE_LENGTH = 6;

function codeOf(err: unknown): string | undefined {
  return err instanceof AppError ? err.code : (err as { code?: string } | null)?.code;
}

// ── booking ──────────────────────────────────────────────────────────────────

export interface BookingProps {
  matter: { id: string; name: string };
  /** The booth's device token at the time of the request. */
  getToken(): string;
  onBack(): void;
  /** Booked: the caller shows the confirmation (and, from the waiting screen, leaves the queue). */
  onBooked(appointment: Appointment): void;
  /** Reached from the waiting screen: the resident is still queued until the booking succeeds. */
  stillWaiting?: boolean;
}

interface SlotDay {
  dayNumber: number;
  first: number;
  slots: AppointmentSlot[];
}

export function BookingScreen({ matter, getToken, onBack, onBooked, stillWaiting = false }: BookingProps) {
  const { t } = useTranslation();
  const now = useNow();
  const ids = useId();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const scrollRef = useRef<HTMLDivElement>(null);
  const phoneRef = useRef<HTMLInputElement>(null);
  const [slots, setSlots] = useState<AppointmentSlot[] | undefined>();
  const [loading, setLoading] = useState(true);
  const [loadError, setLoadError] = useState<MessageKey | undefined>();
  const [reloadKey, setReloadKey] = useState(0);
  const [selected, setSelected] = useState<number | undefined>();
  const [phone, setPhone] = useState('');
  const [phoneTried, setPhoneTried] = useState(false);
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<MessageKey | undefined>();
  const [activeDay, setActiveDay] = useState<number | undefined>();

  useEffect(() => headingRef.current?.focus(), []);

  useEffect(() => {
    const c = new AbortController();
    setLoading(true);
    setLoadError(undefined);
    fetchSlots(matter.id, getToken(), c.signal).then(
      (list) => {
        setSlots(list);
        setLoading(false);
      },
      (err) => {
        if (c.signal.aborted) return;
        console.error('appointment slots failed', err);
        setLoading(false);
        setLoadError(errorKey(err));
      },
    );
    return () => c.abort();
    // getToken is read at each load (a renewed token is picked up by the next one).
  }, [matter.id, reloadKey]);

  const days = useMemo<SlotDay[]>(() => {
    const byDay = new Map<number, SlotDay>();
    for (const s of slots ?? []) {
      const d = beijingParts(s.start).dayNumber;
      const day = byDay.get(d) ?? { dayNumber: d, first: s.start, slots: [] };
      day.slots.push(s);
      byDay.set(d, day);
    }
    return [...byDay.values()].sort((a, b) => a.first - b.first);
  }, [slots]);

  const left = (s: AppointmentSlot) => Math.max(0, s.capacity - s.booked);
  const bookable = (s: AppointmentSlot) => left(s) > 0 && s.start > now;
  const anyBookable = (slots ?? []).some(bookable);
  const chosen = slots?.find((s) => s.start === selected);
  // A chosen time that filled up or passed while the resident was looking is chosen no more.
  useEffect(() => {
    if (selected !== undefined && (!chosen || !bookable(chosen))) setSelected(undefined);
  });

  // The day chip of the section at the top of the list.
  useEffect(() => {
    const el = scrollRef.current;
    if (!el || days.length === 0) return;
    const update = () => {
      let current = days[0]!.dayNumber;
      for (const section of el.querySelectorAll<HTMLElement>('[data-day]')) {
        if (section.offsetTop - el.offsetTop <= el.scrollTop + 24) current = Number(section.dataset.day);
      }
      setActiveDay(current);
    };
    update();
    el.addEventListener('scroll', update, { passive: true });
    return () => el.removeEventListener('scroll', update);
  }, [days]);

  const jumpTo = (dayNumber: number) => {
    const el = scrollRef.current;
    const section = el?.querySelector<HTMLElement>(`[data-day="${dayNumber}"]`);
    if (el && section) el.scrollTo({ top: section.offsetTop - el.offsetTop, behavior: 'smooth' });
  };

  const phoneProblem = phone !== '' && !PHONE_RE.test(phone);
  const showPhoneProblem = phoneProblem && (phone.length >= 11 || phoneTried);

  const submit = async () => {
    if (chosen === undefined || submitting) return;
    if (phoneProblem) {
      setPhoneTried(true);
      phoneRef.current?.focus();
      return;
    }
    setSubmitting(true);
    setError(undefined);
    try {
      const a = await bookAppointment(getToken(), { matterId: matter.id, start: chosen.start, ...(phone ? { phone } : {}) });
      onBooked(a);
    } catch (err) {
      console.error('booking failed', err);
      if (codeOf(err) === ErrorCode.SlotUnavailable) {
        // Someone else took the last place (or it is no longer bookable): show the current figures.
        setError('booth.booking.slotTaken');
        setSelected(undefined);
        setReloadKey((k) => k + 1);
      } else {
        setError(errorKey(err));
      }
    } finally {
      setSubmitting(false);
    }
  };

  return (
    <main className="screen booking" data-testid="booking" aria-labelledby={`${ids}-title`}>
      <div className="flow-head booking-head">
        <button type="button" className="btn btn-secondary btn-back" data-testid="booking-back" onClick={onBack}>
          <BackIcon />
          {stillWaiting ? t('booth.booking.backToWaiting') : t('booth.booking.back')}
        </button>
        <div className="booking-heading">
          <h1 className="flow-title" id={`${ids}-title`} ref={headingRef} tabIndex={-1}>
            {t('booth.booking.title')}
          </h1>
          <p className="booking-matter" data-testid="booking-matter">
            {t('booth.booking.matter', { name: matter.name })}
          </p>
        </div>
        {stillWaiting && (
          <p className="booking-waiting" role="status" data-testid="booking-still-waiting">
            {t('booth.booking.stillWaiting')}
          </p>
        )}
      </div>

      <div className="booking-body">
        <section className="booking-slots" aria-labelledby={`${ids}-pick`}>
          <h2 className="section-title" id={`${ids}-pick`}>
            {t('booth.booking.pickSlot')}
          </h2>
          {error && (
            <div role="alert" className="message message-error" data-testid="booking-error" data-error={error}>
              <strong>{t('booth.booking.errorTitle')}</strong>
              <span>{t(error)}</span>
            </div>
          )}
          {loading && !slots ? (
            <p className="flow-status" role="status">
              <span className="pulse small" aria-hidden="true" />
              {t('booth.booking.loading')}
            </p>
          ) : loadError && !slots ? (
            <div className="message message-info" role="alert">
              <span>{t('booth.booking.loadFailed')}</span>
              <button type="button" className="btn btn-secondary" onClick={() => setReloadKey((k) => k + 1)}>
                {t('booth.booking.retry')}
              </button>
            </div>
          ) : days.length === 0 ? (
            <p className="message message-info" role="status" data-testid="booking-empty">
              {t('booth.booking.empty')}
            </p>
          ) : (
            <>
              {!anyBookable && (
                <p className="message message-info" role="status" data-testid="booking-full">
                  {t('booth.booking.allFull')}
                </p>
              )}
              <nav className="day-nav" aria-label={t('booth.booking.days')}>
                {days.map((d) => {
                  const diff = d.dayNumber - beijingParts(now).dayNumber;
                  const weekday = t(`booth.time.weekdays.${String(beijingParts(d.first).weekday) as '0'}`);
                  const free = d.slots.some(bookable);
                  return (
                    <button
                      key={d.dayNumber}
                      type="button"
                      className={d.dayNumber === activeDay ? 'day-chip active' : 'day-chip'}
                      aria-current={d.dayNumber === activeDay ? 'true' : undefined}
                      data-testid={`booking-day-${diff}`}
                      onClick={() => jumpTo(d.dayNumber)}
                    >
                      <span className="day-chip-day">
                        {diff === 0 ? t('booth.time.today') : diff === 1 ? t('booth.time.tomorrow') : dateText(t, d.first)}
                      </span>
                      <span className="day-chip-weekday">{weekday}</span>
                      {!free && <span className="day-chip-full">{t('booth.booking.slotFull')}</span>}
                    </button>
                  );
                })}
              </nav>
              <div className="slot-scroll" ref={scrollRef} tabIndex={-1} aria-busy={loading}>
                {days.map((d) => (
                  <section key={d.dayNumber} className="slot-day" data-day={d.dayNumber} aria-labelledby={`${ids}-day-${d.dayNumber}`}>
                    <h3 className="slot-day-title" id={`${ids}-day-${d.dayNumber}`}>
                      {dayText(t, d.first, now)}
                      <span className="slot-day-date">{dateText(t, d.first)}</span>
                    </h3>
                    <ul className="slot-grid">
                      {d.slots.map((s) => {
                        const n = left(s);
                        const ok = bookable(s);
                        const leftText = n > 0 ? t('booth.booking.slotLeft', { count: n }) : t('booth.booking.slotFull');
                        return (
                          <li key={s.start}>
                            <button
                              type="button"
                              className={s.start === selected ? 'slot-btn selected' : 'slot-btn'}
                              data-testid={`slot-${s.start}`}
                              data-left={n}
                              aria-pressed={s.start === selected}
                              aria-label={t('booth.booking.slotLabel', { when: rangeText(t, s.start, s.end, now), left: leftText })}
                              disabled={!ok || submitting}
                              onClick={() => {
                                setSelected(s.start);
                                setError(undefined);
                              }}
                            >
                              <span className="slot-time">{clockText(s.start)}</span>
                              <span className="slot-left">{leftText}</span>
                            </button>
                          </li>
                        );
                      })}
                    </ul>
                  </section>
                ))}
              </div>
            </>
          )}
        </section>

        <aside className="booking-side" aria-label={t('booth.booking.confirm')}>
          <p className={chosen ? 'booking-choice chosen' : 'booking-choice'} data-testid="booking-choice" aria-live="polite">
            {chosen ? t('booth.booking.selected', { when: rangeText(t, chosen.start, chosen.end, now) }) : t('booth.booking.noneSelected')}
          </p>
          <div className="phone-field">
            <label htmlFor={`${ids}-phone`} className="phone-label">
              {t('booth.booking.phoneTitle')}
            </label>
            <input
              id={`${ids}-phone`}
              ref={phoneRef}
              className="phone-input"
              data-testid="phone-input"
              type="text"
              inputMode="none"
              autoComplete="off"
              maxLength={13}
              placeholder={t('booth.booking.phonePlaceholder')}
              aria-describedby={showPhoneProblem ? `${ids}-phone-problem` : undefined}
              aria-invalid={showPhoneProblem || undefined}
              value={formatPhone(phone)}
              onChange={(e) => setPhone(digitsOnly(e.target.value, 11))}
            />
            {showPhoneProblem && (
              <span id={`${ids}-phone-problem`} className="phone-problem" role="alert" data-testid="phone-invalid">
                {t('booth.booking.phoneInvalid')}
              </span>
            )}
          </div>
          <Keypad
            controls={`${ids}-phone`}
            disabled={submitting}
            full={phone.length >= 11}
            onDigit={(d) => setPhone((p) => (p + d).slice(0, 11))}
            onBackspace={() => setPhone((p) => p.slice(0, -1))}
            onClear={() => {
              setPhone('');
              setPhoneTried(false);
            }}
          />
          <button
            type="button"
            className="btn btn-primary btn-large btn-confirm"
            data-testid="booking-confirm"
            disabled={chosen === undefined || submitting}
            aria-busy={submitting || undefined}
            onClick={() => void submit()}
          >
            <CalendarIcon />
            {submitting ? t('booth.booking.booking') : t('booth.booking.confirm')}
          </button>
        </aside>
      </div>
    </main>
  );
}

/** 138 0013 8000: easier to check than 11 digits in a row. */
function formatPhone(digits: string): string {
  return [digits.slice(0, 3), digits.slice(3, 7), digits.slice(7)].filter(Boolean).join(' ');
}

// ── booking confirmation ─────────────────────────────────────────────────────

export function BookingDoneScreen({ appointment, onDone }: { appointment: Appointment; onDone(): void }) {
  const { t } = useTranslation();
  const now = useNow();
  const headingRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => headingRef.current?.focus(), []);
  return (
    <main className="screen booking-done" data-testid="booking-done">
      <h1 className="screen-title done-title" ref={headingRef} tabIndex={-1}>
        <span className="done-mark small" aria-hidden="true">
          ✓
        </span>
        {t('booth.bookingDone.title')}
      </h1>
      <div className="done-body">
        <section className="code-card" aria-labelledby="appointment-code-label">
          <p className="code-label" id="appointment-code-label">
            {t('booth.bookingDone.codeLabel')}
          </p>
          <p className="code-value" data-testid="appointment-code" aria-label={appointment.code.split('').join(' ')}>
            {appointment.code}
          </p>
          <p className="code-hint">{t('booth.bookingDone.writeDown')}</p>
        </section>
        <section className="done-details">
          <p className="done-line" data-testid="booking-done-matter">
            {t('booth.bookingDone.matter', { name: appointment.matterName })}
          </p>
          <p className="done-line done-when" data-testid="booking-done-when">
            {t('booth.bookingDone.when', { when: rangeText(t, appointment.start, appointment.end, now) })}
          </p>
          {appointment.phone && <p className="done-line">{t('booth.bookingDone.phone', { phone: appointment.phone })}</p>}
          <p className="done-instruction">{t('booth.bookingDone.instruction')}</p>
          <button type="button" className="btn btn-primary btn-large" data-testid="booking-done-home" onClick={onDone}>
            {t('booth.bookingDone.done')}
          </button>
        </section>
      </div>
    </main>
  );
}

// ── 「我有预约」 ──────────────────────────────────────────────────────────────

export interface AppointmentEntryProps {
  getToken(): string;
  /** An appointment already found (kept by the app while a call attempt comes and goes). */
  found?: Appointment;
  onFound(a: Appointment | undefined): void;
  onBack(): void;
  onCall(a: Appointment): void;
  /** Too early: join the queue for the matter the usual way (its notice). */
  onQueueNow(a: Appointment): void;
  onRebook(a: Appointment): void;
  /** Why the last call attempt failed (INVALID_STATE: the server says it is not the appointment's time). */
  callError?: MessageKey;
}

type Lookup = { kind: 'idle' } | { kind: 'looking' } | { kind: 'error'; error: MessageKey; notFound: boolean };

export function AppointmentEntryScreen({ getToken, found, onFound, onBack, onCall, onQueueNow, onRebook, callError }: AppointmentEntryProps) {
  const { t } = useTranslation();
  const now = useNow();
  const ids = useId();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const [code, setCode] = useState(found?.code ?? '');
  const [lookup, setLookup] = useState<Lookup>({ kind: 'idle' });
  const ctl = useRef<AbortController | undefined>(undefined);

  useEffect(() => {
    headingRef.current?.focus();
    return () => ctl.current?.abort();
  }, []);

  const find = (c: string) => {
    if (c.length !== CODE_LENGTH) return;
    ctl.current?.abort();
    const abort = (ctl.current = new AbortController());
    setLookup({ kind: 'looking' });
    appointmentByCode(getToken(), c, abort.signal).then(
      (a) => {
        if (abort.signal.aborted) return;
        setLookup({ kind: 'idle' });
        onFound(a);
      },
      (err) => {
        if (abort.signal.aborted) return;
        const notFound = codeOf(err) === ErrorCode.NotFound || codeOf(err) === ErrorCode.BadRequest;
        if (!notFound) console.error('appointment lookup failed', err);
        setLookup({ kind: 'error', notFound, error: notFound ? 'booth.appointment.notFound' : errorKey(err) });
      },
    );
  };

  const type = (next: string) => {
    setCode(next);
    if (found) onFound(undefined);
    if (lookup.kind !== 'looking') setLookup({ kind: 'idle' });
    // The sixth digit looks the code up at once: one step less.
    if (next.length === CODE_LENGTH && next !== code) find(next);
  };

  const looking = lookup.kind === 'looking';

  return (
    <main className="screen appointment-entry" data-testid="appointment-entry">
      <div className="appointment-main">
        <div className="flow-head">
          <button type="button" className="btn btn-secondary btn-back" data-testid="back-button" onClick={onBack}>
            <BackIcon />
            {t('booth.appointment.back')}
          </button>
          <h1 className="flow-title" ref={headingRef} tabIndex={-1}>
            {t('booth.appointment.title')}
          </h1>
        </div>
        <p className="hint appointment-hint">{t('booth.appointment.hint')}</p>
        <div className="code-entry">
          <label htmlFor={`${ids}-code`} className="visually-hidden">
            {t('booth.appointment.inputLabel')}
          </label>
          <input
            id={`${ids}-code`}
            className="code-input"
            data-testid="appointment-code-input"
            type="text"
            inputMode="none"
            autoComplete="off"
            maxLength={CODE_LENGTH}
            placeholder="······"
            value={code}
            aria-describedby={`${ids}-result`}
            onChange={(e) => type(digitsOnly(e.target.value, CODE_LENGTH))}
            onKeyDown={(e) => {
              if (e.key === 'Enter') find(code);
            }}
          />
          <button
            type="button"
            className="btn btn-primary btn-lookup"
            data-testid="appointment-lookup"
            disabled={code.length !== CODE_LENGTH || looking}
            aria-busy={looking || undefined}
            onClick={() => find(code)}
          >
            {looking ? t('booth.appointment.looking') : t('booth.appointment.lookup')}
          </button>
        </div>

        <div id={`${ids}-result`} className="appointment-result" aria-live="polite">
          {lookup.kind === 'error' && (
            <div role="alert" className="message message-error" data-testid="appointment-error" data-error={lookup.error}>
              <strong>{t(lookup.error)}</strong>
              {lookup.notFound && <span className="message-next">{t('booth.appointment.notFoundHint')}</span>}
            </div>
          )}
          {found && (
            <FoundAppointment
              a={found}
              now={now}
              callError={callError}
              onCall={() => onCall(found)}
              onQueueNow={() => onQueueNow(found)}
              onRebook={() => onRebook(found)}
              onAgain={() => type('')}
              onHome={onBack}
            />
          )}
        </div>
      </div>
      <aside className="appointment-pad">
        <Keypad
          controls={`${ids}-code`}
          disabled={looking}
          full={code.length >= CODE_LENGTH}
          onDigit={(d) => type((code + d).slice(0, CODE_LENGTH))}
          onBackspace={() => type(code.slice(0, -1))}
          onClear={() => type('')}
        />
      </aside>
    </main>
  );
}

function FoundAppointment({
  a,
  now,
  callError,
  onCall,
  onQueueNow,
  onRebook,
  onAgain,
  onHome,
}: {
  a: Appointment;
  now: number;
  callError?: MessageKey;
  onCall(): void;
  onQueueNow(): void;
  onRebook(): void;
  onAgain(): void;
  onHome(): void;
}) {
  const { t } = useTranslation();
  const titleId = useId();
  let win = checkInWindow(a, now);
  // The server is the judge: if it refused the check-in, say why in the resident's words.
  if (callError === 'errors.INVALID_STATE' && win === 'open') win = now < a.start ? 'early' : 'passed';
  const otherError = callError && callError !== 'errors.INVALID_STATE' ? callError : undefined;
  // Too early: joining the queue the usual way is a way out only while the service is open.
  const openNow = useServiceHours(a.skill).status?.open === true;

  return (
    <section className="found-card" data-testid="appointment-found" data-window={win} aria-labelledby={`${titleId}`}>
      <h2 id={titleId} className="found-title">
        <CalendarIcon />
        {t('booth.appointment.found')}
      </h2>
      <p className="found-line" data-testid="appointment-matter">
        {t('booth.appointment.matter', { name: a.matterName })}
      </p>
      <p className="found-line found-when" data-testid="appointment-when">
        {t('booth.appointment.when', { when: rangeText(t, a.start, a.end, now) })}
      </p>
      {otherError && (
        <div role="alert" className="message message-error" data-testid="error-message">
          <strong>{t('booth.errorTitle')}</strong>
          <span>{t(otherError)}</span>
        </div>
      )}
      {win === 'early' ? (
        <div className="found-status status-early" role="status" data-testid="appointment-too-early">
          <strong>{t('booth.appointment.tooEarly')}</strong>
          <span>{t('booth.appointment.tooEarlyHint', { from: whenText(t, a.start - CHECK_IN_EARLY_MS, now) })}</span>
          {openNow && <span>{t('booth.appointment.queueNowHint')}</span>}
        </div>
      ) : win === 'passed' ? (
        <div className="found-status status-passed" role="status" data-testid="appointment-passed">
          <strong>{t('booth.appointment.passed')}</strong>
          <span>{t('booth.appointment.passedHint')}</span>
        </div>
      ) : (
        <p className="found-status status-ready">{t('booth.appointment.ready')}</p>
      )}
      <div className="found-actions">
        <button type="button" className="btn btn-secondary" data-testid="appointment-again" onClick={onAgain}>
          {t('booth.appointment.again')}
        </button>
        {win === 'open' ? (
          <button type="button" className="btn btn-primary btn-large btn-call" data-testid="appointment-call" onClick={onCall}>
            <PhoneIcon />
            {t('booth.appointment.call')}
          </button>
        ) : win === 'early' && openNow ? (
          <button type="button" className="btn btn-primary btn-large" data-testid="appointment-queue-now" onClick={onQueueNow}>
            {t('booth.appointment.queueNow')}
          </button>
        ) : win === 'early' ? (
          <button type="button" className="btn btn-primary btn-large" data-testid="appointment-home" onClick={onHome}>
            {t('booth.appointment.back')}
          </button>
        ) : (
          <button type="button" className="btn btn-primary btn-large" data-testid="appointment-rebook" onClick={onRebook}>
            <CalendarIcon />
            {t('booth.appointment.rebook')}
          </button>
        )}
      </div>
    </section>
  );
}
