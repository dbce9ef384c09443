/**
 * The agent console's state outside React: the agent's own state (示闲/示忙/
 * 下线, driven by the server's 'agent:state'), the call the server offers
 * (振铃), answering it (camera first, so a broken camera never holds a
 * resident), the call's media, hanging up, wrap-up (话后小结), and the queue
 * overview. Read via useSyncExternalStore.
 */
import { CallResume, SignalingClient, apiRequest, markCall, openCallMedia, prepareCallMedia, rejoinMedia, MediaTroubleWatch, withRemoteTrack, type CallMedia, type IceRecovery, type RemoteTrack } from '@xiaowu/shared/client';
import {
  ErrorCode,
  type AgentStatusInfo,
  type AwayReason,
  type CallOffer,
  type ChatMessage,
  type Disposition,
  type ManualAgentState,
  type PartyInfo,
  type QueueSummary,
  type SessionInfo,
} from '@xiaowu/shared';
import { errorKey, type EndReason, type MessageKey } from '@xiaowu/shared/i18n';
import type { StaffUser } from './auth';
import { CaseReview } from './case-review';

export type AgentPhase = 'idle' | 'answering' | 'in-call';
export type Connection = 'connecting' | 'online' | 'offline';

/** The call just finished, for the wrap-up form. */
export interface LastCall {
  boothName: string;
  matterName: string;
  matterId: string;
  endReason: EndReason;
}

export interface DeskState {
  connection: Connection;
  /** The server refused the connection for good. */
  fatal?: MessageKey;
  /** The agent's state as the server last told it. */
  status?: AgentStatusInfo;
  /** A state change (示闲/示忙/下线) or wrap-up is on its way. */
  busy: boolean;
  queue?: QueueSummary;
  /** Skill id → display name (department names from the catalog). */
  skillNames: Record<string, string>;
  /** Queues a call can be transferred to: 咨询, then the departments (and special skills) of the catalog. */
  transferTargets: TransferTarget[];
  /** A transfer of the current call: being sent, or waiting for the next agent to answer. */
  transfer?: { state: 'sending' | 'pending'; label: string };
  /** Why the last transfer request was refused. */
  transferError?: MessageKey;
  /** The call ringing at this desk. */
  offer?: CallOffer;
  /** The last offer went away by itself. */
  offerWithdrawn?: 'cancelled' | 'missed';
  phase: AgentPhase;
  /** The offer being answered or in progress. */
  call?: CallOffer;
  session?: SessionInfo;
  callStartedAt?: number;
  localStream: MediaStream | null;
  remoteTracks: RemoteTrack[];
  lastCall?: LastCall;
  /** Wrap-up ran out before the form was sent. */
  wrapUpTimedOut?: boolean;
  /** Why the last action failed (alert). */
  error?: MessageKey;
  /** How the last call ended (status). */
  lastEnd?: EndReason;
  /** The sign-language interpreter of the current call: being looked for, joined, left. */
  interp?: InterpStatus;
  /** 「邀请手语翻译」 is on its way. */
  inviting?: boolean;
  /** Chat lines of the current call. */
  chat: ChatMessage[];
  /** 耳语: lines between the staff of the call (a supervisor listening in and this desk); never shown to the resident. */
  whispers?: ChatMessage[];
  /** In a call whose signaling connection dropped: the call goes on while it comes back. */
  /** The call's media connection has been down a moment (the socket may be fine): shown like a reconnect. */
  mediaTrouble?: boolean;
  reconnecting?: boolean;
  /** Parties of the call whose connection dropped (the server waits for them). */
  away?: PartyInfo[];
}

export interface InterpStatus {
  sessionId: string;
  state: 'searching' | 'joined' | 'left';
  name?: string;
}

export interface TransferTarget {
  skill: string;
  name: string;
}

export type TransferTo = { skill: string } | { agentId: string };

export interface AgentDeskOptions {
  /** The server refused our token at connect (expired, revoked). */
  onUnauthorized(): void;
}

