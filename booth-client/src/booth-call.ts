/**
 * The booth's call state machine, outside React: idle → waiting → in-call →
 * ended → idle. The UI reads immutable snapshots via useSyncExternalStore and
 * calls the actions; every async step checks that it is still current, so a
 * cancel or a hang-up in the middle of one never leaves a camera running.
 */
import { CallResume, markCall, openCallMedia, prepareCallMedia, rejoinMedia, MediaTroubleWatch, withRemoteTrack, type CallMedia, type IceRecovery, type RemoteTrack, type SignalingClient } from '@xiaowu/shared/client';
import { ErrorCode, type CallNeeds, type ChatMessage, type PartyInfo, type QueuePosition, type SessionInfo, type SignVariant } from '@xiaowu/shared';
import { errorKey, type EndReason, type MessageKey } from '@xiaowu/shared/i18n';
import { CaseFlow, type CaseFlowState } from './case-flow';
import type { BoothDevices } from './devices/devices';
import { openDocumentCamera } from './devices/doc-camera';

export type Phase = 'idle' | 'waiting' | 'in-call' | 'ended';
export type Connection = 'connecting' | 'online' | 'offline';

/** What the resident asks for: a matter of the catalog, or 'consult' (不确定办什么). */
export interface CallRequest {
  matterId: string;
  /** Shown on the waiting screen; not sent. */
  matterName: string;
  priority: boolean;
  needs: CallNeeds;
  /** Arriving for a booked appointment (「我有预约」): checked in by the server and served first. */
  appointmentId?: string;
}

export interface BoothState {
  phase: Phase;
  connection: Connection;
  /** Set when the server refused the connection for good (e.g. bad credentials). */
  fatal?: MessageKey;
  /** While waiting: opening the camera, then in the queue. */
  stage?: 'media' | 'queue';
  /** The matter of the current (or last) call. */
  request?: CallRequest;
  callId?: string;
  /** Place in the queue, 1 = next; 0 = no longer queued (being offered to an agent). */
  position?: number;
  /** Server's estimate; null = no agent on duty for this matter. */
  estimatedWaitSec?: number | null;
  waitingSince?: number;
  session?: SessionInfo;
  /** The session of the current or just-ended call (kept on the end screen for 好差评); cleared back at idle. */
  lastSessionId?: string;
  callStartedAt?: number;
  localStream: MediaStream | null;
  remoteTracks: RemoteTrack[];
  /** Another agent took over the call (转接): who, and when (for a short notice on screen). */
  agentChange?: { name: string; at: number };
  endReason?: EndReason;
  /** When the ended screen goes back to idle by itself. */
  returnAt?: number;
  /** Shown on idle (why the call could not start) or on the ended screen. */
  error?: MessageKey;
  notice?: MessageKey;
  /** The sign-language interpreter of the call (手语服务): being looked for, joined, left. */
  interp?: { sessionId: string; state: 'searching' | 'joined' | 'left'; name?: string };
  /** 「手语服务」 pressed on the waiting screen: the interpreter pool is asked for this sign language as soon as the call starts. */
  waitingSign?: SignVariant;
  /** 「手语服务」 was refused (shown on the call screen). */
  interpError?: MessageKey;
  /** Chat lines of the current call. */
  chat: ChatMessage[];
  /** The case and documents of the current call (see case-flow.ts); cleared with the call. */
  caseFlow?: CaseFlowState;
  /** In a call whose signaling connection dropped: the call goes on while it comes back (「网络不稳定，正在重连…」). */
  /** The call's media connection has been down a moment (the socket may be fine): shown like a reconnect. */
  mediaTrouble?: boolean;
  reconnecting?: boolean;
  /** Parties of the call whose connection dropped (the server waits for them). */
  away?: PartyInfo[];
}

