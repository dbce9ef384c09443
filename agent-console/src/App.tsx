import { useEffect, useId, useMemo, useRef, useState, useSyncExternalStore, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import {
  AWAY_REASONS,
  AgentStates,
  DISPOSITIONS,
  canTransition,
  type AgentState,
  type AwayReason,
  type CallOffer,
  type Disposition,
  type ManualAgentState,
} from '@xiaowu/shared';
import type { RemoteTrack } from '@xiaowu/shared/client';
import { LanguageSwitch, formatClock } from '@xiaowu/shared/i18n';
import type { AgentDesk, Connection, DeskState } from './agent-desk';
import { CaptionsToggle, CaptionsView, ChatPanel, ConfirmDialog, VideoView, useCaptions, useNow } from '@xiaowu/shared/ui';
import { CaseReviewPanel, WrapUpCase, currentCase, useCaseReview } from './CaseReview';

interface AppProps {
  desk: AgentDesk;
  onLogout(): void;
}

/** Reasons an agent may choose for 示忙 ('missed-offer' is set by the server). */
const CHOOSABLE_AWAY_REASONS = AWAY_REASONS.filter((r): r is Exclude<AwayReason, 'missed-offer'> => r !== 'missed-offer');

export function App({ desk, onLogout }: AppProps) {
  const state = useSyncExternalStore(desk.subscribe, desk.getState);
  const { t } = useTranslation();
  const inCall = state.phase === 'in-call' && state.session !== undefined;
  const agentState = state.status?.state ?? 'offline';
  const title = desk.isInterpreter ? t('agent.interp.workbenchTitle') : t('agent.title');
  const offerTitle = state.offer?.skill === 'interpreter' ? t('agent.interp.offerTitle') : t('agent.offer.title');

  // The tab title shows a ringing call, so it is noticed from another tab too.
  useEffect(() => {
    document.title = state.offer && !inCall ? `【${offerTitle}】${title}` : title;
  }, [title, offerTitle, inCall, state.offer]);

  return (
    <div className="app" data-testid="call-state" data-state={inCall ? 'in-call' : 'idle'}>
      <header className="topbar">
        <h1 className="app-title" data-testid="app-title" data-role={desk.user.role}>
          {title}
        </h1>
        <div className="topbar-right">
          <span className="agent-name" data-testid="agent-name">
            {desk.isInterpreter ? t('agent.interp.label', { name: desk.user.name }) : t('agent.agentLabel', { name: desk.user.name })}
          </span>
          <ConnectionStatus connection={state.connection} />
          <LanguageSwitch />
          <button
            type="button"
            className="btn btn-topbar"
            data-testid="logout-button"
            disabled={state.phase !== 'idle'}
            title={state.phase !== 'idle' ? t('agent.logoutInCall') : undefined}
            onClick={onLogout}
          >
            {t('agent.logout')}
          </button>
        </div>
      </header>

      <StateBar state={state} desk={desk} />
      <Messages state={state} onDismiss={() => desk.dismissMessages()} />

      <main className="main">
        {inCall ? (
          <CallView state={state} desk={desk} />
        ) : (
          <div className="desk-grid">
            <div className="desk-work">
              {state.offer ? (
                <OfferPanel key={state.offer.callId} offer={state.offer} state={state} desk={desk} />
              ) : agentState === 'wrap-up' && state.status ? (
                <WrapUpForm key={state.status.since} state={state} desk={desk} />
              ) : (
                <section className="panel idle-card" aria-live="polite">
                  <p className={`idle-hint idle-${agentState}`}>{t(`agent.state.hint.${agentState}`)}</p>
                </section>
              )}
            </div>
            <QueueOverview state={state} skills={desk.user.skills} />
          </div>
        )}
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

interface ViewProps {
  state: DeskState;
  desk: AgentDesk;
}

/** Text for a state reason, if it is one we know (reasons set by the server included). */
function useReasonText(reason: string | undefined): string | undefined {
  const { t, i18n } = useTranslation();
  if (!reason) return undefined;
  if (i18n.exists(`agent.state.reasons.${reason}`)) return t(`agent.state.reasons.${reason as AwayReason}`);
  if (i18n.exists(`agent.state.autoReasons.${reason}`)) return t(`agent.state.autoReasons.${reason as 'declined'}`);
  return undefined;
}

// ── state bar: 示闲 / 示忙 / 下线 ─────────────────────────────────────────────

function StateBar({ state, desk }: ViewProps) {
  const { t } = useTranslation();
  const now = useNow();
  const reasonId = useId();
  const [reason, setReason] = useState<AwayReason>('break');
  const status = state.status;
  const current: AgentState = status?.state ?? 'offline';
  const reasonText = useReasonText(current === 'away' || current === 'offline' ? status?.reason : undefined);
  const online = state.connection === 'online' && status !== undefined;

  const can = (to: ManualAgentState) => {
    if (!online || state.busy || state.phase !== 'idle' || current === to) return false;
    // Ringing: answer or decline. Wrap-up: the form's button is the way back to 示闲.
    if (current === 'offered' || (current === 'wrap-up' && to === 'available')) return false;
    return canTransition(current, to);
  };

  return (
    <section className="state-bar" aria-label={t('agent.state.label')}>
      <div className="state-current">
        <span className="state-label">{t('agent.state.label')}</span>
        <span className={`state-pill state-${current}`} data-testid="agent-state" data-state={current} role="status" aria-live="polite">
          <span className="state-dot" aria-hidden="true" />
          {t(`agent.state.names.${current}`)}
          {reasonText && <span className="state-reason"> · {reasonText}</span>}
        </span>
        {status && <span className="state-since">{t('agent.state.since', { time: formatClock(now - status.since) })}</span>}
      </div>
      <div className="state-actions">
        <button
          type="button"
          className="btn btn-available"
          data-testid="state-available"
          disabled={!can('available')}
          onClick={() => void desk.setState('available')}
        >
          {t('agent.state.setAvailable')}
        </button>
        <span className="away-group">
          <label htmlFor={reasonId} className="away-label">
            {t('agent.state.awayReason')}
          </label>
          <select id={reasonId} data-testid="away-reason" value={reason} onChange={(e) => setReason(e.target.value as AwayReason)}>
            {CHOOSABLE_AWAY_REASONS.map((r) => (
              <option key={r} value={r}>
                {t(`agent.state.reasons.${r}`)}
              </option>
            ))}
          </select>
          <button
            type="button"
            className="btn btn-away"
            data-testid="state-away"
            disabled={!can('away')}
            onClick={() => void desk.setState('away', reason)}
          >
            {t('agent.state.setAway')}
          </button>
        </span>
        <button
          type="button"
          className="btn btn-secondary"
          data-testid="state-offline"
          disabled={!can('offline')}
          onClick={() => void desk.setState('offline')}
        >
          {t('agent.state.setOffline')}
        </button>
      </div>
    </section>
  );
}

function Messages({ state, onDismiss }: { state: DeskState; onDismiss(): void }) {
  const { t } = useTranslation();
  const close = (
    <button type="button" className="btn-icon" aria-label={t('common.close')} onClick={onDismiss}>
      ×
    </button>
  );
  return (
    <div className="messages" aria-live="polite">
      {state.fatal && (
        <div className="alert alert-error" role="alert">
          <span>
            <strong>{t('agent.signInFailed')}</strong> {t(state.fatal)}
          </span>
        </div>
      )}
      {state.error && (
        <div className="alert alert-error" role="alert" data-testid="error-message">
          <span>{t(state.error)}</span>
          {close}
        </div>
      )}
      {state.offerWithdrawn && (
        <div
          className={state.offerWithdrawn === 'missed' ? 'alert alert-warning' : 'alert alert-info'}
          role={state.offerWithdrawn === 'missed' ? 'alert' : 'status'}
          data-testid="offer-withdrawn"
          data-reason={state.offerWithdrawn}
        >
          <span>{state.offerWithdrawn === 'missed' ? t('agent.offer.withdrawnMissed') : t('agent.offer.withdrawnCancelled')}</span>
          {close}
        </div>
      )}
      {state.wrapUpTimedOut && (
        <div className="alert alert-info" data-testid="wrapup-timeout">
          <span>{t('agent.wrapUp.timedOut')}</span>
          {close}
        </div>
      )}
      {state.lastEnd === 'transferred' && (
        <div className="alert alert-success" role="status" data-testid="transfer-done">
          <span>
            <strong>{t('agent.transfer.done')}</strong>
          </span>
          {close}
        </div>
      )}
      {!state.error && state.lastEnd && state.lastEnd !== 'transferred' && state.status?.state !== 'wrap-up' && (
        <div className="alert alert-info" data-testid="end-notice">
          <span>
            <strong>{t('agent.callEnded')}</strong> · {t(`agent.endReason.${state.lastEnd}`)}
          </span>
          {close}
        </div>
      )}
    </div>
  );
}

// ── ringing ───────────────────────────────────────────────────────────────────

function OfferBadges({ offer }: { offer: Pick<CallOffer, 'priority' | 'reqs' | 'signVariant'> }) {
  const { t } = useTranslation();
  const languages = offer.reqs.filter((r) => r.startsWith('lang:')).map((r) => r.slice(5));
  if (!offer.priority && !offer.reqs.includes('sign') && languages.length === 0 && !offer.signVariant) return null;
  return (
    <p className="badges">
      {offer.priority && (
        <span className="badge badge-priority" data-testid="badge-priority">
          {t('agent.offer.priority')}
        </span>
      )}
      {offer.reqs.includes('sign') && (
        <span className="badge badge-sign" data-testid="badge-sign">
          {t('agent.offer.sign')}
        </span>
      )}
      {languages.map((code) => (
        <span key={code} className="badge badge-sign">
          {t('agent.offer.language', { code })}
        </span>
      ))}
      {offer.signVariant && (
        <span className="badge badge-sign" data-testid="badge-sign-variant" data-variant={offer.signVariant}>
          {t('access.console.signVariantBadge', { name: t(`access.sign.variants.${offer.signVariant}`) })}
        </span>
      )}
    </p>
  );
}

function matterText(t: ReturnType<typeof useTranslation>['t'], offer: Pick<CallOffer, 'matterId' | 'matterName'>): string {
  // Typed loosely: the full key union of `t` here is too deep for the compiler.
  return offer.matterId === 'consult' ? (t as unknown as (key: string) => string)('agent.offer.consult') : offer.matterName;
}

function OfferPanel({ offer, state, desk }: { offer: CallOffer } & ViewProps) {
  const { t } = useTranslation();
  const now = useNow();
  const titleId = useId();
  const descId = useId();
  const answerRef = useRef<HTMLButtonElement>(null);
  const answering = state.phase === 'answering';
  const forInterpreter = offer.skill === 'interpreter';
  const left = Math.max(0, Math.ceil((offer.expiresAt - now) / 1000));
  // The bar starts full when the offer appears and empties towards expiresAt.
  const [total] = useState(() => Math.max(1, Math.ceil((offer.expiresAt - Date.now()) / 1000)));

  // Keyboard users land on 「接听」 when a call rings (offers only come to an idle desk).
  useEffect(() => answerRef.current?.focus(), []);

  return (
    <section
      className="panel offer-panel"
      role="alertdialog"
      aria-labelledby={titleId}
      aria-describedby={descId}
      data-testid="offer-panel"
      data-call-id={offer.callId}
      data-kind={forInterpreter ? 'interpreter' : 'call'}
    >
      <div className="offer-head">
        <span className="ring-mark" aria-hidden="true" />
        <h2 id={titleId}>{forInterpreter ? t('agent.interp.offerTitle') : t('agent.offer.title')}</h2>
        <span className="offer-seconds" data-testid="offer-countdown" aria-hidden="true">
          {left}
        </span>
      </div>
      <div id={descId} className="offer-body">
        <p className="offer-booth" data-testid="offer-booth">
          {t('agent.offer.booth', { name: offer.boothName })}
        </p>
        <p className="offer-matter" data-testid="offer-matter">
          {t('agent.offer.matter', { name: matterText(t, offer) })}
        </p>
        {forInterpreter && offer.signVariant && (
          <p className="offer-sign-variant" data-testid="offer-sign-variant" data-variant={offer.signVariant}>
            {t('access.console.signVariant', { name: t(`access.sign.variants.${offer.signVariant}`) })}
          </p>
        )}
        {forInterpreter ? (
          <p className="offer-interp-hint" data-testid="offer-interp-hint">
            {t('agent.interp.offerHint')}
          </p>
        ) : (
          <p className="muted">{t('agent.offer.waited', { time: formatClock(now - offer.waitingSince) })}</p>
        )}
        <OfferBadges offer={forInterpreter ? { ...offer, signVariant: undefined } : offer} />
        {offer.transfer && (
          <div className="transfer-note">
            <p>{t('agent.offer.transferFrom', { name: offer.transfer.fromName })}</p>
            {offer.transfer.note && <p>{t('agent.offer.transferNote', { note: offer.transfer.note })}</p>}
          </div>
        )}
        <p className="offer-countdown-text">{t('agent.offer.countdown', { seconds: left })}</p>
        <div className="countdown-bar" aria-hidden="true">
          <span style={{ width: `${Math.min(100, (left / total) * 100)}%` }} />
        </div>
      </div>
      <div className="offer-actions">
        <button
          ref={answerRef}
          type="button"
          className="btn btn-answer"
          data-testid="answer-button"
          aria-busy={answering || undefined}
          disabled={answering || state.connection !== 'online'}
          onClick={() => void desk.answer()}
        >
          {answering ? t('agent.offer.answering') : t('agent.offer.answer')}
        </button>
        <button type="button" className="btn btn-secondary btn-decline" data-testid="decline-button" disabled={answering} onClick={() => void desk.decline()}>
          {t('agent.offer.decline')}
        </button>
      </div>
    </section>
  );
}

// ── wrap-up ───────────────────────────────────────────────────────────────────

function WrapUpForm({ state, desk }: ViewProps) {
  const { t } = useTranslation();
  const now = useNow();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const noteId = useId();
  const errorId = useId();
  // A call handed on to another agent is most likely 已转办; the agent can still choose otherwise.
  const [disposition, setDisposition] = useState<Disposition | undefined>(() => (state.lastCall?.endReason === 'transferred' ? 'referred' : undefined));
  const [note, setNote] = useState('');
  const [missing, setMissing] = useState(false);
  const until = state.status?.until;
  const last = state.lastCall;

  useEffect(() => headingRef.current?.focus(), []);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!disposition) {
      setMissing(true);
      return;
    }
    void desk.wrapUp(disposition, note);
  };

  return (
    <form className="panel wrapup" data-testid="wrapup-form" onSubmit={submit} noValidate>
      <div className="panel-head">
        <h2 ref={headingRef} tabIndex={-1}>
          {t('agent.wrapUp.title')}
        </h2>
        {until !== undefined && (
          <span className="badge badge-active" data-testid="wrapup-countdown">
            {t('agent.wrapUp.countdown', { seconds: Math.max(0, Math.ceil((until - now) / 1000)) })}
          </span>
        )}
      </div>
      <div className="wrapup-body">
        {last && last.boothName && (
          <p className="muted">
            {t('agent.wrapUp.lastCall', {
              booth: last.boothName,
              matter: last.matterId === 'consult' ? t('agent.offer.consult') : last.matterName,
            })}
          </p>
        )}
        <WrapUpCase review={desk.review} />
        <fieldset className="dispositions" aria-describedby={missing ? errorId : undefined}>
          <legend>{t('agent.wrapUp.disposition')}</legend>
          {DISPOSITIONS.map((d) => (
            <label key={d} className={disposition === d ? 'radio checked' : 'radio'}>
              <input
                type="radio"
                name="disposition"
                value={d}
                checked={disposition === d}
                data-testid={`disposition-${d}`}
                onChange={() => {
                  setDisposition(d);
                  setMissing(false);
                }}
              />
              {t(`agent.wrapUp.dispositions.${d}`)}
            </label>
          ))}
        </fieldset>
        {missing && (
          <p id={errorId} className="field-error" role="alert">
            {t('agent.wrapUp.required')}
          </p>
        )}
        <label htmlFor={noteId} className="field-label">
          {t('agent.wrapUp.note')}
        </label>
        <textarea id={noteId} data-testid="wrapup-note" rows={3} maxLength={500} value={note} onChange={(e) => setNote(e.target.value)} />
        <div className="wrapup-actions">
          <button type="submit" className="btn btn-primary" data-testid="wrapup-submit" aria-busy={state.busy || undefined} disabled={state.busy}>
            {state.busy ? t('agent.wrapUp.submitting') : t('agent.wrapUp.submit')}
          </button>
        </div>
      </div>
    </form>
  );
}

// ── queue overview ────────────────────────────────────────────────────────────

function QueueOverview({ state, skills }: { state: DeskState; skills: string[] }) {
  const { t } = useTranslation();
  const queue = state.queue;
  const rows = useMemo(() => [...(queue?.skills ?? [])].sort((a, b) => b.longestWaitSec - a.longestWaitSec), [queue]);
  const receivedAt = useMemo(() => Date.now(), [queue]);
  const now = useNow(rows.length > 0);
  const total = rows.reduce((n, r) => n + r.waiting, 0);
  const mine = new Set([...skills, 'consult']);
  const skillName = (skill: string) => (skill === 'consult' ? t('agent.queue.consult') : (state.skillNames[skill] ?? skill));

  return (
    <section className="panel queue-panel" aria-labelledby="queue-heading">
      <div className="panel-head">
        <h2 id="queue-heading">{t('agent.queue.title')}</h2>
        <span className={total > 0 ? 'badge badge-active' : 'badge'} data-testid="queue-total">
          {t('agent.queue.total', { count: total })}
        </span>
      </div>
      <table className="queue-table" data-testid="queue-list" aria-labelledby="queue-heading">
        <thead>
          <tr>
            <th scope="col">{t('agent.queue.skill')}</th>
            <th scope="col" className="num">
              {t('agent.queue.waiting')}
            </th>
            <th scope="col" className="num">
              {t('agent.queue.longest')}
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr>
              <td colSpan={3} className="queue-empty" data-testid="queue-empty">
                {t('agent.queue.empty')}
              </td>
            </tr>
          ) : (
            rows.map((r) => (
              <tr key={r.skill} data-testid="queue-row" data-skill={r.skill}>
                <th scope="row">
                  {skillName(r.skill)}
                  {mine.has(r.skill) && <span className="tag-mine">{t('agent.queue.mine')}</span>}
                </th>
                <td className="num">{r.waiting}</td>
                <td className="num">{formatClock((r.longestWaitSec * 1000) + (now - receivedAt))}</td>
              </tr>
            ))
          )}
        </tbody>
      </table>
      <h3 className="subhead">{t('agent.queue.agentsTitle')}</h3>
      <ul className="agent-counts" data-testid="agent-counts">
        {AgentStates.map((s) => (
          <li key={s} className={`count-${s}`}>
            <span className={`state-dot state-${s}`} aria-hidden="true" />
            <span>{t(`agent.state.names.${s}`)}</span>
            <strong>{queue?.agents[s] ?? 0}</strong>
          </li>
        ))}
      </ul>
    </section>
  );
}