const noop = (): void => undefined;
const NOTICE_MS = 15_000;
/** A call whose connection is still down after this long is over (the server ends it after its own grace). */
/** Refusals of 'call:transfer' with a text of their own (agent.transfer.errors). */
const TRANSFER_ERRORS = new Set<string>([ErrorCode.NotFound, ErrorCode.InvalidState, ErrorCode.Forbidden, ErrorCode.BadRequest, ErrorCode.NotInSession]);

function stopStream(stream: MediaStream | null | undefined): void {
  for (const track of stream?.getTracks() ?? []) track.stop();
}

async function openCameraAndMic(): Promise<MediaStream> {
  if (!navigator.mediaDevices?.getUserMedia) {
    throw Object.assign(new Error('getUserMedia unavailable (insecure origin?)'), { name: 'UnsupportedError' });
  }
  return navigator.mediaDevices.getUserMedia({ video: { width: 1280, height: 720, frameRate: 30 }, audio: true });
}

interface CatalogNames {
  departments: Array<{ id: string; name: string; matters: Array<{ skill: string }> }>;
}

/** Transfer targets: departments that are a routing skill, then special skills ('残联（canlian-sign）'). 咨询 is added by the view. */
function transferTargetsOf(c: CatalogNames, names: Record<string, string>): TransferTarget[] {
  const skills = new Set(c.departments.flatMap((d) => d.matters.map((m) => m.skill)));
  const out: TransferTarget[] = c.departments.filter((d) => skills.has(d.id)).map((d) => ({ skill: d.id, name: d.name }));
  for (const s of skills) if (!out.some((o) => o.skill === s)) out.push({ skill: s, name: names[s] ?? s });
  return out;
}

/** Department names for skills; a special skill of a department reads '残联（canlian-sign）'. */
function skillNamesOf(c: CatalogNames): Record<string, string> {
  const names: Record<string, string> = {};
  for (const d of c.departments) names[d.id] = d.name;
  for (const d of c.departments) for (const m of d.matters) names[m.skill] ??= `${d.name}（${m.skill}）`;
  return names;
}

function sameLine(a: ChatMessage, b: ChatMessage): boolean {
  return a.at === b.at && a.from === b.from && a.text === b.text && a.sessionId === b.sessionId;
}

export class AgentDesk {
  private state: DeskState;
  private readonly listeners = new Set<() => void>();
  private readonly sig: SignalingClient;
  /** The case (办件) of the running call: document review and 受理. */
  readonly review: CaseReview;
  private media: CallMedia | null = null;
  /** The session's media epoch our media belongs to: a newer one ('media:reset', or found on resuming) means open it again. */
  private mediaEpoch = 0;
  /** The camera and microphone opened while an offer rings (振铃), for 接听 to use. */
  private ringCamera: { callId: string; stream: Promise<MediaStream> } | undefined;
  private ice: IceRecovery | null = null;
  private readonly resumer: CallResume;
  private noticeTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  /** The signaling connection (live captions subscribe to it). */
  get signaling(): SignalingClient {
    return this.sig;
  }

