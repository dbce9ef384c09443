/**
 * The booth's screens before a call: the start screen (search, 常办事项,
 * departments, themes (主题服务), 咨询, 我有预约), a department's or theme's matters, and the one-time
 * notice (一次性告知) of the chosen matter with the call button — or, outside
 * service hours, the next opening and 「预约办理」 — plus a QR code and a
 * print button to take the notice home.
 */
import { useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import QRCode from 'qrcode';
import type { Appointment, SignVariant } from '@xiaowu/shared';
import type { MessageKey } from '@xiaowu/shared/i18n';
import type { CatalogDepartment, MatterSummary } from './catalog-api';
import type { CatalogState } from './use-catalog';
import { useMatter, useSearch } from './use-catalog';
import { BackIcon, CalendarIcon, PhoneIcon, PrintIcon, RateIcon } from './icons';
import { ClosedNote, useServiceHours } from './service-hours-ui';
import { ProgressIcon } from './ProgressScreen';
import { Pager, SignVariantChoice, usePaged } from './access';

/** Where the resident is before calling. */
export type Screen =
  | { kind: 'home' }
  | { kind: 'department'; departmentId: string }
  /** A life-event theme (主题服务): listed like a department. */
  | { kind: 'theme'; themeId: string }
  | { kind: 'notice'; matter: Pick<MatterSummary, 'id' | 'name'>; from: Screen }
  /** 预约办理 for a matter (outside service hours, or instead of waiting). */
  | { kind: 'booking'; matter: Pick<MatterSummary, 'id' | 'name'>; from: Screen }
  | { kind: 'booking-done'; appointment: Appointment }
  /** 「我有预约」: the code typed, and the appointment once found. */
  | { kind: 'appointment'; found?: Appointment }
  /** 「查询办件进度」: case number + last 4 of the ID number (the number prefilled from the receipt's QR code). */
  | { kind: 'progress'; caseNo?: string }
  /** 「我要评价」: rating later with the resident's 6-digit code. */
  | { kind: 'rate' };

export interface CallOptionsValue {
  sign: boolean;
  /** With `sign`: which sign language (国家通用手语 unless chosen). */
  signVariant?: SignVariant;
  priority: boolean;
}

/** Why the last attempt did not start a call, or that it was cancelled. */
export interface FlowMessages {
  error?: MessageKey;
  notice?: MessageKey;
}

// ── shared pieces ────────────────────────────────────────────────────────────

function Messages({ error, notice }: FlowMessages) {
  const { t } = useTranslation();
  // From the start and department screens only 咨询 can be called: say when it opens again.
  if (error === 'errors.OUT_OF_HOURS') return <ConsultClosed />;
  if (error) {
    return (
      <div role="alert" className="message message-error" data-testid="error-message">
        <strong>{t('booth.errorTitle')}</strong>
        <span>{t(error)}</span>
        <span className="message-next">{t('booth.errorNextStep')}</span>
      </div>
    );
  }
  if (notice) {
    return (
      <div role="status" className="message message-info" data-testid="notice-message">
        {t(notice)}
      </div>
    );
  }
  return null;
}

function ConsultClosed() {
  const { t } = useTranslation();
  const hours = useServiceHours('consult');
  return <ClosedNote status={hours.status} hint={t('booth.hours.consultHint')} className="message" />;
}

/** 「我需要手语服务」 and 「老年人/残疾人优先」: optional, deliberately quiet. */
export function CallOptions({ value, onChange, compact = false }: { value: CallOptionsValue; onChange(v: CallOptionsValue): void; compact?: boolean }) {
  const { t } = useTranslation();
  // 手语种类 under the switch; in the notice's action bar on a line of its own (a sibling of the options).
  const variants = value.sign && <SignVariantChoice value={value.signVariant} onChange={(signVariant) => onChange({ ...value, signVariant })} />;
  return (
    <>
      <fieldset className="call-options">
        <legend className={compact ? 'visually-hidden' : undefined}>{t('booth.options.title')}</legend>
        <label className={value.sign ? 'option checked' : 'option'}>
          <input
            type="checkbox"
            role="switch"
            checked={value.sign}
            data-testid="need-sign"
            onChange={(e) => onChange({ ...value, sign: e.target.checked })}
          />
          <span className="switch" aria-hidden="true" />
          {t('booth.options.sign')}
        </label>
        {!compact && variants}
        <label className={value.priority ? 'option checked' : 'option'}>
          <input
            type="checkbox"
            checked={value.priority}
            data-testid="need-priority"
            onChange={(e) => onChange({ ...value, priority: e.target.checked })}
          />
          <span className="checkbox" aria-hidden="true" />
          {t('booth.options.priority')}
        </label>
      </fieldset>
      {compact && variants}
    </>
  );
}

/** A matter to choose: compact tiles on the start screen (name and one fact), full rows in lists. */
function MatterButton({ matter, onPick, detailed = false }: { matter: MatterSummary; onPick(m: MatterSummary): void; detailed?: boolean }) {
  const { t } = useTranslation();
  const days =
    matter.promisedDays === 0
      ? t('booth.matter.sameDay')
      : matter.promisedDays === 1
        ? t('booth.matter.dayOne')
        : t('booth.matter.days', { count: matter.promisedDays });
  const onSite = matter.onSite && <span className="tag tag-onsite">{t('booth.matter.onSite')}</span>;
  return (
    <li>
      <button
        type="button"
        className={detailed ? 'matter-btn detailed' : 'matter-btn'}
        data-testid={`matter-${matter.id}`}
        onClick={() => onPick(matter)}
      >
        <span className="matter-name">{matter.name}</span>
        {detailed && <span className="matter-summary">{matter.summary}</span>}
        {/* A tile has room for one fact: that the resident must go in person matters more than the days. */}
        <span className="matter-meta">{detailed ? <>{days}{onSite}</> : onSite || days}</span>
        {detailed && <ChevronIcon />}
      </button>
    </li>
  );
}

/** 「不确定办什么？」 on one line and 「直接咨询坐席」 on the next. */
function TwoLines({ text }: { text: string }) {
  const i = text.search(/[？?]/);
  if (i < 0 || i === text.length - 1) return <span>{text}</span>;
  return (
    <span className="two-lines">
      <span>{text.slice(0, i + 1)}</span>
      <span>{text.slice(i + 1).trim()}</span>
    </span>
  );
}

function ChevronIcon() {
  return (
    <svg className="chevron" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path fill="none" stroke="currentColor" strokeWidth="2.6" strokeLinecap="round" strokeLinejoin="round" d="M9 5l7 7-7 7" />
    </svg>
  );
}

function SearchIcon() {
  return (
    <svg className="search-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <circle cx="10.5" cy="10.5" r="6.5" fill="none" stroke="currentColor" strokeWidth="2.4" />
      <path d="M15.5 15.5L21 21" stroke="currentColor" strokeWidth="2.6" strokeLinecap="round" />
    </svg>
  );
}

/** The right-hand column of the start and department screens: 咨询 is always one touch away, and so is 「我有预约」. */
function ConsultPanel({
  options,
  onOptions,
  onConsult,
  onAppointment,
}: {
  options: CallOptionsValue;
  onOptions(v: CallOptionsValue): void;
  onConsult(): void;
  onAppointment?: () => void;
}) {
  const { t } = useTranslation();
  return (
    <aside className="consult-panel" aria-label={t('booth.home.consult')}>
      <button type="button" className="btn btn-consult" data-testid="consult-button" onClick={onConsult}>
        <PhoneIcon />
        <TwoLines text={t('booth.home.consult')} />
      </button>
      <p className="consult-hint">{t('booth.home.consultHint')}</p>
      {onAppointment && (
        <button type="button" className="btn btn-appointment" data-testid="have-appointment" onClick={onAppointment}>
          <CalendarIcon />
          <span className="btn-appointment-text">
            <span>{t('booth.appointment.entry')}</span>
            <span className="btn-appointment-sub">{t('booth.appointment.entryHint')}</span>
          </span>
        </button>
      )}
      <CallOptions value={options} onChange={onOptions} />
      <p className="small-print">{t('booth.cameraNotice')}</p>
    </aside>
  );
}

// ── start screen ─────────────────────────────────────────────────────────────

export interface HomeProps {
  catalog: CatalogState;
  query: string;
  onQuery(q: string): void;
  onDepartment(id: string): void;
  /** 主题服务 */
  onTheme(id: string): void;
  onMatter(m: MatterSummary): void;
  onConsult(): void;
  /** 「我有预约」 */
  onAppointment(): void;
  /** 「查询办件进度」 (the button shows only when given). */
  onProgress?: () => void;
  /** 「我要评价」 with a code (the button shows only when given). */
  onRate?: () => void;
  options: CallOptionsValue;
  onOptions(v: CallOptionsValue): void;
  messages: FlowMessages;
}

export function HomeScreen({
  catalog,
  query,
  onQuery,
  onDepartment,
  onTheme,
  onMatter,
  onConsult,
  onAppointment,
  onProgress,
  onRate,
  options,
  onOptions,
  messages,
}: HomeProps) {
  const { t } = useTranslation();
  const search = useSearch(query);
  const searchId = useId();
  const searching = query.trim() !== '';
  const c = catalog.catalog;
  const themes = c?.themes?.filter((th) => th.matters.length > 0) ?? [];
  // 长者模式: fewer items per screen, with 「下一页」.
  const popular = usePaged(c?.popular ?? [], 'popular');
  const departments = usePaged(c?.departments ?? [], 'departments');
  const themePages = usePaged(themes, 'themes');
  const results = usePaged(search.results ?? [], 'results', search.query);

  return (
    <main className="screen flow">
      <div className="flow-main">
        <div className="home-head">
        <h1 className="flow-title">{t('booth.home.heading')}</h1>
        <div className="search-box">
          <SearchIcon />
          <label htmlFor={searchId} className="visually-hidden">
            {t('booth.home.searchLabel')}
          </label>
          <input
            id={searchId}
            type="search"
            className="search-input"
            data-testid="matter-search"
            value={query}
            placeholder={t('booth.home.searchPlaceholder')}
            autoComplete="off"
            autoCorrect="off"
            spellCheck={false}
            enterKeyHint="search"
            maxLength={50}
            onChange={(e) => onQuery(e.target.value)}
          />
          {searching && (
            <button type="button" className="btn btn-secondary btn-clear" data-testid="search-clear" onClick={() => onQuery('')}>
              {t('booth.home.searchClear')}
            </button>
          )}
        </div>
        </div>

        <Messages {...messages} />

        {searching ? (
          <section className="flow-section search-results" aria-live="polite" aria-busy={search.searching}>
            {search.error ? (
              <p className="message message-info">{t('booth.home.loadFailed')}</p>
            ) : search.results === undefined || search.query !== query.trim() ? (
              <p className="flow-status">{t('booth.home.searching')}</p>
            ) : search.results.length === 0 ? (
              <p className="message message-info" data-testid="search-empty">
                {t('booth.home.noResults')}
              </p>
            ) : (
              <>
                <h2 className="section-title">{t('booth.home.results', { count: search.results.length })}</h2>
                <ul className="matter-grid cols-2" data-testid="search-results">
                  {results.items.map((m) => (
                    <MatterButton key={m.id} matter={m} onPick={onMatter} />
                  ))}
                </ul>
                <Pager paged={results} list="results" />
              </>
            )}
          </section>
        ) : !c ? (
          catalog.loading ? (
            <p className="flow-status" role="status">
              <span className="pulse small" aria-hidden="true" />
              {t('booth.home.loading')}
            </p>
          ) : (
            <div className="message message-info" role="alert">
              <span>{t('booth.home.loadFailed')}</span>
              <button type="button" className="btn btn-secondary" onClick={() => catalog.reload()}>
                {t('booth.home.retry')}
              </button>
            </div>
          )
        ) : (
          <>
            {c.popular.length > 0 && (
              <section className="flow-section" aria-labelledby={`${searchId}-popular`}>
                <h2 className="section-title" id={`${searchId}-popular`}>
                  {t('booth.home.popular')}
                </h2>
                <ul className="matter-grid cols-4" data-testid="popular-matters">
                  {popular.items.map((m) => (
                    <MatterButton key={m.id} matter={m} onPick={onMatter} />
                  ))}
                </ul>
                <Pager paged={popular} list="popular" />
              </section>
            )}
            <section className="flow-section" aria-labelledby={`${searchId}-departments`}>
              <h2 className="section-title" id={`${searchId}-departments`}>
                {t('booth.home.departments')}
              </h2>
              <ul className="department-grid">
                {departments.items.map((d) => (
                  <li key={d.id}>
                    <button type="button" className="department-btn" data-testid={`department-${d.id}`} onClick={() => onDepartment(d.id)}>
                      <span className="department-name">{d.name}</span>
                      <span className="department-count">{t('booth.home.departmentCount', { count: d.matters.length })}</span>
                    </button>
                  </li>
                ))}
              </ul>
              <Pager paged={departments} list="departments" />
            </section>
            {themes.length > 0 && (
              <section className="flow-section" aria-labelledby={`${searchId}-themes`}>
                <h2 className="section-title" id={`${searchId}-themes`}>
                  {t('booth.home.themes')}
                </h2>
                <ul className="department-grid" data-testid="themes">
                  {themePages.items.map((th) => (
                    <li key={th.id}>
                      <button type="button" className="department-btn" data-testid={`theme-${th.id}`} onClick={() => onTheme(th.id)}>
                        <span className="department-name">{th.name}</span>
                        <span className="department-count">{t('booth.home.departmentCount', { count: th.matters.length })}</span>
                      </button>
                    </li>
                  ))}
                </ul>
                <Pager paged={themePages} list="themes" />
              </section>
            )}
          </>
        )}
        {(onProgress || onRate) && (
          // Stays in view at the bottom of the list (sticky), however long the catalog is.
          <div className="home-progress-row">
            {onProgress && (
              <button type="button" className="btn home-progress-btn" data-testid="home-progress" onClick={onProgress}>
                <ProgressIcon />
                <span className="home-progress-text">
                  <span>{t('boothDocs.progress.entry')}</span>
                  <span className="home-progress-sub">{t('boothDocs.progress.entryHint')}</span>
                </span>
                <ChevronIcon />
              </button>
            )}
            {onRate && (
              <button type="button" className="btn home-progress-btn home-rate-btn" data-testid="home-rate" onClick={onRate}>
                <RateIcon />
                <span className="home-progress-text">
                  <span>{t('boothFeedback.rateLater.entry')}</span>
                  <span className="home-progress-sub">{t('boothFeedback.rateLater.entryHint')}</span>
                </span>
                <ChevronIcon />
              </button>
            )}
          </div>
        )}
      </div>
      <ConsultPanel options={options} onOptions={onOptions} onConsult={onConsult} onAppointment={onAppointment} />
    </main>
  );
}

// ── a department's (or a theme's) matters ────────────────────────────────────

export interface DepartmentProps {
  /** A department, or a theme (主题服务) listed the same way. */
  department: Pick<CatalogDepartment, 'name' | 'matters'> | undefined;
  /** Which empty message to show. */
  kind?: 'department' | 'theme';
  onBack(): void;
  onMatter(m: MatterSummary): void;
  onConsult(): void;
  options: CallOptionsValue;
  onOptions(v: CallOptionsValue): void;
  messages: FlowMessages;
}

export function DepartmentScreen({ department, kind = 'department', onBack, onMatter, onConsult, options, onOptions, messages }: DepartmentProps) {
  const { t } = useTranslation();
  const headingRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => headingRef.current?.focus(), []);
  const matters = usePaged(department?.matters ?? [], 'matters');
  return (
    <main className="screen flow">
      <div className="flow-main">
        <div className="flow-head">
          <button type="button" className="btn btn-secondary btn-back" data-testid="back-button" onClick={onBack}>
            <BackIcon />
            {t('booth.department.back')}
          </button>
          <h1 className="flow-title" ref={headingRef} tabIndex={-1}>
            {department?.name}
          </h1>
        </div>
        <Messages {...messages} />
        {department && department.matters.length > 0 ? (
          <section className="flow-section">
            <h2 className="section-title">{t('booth.department.pick')}</h2>
            <ul className="matter-grid cols-2" data-testid="department-matters">
              {matters.items.map((m) => (
                <MatterButton key={m.id} matter={m} onPick={onMatter} detailed />
              ))}
            </ul>
            <Pager paged={matters} list="matters" />
          </section>
        ) : (
          <p className="message message-info">{t(kind === 'theme' ? 'booth.department.themeEmpty' : 'booth.department.empty')}</p>
        )}
      </div>
      <ConsultPanel options={options} onOptions={onOptions} onConsult={onConsult} />
    </main>
  );
}