// ── in call ───────────────────────────────────────────────────────────────────

/** Remote tracks by who sends them and what they carry (producer role + source). */
function useRoutedTracks(tracks: RemoteTrack[]) {
  const cameraOf = (role: string) => tracks.find((t) => t.producer.source === 'camera' && t.producer.role === role);
  // The resident's camera; without one, any camera that is not staff's (never the interpreter's or an agent's).
  const camera = cameraOf('booth') ?? tracks.find((t) => t.producer.source === 'camera' && t.producer.role !== 'interpreter' && t.producer.role !== 'agent');
  const agentCamera = cameraOf('agent');
  const interpreterCamera = cameraOf('interpreter');
  const mics = tracks.filter((t) => t.producer.source === 'mic');
  const doc = tracks.find((t) => t.producer.source === 'document');

  const main = (camera ? [camera, ...mics] : mics).map((t) => t.track);
  const mainKey = main.map((t) => t.id).join(',');
  // New streams only when the set of tracks changes (keyed by track ids), so playback is not restarted on every render.
  const mainStream = useMemo(() => (main.length > 0 ? new MediaStream(main) : null), [mainKey]);
  const docTrack = doc?.track;
  const documentStream = useMemo(() => (docTrack ? new MediaStream([docTrack]) : null), [docTrack]);
  const agentTrack = agentCamera?.track;
  const agentStream = useMemo(() => (agentTrack ? new MediaStream([agentTrack]) : null), [agentTrack]);
  const interpTrack = interpreterCamera?.track;
  const interpreterStream = useMemo(() => (interpTrack ? new MediaStream([interpTrack]) : null), [interpTrack]);
  return { mainStream, hasCamera: camera !== undefined, documentStream, agentStream, interpreterStream };
}