export const RETURN_HOME_MS = 8_000;
/** Ended screen with a rating to give: 30 s before going home untouched. */
export const RATE_FIRST_MS = 30_000;
/** While the resident is rating on the end screen, each touch restarts the way back to idle with this much time. */
export const RATING_IDLE_MS = 60_000;
/** How long 「已取消呼叫」 stays on the start screen. */
const NOTICE_MS = 6_000;
/** How long 「已为您转接到 X」 stays on the call screen. */
export const AGENT_CHANGE_NOTICE_MS = 10_000;
/** A call whose connection is still down after this long is over (the server ends it after its own grace). */

const noop = (): void => undefined;

function validScale(scale: number | undefined): number {
  return scale !== undefined && Number.isFinite(scale) && scale > 0 ? scale : 1;
}

function stopStream(stream: MediaStream | null | undefined): void {
  for (const track of stream?.getTracks() ?? []) track.stop();
}

async function openCameraAndMic(): Promise<MediaStream> {
  if (!navigator.mediaDevices?.getUserMedia) {
    throw Object.assign(new Error('getUserMedia unavailable (insecure origin?)'), { name: 'UnsupportedError' });
  }
  return navigator.mediaDevices.getUserMedia({ video: { width: 1280, height: 720, frameRate: 30 }, audio: true });
}

export interface BoothCallOptions {
  /** Called when the end screen returns to idle on its own (e.g. to reset the language). */
  onAutoReturn?: () => void;
  /** A fresh device token when the server refused ours at connect (expired). */
  reauthenticate?: () => Promise<string>;
  /** The kiosk's hardware (document camera, ID-card reader, printer); without it calls have no case flow. */
  devices?: BoothDevices;
  /**
   * Multiplies the end screen's timeouts (RETURN_HOME_MS, RATE_FIRST_MS,
   * RATING_IDLE_MS); 长者模式 doubles them. Changed later with setTimeoutScale().
   */
  timeoutScale?: number;
}

/** At most one token refresh per this interval, so a refused fresh token cannot loop. */
const REAUTH_INTERVAL_MS = 60_000;

function sameLine(a: ChatMessage, b: ChatMessage): boolean {
  return a.at === b.at && a.from === b.from && a.text === b.text && a.sessionId === b.sessionId;
}

export class BoothCall {
  private state: BoothState;
  private readonly listeners = new Set<() => void>();
  private media: CallMedia | null = null;
  /** The session's media epoch our media belongs to: a newer one ('media:reset', or found on resuming) means open it again. */
  private mediaEpoch = 0;
  /** The document camera's track while in a call (the case flow owns and stops it). */
  private docTrack: MediaStreamTrack | undefined;
  /** The case / document flow of the running call (one per call, disposed with its media). */
  private flow: CaseFlow | null = null;
  /** Bumped by every start/cancel: async steps of an older attempt drop their results. */
  private attempt = 0;
  private readonly cancelledCalls = new Set<string>();
  /** The callId of the latest 'call:request' ack, even a stale one (see cancel()). */
  private lastCallId: string | undefined;
  private returnTimer: ReturnType<typeof setTimeout> | undefined;
  private lastReauth = 0;
  private noticeTimer: ReturnType<typeof setTimeout> | undefined;
  private agentChangeTimer: ReturnType<typeof setTimeout> | undefined;
  private reauthTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly resumer: CallResume;
  private ice: IceRecovery | null = null;
  private timeoutScale: number;

