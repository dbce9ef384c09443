/**
 * The 静默监听 panel of the supervisor area, next to the dashboard while a
 * call is monitored (monitor-session.ts holds the state): who is in the call,
 * its duration, every remote video labelled (muted <video>s; the sound plays
 * through separate <audio> elements behind a 「收听声音」 toggle), the
 * resident's chat read-only, and the 耳语 box (staff only, never the booth).
 * The resident is not shown the supervisor; joining and leaving are audited.
 */
import { useEffect, useId, useMemo, useRef, useState, useSyncExternalStore, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ChatMessage, PartyInfo } from '@xiaowu/shared';
import type { RemoteTrack } from '@xiaowu/shared/client';
import { formatClock } from '@xiaowu/shared/i18n';
import { useNow } from '@xiaowu/shared/ui';
import { type DashboardLive, useDashboardLive } from './dashboard-live';
import { beijingClock } from './DashboardView';
import type { MonitorError, MonitorSession, MonitorState } from './monitor-session';

/** Typed loosely where a key is built at run time. */
type LooseT = (key: string, opts?: Record<string, unknown>) => string;

const WHISPER_MAX = 1000;

function useMonitor(monitor: MonitorSession): MonitorState | undefined {
  return useSyncExternalStore(monitor.subscribe, monitor.getState);
}

function errorText(t: LooseT, code: MonitorError): string {
  const own = t(`supervisor.monitor.errors.${code}`);
  return own === `supervisor.monitor.errors.${code}` ? t(`supervisor.errors.${code}`) : own;
}

/** Booth camera, document camera, agent, interpreter, the rest. */
function videoRank(t: RemoteTrack): number {
  const { role, source } = t.producer;
  if (source === 'document') return 1;
  if (role === 'booth') return 0;
  if (role === 'agent') return 2;
  if (role === 'interpreter') return 3;
  return 4;
}

function videoLabel(t: LooseT, track: RemoteTrack, parties: PartyInfo[]): string {
  const { role, source, partyId } = track.producer;
  const name = parties.find((p) => p.partyId === partyId)?.name ?? t(`supervisor.parties.roles.${role}`);
  if (source === 'document') return t('supervisor.monitor.video.document');
  if (role === 'booth') return t('supervisor.monitor.video.boothCamera');
  if (role === 'agent' || role === 'interpreter' || role === 'supervisor') return t(`supervisor.monitor.video.${role}`, { name });
  return t('supervisor.monitor.video.other', { name });
}

/** A remote video: always muted (the sound goes through MonitorAudio), inline, playing as soon as frames come. */
function MonitorVideo({ track, label }: { track: RemoteTrack; label: string }) {
  const ref = useRef<HTMLVideoElement>(null);
  const stream = useMemo(() => new MediaStream([track.track]), [track.track]);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.muted = true;
    el.setAttribute('muted', ''); // React sets only the property
    if (el.srcObject !== stream) el.srcObject = stream;
    el.play().catch(() => undefined);
  }, [stream]);
  return (
    <figure className="monitor-video" data-testid="monitor-video-panel" data-source={track.producer.source} data-role={track.producer.role}>
      <figcaption className="panel-title">{label}</figcaption>
      <div className="video-frame">
        <video
          ref={ref}
          className="remote-video"
          data-testid="monitor-video"
          data-source={track.producer.source}
          data-role={track.producer.role}
          data-producer-id={track.producer.producerId}
          aria-label={label}
          autoPlay
          playsInline
          muted
        />
      </div>
    </figure>
  );
}

/**
 * The sound of one remote microphone; plays while `on` (the browser may refuse
 * without a gesture: `onBlocked`); a new `attempt` tries again (from a click).
 */