const QUICK_PHRASES = ['idCard', 'scanner', 'checking', 'screen'] as const;

function CallView({ state, desk }: ViewProps) {
  const { t } = useTranslation();
  const now = useNow();
  const [confirming, setConfirming] = useState(false);
  const [transferring, setTransferring] = useState(false);
  const transfer = state.transfer;
  const headingRef = useRef<HTMLHeadingElement>(null);
  const { mainStream, hasCamera, documentStream, agentStream, interpreterStream } = useRoutedTracks(state.remoteTracks);
  const interpreter = desk.isInterpreter;
  const sessionId = state.session?.sessionId;
  const interp = state.interp && state.interp.sessionId === sessionId ? state.interp : undefined;
  const interpreterParty = state.session?.parties.find((p) => p.role === 'interpreter');
  const interpreterName = interp?.name ?? interpreterParty?.name ?? '';
  const showInterpreter = !interpreter && (interpreterStream !== null || interp?.state === 'joined');
  const showAgent = interpreter;
  const extraPanels = (documentStream ? 1 : 0) + (showInterpreter ? 1 : 0) + (showAgent ? 1 : 0);

  const booth = state.session?.parties.find((p) => p.role === 'booth');
  const boothAway = state.away?.some((p) => p.role === 'booth') ?? false;
  const boothName = booth?.name ?? state.call?.boothName ?? t('agent.boothFallbackName');
  const others = (state.queue?.skills ?? []).reduce((n, r) => n + r.waiting, 0);
  const quickPhrases = QUICK_PHRASES.map((key) => ({ key, text: t(`agent.quickPhrases.${key}`) }));
  const captions = useCaptions(desk.signaling, sessionId);

  const review = useCaseReview(desk.review);
  const hasCase = !interpreter && currentCase(review) !== undefined;

  useEffect(() => headingRef.current?.focus(), []);

  return (
    <section className={hasCase ? 'call-view with-case' : 'call-view'} aria-labelledby="call-heading">
      <div className="call-main">
        {(state.reconnecting || state.mediaTrouble) && (
          <p className="alert alert-warning call-network" role="status" data-testid="reconnecting">
            {t('access.reconnect.banner')}
          </p>
        )}
        {boothAway && (
          <p className="alert alert-warning call-network" role="status" data-testid="party-away">
            {t('access.reconnect.boothAway')}
          </p>
        )}
        <div className={extraPanels > 0 ? 'call-videos with-document' : 'call-videos'} data-panels={extraPanels + 1}>
          <figure className="video-panel">
            <figcaption className="panel-title">{t('agent.residentVideo')}</figcaption>
            <div className="video-frame">
              <VideoView stream={mainStream} className="remote-video" data-testid="remote-video" aria-label={t('agent.residentVideo')} />
              {state.session?.recording && (
                <p className="recording-badge" data-testid="recording-indicator" role="status">
                  <span className="recording-dot" aria-hidden="true" />
                  {t('agent.recording')}
                </p>
              )}
              {!hasCamera && (
                <div className="video-placeholder" role="status">
                  {t('agent.remoteConnecting')}
                </div>
              )}
            </div>
          </figure>
          {showAgent && (
            <figure className="video-panel small-panel" data-testid="agent-panel">
              <figcaption className="panel-title">{t('agent.interp.agentVideo')}</figcaption>
              <div className="video-frame">
                <VideoView stream={agentStream} muted className="remote-video" data-testid="agent-video" aria-label={t('agent.interp.agentVideo')} />
              </div>
            </figure>
          )}
          {showInterpreter && (
            <figure className="video-panel small-panel" data-testid="interpreter-panel">
              <figcaption className="panel-title">{t('agent.interp.video')}</figcaption>
              <div className="video-frame">
                <VideoView stream={interpreterStream} muted className="remote-video" data-testid="interpreter-video" aria-label={t('agent.interp.video')} />
              </div>
            </figure>
          )}
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
        <CaptionsView captions={captions} className="console-captions" />
        <ChatPanel
          className="panel"
          messages={state.chat}
          selfId={desk.user.userId}
          onSend={(text) => desk.sendChat(text)}
          quickPhrases={interpreter ? undefined : quickPhrases}
          quickPhrasesTitle={t('agent.quickPhrasesTitle')}
          disabled={state.connection !== 'online'}
        />
        {/* 耳语: shown once a supervisor listening in has whispered (staff only; the booth never gets these). */}
        {state.whispers && state.whispers.length > 0 && (
          <ChatPanel
            className="panel whisper-panel"
            variant="whisper"
            messages={state.whispers}
            selfId={desk.user.userId}
            onSend={(text) => desk.sendWhisper(text)}
            disabled={state.connection !== 'online'}
          />
        )}
      </div>

      {hasCase && <CaseReviewPanel review={desk.review} state={review} live={state.connection === 'online'} />}

      <aside className="call-side panel">
        <h2 id="call-heading" ref={headingRef} tabIndex={-1} data-testid="booth-name">
          {interpreter ? t('agent.interp.inCallWith', { booth: boothName }) : t('agent.inCallWith', { booth: boothName })}
        </h2>
        {state.call && (
          <p className="call-matter" data-testid="call-matter">
            {t('agent.inCallMatter', { name: matterText(t, state.call) })}
          </p>
        )}
        {state.call && <OfferBadges offer={state.call} />}
        {booth && <p className="muted">{t('agent.boothId', { id: booth.userId })}</p>}
        <p className="duration" data-testid="call-duration">
          {t('agent.callDuration', { time: formatClock(now - (state.callStartedAt ?? now)) })}
        </p>
        <figure className="self-view">
          <VideoView stream={state.localStream} muted className="mirror" data-testid="local-video" aria-label={t('agent.selfVideo')} />
          <figcaption>{t('agent.selfVideo')}</figcaption>
        </figure>
        {!interpreter && interp && (
          <p
            className={interp.state === 'searching' ? 'alert alert-warning' : interp.state === 'joined' ? 'alert alert-success' : 'alert alert-info'}
            role="status"
            data-testid="interp-status"
            data-state={interp.state}
          >
            {interp.state === 'searching'
              ? t('agent.interp.inviting')
              : interp.state === 'joined'
                ? t('agent.interp.joined', { name: interpreterName })
                : t('agent.interp.left', { name: interpreterName })}
          </p>
        )}
        {transfer?.state === 'pending' && (
          <div className="alert alert-warning transfer-pending" role="status" data-testid="transfer-pending">
            <span>
              <strong>{t('agent.transfer.pending')}</strong>
              <br />
              {t('agent.transfer.pendingTo', { name: transfer.label })}
            </span>
          </div>
        )}
        <div className="call-actions">
          <CaptionsToggle captions={captions} className="btn btn-secondary btn-wide" />
          {!interpreter && (
            <button
              type="button"
              className="btn btn-secondary btn-wide"
              data-testid="invite-interpreter"
              aria-busy={state.inviting || undefined}
              disabled={state.inviting || interp?.state === 'searching' || interp?.state === 'joined' || state.connection !== 'online'}
              onClick={() => void desk.inviteInterpreter()}
            >
              {interp?.state === 'searching' ? t('agent.interp.inviting') : t('agent.interp.invite')}
            </button>
          )}
          {!interpreter && (
            <button
              type="button"
              className="btn btn-secondary btn-wide"
              data-testid="transfer-button"
              aria-haspopup="dialog"
              disabled={transfer !== undefined || state.connection !== 'online'}
              onClick={() => setTransferring(true)}
            >
              {transfer ? t('agent.transfer.buttonPending') : t('agent.transfer.button')}
            </button>
          )}
          <button type="button" className="btn btn-danger btn-wide" data-testid="hangup-button" onClick={() => setConfirming(true)}>
            {interpreter ? t('agent.interp.leave') : t('agent.hangup')}
          </button>
        </div>
        {!interpreter && others > 0 && <p className="muted">{t('agent.othersWaiting', { count: others })}</p>}
      </aside>

      {transferring && <TransferDialog state={state} desk={desk} onClose={() => setTransferring(false)} />}
      {confirming && (
        <ConfirmDialog
          title={interpreter ? t('agent.interp.leaveTitle') : t('agent.confirmTitle')}
          confirmLabel={interpreter ? t('agent.interp.leaveYes') : t('agent.confirmYes')}
          cancelLabel={t('agent.confirmNo')}
          onConfirm={() => {
            setConfirming(false);
            desk.hangup();
          }}
          onCancel={() => setConfirming(false)}
        >
          {interpreter ? t('agent.interp.leaveBody') : t('agent.confirmBody')}
        </ConfirmDialog>
      )}
    </section>
  );
}

