import { useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import type { RemoteTrack } from '@xiaowu/shared/client';
import { LanguageSwitch, formatClock } from '@xiaowu/shared/i18n';
import type { BoothCall, BoothState } from './booth-call';
import { ConfirmDialog, VideoView, useNow } from './components';

interface AppProps {
  call: BoothCall;
  boothName: string;
}

export function App({ call, boothName }: AppProps) {
  const state = useSyncExternalStore(call.subscribe, call.getState);
  const { t } = useTranslation();

  useEffect(() => {
    document.title = t('booth.title');
  }, [t]);

  return (
    <div className={`app phase-${state.phase}`} data-testid="call-state" data-state={state.phase}>
      <header className="topbar">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">
            政
          </span>
          <span className="brand-name">{boothName}</span>
        </div>
        <LanguageSwitch />
      </header>

      {state.fatal ? (
        <div role="alert" className="banner banner-error" data-testid="network-banner">
          {t(state.fatal)}
        </div>
      ) : (
        state.connection === 'offline' && (
          <div role="status" className="banner" data-testid="network-banner">
            <span className="banner-spinner" aria-hidden="true" />
            {t('booth.reconnecting')}
          </div>
        )
      )}

      {state.phase === 'idle' && <IdleScreen state={state} call={call} />}
      {state.phase === 'waiting' && <WaitingScreen state={state} call={call} />}
      {state.phase === 'in-call' && <InCallScreen state={state} call={call} />}
      {state.phase === 'ended' && <EndedScreen state={state} call={call} />}
    </div>
  );
}

interface ScreenProps {
  state: BoothState;
  call: BoothCall;
}

function IdleScreen({ state, call }: ScreenProps) {
  const { t } = useTranslation();
  return (
    <main className="screen idle">
      <h1 className="hero-title">{t('booth.title')}</h1>
      <p className="hero-subtitle">{t('booth.subtitle')}</p>

      {state.error && (
        <div role="alert" className="message message-error" data-testid="error-message">
          <strong>{t('booth.errorTitle')}</strong>
          <span>{t(state.error)}</span>
          <span className="message-next">{t('booth.errorNextStep')}</span>
        </div>
      )}
      {!state.error && state.notice && (
        <div role="status" className="message message-info" data-testid="notice-message">
          {t(state.notice)}
        </div>
      )}

      <button type="button" className="btn btn-primary btn-call" data-testid="call-button" onClick={() => void call.start()}>
        <PhoneIcon />
        {t('booth.call')}
      </button>
      <p className="hint">{t('booth.callHint')}</p>

      {/* With an error on screen its next step replaces the steps, so everything fits without scrolling. */}
      {!state.error && (
        <>
          <ol className="steps">
            <li>{t('booth.step1')}</li>
            <li>{t('booth.step2')}</li>
            <li>{t('booth.step3')}</li>
          </ol>
          <p className="small-print">{t('booth.cameraNotice')}</p>
        </>
      )}
    </main>
  );
}

/** Handset icon (inline SVG: kiosks often have no emoji font). */
function PhoneIcon() {
  return (
    <svg className="btn-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path
        fill="currentColor"
        d="M6.6 10.8a15.1 15.1 0 0 0 6.6 6.6l2.2-2.2a1 1 0 0 1 1-.25 11.4 11.4 0 0 0 3.6.57 1 1 0 0 1 1 1V20a1 1 0 0 1-1 1A17 17 0 0 1 3 4a1 1 0 0 1 1-1h3.5a1 1 0 0 1 1 1c0 1.25.2 2.45.57 3.57a1 1 0 0 1-.25 1z"
      />
    </svg>
  );
}

function WaitingScreen({ state, call }: ScreenProps) {
  const { t } = useTranslation();
  const now = useNow();
  const ahead = state.position === undefined ? undefined : Math.max(0, state.position - 1);
  return (
    <main className="screen waiting">
      <section className="waiting-info" aria-live="polite">
        <div className="pulse" aria-hidden="true" />
        <h1 className="screen-title">{t('booth.waitingTitle')}</h1>
        {ahead !== undefined ? (
          <p className="queue-position" data-testid="queue-position" data-position={state.position} data-ahead={ahead}>
            {t('booth.ahead', { count: ahead })}
            {ahead === 0 && <span className="queue-next">{t('booth.youAreNext')}</span>}
          </p>
        ) : (
          <p className="queue-position pending">{state.stage === 'media' ? t('booth.openingCamera') : t('booth.joiningQueue')}</p>
        )}
        <p className="elapsed">
          {t('booth.waited', { time: formatClock(now - (state.waitingSince ?? now)) })}
        </p>
        <p className="hint">{t('booth.waitingNextStep')}</p>
        <button type="button" className="btn btn-secondary btn-large" data-testid="cancel-button" onClick={() => call.cancel()}>
          {t('booth.cancel')}
        </button>
      </section>
      <figure className="self-view">
        <VideoView stream={state.localStream} muted className="mirror" data-testid="local-video" />
        <figcaption>{t('booth.selfView')}</figcaption>
      </figure>
    </main>
  );
}

/** The agent's camera plus every remote audio track, in one stream for the main <video>. */
function useRemoteStream(tracks: RemoteTrack[]): { stream: MediaStream | null; hasVideo: boolean } {
  const camera =
    tracks.find((t) => t.producer.source === 'camera' && t.producer.role === 'agent') ??
    tracks.find((t) => t.producer.source === 'camera');
  const audio = tracks.filter((t) => t.track.kind === 'audio');
  const selected = (camera ? [camera, ...audio] : audio).map((t) => t.track);
  const key = selected.map((t) => t.id).join(',');
  // A new stream only when the set of tracks changes, so playback is not restarted on every render.
  const stream = useMemo(() => (selected.length > 0 ? new MediaStream(selected) : null), [key]);
  return { stream, hasVideo: camera !== undefined };
}

function InCallScreen({ state, call }: ScreenProps) {
  const { t } = useTranslation();
  const now = useNow();
  const [confirming, setConfirming] = useState(false);
  const { stream, hasVideo } = useRemoteStream(state.remoteTracks);
  const agent = state.session?.parties.find((p) => p.role === 'agent');
  const agentName = agent?.name ?? t('booth.agentFallbackName');

  return (
    <main className="screen in-call">
      <div className="stage">
        <VideoView stream={stream} className="remote-video" data-testid="remote-video" />
        {!hasVideo && (
          <div className="stage-placeholder" role="status">
            <div className="pulse" aria-hidden="true" />
            {t('booth.remoteConnecting')}
          </div>
        )}
        <div className="caption">
          <span data-testid="agent-name">{t('booth.inCallWith', { name: agentName })}</span>
          <span className="caption-time">
            {t('booth.callDuration', { time: formatClock(now - (state.callStartedAt ?? now)) })}
          </span>
        </div>
        <figure className="pip">
          <VideoView stream={state.localStream} muted className="mirror" data-testid="local-video" />
          <figcaption>{t('booth.selfView')}</figcaption>
        </figure>
      </div>
      <div className="controls">
        <p className="hint">{t('booth.inCallHint')}</p>
        <button type="button" className="btn btn-danger btn-large" data-testid="hangup-button" onClick={() => setConfirming(true)}>
          {t('booth.hangup')}
        </button>
      </div>
      {confirming && (
        <ConfirmDialog
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

function EndedScreen({ state, call }: ScreenProps) {
  const { t } = useTranslation();
  const now = useNow();
  const seconds = Math.max(0, Math.ceil(((state.returnAt ?? now) - now) / 1000));
  const reason = state.endReason && state.endReason !== 'hangup' ? state.endReason : undefined;
  return (
    <main className="screen ended">
      <div className="done-mark" aria-hidden="true">
        ✓
      </div>
      <h1 className="screen-title">{t('booth.endedTitle')}</h1>
      {(state.error || reason) && (
        <p className="message message-info" role="status" data-testid="end-reason">
          {state.error ? t(state.error) : reason && t(`booth.endReason.${reason}`)}
        </p>
      )}
      <button type="button" className="btn btn-primary btn-large" data-testid="home-button" onClick={() => call.backHome()}>
        {t('booth.backHome')}
      </button>
      <p className="hint">{t('booth.backHomeIn', { seconds })}</p>
    </main>
  );
}