function MonitorAudio({ track, on, attempt, onBlocked }: { track: RemoteTrack; on: boolean; attempt: number; onBlocked(): void }) {
  const ref = useRef<HTMLAudioElement>(null);
  const stream = useMemo(() => new MediaStream([track.track]), [track.track]);
  const blocked = useRef(onBlocked);
  blocked.current = onBlocked;
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    if (el.srcObject !== stream) el.srcObject = stream;
    el.muted = !on;
    if (on) {
      el.play().catch((err: unknown) => {
        if ((err as { name?: string }).name === 'NotAllowedError') blocked.current();
      });
    } else el.pause();
  }, [stream, on, attempt]);
  return <audio ref={ref} data-testid="monitor-sound" data-role={track.producer.role} data-producer-id={track.producer.producerId} autoPlay />;
}

function Line({ m, selfId, t, testId }: { m: ChatMessage; selfId: string; t: LooseT; testId: string }) {
  const mine = m.from === selfId;
  const role = t(`supervisor.parties.roles.${m.role}`);
  const who = mine ? t('supervisor.monitor.whisper.you') : `${m.fromName}（${role}）`;
  return (
    <li className={mine ? 'monitor-line mine' : `monitor-line role-${m.role}`} data-testid={testId} data-role={m.role} data-mine={mine}>
      <span className="monitor-line-meta">
        <span className="monitor-line-who">{who}</span> <time dateTime={new Date(m.at).toISOString()}>{beijingClock(m.at)}</time>
      </span>
      <span className="monitor-line-text">{m.text}</span>
    </li>
  );
}

export function MonitorPanel({ monitor, live, selfId }: { monitor: MonitorSession; live: DashboardLive; selfId: string }) {
  const state = useMonitor(monitor);
  if (!state) return null;
  return <MonitorView key={state.sessionId} state={state} monitor={monitor} live={live} selfId={selfId} />;
}