  constructor(
    private readonly sig: SignalingClient,
    private readonly options: BoothCallOptions = {},
  ) {
    this.timeoutScale = validScale(options.timeoutScale);
    this.resumer = new CallResume(sig, {
      session: () => (this.state.phase === 'in-call' ? this.state.session : undefined),
      reconnecting: () => !!this.state.reconnecting,
      setReconnecting: () => this.set({ reconnecting: true }),
      resumed: (info) => {
        const { session } = this.state;
        if (session) this.set({ reconnecting: false, session: { ...session, recording: info.recording, parties: info.parties } });
        // Moved meanwhile (its node died and another took it over): open the media on the new one.
        if ((info.mediaEpoch ?? 0) > this.mediaEpoch) void this.resetMedia(info.sessionId, info.mediaEpoch ?? 0);
        else this.ice?.afterResume();
      },
      giveUp: () => this.finish('network'),
    });
    const socket = sig.socket;
    this.state = { phase: 'idle', connection: socket.connected ? 'online' : 'connecting', localStream: null, remoteTracks: [], chat: [] };

    socket.on('connect', () => {
      this.set({ connection: 'online', fatal: undefined });
      // Back after a network drop while waiting: keep (or re-take) the place in the queue.
      if (this.state.phase === 'waiting' && this.state.stage === 'queue') void this.joinQueue(this.attempt);
      // Back during a call: re-attach to the running session.
      if (this.state.phase === 'in-call' && this.state.reconnecting) void this.resumer.resume();
    });
    socket.on('disconnect', () => {
      this.set({ connection: 'offline' });
      // The server keeps a running call for a grace period: wait for the connection, the video stays.
      if (this.state.phase === 'in-call') this.resumer.lost();
    });
    socket.on('connect_error', (err) => {
      // socket.io retries by itself unless the server refused the handshake.
      if (socket.active) {
        this.set({ connection: 'offline' });
        return;
      }
      const refused = (err as { data?: { code?: string } }).data?.code === ErrorCode.Unauthorized;
      if (refused && this.options.reauthenticate) this.renewToken();
      else this.set({ connection: 'offline', fatal: errorKey(err, 'errors.UNAUTHORIZED') });
    });

    sig.on('call:position', (info) => {
      const s = this.state;
      if (s.phase === 'waiting' && (s.callId === undefined || s.callId === info.callId)) this.setPosition(info);
    });
    sig.on('call:started', (session) => void this.onStarted(session));
    sig.on('media:reset', ({ sessionId, epoch }) => void this.resetMedia(sessionId, epoch));
    sig.on('call:ended', ({ sessionId, reason }) => {
      if (this.state.phase === 'in-call' && this.state.session?.sessionId === sessionId) this.finish(reason);
    });
    sig.on('interp:status', ({ sessionId, state, name }) => {
      // Kept by session id: the screen shows it only for the call on screen.
      if (this.state.phase === 'ended' || this.state.phase === 'idle') return;
      this.set({ interp: { sessionId, state, name }, interpError: undefined });
    });
    sig.on('chat:message', (m) => {
      if (this.state.phase !== 'in-call' || this.state.session?.sessionId !== m.sessionId) return;
      if (this.state.chat.some((x) => sameLine(x, m))) return;
      this.set({ chat: [...this.state.chat, m] });
    });
    sig.on('media:producerClosed', ({ producerId }) => this.removeRemoteTrack(producerId));
    // A transfer (转接): the next agent joins the running session, then the previous one leaves.
    sig.on('session:partyJoined', (party) => this.onPartyJoined(party));
    sig.on('session:partyLeft', (party) => this.onPartyLeft(party));
    sig.on('session:partyAway', (party) => {
      if (this.state.phase !== 'in-call') return;
      this.set({ away: [...(this.state.away ?? []).filter((p) => p.partyId !== party.partyId), party] });
    });
    sig.on('session:partyBack', (party) => this.clearAway(party.partyId));
    sig.on('protocol:error', (info) => console.warn('protocol error', info));
    // Cases and documents: the flow of the call on screen only.
    sig.on('case:updated', (info) => this.flowOf(info.sessionId)?.onCaseUpdated(info));
    sig.on('doc:captureRequested', (info) => this.flowOf(info.sessionId)?.onCaptureRequested(info));
    sig.on('doc:annotations', (info) => this.flowOf(info.sessionId)?.onAnnotations(info));
    sig.on('doc:pointer', (info) => this.flowOf(info.sessionId)?.onPointer(info));
    sig.on('guide:item', (info) => this.flowOf(info.sessionId)?.onGuide(info.item));
  }

