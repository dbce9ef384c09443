/**
 * The agent console's state outside React: the waiting queue, answering a
 * call (camera first, so a broken camera never takes a call away from other
 * agents), the call's media, and hanging up. Read via useSyncExternalStore.
 */
import { CallMedia, type RemoteTrack, type SignalingClient } from '@xiaowu/shared/client';
import type { SessionInfo, WaitingCall } from '@xiaowu/shared';
import { errorKey, type EndReason, type MessageKey } from '@xiaowu/shared/i18n';

export type AgentPhase = 'idle' | 'answering' | 'in-call';
export type Connection = 'connecting' | 'online' | 'offline';

export interface AgentState {
  connection: Connection;
  /** The server refused the connection for good (e.g. bad credentials). */
  fatal?: MessageKey;
  /** Waiting calls, longest-waiting first (as the server sends them). */
  queue: WaitingCall[];
  phase: AgentPhase;
  answeringCallId?: string;
  session?: SessionInfo;
  callStartedAt?: number;
  localStream: MediaStream | null;
  remoteTracks: RemoteTrack[];
  /** Why the last action failed (alert). */
  error?: MessageKey;
  /** How the last call ended (status). */
  lastEnd?: EndReason;
}

const noop = (): void => undefined;

function stopStream(stream: MediaStream | null | undefined): void {
  for (const track of stream?.getTracks() ?? []) track.stop();
}

async function openCameraAndMic(): Promise<MediaStream> {
  if (!navigator.mediaDevices?.getUserMedia) {
    throw Object.assign(new Error('getUserMedia unavailable (insecure origin?)'), { name: 'UnsupportedError' });
  }
  return navigator.mediaDevices.getUserMedia({ video: { width: 1280, height: 720, frameRate: 30 }, audio: true });
}

export class AgentDesk {
  private state: AgentState;
  private readonly listeners = new Set<() => void>();
  private media: CallMedia | null = null;

  constructor(private readonly sig: SignalingClient) {
    const socket = sig.socket;
    this.state = { connection: socket.connected ? 'online' : 'connecting', queue: [], phase: 'idle', localStream: null, remoteTracks: [] };

    socket.on('connect', () => this.set({ connection: 'online', fatal: undefined }));
    socket.on('disconnect', () => {
      this.set({ connection: 'offline' });
      // The server ends our session with the socket; the queue comes again on reconnect.
      if (this.state.phase === 'in-call') this.endCall('network');
    });
    socket.on('connect_error', (err) => {
      this.set({ connection: 'offline', fatal: socket.active ? undefined : errorKey(err, 'errors.UNAUTHORIZED') });
    });

    sig.on('queue:update', (calls) => this.set({ queue: calls }));
    sig.on('call:ended', ({ sessionId, reason }) => {
      if (this.state.session?.sessionId === sessionId) this.endCall(reason);
    });
    sig.on('media:producerClosed', ({ producerId }) => this.removeRemoteTrack(producerId));
    sig.on('protocol:error', (info) => console.warn('protocol error', info));
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getState = (): AgentState => this.state;

  private set(patch: Partial<AgentState>): void {
    this.state = { ...this.state, ...patch };
    for (const l of this.listeners) l();
  }

  /** 「接听」: camera, then 'call:answer' (its ack is the session), then media. */
  async answer(callId: string): Promise<void> {
    if (this.state.phase !== 'idle') return;
    this.set({ phase: 'answering', answeringCallId: callId, error: undefined, lastEnd: undefined });

    let stream: MediaStream;
    try {
      stream = await openCameraAndMic();
    } catch (err) {
      console.error('camera/microphone failed', err);
      this.set({ phase: 'idle', answeringCallId: undefined, error: errorKey(err, 'deviceErrors.failed') });
      return;
    }

    let session: SessionInfo;
    try {
      session = await this.sig.request('call:answer', { callId });
    } catch (err) {
      // Typically CALL_UNAVAILABLE: another agent was faster or the resident cancelled.
      stopStream(stream);
      this.set({ phase: 'idle', answeringCallId: undefined, error: errorKey(err) });
      return;
    }

    const media: CallMedia = new CallMedia(this.sig, session, {
      onRemoteTrack: (t) => {
        if (this.media !== media) return;
        const others = this.state.remoteTracks.filter((x) => x.producer.producerId !== t.producer.producerId);
        this.set({ remoteTracks: [...others, t] });
      },
      onRemoteTrackEnded: (producerId) => {
        if (this.media === media) this.removeRemoteTrack(producerId);
      },
    });
    this.media = media;
    this.set({
      phase: 'in-call',
      answeringCallId: undefined,
      session,
      callStartedAt: Date.now(),
      localStream: stream,
      remoteTracks: [],
    });

    try {
      await media.start();
      const [video] = stream.getVideoTracks();
      const [audio] = stream.getAudioTracks();
      if (video && this.media === media) await media.publish(video, 'camera');
      if (audio && this.media === media) await media.publish(audio, 'mic');
    } catch (err) {
      if (this.media !== media) return;
      console.error('call media failed', err);
      this.sig.request('call:hangup', { sessionId: session.sessionId }).catch(noop);
      this.endCall('error', errorKey(err, 'errors.MEDIA_REJECTED'));
    }
  }

  /** 「确定挂断」 in the confirmation. */
  hangup(): void {
    const { session } = this.state;
    if (this.state.phase !== 'in-call' || !session) return;
    this.sig.request('call:hangup', { sessionId: session.sessionId }).catch(noop);
    this.endCall('hangup');
  }

  dismissMessages(): void {
    this.set({ error: undefined, lastEnd: undefined });
  }

  private endCall(reason: EndReason, error?: MessageKey): void {
    this.media?.close();
    this.media = null;
    stopStream(this.state.localStream);
    this.set({
      phase: 'idle',
      session: undefined,
      callStartedAt: undefined,
      localStream: null,
      remoteTracks: [],
      lastEnd: reason,
      error,
    });
  }

  private removeRemoteTrack(producerId: string): void {
    const tracks = this.state.remoteTracks;
    if (tracks.some((t) => t.producer.producerId === producerId)) {
      this.set({ remoteTracks: tracks.filter((t) => t.producer.producerId !== producerId) });
    }
  }
}
