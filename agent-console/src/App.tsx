import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import type { WaitingCall } from '@xiaowu/shared';
import type { RemoteTrack } from '@xiaowu/shared/client';
import { LanguageSwitch, formatClock } from '@xiaowu/shared/i18n';
import type { AgentDesk, AgentState, Connection } from './agent-desk';
import { ConfirmDialog, VideoView, useNow } from './components';

interface AppProps {
  desk: AgentDesk;
  agentName: string;
}

export function App({ desk, agentName }: AppProps) {
  const state = useSyncExternalStore(desk.subscribe, desk.getState);
  const { t } = useTranslation();
  const inCall = state.phase === 'in-call' && state.session !== undefined;
  const waiting = state.queue.length;

  // A waiting count in the tab title, so a call is noticed from another tab.
  useEffect(() => {
    document.title = !inCall && waiting > 0 ? `(${waiting}) ${t('agent.title')}` : t('agent.title');
  }, [t, inCall, waiting]);

  return (
    <div className="app" data-testid="call-state" data-state={inCall ? 'in-call' : 'idle'}>
      <header className="topbar">
        <h1 className="app-title">{t('agent.title')}</h1>
        <div className="topbar-right">
          <span className="agent-name" data-testid="agent-name">
            {t('agent.agentLabel', { name: agentName })}
          </span>
          <ConnectionStatus connection={state.connection} />
          <LanguageSwitch />
        </div>
      </header>

      <Messages state={state} onDismiss={() => desk.dismissMessages()} />

      <main className="main">
        {inCall ? <CallView state={state} desk={desk} /> : <QueuePanel state={state} desk={desk} />}
      </main>
    </div>
  );
}

function ConnectionStatus({ connection }: { connection: Connection }) {
  const { t } = useTranslation();
  const text = t(`agent.status.${connection}`);
  return (
    <span
      className={`status status-${connection}`}
      role="status"
      aria-label={t('agent.statusLabel', { status: text })}
      data-testid="connection-status"
      data-connection={connection}
    >
      <span className="status-dot" aria-hidden="true" />
      {text}
    </span>
  );
}

function Messages({ state, onDismiss }: { state: AgentState; onDismiss(): void }) {
  const { t } = useTranslation();
  return (
    <div className="messages" aria-live="polite">
      {state.fatal && (
        <div className="alert alert-error" role="alert">
          <strong>{t('agent.signInFailed')}</strong> {t(state.fatal)}
        </div>
      )}
      {state.error && (
        <div className="alert alert-error" role="alert" data-testid="error-message">
          <span>{t(state.error)}</span>
          <button type="button" className="btn-icon" aria-label={t('common.close')} onClick={onDismiss}>
            ×
          </button>
        </div>
      )}
      {!state.error && state.lastEnd && (
        <div className="alert alert-info" data-testid="end-notice">
          <span>
            <strong>{t('agent.callEnded')}</strong> · {t(`agent.endReason.${state.lastEnd}`)}
          </span>
          <button type="button" className="btn-icon" aria-label={t('common.close')} onClick={onDismiss}>
            ×
          </button>
        </div>
      )}
    </div>
  );
}

interface ViewProps {
  state: AgentState;
  desk: AgentDesk;
}

function QueuePanel({ state, desk }: ViewProps) {
  const { t } = useTranslation();
  const now = useNow(state.queue.length > 0);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const count = state.queue.length;
  const canAnswer = state.phase === 'idle' && state.connection === 'online';

  // Back from a call: focus the queue again, once when the panel appears (queue updates must not steal focus).
  const [backFromCall] = useState(() => state.lastEnd !== undefined);
  useEffect(() => {
    if (backFromCall) headingRef.current?.focus();
  }, [backFromCall]);

  return (
    <section className="panel queue-panel" aria-labelledby="queue-heading">
      <div className="panel-head">
        <h2 id="queue-heading" ref={headingRef} tabIndex={-1}>
          {t('agent.queueTitle')}
        </h2>
        <span className={count > 0 ? 'badge badge-active' : 'badge'} aria-hidden="true">
          {t('agent.queueCount', { count })}
        </span>
      </div>
      <p className="visually-hidden" aria-live="polite">
        {t('agent.queueAnnouncement', { count })}
      </p>
      <ul className="queue-list" data-testid="queue-list" aria-labelledby="queue-heading">
        {count === 0 ? (
          <li className="queue-empty" data-testid="queue-empty">
            {t('agent.queueEmpty')}
          </li>
        ) : (
          state.queue.map((call) => (
            <QueueRow
              key={call.callId}
              call={call}
              now={now}
              answering={state.answeringCallId === call.callId}
              disabled={!canAnswer}
              onAnswer={() => void desk.answer(call.callId)}
            />
          ))
        )}
      </ul>
    </section>
  );
}

interface RowProps {
  call: WaitingCall;
  now: number;
  answering: boolean;
  disabled: boolean;
  onAnswer(): void;
}