  /** The running call's flow; `sessionId` undefined = any (case:updated may come without one). */
  private flowOf(sessionId: string | undefined): CaseFlow | undefined {
    const flow = this.flow;
    if (!flow || this.state.phase !== 'in-call') return undefined;
    return sessionId === undefined || sessionId === flow.sessionId ? flow : undefined;
  }

  /** The signaling connection (live captions subscribe to it). */
  get signaling(): SignalingClient {
    return this.sig;
  }

  /** The case / document actions of the running call (null outside a call, or without devices). */
  get caseFlow(): CaseFlow | null {
    return this.flow;
  }

  // --- store interface for useSyncExternalStore ---------------------------

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getState = (): BoothState => this.state;

  private set(patch: Partial<BoothState>): void {
    this.state = { ...this.state, ...patch };
    for (const l of this.listeners) l();
  }

  // --- actions -------------------------------------------------------------

  /** 「材料备齐了，呼叫坐席」 / 「直接咨询坐席」: camera first (a clear message if it fails), then join the queue. */
  async start(request: CallRequest): Promise<void> {
    if (this.state.phase !== 'idle') return;
    const attempt = ++this.attempt;
    this.set({
      phase: 'waiting',
      stage: 'media',
      request,
      waitingSince: Date.now(),
      waitingSign: undefined,
      callId: undefined,
      position: undefined,
      estimatedWaitSec: undefined,
      session: undefined,
      endReason: undefined,
      lastSessionId: undefined,
      error: undefined,
      notice: undefined,
    });

    // The call's media device, loaded while the resident waits (skipped by the call then).
    prepareCallMedia();
    let stream: MediaStream;
    try {
      stream = await openCameraAndMic();
      markCall('gum');
    } catch (err) {
      console.error('camera/microphone failed', err);
      if (attempt === this.attempt) this.toIdle({ error: errorKey(err, 'deviceErrors.failed') });
      return;
    }
    if (attempt !== this.attempt) {
      stopStream(stream);
      return;
    }
    this.set({ localStream: stream, stage: 'queue' });
    await this.joinQueue(attempt);
  }

  /**
   * 'call:request' is idempotent on the server: asked again after a reconnect
   * it returns the same call and place (within the server's grace period).
   */
  private async joinQueue(attempt: number): Promise<void> {
    const request = this.state.request;
    if (!request) return;
    try {
      const needs = request.needs.sign || request.needs.language ? request.needs : undefined;
      const ack = await this.sig.request('call:request', {
        matterId: request.matterId,
        ...(request.priority ? { priority: true } : {}),
        ...(needs ? { needs } : {}),
        ...(request.appointmentId ? { appointmentId: request.appointmentId } : {}),
      });
      const { callId } = ack;
      this.lastCallId = callId;
      if (attempt !== this.attempt) {
        // Cancelled while the request was on its way. If the resident has
        // already called again, the new request gets this same call back.
        if (this.getState().phase !== 'waiting') this.cancelCall(callId);
        return;
      }
      // 'call:started' may in theory have overtaken the ack: then stay in-call
      // (getState(): TypeScript would keep its narrowing from before the await).
      if (this.getState().phase === 'waiting') {
        this.set({ callId });
        this.setPosition(ack);
      }
    } catch (err) {
      if (attempt !== this.attempt || this.getState().phase !== 'waiting') return;
      // Lost with the connection: the 'connect' handler asks again.
      if (!this.sig.socket.connected) return;
      console.error('call:request failed', err);
      this.toIdle({ error: errorKey(err) });
    }
  }

  /**
   * 「取消呼叫」: leave the queue right away; a late answer is hung up.
   * `quiet`: no 「已取消呼叫」 (the resident booked a time instead and sees that).
   */
  cancel(quiet = false): void {
    if (this.state.phase !== 'waiting') return;
    this.attempt++;
    // Before the ack the call may still be known from an earlier, overtaken request.
    const callId = this.state.callId ?? this.lastCallId;
    if (callId) this.cancelCall(callId);
    if (quiet) {
      this.toIdle({});
      return;
    }
    this.toIdle({ notice: 'booth.cancelled' });
    // A confirmation only: it goes away by itself so the start screen is whole again.
    clearTimeout(this.noticeTimer);
    this.noticeTimer = setTimeout(() => {
      if (this.state.phase === 'idle' && this.state.notice === 'booth.cancelled') this.set({ notice: undefined });
    }, NOTICE_MS);
  }