// ── one-time notice ──────────────────────────────────────────────────────────

export interface NoticeProps {
  matter: Pick<MatterSummary, 'id' | 'name'>;
  onBack(): void;
  onCall(matterName: string): void;
  onConsult(): void;
  /** 「预约办理」 (outside service hours). */
  onBook(matter: Pick<MatterSummary, 'id' | 'name'>): void;
  options: CallOptionsValue;
  onOptions(v: CallOptionsValue): void;
  messages: FlowMessages;
}

/** The notice's QR code as an image (generated in the browser). */
function useQrCode(url: string | undefined): string | undefined {
  const [qr, setQr] = useState<{ url: string; image: string }>();
  useEffect(() => {
    if (!url) return;
    let live = true;
    QRCode.toDataURL(url, { errorCorrectionLevel: 'M', margin: 2, width: 560, color: { dark: '#0d1b2a', light: '#ffffff' } }).then(
      (image) => {
        if (live) setQr({ url, image });
      },
      (err) => console.warn('notice QR code failed', err),
    );
    return () => {
      live = false;
    };
  }, [url]);
  return qr && qr.url === url ? qr.image : undefined;
}

const PRINT_NOTE_MS = 8_000;

export function NoticeScreen({ matter, onBack, onCall, onConsult, onBook, options, onOptions, messages }: NoticeProps) {
  const { t } = useTranslation();
  const { detail, loading } = useMatter(matter.id);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const bodyRef = useRef<HTMLDivElement>(null);
  const [more, setMore] = useState(false);
  const [printed, setPrinted] = useState(false);
  const notice = detail?.notice;
  const qr = useQrCode(detail?.noticeUrl);
  // Asked when the notice opens (and each minute); asked again when a call was refused as out of hours.
  const outOfHoursError = messages.error === 'errors.OUT_OF_HOURS';
  const hours = useServiceHours(detail?.matter.skill, outOfHoursError);
  const closed = notice !== undefined && (hours.status?.open === false || outOfHoursError);
  useEffect(() => headingRef.current?.focus(), []);

  useEffect(() => {
    if (!printed) return;
    const timer = setTimeout(() => setPrinted(false), PRINT_NOTE_MS);
    return () => clearTimeout(timer);
  }, [printed]);

  // The kiosk's browser prints what it opens (PDF viewer, or --kiosk-printing).
  const print = () => {
    if (!detail) return;
    window.open(detail.noticeUrl, '_blank', 'noopener');
    setPrinted(true);
  };

  // Many residents do not know a page can be swiped: say so while there is more below, and scroll on a tap.
  useEffect(() => {
    const el = bodyRef.current;
    if (!el) return;
    const check = () => setMore(el.scrollTop + el.clientHeight < el.scrollHeight - 24);
    check();
    el.addEventListener('scroll', check, { passive: true });
    const ro = new ResizeObserver(check);
    ro.observe(el);
    return () => {
      el.removeEventListener('scroll', check);
      ro.disconnect();
    };
  }, [notice]);

  return (
    <main className="screen notice-screen">
      <header className="notice-head">
        <div className="notice-head-text">
          <span className="notice-label">{t('booth.notice.label')}</span>
          <h1 className="notice-title" ref={headingRef} tabIndex={-1} data-testid="notice-title">
            {notice?.title ?? matter.name}
          </h1>
          {notice && <p className="notice-summary">{notice.summary}</p>}
        </div>
        {detail && notice && (
          // Take the notice home: scan it with a phone, or print it at the booth.
          <div className="notice-takeaway">
            <div className="takeaway-actions">
              <p className="qr-caption" id="notice-qr-caption">
                {t('booth.notice.qrCaption')}
              </p>
              <button type="button" className="btn btn-secondary btn-print" data-testid="notice-print" onClick={print}>
                <PrintIcon />
                {t('booth.notice.print')}
              </button>
              <p className="visually-hidden" role="status">
                {printed ? t('booth.notice.printing') : ''}
              </p>
            </div>
            <figure className="notice-qr" data-testid="notice-qr" data-url={detail.noticeUrl} aria-labelledby="notice-qr-caption">
              {qr ? <img src={qr} alt={t('booth.notice.qrAlt')} width={200} height={200} /> : <span className="qr-placeholder" aria-hidden="true" />}
            </figure>
          </div>
        )}
      </header>

      {notice ? (
        <div className="notice-body" data-testid="notice" tabIndex={0} aria-label={t('booth.notice.label')} ref={bodyRef}>
          {notice.onSite && (
            <div className="onsite-alert" role="note" data-testid="onsite-note">
              <strong>{t('booth.notice.onSiteTitle')}</strong>
              {notice.onSiteNote && <p>{notice.onSiteNote}</p>}
            </div>
          )}
          <p className="notice-intro">{t('booth.notice.intro')}</p>

          <section className="notice-section">
            <h2>{t('booth.notice.conditions')}</h2>
            <ul className="conditions">
              {notice.conditions.map((c, i) => (
                <li key={i}>{c}</li>
              ))}
            </ul>
          </section>

          <section className="notice-section">
            <h2>{t('booth.notice.materials', { count: notice.materials.length })}</h2>
            <ol className="materials" data-testid="notice-materials">
              {notice.materials.map((m) => (
                <li key={m.id} className="material" data-testid={`material-${m.id}`}>
                  <div className="material-head">
                    <span className="material-name">{m.name}</span>
                    <span className="material-form">{t('booth.notice.materialForm', { form: m.form, count: m.count })}</span>
                    {m.notes.map((n) => (
                      <span key={n} className="tag tag-note">
                        {n}
                      </span>
                    ))}
                  </div>
                  <p className="material-desc">{m.description}</p>
                  {m.sampleHint && <p className="material-hint">{t('booth.notice.sampleHint', { hint: m.sampleHint })}</p>}
                </li>
              ))}
            </ol>
            {notice.allowsCommitment && <p className="notice-commitment">{t('booth.notice.commitment')}</p>}
          </section>

          <section className="notice-section">
            <dl className="facts">
              <div>
                <dt>{t('booth.notice.timeLimit')}</dt>
                <dd data-testid="notice-time-limit">{notice.timeLimitText}</dd>
              </div>
              <div>
                <dt>{t('booth.notice.fee')}</dt>
                <dd data-testid="notice-fee">{notice.fee}</dd>
              </div>
              <div>
                <dt>{t('booth.notice.delivery')}</dt>
                <dd data-testid="notice-delivery">{notice.delivery.join('、')}</dd>
              </div>
            </dl>
          </section>
          <p className="notice-code">{t('booth.notice.code', { code: notice.code })}</p>
          <p className="notice-next">{closed ? t('booth.notice.nextStepClosed') : t('booth.notice.nextStep')}</p>
          {more && (
            <button
              type="button"
              className="btn more-hint"
              data-testid="notice-more"
              onClick={() => bodyRef.current?.scrollBy({ top: bodyRef.current.clientHeight * 0.8, behavior: 'smooth' })}
            >
              <span className="more-arrow" aria-hidden="true">
                ↓
              </span>
              {t('booth.notice.scrollMore')}
            </button>
          )}
        </div>
      ) : loading ? (
        <div className="notice-body notice-status" role="status">
          <span className="pulse small" aria-hidden="true" />
          {t('booth.notice.loading')}
        </div>
      ) : (
        <div className="notice-body notice-status">
          <p className="message message-info" role="alert">
            {t('booth.notice.loadFailed')}
          </p>
        </div>
      )}

      <footer className={closed ? 'action-bar closed' : 'action-bar'}>
        {/* Out of hours is said by the note below, with the next opening. */}
        <Messages {...(closed && outOfHoursError ? { notice: messages.notice } : messages)} />
        <div className="action-row">
          {closed ? (
            <ClosedNote status={hours.status} hint={t('booth.hours.bookHint')} />
          ) : (
            <CallOptions value={options} onChange={onOptions} compact />
          )}
          <div className="actions">
            <button type="button" className="btn btn-secondary btn-large" data-testid="back-button" onClick={onBack}>
              <BackIcon />
              {t('booth.notice.back')}
            </button>
            {notice && closed ? (
              <button type="button" className="btn btn-primary btn-large btn-call" data-testid="book-button" onClick={() => onBook({ id: matter.id, name: detail?.matter.name ?? matter.name })}>
                <CalendarIcon />
                {t('booth.hours.book')}
              </button>
            ) : notice ? (
              <button type="button" className="btn btn-primary btn-large btn-call" data-testid="call-button" onClick={() => onCall(notice.title)}>
                <PhoneIcon />
                {t('booth.notice.call')}
              </button>
            ) : (
              !loading && (
                <button type="button" className="btn btn-primary btn-large" data-testid="consult-button" onClick={onConsult}>
                  <PhoneIcon />
                  {t('booth.home.consult')}
                </button>
              )
            )}
          </div>
        </div>
      </footer>
    </main>
  );
}