function QueueRow({ call, now, answering, disabled, onAnswer }: RowProps) {
  const { t } = useTranslation();
  const waited = formatClock(now - call.waitingSince);
  return (
    <li className="queue-item" data-testid="queue-item" data-call-id={call.callId}>
      <div className="queue-booth">
        <span className="queue-booth-name">{call.boothName}</span>
        <span className="queue-booth-id">{t('agent.boothId', { id: call.boothId })}</span>
      </div>
      <span className="queue-waited">{t('agent.waited', { time: waited })}</span>
      <button
        type="button"
        className="btn btn-primary"
        data-testid="answer-button"
        data-call-id={call.callId}
        aria-label={t('agent.answerAria', { booth: call.boothName })}
        aria-busy={answering || undefined}
        disabled={disabled}
        onClick={onAnswer}
      >
        {answering ? t('agent.answering') : t('agent.answer')}
      </button>
    </li>
  );
}

/** Remote tracks by what they carry: the booth's camera with all audio, and the document camera. */
function useRoutedTracks(tracks: RemoteTrack[]) {
  const camera =
    tracks.find((t) => t.producer.source === 'camera' && t.producer.role === 'booth') ??
    tracks.find((t) => t.producer.source === 'camera');
  const mics = tracks.filter((t) => t.producer.source === 'mic');
  const doc = tracks.find((t) => t.producer.source === 'document');

  const main = (camera ? [camera, ...mics] : mics).map((t) => t.track);
  const mainKey = main.map((t) => t.id).join(',');
  // New streams only when the set of tracks changes (keyed by track ids), so playback is not restarted on every render.
  const mainStream = useMemo(() => (main.length > 0 ? new MediaStream(main) : null), [mainKey]);
  const docTrack = doc?.track;
  const documentStream = useMemo(() => (docTrack ? new MediaStream([docTrack]) : null), [docTrack]);
  return { mainStream, hasCamera: camera !== undefined, documentStream };
}

function CallView({ state, desk }: ViewProps) {
  const { t } = useTranslation();
  const now = useNow();
  const [confirming, setConfirming] = useState(false);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const { mainStream, hasCamera, documentStream } = useRoutedTracks(state.remoteTracks);

  const booth = state.session?.parties.find((p) => p.role === 'booth');
  const boothName = booth?.name ?? t('agent.boothFallbackName');
  const others = state.queue.length;

  useEffect(() => headingRef.current?.focus(), []);

  return (
    <section className="call-view" aria-labelledby="call-heading">
      <div className={documentStream ? 'call-videos with-document' : 'call-videos'}>
        <figure className="video-panel">
          <figcaption className="panel-title">{t('agent.residentVideo')}</figcaption>
          <div className="video-frame">
            <VideoView stream={mainStream} className="remote-video" data-testid="remote-video" aria-label={t('agent.residentVideo')} />
            {!hasCamera && (
              <div className="video-placeholder" role="status">
                {t('agent.remoteConnecting')}
              </div>
            )}
          </div>
        </figure>
        {documentStream && (
          <figure className="video-panel document-panel" data-testid="document-panel">
            <figcaption className="panel-title">{t('agent.documentVideo')}</figcaption>
            <div className="video-frame">
              <VideoView
                stream={documentStream}
                muted
                className="remote-video"
                data-testid="document-video"
                aria-label={t('agent.documentVideo')}
              />
            </div>
          </figure>
        )}
      </div>

      <aside className="call-side panel">
        <h2 id="call-heading" ref={headingRef} tabIndex={-1} data-testid="booth-name">
          {t('agent.inCallWith', { booth: boothName })}
        </h2>
        {booth && <p className="muted">{t('agent.boothId', { id: booth.userId })}</p>}
        <p className="duration" data-testid="call-duration">
          {t('agent.callDuration', { time: formatClock(now - (state.callStartedAt ?? now)) })}
        </p>
        <figure className="self-view">
          <VideoView stream={state.localStream} muted className="mirror" data-testid="local-video" aria-label={t('agent.selfVideo')} />
          <figcaption>{t('agent.selfVideo')}</figcaption>
        </figure>
        <button type="button" className="btn btn-danger btn-wide" data-testid="hangup-button" onClick={() => setConfirming(true)}>
          {t('agent.hangup')}
        </button>
        {others > 0 && <p className="muted">{t('agent.othersWaiting', { count: others })}</p>}
      </aside>

      {confirming && (
        <ConfirmDialog
          title={t('agent.confirmTitle')}
          confirmLabel={t('agent.confirmYes')}
          cancelLabel={t('agent.confirmNo')}
          onConfirm={() => {
            setConfirming(false);
            desk.hangup();
          }}
          onCancel={() => setConfirming(false)}
        >
          {t('agent.confirmBody')}
        </ConfirmDialog>
      )}
    </section>
  );
}