  private cancelCall(callId: string): void {
    if (this.cancelledCalls.has(callId)) return;
    this.cancelledCalls.add(callId);
    // CALL_UNAVAILABLE means an agent answered just now (onStarted hangs up) or it is long gone.
    this.sig.request('call:cancel', { callId }).catch(noop);
  }

  /** 「确定结束」 in the confirmation. */
  hangup(): void {
    const { phase, session } = this.state;
    if (phase !== 'in-call' || !session) return;
    this.sig.request('call:hangup', { sessionId: session.sessionId }).catch(noop);
    this.finish('hangup');
  }

  /** 「手语服务」: ask the interpreter pool to join this call (`variant`: the sign language chosen; the server's default otherwise). */
  async requestInterpreter(variant?: SignVariant): Promise<void> {
    const { phase, session } = this.state;
    if (phase !== 'in-call' || !session) return;
    const current = this.state.interp?.sessionId === session.sessionId ? this.state.interp.state : undefined;
    if (current === 'searching' || current === 'joined') return;
    this.set({ interp: { sessionId: session.sessionId, state: 'searching' }, interpError: undefined });
    try {
      await this.sig.request('interp:request', { sessionId: session.sessionId, ...(variant ? { variant } : {}) });
    } catch (err) {
      console.error('interp:request failed', err);
      if (this.state.session?.sessionId === session.sessionId && this.state.interp?.state === 'searching') {
        this.set({ interp: undefined, interpError: errorKey(err, 'booth.sign.failed') });
      }
    }
  }

  /**
   * 「手语服务」 while waiting in the queue: the server has no way to change a
   * waiting call, so the booth remembers it and asks the interpreter pool
   * ('interp:request') the moment the call starts.
   */
  noteSignWhileWaiting(variant: SignVariant): void {
    if (this.state.phase !== 'waiting') return;
    this.set({ waitingSign: variant });
  }

  /** A chat line to everyone in the call; false when it could not be sent. */
  async sendChat(text: string): Promise<boolean> {
    const { phase, session } = this.state;
    if (phase !== 'in-call' || !session) return false;
    try {
      const m = await this.sig.request('chat:send', { sessionId: session.sessionId, text });
      if (this.state.session?.sessionId === m.sessionId && !this.state.chat.some((x) => sameLine(x, m))) this.set({ chat: [...this.state.chat, m] });
      return true;
    } catch (err) {
      console.error('chat:send failed', err);
      return false;
    }
  }

  /** The resident moved on: the last error or notice no longer applies. */
  clearMessages(): void {
    if (this.state.error || this.state.notice) this.set({ error: undefined, notice: undefined });
  }

  /** 「返回首页」 on the end screen (or its timer). */
  backHome(auto = false): void {
    if (this.state.phase !== 'ended') return;
    this.clearReturnTimer();
    this.toIdle({});
    if (auto) this.options.onAutoReturn?.();
  }

  /**
   * The resident is busy on the end screen (好差评): the automatic return to
   * idle starts over, `ms` from now. Does nothing outside the end screen.
   */
  holdEnded(ms: number = RATING_IDLE_MS): void {
    if (this.state.phase !== 'ended') return;
    this.scheduleReturn(ms * this.timeoutScale);
  }

  /**
   * 长者模式 on or off (×2 or ×1): the end screen's timeouts from now on; an
   * end screen already counting down keeps the same share of its time left.
   */
  setTimeoutScale(scale: number): void {
    const next = validScale(scale);
    const prev = this.timeoutScale;
    if (next === prev) return;
    this.timeoutScale = next;
    const { phase, returnAt } = this.state;
    if (phase === 'ended' && returnAt !== undefined && this.returnTimer !== undefined) {
      this.scheduleReturn(Math.max(0, returnAt - Date.now()) * (next / prev));
    }
  }