  constructor(
    token: string,
    readonly user: StaffUser,
    private readonly options: AgentDeskOptions,
  ) {
    this.sig = new SignalingClient('', { token });
    this.review = new CaseReview(this.sig, () => token);
    this.resumer = new CallResume(this.sig, {
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
      giveUp: () => this.endCall('network'),
    });
    const socket = this.sig.socket;
    this.state = { connection: 'connecting', busy: false, skillNames: {}, transferTargets: [], phase: 'idle', localStream: null, remoteTracks: [], chat: [] };

    socket.on('connect', () => {
      this.set({ connection: 'online', fatal: undefined });
      // Back during a call: re-attach to the running session.
      if (this.state.phase === 'in-call' && this.state.reconnecting) void this.resumer.resume();
    });
    socket.on('disconnect', () => {
      // The server takes back an offer; a running call is kept for a grace period while we reconnect.
      this.set({ connection: 'offline', offer: undefined, busy: false });
      if (this.state.phase === 'in-call') this.resumer.lost();
    });
    socket.on('connect_error', (err) => {
      if (socket.active) {
        this.set({ connection: 'offline' });
        return;
      }
      if ((err as { data?: { code?: string } }).data?.code === ErrorCode.Unauthorized) {
        this.options.onUnauthorized();
        return;
      }
      this.set({ connection: 'offline', fatal: errorKey(err, 'errors.UNAUTHORIZED') });
    });

    this.sig.on('agent:state', (status) => this.onStatus(status));
    this.sig.on('queue:update', (queue) => this.set({ queue }));
    this.sig.on('call:offer', (offer) => {
      if (this.state.phase !== 'idle') return; // a re-sent offer while answering it
      this.clearNotice();
      this.set({ offer, offerWithdrawn: undefined, wrapUpTimedOut: undefined, lastEnd: undefined, error: undefined });
      // While it rings: the camera opens (接听 then finds it ready) and the media device loads.
      if (this.ringCamera?.callId !== offer.callId) {
        this.releaseRingCamera();
        const stream = openCameraAndMic();
        stream.catch(noop); // answer() opens it again and reports a failure
        this.ringCamera = { callId: offer.callId, stream };
      }
      prepareCallMedia();
    });
    this.sig.on('call:offerWithdrawn', ({ callId, reason }) => {
      if (this.state.offer?.callId !== callId) return;
      this.set({ offer: undefined, offerWithdrawn: reason });
      // 'missed' stays until dismissed: the agent may have stepped away and must learn it is now 示忙.
      if (reason === 'cancelled') this.noticeLater();
    });
    this.sig.on('media:reset', ({ sessionId, epoch }) => void this.resetMedia(sessionId, epoch));
    this.sig.on('call:ended', ({ sessionId, reason }) => {
      if (this.state.session?.sessionId === sessionId) this.endCall(reason);
    });
    this.sig.on('interp:status', ({ sessionId, state, name }) => {
      // May come before the answer's ack (a booth that asked for 手语服务): kept by session id.
      if (this.state.phase === 'idle') return;
      this.set({ interp: { sessionId, state, name: name ?? (state === 'left' ? this.state.interp?.name : undefined) } });
    });
    this.sig.on('chat:message', (m) => {
      if (this.state.phase === 'idle') return;
      if (this.state.session && this.state.session.sessionId !== m.sessionId) return;
      if (this.state.chat.some((x) => sameLine(x, m))) return; // our own line, already added from the ack
      this.set({ chat: [...this.state.chat, m] });
    });
    this.sig.on('chat:whisper', (m) => {
      if (this.state.phase === 'idle') return;
      if (this.state.session && this.state.session.sessionId !== m.sessionId) return;
      const whispers = this.state.whispers ?? [];
      if (whispers.some((x) => sameLine(x, m))) return;
      this.set({ whispers: [...whispers, m] });
    });
    this.sig.on('media:producerClosed', ({ producerId }) => this.removeRemoteTrack(producerId));
    this.sig.on('session:partyAway', (party) => {
      if (this.state.phase !== 'in-call') return;
      this.set({ away: [...(this.state.away ?? []).filter((p) => p.partyId !== party.partyId), party] });
    });
    this.sig.on('session:partyBack', (party) => this.clearAway(party.partyId));
    this.sig.on('session:partyLeft', (party) => this.clearAway(party.partyId));
    this.sig.on('protocol:error', (info) => console.warn('protocol error', info));

    // The media device of calls, loaded now from the last call's capabilities (none yet: at the first call).
    prepareCallMedia();
    apiRequest<CatalogNames>('/api/catalog').then(
      (c) => {
        const skillNames = skillNamesOf(c);
        this.set({ skillNames, transferTargets: transferTargetsOf(c, skillNames) });
      },
      (err) => console.warn('catalog names unavailable; showing skill ids', err),
    );
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getState = (): DeskState => this.state;

  private set(patch: Partial<DeskState>): void {
    if (this.closed) return;
    this.state = { ...this.state, ...patch };
    // The camera opened for a ringing offer goes when the offer does (withdrawn, declined, taken back).
    const ring = this.ringCamera;
    if (ring && !(this.state.phase === 'idle' && this.state.offer?.callId === ring.callId)) this.releaseRingCamera();
    for (const l of this.listeners) l();
  }

  private releaseRingCamera(): void {
    const ring = this.ringCamera;
    this.ringCamera = undefined;
    void ring?.stream.then(stopStream, noop);
  }

  // ── agent state ───────────────────────────────────────────────────────────

  private onStatus(status: AgentStatusInfo): void {
    const prev = this.state.status;
    const patch: Partial<DeskState> = { status };
    // Wrap-up ran out on the server (the form was not sent).
    if (prev?.state === 'wrap-up' && status.state !== 'wrap-up' && status.reason === 'wrap-up-timeout') patch.wrapUpTimedOut = true;
    if (status.state === 'wrap-up') patch.wrapUpTimedOut = undefined;
    // Not ringing any more (answered elsewhere, withdrawn, disconnected): no offer on screen.
    if (status.state !== 'offered' && this.state.phase === 'idle') patch.offer = undefined;
    this.set(patch);
  }

  /** 「示闲」 / 「示忙」 (with a reason) / 「下线」. */
  async setState(state: ManualAgentState, reason?: AwayReason): Promise<void> {
    if (this.state.busy) return;
    this.set({ busy: true, error: undefined, wrapUpTimedOut: undefined, offerWithdrawn: undefined });
    try {
      const status = await this.sig.request('agent:setState', state === 'away' && reason ? { state, reason } : { state });
      this.onStatus(status);
    } catch (err) {
      console.error('agent:setState failed', err);
      this.set({ error: errorKey(err) });
    } finally {
      this.set({ busy: false });
    }
  }

  /** 「完成，继续接听」 in the wrap-up form. */
  async wrapUp(disposition: Disposition, note: string): Promise<boolean> {
    if (this.state.busy) return false;
    this.set({ busy: true, error: undefined });
    try {
      const trimmed = note.trim();
      const status = await this.sig.request('agent:wrapUp', trimmed ? { disposition, note: trimmed.slice(0, 500) } : { disposition });
      this.onStatus(status);
      this.set({ lastCall: undefined, lastEnd: undefined });
      return true;
    } catch (err) {
      console.error('agent:wrapUp failed', err);
      this.set({ error: errorKey(err) });
      return false;
    } finally {
      this.set({ busy: false });
    }
  }

  // ── offers and calls ──────────────────────────────────────────────────────

  /** 「接听」: camera, then 'call:answer' (its ack is the session), then media. */
  async answer(): Promise<void> {
    const offer = this.state.offer;
    if (this.state.phase !== 'idle' || !offer) return;
    markCall('answer');
    // The camera opened while the offer rang (taken before the state changes, which would release it).
    const ring = this.ringCamera?.callId === offer.callId ? this.ringCamera : undefined;
    if (ring) this.ringCamera = undefined;
    this.review.beginCall();
    this.set({ phase: 'answering', call: offer, interp: undefined, inviting: false, chat: [], whispers: undefined, error: undefined, lastEnd: undefined, offerWithdrawn: undefined, transfer: undefined, transferError: undefined });

    // The rung camera if it is still live; else opened now.
    let stream: MediaStream;
    try {
      const rung = await ring?.stream.catch(() => undefined);
      stream = rung && rung.getTracks().every((t) => t.readyState === 'live') ? rung : (stopStream(rung), await openCameraAndMic());
      markCall('gum');
    } catch (err) {
      console.error('camera/microphone failed', err);
      // Without a camera this desk cannot serve: let the next agent have the resident at once.
      this.sig.request('call:decline', { callId: offer.callId }).catch(noop);
      this.review.cancelCall();
      this.set({ phase: 'idle', call: undefined, offer: undefined, error: errorKey(err, 'deviceErrors.failed') });
      return;
    }

    let session: SessionInfo;
    try {
      session = await this.sig.request('call:answer', { callId: offer.callId });
      markCall('answered');
    } catch (err) {
      // Typically CALL_UNAVAILABLE: the resident cancelled, or the offer ran out a moment ago.
      stopStream(stream);
      this.review.cancelCall();
      this.set({ phase: 'idle', call: undefined, offer: undefined, error: errorKey(err) });
      return;
    }
    if (this.closed) {
      stopStream(stream);
      return;
    }

    this.mediaEpoch = session.mediaEpoch ?? 0;
    const media = this.newMedia(session);
    // The media's requests first, ahead of the case review's and of the call screen's first render.
    const starting = media.start();
    this.review.startCall(session.sessionId);
    this.set({
      phase: 'in-call',
      offer: undefined,
      session,
      callStartedAt: Date.now(),
      localStream: stream,
      remoteTracks: [],
      reconnecting: false,
      mediaTrouble: false,
      away: undefined,
      // Lines that came before the ack belong to this session only.
      chat: this.state.chat.filter((m) => m.sessionId === session.sessionId),
      whispers: this.state.whispers?.filter((m) => m.sessionId === session.sessionId),
    });

    try {
      await starting;
      if (this.media === media) await media.publishStream(stream);
    } catch (err) {
      if (this.media !== media) return;
      console.error('call media failed', err);
      this.sig.request('call:hangup', { sessionId: session.sessionId }).catch(noop);
      this.endCall('error', errorKey(err, 'errors.MEDIA_REJECTED'));
    }
  }

  /** 「拒接」: the resident goes back to the queue, this desk to 示忙. */
  async decline(): Promise<void> {
    const offer = this.state.offer;
    if (this.state.phase !== 'idle' || !offer) return;
    this.set({ offer: undefined, error: undefined });
    try {
      await this.sig.request('call:decline', { callId: offer.callId });
    } catch (err) {
      // CALL_UNAVAILABLE: it was withdrawn meanwhile; nothing to do.
      if (!(err instanceof Error && (err as { code?: string }).code === ErrorCode.CallUnavailable)) this.set({ error: errorKey(err) });
    }
  }

  /**
   * 「确认转接」: hands the resident to a queue or a named agent (warm transfer).
   * The call goes on until the next agent answers; then the server ends it here
   * with 'transferred'. Resolves false (and sets `transferError`) when refused.
   */
  async transfer(to: TransferTo, note: string, label: string): Promise<boolean> {
    const { session, transfer } = this.state;
    if (this.state.phase !== 'in-call' || !session || transfer) return false;
    this.set({ transfer: { state: 'sending', label }, transferError: undefined });
    try {
      await this.sig.request('call:transfer', { sessionId: session.sessionId, to, note: note.trim().slice(0, 500) });
      if (this.state.session?.sessionId !== session.sessionId) return true; // already handed over meanwhile
      this.set({ transfer: { state: 'pending', label } });
      return true;
    } catch (err) {
      console.error('call:transfer failed', err);
      const code = (err as { code?: string }).code;
      const specific = code && TRANSFER_ERRORS.has(code) ? (`agent.transfer.errors.${code}` as MessageKey) : undefined;
      this.set({ transfer: undefined, transferError: specific ?? errorKey(err) });
      return false;
    }
  }

  /** Whether this desk is a sign-language interpreter's (手语翻译工作台). */
  get isInterpreter(): boolean {
    return this.user.role === 'interpreter';
  }

  /** 「邀请手语翻译」: the interpreter pool is asked to join this call. */
  async inviteInterpreter(): Promise<void> {
    const { session } = this.state;
    if (this.state.phase !== 'in-call' || !session || this.state.inviting || this.isInterpreter) return;
    this.set({ inviting: true, error: undefined });
    try {
      await this.sig.request('interp:request', { sessionId: session.sessionId });
      if (this.state.session?.sessionId === session.sessionId && this.state.interp?.sessionId !== session.sessionId) {
        this.set({ interp: { sessionId: session.sessionId, state: 'searching' } });
      }
    } catch (err) {
      console.error('interp:request failed', err);
      this.set({ error: errorKey(err) });
    } finally {
      this.set({ inviting: false });
    }
  }

  /** A chat line to everyone in the call; false when it could not be sent. */
  async sendChat(text: string): Promise<boolean> {
    const { session } = this.state;
    if (this.state.phase !== 'in-call' || !session) return false;
    try {
      const m = await this.sig.request('chat:send', { sessionId: session.sessionId, text });
      // The server sends the line to every party (us too); the ack covers a lost event.
      const dup = this.state.chat.some((x) => sameLine(x, m));
      if (!dup && this.state.session?.sessionId === m.sessionId) this.set({ chat: [...this.state.chat, m] });
      return true;
    } catch (err) {
      console.error('chat:send failed', err);
      return false;
    }
  }

  /** 耳语 back to the supervisor(s) listening in; false when it could not be sent. */
  async sendWhisper(text: string): Promise<boolean> {
    const { session } = this.state;
    if (this.state.phase !== 'in-call' || !session) return false;
    try {
      const m = await this.sig.request('chat:whisper', { sessionId: session.sessionId, text });
      const whispers = this.state.whispers ?? [];
      if (!whispers.some((x) => sameLine(x, m)) && this.state.session?.sessionId === m.sessionId) this.set({ whispers: [...whispers, m] });
      return true;
    } catch (err) {
      console.error('chat:whisper failed', err);
      return false;
    }
  }

  clearTransferError(): void {
    if (this.state.transferError) this.set({ transferError: undefined });
  }

  /** 「确定挂断」 in the confirmation. */
  hangup(): void {
    const { session } = this.state;
    if (this.state.phase !== 'in-call' || !session) return;
    this.sig.request('call:hangup', { sessionId: session.sessionId }).catch(noop);
    this.endCall('hangup');
  }

  dismissMessages(): void {
    this.clearNotice();
    this.set({ error: undefined, lastEnd: undefined, offerWithdrawn: undefined, wrapUpTimedOut: undefined });
  }

  /** Sign-out: the connection closes, so the server sets this agent offline. */
  close(): void {
    if (this.closed) return;
    this.releaseRingCamera();
    this.resumer.stop();
    this.ice?.dispose();
    this.ice = null;
    this.media?.close();
    this.media = null;
    stopStream(this.state.localStream);
    this.clearNotice();
    this.review.close();
    this.closed = true;
    this.listeners.clear();
    this.sig.close();
  }

  // ── helpers ───────────────────────────────────────────────────────────────

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

  /** 'media:reset' (the session's media worker died and the server moved it): open the media again, same camera and microphone. */
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
      if (this.media === media) await media.publishStream(stream);
    } catch (err) {
      if (this.media !== media) return;
      console.error('call media could not be opened again', err);
      this.sig.request('call:hangup', { sessionId }).catch(noop);
      this.endCall('error', errorKey(err, 'errors.MEDIA_REJECTED'));
    }
  }

  private endCall(reason: EndReason, error?: MessageKey): void {
    this.resumer.stop();
    this.ice?.dispose();
    this.ice = null;
    this.review.endCall();
    this.media?.close();
    this.media = null;
    stopStream(this.state.localStream);
    const call = this.state.call;
    const booth = this.state.session?.parties.find((p) => p.role === 'booth');
    this.set({
      phase: 'idle',
      call: undefined,
      session: undefined,
      callStartedAt: undefined,
      localStream: null,
      remoteTracks: [],
      transfer: undefined,
      transferError: undefined,
      interp: undefined,
      inviting: false,
      chat: [],
      whispers: undefined,
      reconnecting: false,
      mediaTrouble: false,
      away: undefined,
      lastCall: {
        boothName: call?.boothName ?? booth?.name ?? '',
        matterName: call?.matterName ?? '',
        matterId: call?.matterId ?? '',
        endReason: reason,
      },
      lastEnd: reason,
      error,
    });
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

  private noticeLater(): void {
    this.clearNotice();
    this.noticeTimer = setTimeout(() => this.set({ offerWithdrawn: undefined }), NOTICE_MS);
  }

  private clearNotice(): void {
    if (this.noticeTimer !== undefined) clearTimeout(this.noticeTimer);
    this.noticeTimer = undefined;
  }
}
