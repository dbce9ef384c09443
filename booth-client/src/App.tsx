import { useCallback, useEffect, useMemo, useState, useSyncExternalStore, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { DEFAULT_SIGN_VARIANT, type Appointment, type PartyInfo } from '@xiaowu/shared';
import type { RemoteTrack } from '@xiaowu/shared/client';
import { LanguageSwitch, formatClock } from '@xiaowu/shared/i18n';
import { AGENT_CHANGE_NOTICE_MS, RATING_IDLE_MS, RETURN_HOME_MS, type BoothCall, type BoothState } from './booth-call';
import { cancelAppointment, fetchSlots } from './booking-api';
import { AppointmentEntryScreen, BookingDoneScreen, BookingScreen } from './BookingScreens';
import { CaptionsToggle, CaptionsView, ChatPanel, ConfirmDialog, VideoView, useCaptions, useNow } from '@xiaowu/shared/ui';
import { CalendarIcon } from './icons';
import { RatingPanel } from './RatingPanel';
import { RateByCodeScreen } from './RateByCode';
import { fetchRateInvite, groupedCode, type RateInvite } from './rating-api';
import { CasePanel, needsCasePanel } from './CasePanel';
import { DepartmentScreen, HomeScreen, NoticeScreen, type CallOptionsValue, type Screen } from './ServiceScreens';
import { ProgressScreen, progressCaseNoFromHash } from './ProgressScreen';
import { useCatalog } from './use-catalog';
import { AnsweredBanner, ModeToolbar, SignVariantDialog, useDisplayModes } from './access';
import { ELDERLY_TIMEOUT_SCALE, anyModeOn, modeClasses, type DisplayModes } from './display-modes';
import { CantGetDoneButton } from './CantGetDone';
import type { HealthMonitor } from './devices/health';

interface AppProps {
  call: BoothCall;
  boothName: string;
  /** The booth's own language, and going back to it (the next resident starts fresh). */
  homeLanguage: string;
  resetLanguage(): void;
  /** 大字 / 高对比 / 长者模式 (reset with the language when the booth goes back to idle by itself); their state comes through DisplayModesContext. */
  modes: DisplayModes;
  /** The `booth:heartbeat` loop (device health, what is on screen): runs while the app is shown. */
  health?: HealthMonitor;
}

/** Untouched this long on a screen before the call, the booth goes back to the start for the next resident. */
const IDLE_RESET_MS = 180_000;
const NO_OPTIONS: CallOptionsValue = { sign: false, priority: false };

export function App({ call, boothName, homeLanguage, resetLanguage, modes, health }: AppProps) {
  const state = useSyncExternalStore(call.subscribe, call.getState);
  const display = useDisplayModes();
  const timeoutScale = display.elderly ? ELDERLY_TIMEOUT_SCALE : 1;
  useEffect(() => call.setTimeoutScale(timeoutScale), [call, timeoutScale]);
  const { t, i18n } = useTranslation();
  const catalog = useCatalog();
  // The receipt's QR code (/booth/#progress=<caseNo>) opens the progress lookup with the number filled in.
  const [screen, setScreenState] = useState<Screen>(() => {
    const caseNo = progressCaseNoFromHash();
    return caseNo === undefined ? { kind: 'home' } : { kind: 'progress', caseNo };
  });
  const [query, setQueryState] = useState('');
  const [options, setOptions] = useState<CallOptionsValue>(NO_OPTIONS);
  /** 「不想等了？预约其他时间」: booking while still in the queue. */
  const [bookingWhileWaiting, setBookingWhileWaiting] = useState(false);
  /** Counts the booth's resets for the next resident (the 办不成事 draft is forgotten). */
  const [resets, setResets] = useState(0);

  // The heartbeat says what is on screen (set before it starts, so the first beat has it).
  const shown = state.phase === 'idle' ? screen.kind : state.phase === 'waiting' ? (bookingWhileWaiting ? 'waiting-booking' : 'waiting') : state.phase === 'in-call' ? 'call' : 'ended';
  useEffect(() => health?.setScreen(shown), [health, shown]);
  useEffect(() => {
    if (!health) return;
    health.start();
    return () => health.stop();
  }, [health]);

  useEffect(() => {
    document.title = t('booth.title');
  }, [t]);

  const setScreen = (next: Screen) => {
    call.clearMessages();
    setScreenState(next);
  };
  const setQuery = (q: string) => {
    call.clearMessages();
    setQueryState(q);
  };

  /** A fresh start for the next resident. */
  const resetFlow = useCallback(() => {
    setScreenState({ kind: 'home' });
    setQueryState('');
    setOptions(NO_OPTIONS);
    catalog.reload(true);
  }, [catalog.reload]);

  // …also when that address is opened on a page already showing.
  useEffect(() => {
    const open = () => {
      const caseNo = progressCaseNoFromHash();
      if (caseNo !== undefined) setScreenState({ kind: 'progress', caseNo });
    };
    window.addEventListener('hashchange', open);
    return () => window.removeEventListener('hashchange', open);
  }, []);

  // After a call the next person starts at the beginning.
  useEffect(() => {
    if (state.phase === 'ended') resetFlow();
    if (state.phase !== 'waiting') setBookingWhileWaiting(false);
  }, [state.phase, resetFlow]);

  // Someone walked away from a half-finished choice: go back to the start after a while.
  const dirty = screen.kind !== 'home' || query !== '' || options.sign || options.priority || i18n.language !== homeLanguage || anyModeOn(display);
  useEffect(() => {
    if (state.phase !== 'idle' || !dirty) return;
    const idleMs = IDLE_RESET_MS * timeoutScale;
    let timer = setTimeout(fire, idleMs);
    function fire() {
      resetFlow();
      resetLanguage();
      modes.reset();
      setResets((n) => n + 1);
    }
    const touch = () => {
      clearTimeout(timer);
      timer = setTimeout(fire, idleMs);
    };
    const events = ['pointerdown', 'keydown', 'wheel', 'scroll'] as const;
    for (const e of events) window.addEventListener(e, touch, { capture: true, passive: true });
    return () => {
      clearTimeout(timer);
      for (const e of events) window.removeEventListener(e, touch, { capture: true });
    };
  }, [state.phase, dirty, resetFlow, resetLanguage, modes, timeoutScale]);

  const startCall = (matterId: string, matterName: string, appointmentId?: string) => {
    const needs = options.sign ? { sign: true, signVariant: options.signVariant ?? DEFAULT_SIGN_VARIANT } : {};
    void call.start({ matterId, matterName, priority: options.priority, needs, ...(appointmentId ? { appointmentId } : {}) });
  };
  const consult = () => startCall('consult', t('booth.consultMatter'));
  /** Rated with a code: home; by the timer (the resident left) like the end screen, fresh for the next one. */
  const homeAfterRating = (auto: boolean) => {
    if (!auto) {
      setScreen({ kind: 'home' });
      return;
    }
    resetFlow();
    resetLanguage();
    modes.reset();
    setResets((n) => n + 1);
  };
  const messages = { error: state.error, notice: state.notice };
  const getToken = () => call.token;

  /** Booked from the waiting screen: only now leave the queue (an agent may have answered meanwhile). */
  const bookedWhileWaiting = (a: Appointment) => {
    const phase = call.getState().phase;
    if (phase === 'in-call' || phase === 'ended') {
      // Served after all: the booking would only hold a place somebody else could use.
      cancelAppointment(call.token, a.appointmentId).catch((err) => console.warn('could not release the unused appointment', err));
      return;
    }
    call.cancel(true);
    setBookingWhileWaiting(false);
    setScreen({ kind: 'booking-done', appointment: a });
  };

  return (
    <div className={`app phase-${state.phase} ${modeClasses(display)}`.trimEnd()} data-testid="call-state" data-state={state.phase}>
      <header className="topbar">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">
            政
          </span>
          <span className="brand-text">
            <span className="brand-name" data-testid="booth-name">
              {boothName}
            </span>
            <span className="brand-sub">
              {t('booth.title')} · {t('booth.subtitle')}
            </span>
          </span>
        </div>
        <div className="topbar-right">
          {/* 办不成事: on every screen, over a call too (a dialog; the call goes on). */}
          <CantGetDoneButton getToken={getToken} onActivity={() => call.holdEnded(RATING_IDLE_MS)} phase={state.phase} resetKey={resets} />
          <ModeToolbar modes={modes} state={display} />
          <Clock />
          <LanguageSwitch />
        </div>
      </header>

      {state.fatal ? (
        <div role="alert" className="banner banner-error" data-testid="network-banner">
          {t(state.fatal)}
        </div>
      ) : (
        // In a call the call screen says it itself (data-testid="reconnecting"), over the video.
        state.connection === 'offline' &&
        !(state.phase === 'in-call' && state.reconnecting) && (
          <div role="status" className="banner" data-testid="network-banner">
            <span className="banner-spinner" aria-hidden="true" />
            {t('booth.reconnecting')}
          </div>
        )
      )}

      {state.phase === 'idle' &&
        (screen.kind === 'notice' ? (
          <NoticeScreen
            key={screen.matter.id}
            matter={screen.matter}
            onBack={() => setScreen(screen.from)}
            onCall={(name) => startCall(screen.matter.id, name)}
            onConsult={consult}
            onBook={(matter) => setScreen({ kind: 'booking', matter, from: screen })}
            options={options}
            onOptions={setOptions}
            messages={messages}
          />
        ) : screen.kind === 'booking' ? (
          <BookingScreen
            key={screen.matter.id}
            matter={screen.matter}
            getToken={getToken}
            onBack={() => setScreen(screen.from)}
            onBooked={(appointment) => setScreen({ kind: 'booking-done', appointment })}
          />
        ) : screen.kind === 'booking-done' ? (
          <BookingDoneScreen appointment={screen.appointment} onDone={resetFlow} />
        ) : screen.kind === 'appointment' ? (
          <AppointmentEntryScreen
            getToken={getToken}
            found={screen.found}
            onFound={(found) => setScreen({ kind: 'appointment', found })}
            onBack={() => setScreen({ kind: 'home' })}
            onCall={(a) => startCall(a.matterId, a.matterName, a.appointmentId)}
            onQueueNow={(a) => setScreen({ kind: 'notice', matter: { id: a.matterId, name: a.matterName }, from: screen })}
            onRebook={(a) => setScreen({ kind: 'booking', matter: { id: a.matterId, name: a.matterName }, from: screen })}
            callError={state.error}
          />
        ) : screen.kind === 'progress' ? (
          <ProgressScreen
            key={`progress-${screen.caseNo ?? ''}`}
            initialCaseNo={screen.caseNo}
            onBack={() => setScreen({ kind: 'home' })}
            renderRating={(code, close, rated) => (
              <RateByCodeScreen
                key={`rate-${code}`}
                getToken={getToken}
                catalog={catalog.catalog}
                initialCode={code}
                onBack={close}
                onHome={homeAfterRating}
                onRated={rated}
              />
            )}
          />
        ) : screen.kind === 'rate' ? (
          <RateByCodeScreen getToken={getToken} catalog={catalog.catalog} onBack={() => setScreen({ kind: 'home' })} onHome={homeAfterRating} />
        ) : screen.kind === 'theme' ? (
          <DepartmentScreen
            key={`theme-${screen.themeId}`}
            kind="theme"
            department={catalog.catalog?.themes?.find((th) => th.id === screen.themeId)}
            onBack={() => setScreen({ kind: 'home' })}
            onMatter={(m) => setScreen({ kind: 'notice', matter: m, from: screen })}
            onConsult={consult}
            options={options}
            onOptions={setOptions}
            messages={messages}
          />
        ) : screen.kind === 'department' ? (
          <DepartmentScreen
            department={catalog.catalog?.departments.find((d) => d.id === screen.departmentId)}
            onBack={() => setScreen({ kind: 'home' })}
            onMatter={(m) => setScreen({ kind: 'notice', matter: m, from: screen })}
            onConsult={consult}
            options={options}
            onOptions={setOptions}
            messages={messages}
          />
        ) : (
          <HomeScreen
            catalog={catalog}
            query={query}
            onQuery={setQuery}
            onDepartment={(id) => setScreen({ kind: 'department', departmentId: id })}
            onTheme={(id) => setScreen({ kind: 'theme', themeId: id })}
            onMatter={(m) => setScreen({ kind: 'notice', matter: m, from: screen })}
            onConsult={consult}
            onAppointment={() => setScreen({ kind: 'appointment' })}
            onProgress={() => setScreen({ kind: 'progress' })}
            onRate={() => setScreen({ kind: 'rate' })}
            options={options}
            onOptions={setOptions}
            messages={messages}
          />
        ))}
      {state.phase === 'waiting' &&
        (bookingWhileWaiting && state.request ? (
          <BookingScreen
            matter={{ id: state.request.matterId, name: state.request.matterName }}
            getToken={getToken}
            stillWaiting
            onBack={() => setBookingWhileWaiting(false)}
            onBooked={bookedWhileWaiting}
          />
        ) : (
          <WaitingScreen
            state={state}
            call={call}
            onCancel={() => {
              call.cancel();
              resetFlow();
            }}
            bookableMatterId={
              // A matter of the catalog can be booked; 咨询 and residents already here for an appointment cannot.
              state.request && state.request.matterId !== 'consult' && !state.request.appointmentId ? state.request.matterId : undefined
            }
            getToken={getToken}
            onBook={() => setBookingWhileWaiting(true)}
          />
        ))}
      {state.phase === 'in-call' && <InCallScreen state={state} call={call} />}
      {state.phase === 'ended' && <EndedScreen state={state} call={call} />}
    </div>
  );
}

/** Date and time in the top bar, as on the center's own screens. */
function Clock() {
  const { i18n } = useTranslation();
  const now = useNow();
  const d = new Date(now);
  const locale = i18n.language === 'en' ? 'en-GB' : 'zh-CN';
  // Beijing time like the service hours and appointment times, whatever zone the kiosk's clock is set to.
  const date = d.toLocaleDateString(locale, { month: 'long', day: 'numeric', weekday: 'long', timeZone: 'Asia/Shanghai' });
  const time = d.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit', hour12: false, timeZone: 'Asia/Shanghai' });
  return (
    <span className="clock" aria-hidden="true">
      <span className="clock-time">{time}</span>
      <span className="clock-date">{date}</span>
    </span>
  );
}

interface ScreenProps {
  state: BoothState;
  call: BoothCall;
}

/** 「预计等待约 M 分钟」, rounded up; null from the server = nobody on duty for this matter. */
function waitText(t: TFunction, seconds: number | null | undefined): string | undefined {
  if (seconds === undefined) return undefined;
  if (seconds === null) return t('booth.noAgent');
  if (seconds < 60) return t('booth.waitUnderMinute');
  return t('booth.waitMinutes', { count: Math.ceil(seconds / 60) });
}

/** Whether a matter has any time left to book (24/7 service has no slots; full weeks have none free). */
function useHasFreeSlot(matterId: string | undefined, getToken: () => string): boolean {
  const [free, setFree] = useState<{ matterId: string; free: boolean }>();
  useEffect(() => {
    if (!matterId) return;
    const c = new AbortController();
    fetchSlots(matterId, getToken(), c.signal).then(
      (slots) => setFree({ matterId, free: slots.some((s) => s.capacity > s.booked && s.start > Date.now()) }),
      () => undefined, // no offer to book then; waiting goes on
    );
    return () => c.abort();
    // getToken is read once per matter.
  }, [matterId]);
  return matterId !== undefined && free?.matterId === matterId && free.free;
}

interface WaitingProps extends ScreenProps {
  onCancel(): void;
  /** The matter the resident could book instead of waiting (if it has free times). */
  bookableMatterId?: string;
  getToken(): string;
  onBook(): void;
}

function WaitingScreen({ state, call, onCancel, bookableMatterId, getToken, onBook }: WaitingProps) {
  const { t } = useTranslation();
  /** 「手语服务」 pressed: which sign language (the dialog is open). */
  const [pickingSign, setPickingSign] = useState(false);
  // Asked for before the call (notice screen) or here while waiting: the interpreter is invited once the call starts.
  const signNoted = state.waitingSign !== undefined || state.request?.needs.sign === true;
  const now = useNow();
  const canBook = useHasFreeSlot(bookableMatterId, getToken);
  const { position } = state;
  const ahead = position === undefined ? undefined : Math.max(0, position - 1);
  const estimate = position === undefined || position === 0 ? undefined : waitText(t, state.estimatedWaitSec);
  const matterName = state.request?.matterName;
  return (
    <main className="screen waiting">
      <section className="waiting-info" aria-live="polite">
        <div className="pulse" aria-hidden="true" />
        <h1 className="screen-title">{t('booth.waitingTitle')}</h1>
        {matterName && (
          <p className="waiting-matter" data-testid="waiting-matter">
            {t('booth.matterLabel', { name: matterName })}
          </p>
        )}
        {ahead !== undefined ? (
          <p className="queue-position" data-testid="queue-position" data-position={position} data-ahead={ahead}>
            {position === 0 ? (
              t('booth.agentRinging')
            ) : (
              <>
                {t('booth.ahead', { count: ahead })}
                {ahead === 0 && <span className="queue-next">{t('booth.youAreNext')}</span>}
              </>
            )}
          </p>
        ) : (
          <p className="queue-position pending">{state.stage === 'media' ? t('booth.openingCamera') : t('booth.joiningQueue')}</p>
        )}
        {estimate && (
          <p
            className={state.estimatedWaitSec === null ? 'wait-estimate no-agent' : 'wait-estimate'}
            data-testid="wait-estimate"
            data-seconds={state.estimatedWaitSec ?? ''}
          >
            {estimate}
          </p>
        )}
        <p className="elapsed">{t('booth.waited', { time: formatClock(now - (state.waitingSince ?? now)) })}</p>
        <p className="hint">{t('booth.waitingNextStep')}</p>
        <button type="button" className="btn btn-secondary btn-large" data-testid="cancel-button" onClick={onCancel}>
          {t('booth.cancel')}
        </button>
      </section>
      <div className="waiting-side">
        <figure className="self-view">
          <VideoView stream={state.localStream} muted className="mirror" data-testid="local-video" />
          <figcaption>{t('booth.selfView')}</figcaption>
        </figure>
        {signNoted ? (
          <p className="waiting-sign-noted" role="status" data-testid="waiting-sign-noted">
            {t('access.waitingSign.noted')}
          </p>
        ) : (
          <button
            type="button"
            className="btn btn-secondary btn-large btn-sign btn-waiting-sign"
            data-testid="waiting-sign"
            aria-haspopup="dialog"
            onClick={() => setPickingSign(true)}
          >
            {t('access.waitingSign.button')}
          </button>
        )}
        {canBook && (
          <button type="button" className="btn btn-secondary btn-large btn-waiting-book" data-testid="waiting-book" onClick={onBook}>
            <CalendarIcon />
            {t('booth.waitingBook')}
          </button>
        )}
      </div>
      {pickingSign && !signNoted && (
        <SignVariantDialog
          initial={undefined}
          onPick={(variant) => {
            setPickingSign(false);
            call.noteSignWhileWaiting(variant);
          }}
          onCancel={() => setPickingSign(false)}
        />
      )}
    </main>
  );
}

/**
 * The agent's camera plus every remote audio track, in one stream for the main <video>.
 * After a transfer the newest agent in the call is shown; while the previous
 * agent's camera is still there (or ends) the other one stays on screen.
 * The interpreter's camera comes apart (shown largest in the sign-language layout).
 */
function useRemoteStream(
  tracks: RemoteTrack[],
  parties: PartyInfo[],
): { stream: MediaStream | null; hasVideo: boolean; interpreterStream: MediaStream | null } {
  const live = tracks.filter((t) => t.producer.source === 'camera' && t.track.readyState !== 'ended');
  const cameras = live.filter((t) => t.producer.role !== 'interpreter');
  const interpreterCamera = live.filter((t) => t.producer.role === 'interpreter').at(-1);
  const agentOrder = parties.filter((p) => p.role === 'agent').map((p) => p.partyId);
  const rank = (t: RemoteTrack) => agentOrder.indexOf(t.producer.partyId);
  const agentCameras = cameras.filter((t) => t.producer.role === 'agent');
  // Latest-joined agent still in the call first; then any agent camera (newest first); then any camera but the interpreter's.
  const camera =
    [...agentCameras].filter((t) => rank(t) >= 0).sort((a, b) => rank(b) - rank(a))[0] ?? agentCameras[agentCameras.length - 1] ?? cameras[cameras.length - 1];
  const audio = tracks.filter((t) => t.track.kind === 'audio');
  const selected = (camera ? [camera, ...audio] : audio).map((t) => t.track);
  const key = selected.map((t) => t.id).join(',');
  // A new stream only when the set of tracks changes, so playback is not restarted on every render.
  const stream = useMemo(() => (selected.length > 0 ? new MediaStream(selected) : null), [key]);
  const interpTrack = interpreterCamera?.track;
  const interpreterStream = useMemo(() => (interpTrack ? new MediaStream([interpTrack]) : null), [interpTrack]);
  return { stream, hasVideo: camera !== undefined, interpreterStream };
}

/** Ready-made chat replies for residents who cannot speak (access.residentChat.replies). */
const RESIDENT_REPLIES = ['ok', 'understood', 'repeat', 'typeToMe', 'needSign', 'wait'] as const;

function InCallScreen({ state, call }: ScreenProps) {
  const { t } = useTranslation();
  const now = useNow();
  const [confirming, setConfirming] = useState(false);
  /** 手语服务 asked for: which sign language (the dialog is open). */
  const [pickingSign, setPickingSign] = useState(false);
  // 大字 (or 长者模式) is chosen in the top bar's toolbar (every screen); the call screen keeps its own large-text rules.
  const modesNow = useDisplayModes();
  const largeText = modesNow.largeText || modesNow.elderly;
  const parties = state.session?.parties ?? [];
  const { stream, hasVideo, interpreterStream } = useRemoteStream(state.remoteTracks, parties);
  // The agent who joined last is the one serving now (a transfer adds the next agent, then the previous one leaves).
  const agent = parties.filter((p) => p.role === 'agent').at(-1);
  const agentName = agent?.name ?? t('booth.agentFallbackName');
  const change = state.agentChange && now - state.agentChange.at < AGENT_CHANGE_NOTICE_MS ? state.agentChange : undefined;
  const interp = state.interp && state.interp.sessionId === state.session?.sessionId ? state.interp : undefined;
  const interpreterParty = parties.find((p) => p.role === 'interpreter');
  // Sign-language layout while an interpreter is in the call: their video largest.
  const signLayout = interpreterStream !== null || interpreterParty !== undefined || interp?.state === 'joined';
  const signBusy = interp?.state === 'searching' || interp?.state === 'joined' || interpreterParty !== undefined;
  const duration = t('booth.callDuration', { time: formatClock(now - (state.callStartedAt ?? now)) });
  const captions = useCaptions(call.signaling, state.session?.sessionId);
  const agentAway = state.away?.some((p) => p.role === 'agent') ?? false;
  // The agent invited an interpreter meanwhile: nothing left to choose.
  useEffect(() => {
    if (signBusy) setPickingSign(false);
  }, [signBusy]);

  const recording = state.session?.recording && (
    <p className="recording-badge" data-testid="recording-indicator" role="status">
      <span className="recording-dot" aria-hidden="true" />
      {t('booth.recording')}
    </p>
  );
  const toast = change && (
    <div className="transfer-toast" role="status" data-testid="agent-changed">
      {t('booth.transferredTo', { name: change.name })}
    </div>
  );
  const interpStatus = state.interpError ? (
    <p className="interp-status interp-error" role="alert" data-testid="interp-status" data-state="error">
      {t(state.interpError)}
    </p>
  ) : interp ? (
    <p className={`interp-status interp-${interp.state}`} role="status" data-testid="interp-status" data-state={interp.state}>
      {interp.state === 'searching' && <span className="banner-spinner" aria-hidden="true" />}
      {t(`booth.sign.${interp.state}`)}
    </p>
  ) : null;

  const chat = (
    <ChatPanel
      className="booth-chat"
      messages={state.chat}
      selfId={state.session?.you.userId ?? ''}
      onSend={(text) => call.sendChat(text)}
      residentReplies={{
        replies: RESIDENT_REPLIES.map((key) => ({ key, text: t(`access.residentChat.replies.${key}`) })),
        title: t('access.residentChat.title'),
        imeLabel: t('access.residentChat.ime'),
      }}
      hint={t('booth.chatHint')}
      disabled={state.connection !== 'online'}
    />
  );
  // The case (办件) of a matter call beside the video: checklist, captures, the agent's marks, the receipt to sign.
  const flow = call.caseFlow;
  const caseFlow = state.caseFlow;
  const casePanel =
    flow && caseFlow && flow.sessionId === caseFlow.sessionId && caseFlow.sessionId === state.session?.sessionId && needsCasePanel(caseFlow) ? (
      <CasePanel flow={flow} state={caseFlow} />
    ) : null;

  return (
    <main className={`screen in-call${signLayout ? ' sign-layout' : ''}${largeText ? ' large-text' : ''}`} data-layout={signLayout ? 'sign' : 'normal'}>
      <div className={casePanel ? 'call-body with-case' : 'call-body'}>
        <CallColumns panel={casePanel} chat={chat}>
          {signLayout ? (
            <>
              <div className="stage stage-interpreter">
                <VideoView
                  stream={interpreterStream}
                  muted
                  className="remote-video"
                  data-testid="interpreter-video"
                  aria-label={t('booth.sign.interpreterVideo')}
                />
                {recording}
                {!interpreterStream && (
                  <div className="stage-placeholder" role="status">
                    <div className="pulse" aria-hidden="true" />
                    {t('booth.transferConnecting', { name: interpreterParty?.name ?? interp?.name ?? t('booth.sign.interpreterVideo') })}
                  </div>
                )}
                <p className="video-label">{t('booth.sign.interpreterVideo')}</p>
                {toast}
              </div>
              <div className="side-videos">
                <div className="side-caption">
                  <span data-testid="agent-name" data-party-id={agent?.partyId ?? ''}>
                    {t('booth.inCallWith', { name: agentName })}
                  </span>
                  <span className="caption-time">{duration}</span>
                </div>
                <figure className="side-video side-self">
                  <VideoView stream={state.localStream} muted className="mirror" data-testid="local-video" />
                  <figcaption>{t('booth.selfView')}</figcaption>
                </figure>
                <figure className="side-video side-agent">
                  <VideoView stream={stream} className="remote-video" data-testid="remote-video" aria-label={t('booth.sign.agentVideo')} />
                  {!hasVideo && (
                    <div className="stage-placeholder small" role="status">
                      {t('booth.remoteConnecting')}
                    </div>
                  )}
                  <figcaption>{t('booth.sign.agentVideo')}</figcaption>
                </figure>
              </div>
            </>
          ) : (
            <div className="stage">
              <VideoView stream={stream} className="remote-video" data-testid="remote-video" />
              {recording}
              {!hasVideo && (
                <div className="stage-placeholder" role="status">
                  <div className="pulse" aria-hidden="true" />
                  {change ? t('booth.transferConnecting', { name: change.name }) : t('booth.remoteConnecting')}
                </div>
              )}
              {toast}
              <div className="caption">
                <span data-testid="agent-name" data-party-id={agent?.partyId ?? ''}>
                  {t('booth.inCallWith', { name: agentName })}
                </span>
                <span className="caption-time">{duration}</span>
              </div>
              <figure className="pip">
                <VideoView stream={state.localStream} muted className="mirror" data-testid="local-video" />
                <figcaption>{t('booth.selfView')}</figcaption>
              </figure>
            </div>
          )}
        </CallColumns>
      </div>
      <CaptionsView captions={captions} className="booth-captions" />
      {/* A network blip: the call goes on by itself, the resident need not do anything. */}
      {state.reconnecting || state.mediaTrouble ? (
        <div className="call-reconnecting" role="status" data-testid="reconnecting">
          <span className="banner-spinner" aria-hidden="true" />
          {t('access.reconnect.banner')}
        </div>
      ) : (
        agentAway && (
          <div className="call-reconnecting party-away" role="status" data-testid="party-away">
            {t('access.reconnect.agentAway')}
          </div>
        )
      )}
      <AnsweredBanner startedAt={state.callStartedAt} now={now} name={agentName} />
      <div className="controls">
        {interpStatus ?? <p className="hint">{t('booth.inCallHint')}</p>}
        <div className="controls-buttons">
          <button
            type="button"
            className="btn btn-secondary btn-large btn-sign"
            data-testid="sign-button"
            data-state={interp?.state ?? (interpreterParty ? 'joined' : 'none')}
            disabled={signBusy}
            aria-haspopup="dialog"
            onClick={() => setPickingSign(true)}
          >
            {signBusy ? t('booth.sign.requested') : t('booth.sign.button')}
          </button>
          <CaptionsToggle captions={captions} className="btn btn-secondary btn-large" />
          <button type="button" className="btn btn-danger btn-large" data-testid="hangup-button" onClick={() => setConfirming(true)}>
            {t('booth.hangup')}
          </button>
        </div>
      </div>
      {pickingSign && !signBusy && (
        <SignVariantDialog
          initial={state.request?.needs.signVariant}
          onPick={(variant) => {
            setPickingSign(false);
            void call.requestInterpreter(variant);
          }}
          onCancel={() => setPickingSign(false)}
        />
      )}
      {confirming && (
        <ConfirmDialog
          large
          title={t('booth.confirmTitle')}
          confirmLabel={t('booth.confirmYes')}
          cancelLabel={t('booth.confirmNo')}
          onConfirm={() => {
            setConfirming(false);
            call.hangup();
          }}
          onCancel={() => setConfirming(false)}
        />
      )}
    </main>
  );
}

/**
 * The call screen's columns: without a case panel the videos and the chat side
 * by side (as always); with one, the chat goes under the videos and the panel
 * takes the right-hand column at full height (the video stays the largest view).
 */
function CallColumns({ panel, chat, children }: { panel: ReactNode; chat: ReactNode; children: ReactNode }) {
  if (!panel) {
    return (
      <>
        {children}
        {chat}
      </>
    );
  }
  return (
    <>
      <div className="call-main">
        <div className="call-videos">{children}</div>
        {chat}
      </div>
      {panel}
    </>
  );
}

function EndedScreen({ state, call }: ScreenProps) {
  const { t } = useTranslation();
  const now = useNow();
  const [rated, setRated] = useState(false);
  const seconds = Math.max(0, Math.ceil(((state.returnAt ?? now) - now) / 1000));
  const reason = state.endReason && state.endReason !== 'hangup' ? state.endReason : undefined;
  const sessionId = state.lastSessionId;
  const invite = useRateInvite(sessionId, () => call.token);
  return (
    <main className={sessionId ? 'screen ended with-rating' : 'screen ended'}>
      <div className="ended-head">
        <div className={sessionId ? 'done-mark small' : 'done-mark'} aria-hidden="true">
          ✓
        </div>
        <h1 className="screen-title">{t('booth.endedTitle')}</h1>
      </div>
      {(state.error || reason) && (
        <p className="message message-info" role="status" data-testid="end-reason">
          {state.error ? t(state.error) : reason && t(`booth.endReason.${reason}`)}
        </p>
      )}
      {sessionId && (
        <RatingPanel
          key={sessionId}
          target={{ sessionId, stage: 'service' }}
          getToken={() => call.token}
          onActivity={() => call.holdEnded(RATING_IDLE_MS)}
          onDone={() => {
            setRated(true);
            // Thanked: back to the short way home.
            call.holdEnded(RETURN_HOME_MS);
          }}
        />
      )}
      {/* 稍后评价: the code to rate at any booth within 3 days (gone once rated here). */}
      {sessionId && !rated && invite && <RateLaterCode invite={invite} />}
      <div className="ended-actions">
        <button type="button" className="btn btn-primary btn-large" data-testid="home-button" onClick={() => call.backHome()}>
          {t('booth.backHome')}
        </button>
        {sessionId && !rated && (
          <button type="button" className="btn btn-secondary btn-large" data-testid="rate-skip" onClick={() => call.backHome()}>
            {t('booth.rating.skip')}
          </button>
        )}
      </div>
      <p className="hint">{t('booth.backHomeIn', { seconds })}</p>
    </main>
  );
}

/** The server opens the rating a moment after the hang-up: a few tries before giving up (quietly). */
const INVITE_TRIES = 4;
const INVITE_RETRY_MS = 1_500;

/** The 稍后评价 code of the call that just ended, or undefined (not yet, not ratable, or unreachable: nothing is shown). */
function useRateInvite(sessionId: string | undefined, getToken: () => string): RateInvite | undefined {
  const [invite, setInvite] = useState<RateInvite & { sessionId: string }>();
  useEffect(() => {
    if (!sessionId) return;
    const ctl = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const attempt = (n: number) => {
      fetchRateInvite(getToken(), sessionId, ctl.signal).then(
        (i) => {
          if (!ctl.signal.aborted && /^\d{6}$/.test(i.code)) setInvite({ ...i, sessionId });
        },
        (err: unknown) => {
          if (ctl.signal.aborted) return;
          if (n + 1 < INVITE_TRIES) timer = setTimeout(() => attempt(n + 1), INVITE_RETRY_MS);
          else console.warn('no rate-later code', err);
        },
      );
    };
    attempt(0);
    return () => {
      ctl.abort();
      if (timer !== undefined) clearTimeout(timer);
    };
    // getToken is read at each try.
  }, [sessionId]);
  return invite && invite.sessionId === sessionId ? invite : undefined;
}

/** 「稍后评价码：123 456（3天内在任意晓屋可用）」, big and clear. */
function RateLaterCode({ invite }: { invite: RateInvite }) {
  const { t } = useTranslation();
  return (
    <p className="rate-later-code" data-testid="rate-later-code" data-code={invite.code}>
      <span className="rate-later-label">{t('boothFeedback.rateLater.codeLabel')}</span>
      <strong className="rate-later-digits">{groupedCode(invite.code)}</strong>
      <span className="rate-later-where">{t('boothFeedback.rateLater.codeWhere')}</span>
    </p>
  );
}