  private scheduleReturn(ms: number): void {
    this.clearReturnTimer();
    this.returnTimer = setTimeout(() => this.backHome(true), ms);
    this.set({ returnAt: Date.now() + ms });
  }

  // --- events --------------------------------------------------------------

  private async onStarted(session: SessionInfo): Promise<void> {
    markCall('started');
    const s = this.state;
    const ours = s.phase === 'waiting' && s.stage === 'queue' && (s.callId === undefined || s.callId === session.callId);
    if (this.cancelledCalls.has(session.callId) || !ours || !s.localStream) {
      // The resident cancelled as the agent answered: do not leave the agent waiting.
      this.sig.request('call:hangup', { sessionId: session.sessionId }).catch(noop);
      return;
    }
    const stream = s.localStream;
    this.mediaEpoch = session.mediaEpoch ?? 0;
    const media = this.newMedia(session);
    // The media's requests first, ahead of the case flow's and of the call screen's first render.
    const starting = media.start();
    const devices = this.options.devices;
    const request = this.state.request;
    const flow = devices
      ? new CaseFlow({
          sig: this.sig,
          session,
          matterId: request?.matterId ?? 'consult',
          matterName: request?.matterName ?? '',
          devices,
          token: () => this.token,
          onChange: (fs) => {
            if (this.flow === flow) this.set({ caseFlow: fs });
          },
        })
      : null;
    this.flow = flow;
    this.set({
      caseFlow: flow?.getState(),
      phase: 'in-call',
      stage: undefined,
      callId: session.callId,
      session,
      lastSessionId: session.sessionId,
      callStartedAt: Date.now(),
      remoteTracks: [],
      agentChange: undefined,
      chat: [],
      reconnecting: false,
      mediaTrouble: false,
      away: undefined,
      interpError: undefined,
      interp: this.state.interp?.sessionId === session.sessionId ? this.state.interp : undefined,
    });
    // The ID card and the case go on while the media connects.
    flow?.start();
    // 「手语服务」 pressed while waiting: invite the interpreter pool right away.
    const waitingSign = this.state.waitingSign;
    if (waitingSign) {
      this.set({ waitingSign: undefined });
      void this.requestInterpreter(waitingSign);
    }

    try {
      await starting;
      if (this.media === media) await media.publishStream(stream);
    } catch (err) {
      if (this.media !== media) return; // already ended meanwhile
      console.error('call media failed', err);
      this.sig.request('call:hangup', { sessionId: session.sessionId }).catch(noop);
      this.finish('error', errorKey(err, 'errors.MEDIA_REJECTED'));
      return;
    }
    if (flow && devices) await this.openDocumentCamera(media, flow, devices);
  }

  /**
   * The document camera (高拍仪), after the resident's camera and microphone:
   * published as a sharp single-layer 'document' track and handed to the case
   * flow for stills. None (or refused): captures fall back to a file picker.
   * Not worth ending the call over.
   */
  private async openDocumentCamera(media: CallMedia, flow: CaseFlow, devices: BoothDevices): Promise<void> {
    if (this.media !== media || this.flow !== flow) return;
    const track = await openDocumentCamera(devices.docCamera).catch((err: unknown) => {
      console.warn('document camera failed', err);
      return null;
    });
    if (this.media !== media || this.flow !== flow) {
      track?.stop(); // hung up meanwhile
      return;
    }
    flow.setDocTrack(track); // the flow stops it with the call
    this.docTrack = track ?? undefined;
    if (!track) return;
    try {
      await media.publish(track, 'document');
    } catch (err) {
      if (this.media === media) console.warn('document camera not published (stills still work)', err);
    }
  }

