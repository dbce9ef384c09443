/**
 * 静默监听 (silent monitor) and 耳语 (whisper) of the supervisor area, outside
 * React (read via useSyncExternalStore, like the agent desk).
 *
 * It runs on the area's one socket (DashboardLive's): `monitor:join` makes the
 * supervisor a receive-only party of a live session on the node that socket
 * is connected to; the media is a CallMedia that, for a silent party, opens a
 * receive transport only. The server replays the resident's chat and the
 * whispers right after the join (before its ack), so the listeners are in
 * place before it is sent. Leaving is `call:hangup` (for a supervisor: leave,
 * the call goes on). The server drops a silent supervisor whose socket goes
 * away, so a lost connection ends the monitoring here too.
 *
 * One session at a time: joining another leaves the current one first. The
 * requests to the server (leave, join) go out one after the other, in order,
 * while the screen follows the latest choice at once.
 */
import { AppError, ErrorCode, type CallEndReason, type ChatMessage, type PartyInfo, type SessionInfo } from '@xiaowu/shared';
import { openCallMedia, rejoinMedia, withRemoteTrack, type CallMedia, type IceRecovery, type MediaConnectionState, type RemoteTrack, type SignalingClient } from '@xiaowu/shared/client';
import type { DashboardLive } from './dashboard-live';

export type MonitorPhase = 'joining' | 'live' | 'ended' | 'error';
/** Why the monitoring ended: the call's end reason, or the socket was lost. */
export type MonitorEnd = CallEndReason | 'connection';
/** A refusal's code, or 'offline' (no connection to ask on). */
export type MonitorError = ErrorCode | 'offline';

export interface MonitorState {
  sessionId: string;
  phase: MonitorPhase;
  /** From the dashboard at the time of the join (the session's row). */
  boothName?: string;
  matterName?: string;
  /** The join's ack. */
  session?: SessionInfo;
  /** Everyone in the call as the server shows them to staff (this supervisor too). */
  parties: PartyInfo[];
  remoteTracks: RemoteTrack[];
  /** The resident's chat (read-only here). */
  chat: ChatMessage[];
  /** Staff-only lines, sent and received. */
  whispers: ChatMessage[];
  media?: MediaConnectionState;
  mediaError?: MonitorError;
  endReason?: MonitorEnd;
  /** When it ended (this browser's clock): the duration stops there. */
  endedAt?: number;
  error?: MonitorError;
  whisperError?: MonitorError;
}

const noop = (): void => undefined;
const codes = new Set<string>(Object.values(ErrorCode));

function codeOf(err: unknown): MonitorError {
  if (err instanceof AppError) return err.code;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && codes.has(code) ? (code as ErrorCode) : ErrorCode.Internal;
}

function sameLine(a: ChatMessage, b: ChatMessage): boolean {
  return a.at === b.at && a.from === b.from && a.text === b.text && a.sessionId === b.sessionId;
}

export class MonitorSession {
  private state: MonitorState | undefined;
  private readonly listeners = new Set<() => void>();
  /** Bumped by every join / leave: work of an older one stops touching the state. */
  private gen = 0;
  /** The server-facing steps (leave, join), one after the other. */
  private queue: Promise<void> = Promise.resolve();
  /** The session the server has this supervisor in (after a join's ack, until it is left or ends). */
  private joined: { sig: SignalingClient; sessionId: string } | undefined;
  private media: CallMedia | null = null;
  private ice: IceRecovery | null = null;
  private offs: Array<() => void> = [];

  constructor(private readonly live: DashboardLive) {}