function MonitorView({ state, monitor, live, selfId }: { state: MonitorState; monitor: MonitorSession; live: DashboardLive; selfId: string }) {
  const { t: tt } = useTranslation();
  const t = tt as unknown as LooseT;
  const ids = useId();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const opener = useRef<HTMLElement | null>(null);
  const { clockOffset, snapshot } = useDashboardLive(live);
  const now = useNow(state.phase === 'live' || state.phase === 'joining');
  const [audioOn, setAudioOn] = useState(true);
  const [audioBlocked, setAudioBlocked] = useState(false);
  const [audioAttempt, setAudioAttempt] = useState(0);
  const [text, setText] = useState('');
  const [sending, setSending] = useState(false);

  // Into the panel when it opens (from the 静默监听 button); back to that button when it closes.
  useEffect(() => {
    opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    headingRef.current?.focus();
  }, []);
  const close = () => {
    const back = opener.current;
    monitor.leave();
    if (back?.isConnected) back.focus();
  };

  const row = snapshot?.sessions.find((s) => s.sessionId === state.sessionId);
  const boothName = state.boothName ?? row?.boothName ?? t('supervisor.monitor.unknownBooth');
  const matterName = state.matterName ?? row?.matterName;
  const startedAt = state.session?.startedAt ?? row?.startedAt;
  // startedAt is on the server's clock.
  const elapsed = startedAt !== undefined ? (state.endedAt ?? now) + clockOffset - startedAt : undefined;

  const videos = useMemo(
    () => state.remoteTracks.filter((x) => x.producer.kind === 'video').sort((a, b) => videoRank(a) - videoRank(b)),
    [state.remoteTracks],
  );
  const sounds = state.remoteTracks.filter((x) => x.producer.kind === 'audio');
  const active = state.phase === 'joining' || state.phase === 'live';
  const canWhisper = state.phase === 'live' && !sending;

  const send = async (e: FormEvent) => {
    e.preventDefault();
    const line = text.trim();
    if (!line || !canWhisper) return;
    setSending(true);
    const ok = await monitor.whisper(line);
    setSending(false);
    if (ok) setText('');
  };

  const toggleAudio = () => {
    setAudioBlocked(false);
    // Refused by the browser: this click is the gesture it wanted; play again, stay on.
    if (audioOn && audioBlocked) setAudioAttempt((n) => n + 1);
    else setAudioOn(!audioOn);
  };

  return (
    <aside
      className="panel monitor-panel"
      data-testid="monitor-panel"
      data-session-id={state.sessionId}
      data-state={state.phase}
      data-media={state.media ?? ''}
      aria-labelledby={`${ids}-heading`}
    >
      <div className="panel-head monitor-head">
        <h2 id={`${ids}-heading`} ref={headingRef} tabIndex={-1}>
          {t('supervisor.monitor.heading', { booth: boothName })}
        </h2>
        <span className={`badge monitor-phase phase-${state.phase}`} role="status" data-testid="monitor-phase">
          {t(`supervisor.monitor.states.${state.phase}`)}
        </span>
        {active ? (
          <button type="button" className="btn btn-danger btn-small" data-testid="monitor-leave" onClick={close}>
            {t('supervisor.monitor.leave')}
          </button>
        ) : (
          <button type="button" className="btn btn-secondary btn-small" data-testid="monitor-close" onClick={close}>
            {t('supervisor.monitor.close')}
          </button>
        )}
      </div>

      <div className="monitor-body">
        <p className="alert alert-info monitor-notice" data-testid="monitor-notice">
          <span>
            <strong>{t('supervisor.monitor.notice')}</strong> {t('supervisor.monitor.audited')}
          </span>
        </p>
        {state.phase === 'error' && state.error && (
          <p className="alert alert-error" role="alert" data-testid="monitor-error" data-code={state.error}>
            {errorText(t, state.error)}
          </p>
        )}
        {state.phase === 'ended' && (
          <p className="alert alert-warning" role="status" data-testid="monitor-ended" data-reason={state.endReason}>
            {t(`supervisor.monitor.ended.${state.endReason ?? 'hangup'}`)}
          </p>
        )}

        <dl className="monitor-facts">
          {matterName && (
            <div>
              <dt>{t('supervisor.monitor.matter')}</dt>
              <dd data-testid="monitor-matter">{matterName}</dd>
            </div>
          )}
          {elapsed !== undefined && (
            <div>
              <dt>{t('supervisor.monitor.duration')}</dt>
              <dd className="monitor-duration" data-testid="monitor-duration">
                {formatClock(elapsed)}
              </dd>
            </div>
          )}
        </dl>

        {state.parties.length > 0 && (
          <section className="monitor-section" aria-labelledby={`${ids}-parties`}>
            <h3 id={`${ids}-parties`}>{t('supervisor.monitor.parties')}</h3>
            <ul className="monitor-parties" data-testid="monitor-parties">
              {state.parties.map((p) => {
                const me = p.partyId === state.session?.you.partyId;
                return (
                  <li key={p.partyId} data-testid="monitor-party" data-role={p.role} data-silent={!!p.silent}>
                    {me ? t('supervisor.monitor.you') : p.name}
                    <span className="muted">
                      {' '}
                      {t(`supervisor.parties.roles.${p.role}`)}
                      {!me && p.silent ? `（${t('supervisor.monitor.silent')}）` : ''}
                    </span>
                  </li>
                );
              })}
            </ul>
          </section>
        )}

        {active && (
          <section className="monitor-section" aria-labelledby={`${ids}-videos`}>
            <div className="monitor-section-head">
              <h3 id={`${ids}-videos`}>{t('supervisor.monitor.videos')}</h3>
              <button
                type="button"
                className={audioOn ? 'btn btn-primary btn-small' : 'btn btn-secondary btn-small'}
                data-testid="monitor-audio"
                aria-pressed={audioOn}
                onClick={toggleAudio}
              >
                {t('supervisor.monitor.audio')}
              </button>
            </div>
            <p className="visually-hidden" role="status">
              {t(audioOn ? 'supervisor.monitor.audioOn' : 'supervisor.monitor.audioOff')}
            </p>
            {audioBlocked && audioOn && (
              <p className="alert alert-warning" role="status" data-testid="monitor-audio-blocked">
                {t('supervisor.monitor.audioBlocked')}
              </p>
            )}
            {state.media && state.media !== 'connected' && (
              <p className="alert alert-warning" role="status" data-testid="monitor-media" data-state={state.media}>
                {t(`supervisor.monitor.media.${state.media}`)}
              </p>
            )}
            {state.mediaError && (
              <p className="alert alert-error" role="alert" data-testid="monitor-media-error" data-code={state.mediaError}>
                {t('supervisor.monitor.mediaError', { reason: errorText(t, state.mediaError) })}
              </p>
            )}
            {videos.length === 0 ? (
              <p className="muted" role="status">
                {t('supervisor.monitor.noVideo')}
              </p>
            ) : (
              <div className="monitor-videos" data-count={videos.length}>
                {videos.map((v) => (
                  <MonitorVideo key={v.producer.producerId} track={v} label={videoLabel(t, v, state.parties)} />
                ))}
              </div>
            )}
            {sounds.map((s) => (
              <MonitorAudio key={s.producer.producerId} track={s} on={audioOn} attempt={audioAttempt} onBlocked={() => setAudioBlocked(true)} />
            ))}
          </section>
        )}

        <section className="monitor-section" aria-labelledby={`${ids}-chat`}>
          <h3 id={`${ids}-chat`}>{t('supervisor.monitor.chat')}</h3>
          <div className="monitor-scroll" role="region" aria-labelledby={`${ids}-chat`} tabIndex={0}>
            <ol className="monitor-lines" data-testid="monitor-chat">
              {state.chat.length === 0 && <li className="muted">{t('supervisor.monitor.chatEmpty')}</li>}
              {state.chat.map((m, i) => (
                <Line key={`${m.at}-${m.from}-${i}`} m={m} selfId={selfId} t={t} testId="monitor-chat-message" />
              ))}
            </ol>
          </div>
        </section>

        <section className="monitor-section monitor-whispers" aria-labelledby={`${ids}-whisper`}>
          <h3 id={`${ids}-whisper`}>{t('supervisor.monitor.whisper.title')}</h3>
          <p className="muted monitor-hint" id={`${ids}-whisper-hint`}>
            {t('supervisor.monitor.whisper.hint')}
          </p>
          <div className="monitor-scroll" role="region" aria-label={t('supervisor.monitor.whisper.list')} tabIndex={0}>
            <ol className="monitor-lines" data-testid="monitor-whispers" aria-live="polite" aria-relevant="additions">
              {state.whispers.length === 0 && <li className="muted">{t('supervisor.monitor.whisper.empty')}</li>}
              {state.whispers.map((m, i) => (
                <Line key={`${m.at}-${m.from}-${i}`} m={m} selfId={selfId} t={t} testId="monitor-whisper" />
              ))}
            </ol>
          </div>
          {state.phase === 'live' && (
            <form className="monitor-whisper-form" onSubmit={(e) => void send(e)}>
              <label htmlFor={`${ids}-whisper-input`} className="visually-hidden">
                {t('supervisor.monitor.whisper.label')}
              </label>
              <input
                id={`${ids}-whisper-input`}
                className="field"
                data-testid="monitor-whisper-input"
                type="text"
                autoComplete="off"
                maxLength={WHISPER_MAX}
                placeholder={t('supervisor.monitor.whisper.placeholder')}
                aria-describedby={`${ids}-whisper-hint`}
                value={text}
                onChange={(e) => setText(e.target.value)}
              />
              <button type="submit" className="btn btn-primary" data-testid="monitor-whisper-send" disabled={!canWhisper || !text.trim()}>
                {sending ? t('supervisor.monitor.whisper.sending') : t('supervisor.monitor.whisper.send')}
              </button>
            </form>
          )}
          {state.whisperError && (
            <p className="alert alert-error" role="alert" data-testid="monitor-whisper-error" data-code={state.whisperError}>
              {t('supervisor.monitor.whisper.failed', { reason: errorText(t, state.whisperError) })}
            </p>
          )}
        </section>
      </div>
    </aside>
  );
}