  /** 「网络不稳定，正在重连」 while the call's media is down (the apps recover by themselves). */
  private readonly mediaTrouble = new MediaTroubleWatch((trouble) => this.state.phase === 'in-call' && this.set({ mediaTrouble: trouble }));

  /** The call's media for a session (remote tracks into the state, ICE recovery), made current. */
  private newMedia(session: SessionInfo, attempt = 0): CallMedia {
    const { media, ice } = openCallMedia(
      this.sig,
      session,
      {
        current: () => this.media,
        onRemoteTrack: (t) => this.set({ remoteTracks: withRemoteTrack(this.state.remoteTracks, t) }),
        onRemoteTrackEnded: (producerId) => this.removeRemoteTrack(producerId),
        onConnectionState: (state) => this.mediaTrouble.onState(state),
        // An ICE restart did not bring the media back: open it anew, same devices.
        rejoin: (n) => void this.reopenMedia(session.sessionId, n),
      },
      attempt,
    );
    this.media = media;
    this.ice = ice;
    return media;
  }

  /**
   * 'media:reset': the server moved the session onto a new media worker (the
   * old one died); every transport is gone. Open the media again and publish
   * the same camera, microphone and document camera — the call, the case and
   * the screen stay; the resident sees the agent again in a moment.
   */
  private async resetMedia(sessionId: string, epoch: number): Promise<void> {
    const session = this.state.session;
    if (this.state.phase !== 'in-call' || session?.sessionId !== sessionId || epoch <= this.mediaEpoch) return;
    this.mediaEpoch = epoch;
    console.warn('media server changed; reconnecting the call media');
    await this.reopenMedia(sessionId, 0, false);
  }

  /**
   * Opens the call's media anew and publishes the same tracks: after a
   * 'media:reset' (the server re-created the session's media), or as a rejoin
   * (`rejoin`: an ICE restart did not bring the media back — the server drops
   * this party's old transports first; a rejoin the server cannot take now is
   * tried again later, with a longer wait).
   */
  private async reopenMedia(sessionId: string, attempt: number, rejoin = true): Promise<void> {
    const session = this.state.session;
    if (this.state.phase !== 'in-call' || session?.sessionId !== sessionId) return;
    this.ice?.dispose();
    this.media?.close();
    const media = this.newMedia(session, attempt);
    this.set({ remoteTracks: [] });
    this.mediaTrouble.onState('disconnected'); // until the new media connects
    const stream = this.state.localStream;
    if (rejoin && !(await rejoinMedia(this.sig, sessionId, attempt, () => this.media === media, () => void this.reopenMedia(sessionId, attempt + 1)))) return;
    try {
      await media.start();
      const doc = this.docTrack?.readyState === 'live' ? this.docTrack : undefined;
      if (this.media === media) await Promise.all([media.publishStream(stream), doc && media.publish(doc, 'document')]);
    } catch (err) {
      if (this.media !== media) return;
      console.error('call media could not be opened again', err);
      this.sig.request('call:hangup', { sessionId }).catch(noop);
      this.finish('error', errorKey(err, 'errors.MEDIA_REJECTED'));
    }
  }

  // --- helpers -------------------------------------------------------------

  private setPosition({ position, estimatedWaitSec }: QueuePosition): void {
    this.set({ position, estimatedWaitSec });
  }

  /** The server refused our token (it expires after 7 days): sign in again and reconnect. */
  private renewToken(): void {
    const wait = this.lastReauth + REAUTH_INTERVAL_MS - Date.now();
    this.set({ connection: 'offline' });
    if (this.reauthTimer !== undefined) return;
    this.reauthTimer = setTimeout(
      () => {
        this.reauthTimer = undefined;
        this.lastReauth = Date.now();
        this.options.reauthenticate!().then(
          (token) => {
            this.setToken(token);
            this.sig.socket.connect();
          },
          (err) => {
            console.error('booth sign-in failed', err);
            this.set({ fatal: errorKey(err, 'errors.UNAUTHORIZED') });
            this.renewToken(); // and try again a minute later
          },
        );
      },
      Math.max(0, wait),
    );
  }