// ── transfer (转接) ────────────────────────────────────────────────────────────

const AGENT_ID_RE = /^[A-Za-z0-9_.:-]{1,64}$/;
const NOTE_MAX = 500;

type TransferProblem = 'skillRequired' | 'agentRequired' | 'agentInvalid' | 'self' | 'noteRequired';

/** 「转接」: a queue (咨询 or a department) or a named agent, and a note for the next agent. */
function TransferDialog({ state, desk, onClose }: ViewProps & { onClose(): void }) {
  const { t } = useTranslation();
  const ref = useRef<HTMLDialogElement>(null);
  const ids = useId();
  const agentRef = useRef<HTMLInputElement>(null);
  const noteRef = useRef<HTMLTextAreaElement>(null);
  const firstSkillRef = useRef<HTMLInputElement>(null);
  const [kind, setKind] = useState<'skill' | 'agent'>('skill');
  const [skill, setSkill] = useState('');
  const [agentId, setAgentId] = useState('');
  const [note, setNote] = useState('');
  const [tried, setTried] = useState(false);
  const sending = state.transfer?.state === 'sending';

  useEffect(() => {
    const dialog = ref.current;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (dialog && !dialog.open) dialog.showModal();
    desk.clearTransferError();
    return () => {
      dialog?.close();
      if (opener?.isConnected && !opener.hasAttribute('disabled')) opener.focus();
      else document.getElementById('call-heading')?.focus();
    };
  }, [desk]);

  const targets = [{ skill: 'consult', name: t('agent.transfer.consult') }, ...state.transferTargets];
  const waitingOf = (s: string) => state.queue?.skills.find((r) => r.skill === s)?.waiting ?? 0;
  const id = agentId.trim();
  const targetProblem: TransferProblem | undefined =
    kind === 'skill'
      ? skill
        ? undefined
        : 'skillRequired'
      : !id
        ? 'agentRequired'
        : !AGENT_ID_RE.test(id)
          ? 'agentInvalid'
          : id === desk.user.userId
            ? 'self'
            : undefined;
  const noteProblem: TransferProblem | undefined = note.trim() ? undefined : 'noteRequired';
  const showTarget = tried && targetProblem !== undefined;
  const showNote = tried && noteProblem !== undefined;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (sending) return;
    setTried(true);
    if (targetProblem) {
      (kind === 'skill' ? firstSkillRef.current : agentRef.current)?.focus();
      return;
    }
    if (noteProblem) {
      noteRef.current?.focus();
      return;
    }
    const label = kind === 'skill' ? (targets.find((x) => x.skill === skill)?.name ?? skill) : id;
    const ok = await desk.transfer(kind === 'skill' ? { skill } : { agentId: id }, note, label);
    if (ok) onClose();
  };

  return (
    <dialog
      ref={ref}
      className="confirm transfer-dialog"
      data-testid="transfer-dialog"
      aria-labelledby={`${ids}-title`}
      aria-describedby={`${ids}-intro`}
      onCancel={(e) => {
        e.preventDefault();
        if (!sending) onClose();
      }}
    >
      <form onSubmit={(e) => void submit(e)} noValidate>
        <h2 id={`${ids}-title`}>{t('agent.transfer.title')}</h2>
        <p id={`${ids}-intro`}>{t('agent.transfer.intro')}</p>

        <fieldset className="transfer-kind">
          <legend>{t('agent.transfer.kind')}</legend>
          {(['skill', 'agent'] as const).map((k) => (
            <label key={k} className={kind === k ? 'radio checked' : 'radio'}>
              <input
                type="radio"
                name={`${ids}-kind`}
                value={k}
                checked={kind === k}
                data-testid={`transfer-kind-${k}`}
                onChange={() => {
                  setKind(k);
                  desk.clearTransferError();
                }}
              />
              {k === 'skill' ? t('agent.transfer.toSkill') : t('agent.transfer.toAgent')}
            </label>
          ))}
        </fieldset>

        {kind === 'skill' ? (
          <fieldset className="transfer-skills" aria-describedby={showTarget ? `${ids}-target-error` : undefined} aria-invalid={showTarget || undefined}>
            <legend>{t('agent.transfer.skill')}</legend>
            {targets.map((x, i) => {
              const waiting = waitingOf(x.skill);
              return (
                <label key={x.skill} className={skill === x.skill ? 'radio checked' : 'radio'}>
                  <input
                    ref={i === 0 ? firstSkillRef : undefined}
                    type="radio"
                    name={`${ids}-skill`}
                    value={x.skill}
                    checked={skill === x.skill}
                    data-testid={`transfer-skill-${x.skill}`}
                    onChange={() => {
                      setSkill(x.skill);
                      desk.clearTransferError();
                    }}
                  />
                  <span className="transfer-skill-name">{x.name}</span>
                  {waiting > 0 && <span className="transfer-skill-waiting">{t('agent.transfer.skillWaiting', { count: waiting })}</span>}
                </label>
              );
            })}
          </fieldset>
        ) : (
          <div className="transfer-field">
            <label htmlFor={`${ids}-agent`} className="field-label">
              {t('agent.transfer.agentId')}
            </label>
            <input
              id={`${ids}-agent`}
              ref={agentRef}
              className="field"
              data-testid="transfer-agent"
              autoComplete="off"
              spellCheck={false}
              maxLength={64}
              value={agentId}
              aria-invalid={showTarget || undefined}
              aria-describedby={`${ids}-agent-hint${showTarget ? ` ${ids}-target-error` : ''}`}
              onChange={(e) => {
                setAgentId(e.target.value);
                desk.clearTransferError();
              }}
            />
            <span id={`${ids}-agent-hint`} className="muted">
              {t('agent.transfer.agentIdHint')}
            </span>
          </div>
        )}
        {showTarget && (
          <p id={`${ids}-target-error`} className="field-error" role="alert">
            {t(`agent.transfer.${targetProblem}`)}
          </p>
        )}

        <div className="transfer-field">
          <label htmlFor={`${ids}-note`} className="field-label">
            {t('agent.transfer.note')}
          </label>
          <span id={`${ids}-note-hint`} className="muted">
            {t('agent.transfer.noteHint')}
          </span>
          <textarea
            id={`${ids}-note`}
            ref={noteRef}
            data-testid="transfer-note"
            rows={4}
            maxLength={NOTE_MAX}
            required
            aria-required="true"
            aria-invalid={showNote || undefined}
            aria-describedby={`${ids}-note-hint ${ids}-note-count${showNote ? ` ${ids}-note-error` : ''}`}
            value={note}
            onChange={(e) => setNote(e.target.value.slice(0, NOTE_MAX))}
          />
          <span id={`${ids}-note-count`} className="muted transfer-count">
            {t('agent.transfer.noteCount', { count: note.length })}
          </span>
          {showNote && (
            <p id={`${ids}-note-error`} className="field-error" role="alert">
              {t('agent.transfer.noteRequired')}
            </p>
          )}
        </div>

        {state.transferError && (
          <p className="alert alert-error" role="alert" data-testid="transfer-error">
            {t(state.transferError)}
          </p>
        )}

        <div className="confirm-actions">
          <button type="button" className="btn btn-secondary" data-testid="transfer-cancel" disabled={sending} onClick={onClose}>
            {t('agent.transfer.cancel')}
          </button>
          <button type="submit" className="btn btn-primary" data-testid="transfer-confirm" disabled={sending} aria-busy={sending || undefined}>
            {sending ? t('agent.transfer.sending') : t('agent.transfer.confirm')}
          </button>
        </div>
      </form>
    </dialog>
  );
}