  readonly subscribe = (l: () => void): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };

  readonly getState = (): MonitorState | undefined => this.state;

  private replace(next: MonitorState | undefined): void {
    this.state = next;
    for (const l of this.listeners) l();
  }

  /** Patches the state if it is still the one of generation `g`. */
  private update(g: number, patch: Partial<MonitorState> | ((s: MonitorState) => Partial<MonitorState> | undefined)): void {
    if (g !== this.gen || !this.state) return;
    const p = typeof patch === 'function' ? patch(this.state) : patch;
    if (p) this.replace({ ...this.state, ...p });
  }

  /** 「静默监听」 on the dashboard: monitors `sessionId` (leaving the one monitored now, if another). */
  join(sessionId: string): void {
    const cur = this.state;
    if (cur && cur.sessionId === sessionId && (cur.phase === 'joining' || cur.phase === 'live')) return;
    const g = ++this.gen;
    this.detach();
    const row = this.live.getState().snapshot?.sessions.find((s) => s.sessionId === sessionId);
    this.replace({ sessionId, phase: 'joining', boothName: row?.boothName, matterName: row?.matterName, parties: [], remoteTracks: [], chat: [], whispers: [] });
    this.enqueue(() => this.run(g, sessionId));
  }

  /** 「结束监听」 (and 「关闭」 once it ended): leaves the call (it goes on) and closes the panel. */
  leave(): void {
    this.gen++;
    this.detach();
    this.replace(undefined);
    this.enqueue(() => this.leaveJoined());
  }

  /** The area goes away (sign-out, unmount): leave quietly. */
  dispose(): void {
    this.leave();
  }

  /** 耳语: a line to the staff in the call; false when it was not sent (the reason in `whisperError`). */
  async whisper(text: string): Promise<boolean> {
    const s = this.state;
    const joined = this.joined;
    const trimmed = text.trim();
    if (!s || s.phase !== 'live' || !joined || joined.sessionId !== s.sessionId || !trimmed) return false;
    const g = this.gen;
    this.update(g, { whisperError: undefined });
    try {
      const m = await joined.sig.request('chat:whisper', { sessionId: s.sessionId, text: trimmed.slice(0, 1000) });
      // The server sends it to every staff party (us too); the ack covers a lost event.
      this.update(g, (st) => (st.whispers.some((x) => sameLine(x, m)) ? undefined : { whispers: [...st.whispers, m] }));
      return true;
    } catch (err) {
      console.warn('chat:whisper failed', err);
      this.update(g, { whisperError: codeOf(err) });
      return false;
    }
  }

  // ── steps ─────────────────────────────────────────────────────────────────

  private enqueue(step: () => Promise<void>): void {
    this.queue = this.queue.then(step).catch((err: unknown) => console.warn('monitor step failed', err));
  }

  /** `call:hangup` for the session the server has us in (a supervisor leaves; the call goes on). */
  private async leaveJoined(): Promise<void> {
    const j = this.joined;
    this.joined = undefined;
    if (j && j.sig.socket.connected) await j.sig.request('call:hangup', { sessionId: j.sessionId }).catch(noop);
  }

  private async run(g: number, sessionId: string): Promise<void> {
    if (g !== this.gen) return; // another choice came meanwhile
    if (this.joined && this.joined.sessionId !== sessionId) await this.leaveJoined();
    if (g !== this.gen) return;
    const sig = this.live.signaling;
    if (!sig || !sig.socket.connected) {
      this.update(g, { phase: 'error', error: 'offline' });
      return;
    }
    this.listen(g, sig, sessionId);
    let session: SessionInfo;
    try {
      session = await sig.request('monitor:join', { sessionId });
    } catch (err) {
      console.warn('monitor:join failed', err);
      if (g !== this.gen) return;
      this.detach();
      this.update(g, { phase: 'error', error: codeOf(err) });
      return;
    }
    this.joined = { sig, sessionId };
    // Left or moved on meanwhile: the next queued step leaves it.
    if (g !== this.gen) return;
    if (this.state?.phase !== 'joining') return; // ended before the ack (the call's end came first)
    this.update(g, (s) => ({
      phase: 'live',
      session,
      // Joins / leaves that came before the ack are already in the ack's list.
      parties: session.parties,
      boothName: s.boothName ?? session.parties.find((p) => p.role === 'booth')?.name,
    }));
    void this.startMedia(g, sig, session);
  }

  private async startMedia(g: number, sig: SignalingClient, session: SessionInfo, attempt = 0, rejoin = false): Promise<void> {
    const { media, ice } = openCallMedia(
      sig,
      session,
      {
        current: () => this.media,
        onRemoteTrack: (t) => this.update(g, (s) => ({ remoteTracks: withRemoteTrack(s.remoteTracks, t) })),
        onRemoteTrackEnded: (producerId) => this.removeTrack(g, producerId),
        onConnectionState: (state) => this.update(g, { media: state }),
        // An ICE restart did not bring the media back: drop it on the server and open it anew.
        rejoin: (n) => {
          if (g !== this.gen) return;
          this.closeMedia();
          this.update(g, { remoteTracks: [] });
          void this.startMedia(g, sig, session, n, true);
        },
      },
      attempt,
    );
    this.media = media;
    this.ice = ice;
    this.update(g, { mediaError: undefined, media: undefined });
    try {
      if (rejoin && !(await rejoinMedia(sig, session.sessionId, attempt, () => this.media === media, () => void this.startMedia(g, sig, session, attempt + 1, true)))) return;
      await media.start();
    } catch (err) {
      if (this.media !== media) return;
      console.error('monitor media failed', err);
      this.update(g, { mediaError: codeOf(err) });
    }
  }

  /** The server's events for this monitoring, on `sig`, kept until it is left or ends. */
  private listen(g: number, sig: SignalingClient, sessionId: string): void {
    const mine = () => g === this.gen && this.state?.sessionId === sessionId;
    const inCall = () => mine() && (this.state?.phase === 'joining' || this.state?.phase === 'live');
    // The media epoch shown: a 'media:reset' with a newer one means the session's media was re-created.
    let epoch = 0;
    const onDisconnect = () => {
      // The server drops a silent supervisor whose connection goes.
      if (this.joined?.sig === sig) this.joined = undefined;
      if (inCall()) this.end(g, 'connection');
    };
    sig.socket.on('disconnect', onDisconnect);
    this.offs.push(
      () => sig.socket.off('disconnect', onDisconnect),
      sig.on('chat:message', (m) => {
        if (m.sessionId !== sessionId || !mine()) return;
        this.update(g, (s) => (s.chat.some((x) => sameLine(x, m)) ? undefined : { chat: [...s.chat, m] }));
      }),
      sig.on('chat:whisper', (m) => {
        if (m.sessionId !== sessionId || !mine()) return;
        this.update(g, (s) => (s.whispers.some((x) => sameLine(x, m)) ? undefined : { whispers: [...s.whispers, m] }));
      }),
      // A supervisor is in one session at a time: these are of this one.
      sig.on('session:partyJoined', (p) => {
        if (inCall()) this.update(g, (s) => ({ parties: [...s.parties.filter((x) => x.partyId !== p.partyId), p] }));
      }),
      sig.on('session:partyLeft', (p) => {
        if (inCall()) this.update(g, (s) => ({ parties: s.parties.filter((x) => x.partyId !== p.partyId) }));
      }),
      sig.on('media:producerClosed', ({ producerId }) => {
        if (inCall()) this.removeTrack(g, producerId);
      }),
      sig.on('media:reset', (info) => {
        // The session moved onto a new media process: everything media is new.
        const session = this.state?.session;
        if (info.sessionId !== sessionId || !inCall() || !session || info.epoch <= epoch) return;
        epoch = info.epoch;
        this.closeMedia();
        this.update(g, { remoteTracks: [] });
        void this.startMedia(g, sig, session);
      }),
      sig.on('call:ended', (info) => {
        if (info.sessionId !== sessionId) return;
        if (this.joined?.sig === sig && this.joined.sessionId === sessionId) this.joined = undefined;
        if (inCall()) this.end(g, info.reason);
      }),
    );
  }

  private end(g: number, reason: MonitorEnd): void {
    this.detach();
    this.update(g, { phase: 'ended', endReason: reason, endedAt: Date.now(), remoteTracks: [], media: undefined });
  }

  private removeTrack(g: number, producerId: string): void {
    this.update(g, (s) => (s.remoteTracks.some((t) => t.producer.producerId === producerId) ? { remoteTracks: s.remoteTracks.filter((t) => t.producer.producerId !== producerId) } : undefined));
  }

  private closeMedia(): void {
    this.ice?.dispose();
    this.ice = null;
    this.media?.close();
    this.media = null;
  }

  /** Stops listening and closes the media (the state is left as it is). */
  private detach(): void {
    for (const off of this.offs) off();
    this.offs = [];
    this.closeMedia();
  }
}