  /** The token for the next (re)connection; a live connection is not affected. */
  setToken(token: string): void {
    this.sig.socket.auth = { token };
  }

  /** The booth's current device token, for the REST calls that need one (appointments). */
  get token(): string {
    return (this.sig.socket.auth as { token?: string }).token ?? '';
  }

  private onPartyJoined(party: PartyInfo): void {
    const { phase, session } = this.state;
    if (phase !== 'in-call' || !session) return;
    const parties = [...session.parties.filter((p) => p.partyId !== party.partyId), party];
    const patch: Partial<BoothState> = { session: { ...session, parties } };
    // A new agent in a running call is a transfer: tell the resident who is serving them now.
    if (party.role === 'agent') {
      patch.agentChange = { name: party.name, at: Date.now() };
      clearTimeout(this.agentChangeTimer);
      this.agentChangeTimer = setTimeout(() => {
        if (this.state.agentChange?.name === party.name) this.set({ agentChange: undefined });
      }, AGENT_CHANGE_NOTICE_MS);
    }
    this.set(patch);
  }

  private onPartyLeft(party: PartyInfo): void {
    const { phase, session } = this.state;
    if (phase !== 'in-call' || !session) return;
    this.set({ session: { ...session, parties: session.parties.filter((p) => p.partyId !== party.partyId) } });
    this.clearAway(party.partyId);
  }

  private clearAway(partyId: string): void {
    const away = this.state.away;
    if (away?.some((p) => p.partyId === partyId)) this.set({ away: away.filter((p) => p.partyId !== partyId) });
  }

  private removeRemoteTrack(producerId: string): void {
    const tracks = this.state.remoteTracks;
    if (tracks.some((t) => t.producer.producerId === producerId)) {
      this.set({ remoteTracks: tracks.filter((t) => t.producer.producerId !== producerId) });
    }
  }

  private releaseMedia(): void {
    this.resumer.stop();
    this.ice?.dispose();
    this.ice = null;
    this.media?.close();
    this.media = null;
    // The document camera, uploads in flight, the receipt step and the stills go with the call.
    this.flow?.dispose();
    this.flow = null;
    this.docTrack = undefined;
    stopStream(this.state.localStream);
  }

  private finish(reason: EndReason, error?: MessageKey): void {
    this.releaseMedia();
    this.clearReturnTimer();
    // Elderly residents need time to find the rating buttons: longer when there is a call to rate.
    const stay = (this.state.lastSessionId ? RATE_FIRST_MS : RETURN_HOME_MS) * this.timeoutScale;
    this.returnTimer = setTimeout(() => this.backHome(true), stay);
    this.set({
      phase: 'ended',
      endReason: reason,
      error,
      localStream: null,
      remoteTracks: [],
      agentChange: undefined,
      interp: undefined,
      interpError: undefined,
      waitingSign: undefined,
      chat: [],
      caseFlow: undefined,
      reconnecting: false,
      mediaTrouble: false,
      away: undefined,
      returnAt: Date.now() + stay,
    });
  }

  private toIdle(messages: { error?: MessageKey; notice?: MessageKey }): void {
    this.releaseMedia();
    this.set({
      phase: 'idle',
      stage: undefined,
      callId: undefined,
      position: undefined,
      estimatedWaitSec: undefined,
      waitingSince: undefined,
      session: undefined,
      lastSessionId: undefined,
      callStartedAt: undefined,
      localStream: null,
      remoteTracks: [],
      agentChange: undefined,
      interp: undefined,
      interpError: undefined,
      waitingSign: undefined,
      chat: [],
      caseFlow: undefined,
      reconnecting: false,
      mediaTrouble: false,
      away: undefined,
      endReason: undefined,
      returnAt: undefined,
      error: messages.error,
      notice: messages.notice,
    });
  }

  private clearReturnTimer(): void {
    if (this.returnTimer !== undefined) clearTimeout(this.returnTimer);
    this.returnTimer = undefined;
  }
}
