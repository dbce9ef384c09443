/**
 * The media half of a call on the client: a mediasoup-client Device, one send
 * and one receive transport, local tracks produced, remote tracks consumed as
 * the server announces them. Used by the booth and the agent console alike.
 */
import { Device, types } from 'mediasoup-client';
import type { SignalingClient } from './signaling';
import type { ProducerInfo, SessionInfo } from '../protocol';
import type { TrackSource } from '../roles';

export interface RemoteTrack {
  producer: ProducerInfo;
  consumerId: string;
  track: MediaStreamTrack;
}

export type MediaConnectionState = 'connected' | 'disconnected' | 'failed';

export interface CallMediaEvents {
  onRemoteTrack(t: RemoteTrack): void;
  onRemoteTrackEnded(producerId: string): void;
  /** The media connection's state: the worse of the two transports (those still new or connecting do not count). */
  onConnectionState?(state: MediaConnectionState): void;
}

const STATE_RANK: Record<MediaConnectionState, number> = { connected: 0, disconnected: 1, failed: 2 };

/** Sender-side encodings: two simulcast layers for cameras, one sharp layer for documents. */
function encodingsFor(source: TrackSource): types.RtpEncodingParameters[] | undefined {
  if (source === 'camera') {
    return [
      { rid: 'r0', scaleResolutionDownBy: 2, maxBitrate: 300_000 },
      { rid: 'r1', scaleResolutionDownBy: 1, maxBitrate: 1_200_000 },
    ];
  }
  if (source === 'document') return [{ maxBitrate: 2_500_000, maxFramerate: 5 }];
  return undefined;
}

export class CallMedia {
  private readonly device = new Device();
  private sendTransport?: types.Transport;
  private recvTransport?: types.Transport;
  private readonly consumers = new Map<string, types.Consumer>();
  private readonly producers = new Map<TrackSource, types.Producer>();
  private readonly consumedProducers = new Set<string>();
  private closed = false;
  private readonly offs: Array<() => void> = [];
  private readonly transportStates = new Map<string, MediaConnectionState>();
  private lastState: MediaConnectionState | undefined;

  constructor(
    private readonly sig: SignalingClient,
    readonly session: SessionInfo,
    private readonly events: CallMediaEvents,
  ) {}

  /** Loads the device, opens both transports and starts listening for remote tracks. */
  async start(): Promise<void> {
    const { sessionId } = this.session;
    const caps = await this.sig.request('media:routerCapabilities', { sessionId });
    await this.device.load({ routerRtpCapabilities: caps });
    // Listen before the receive transport exists: the server announces the
    // producers already in the session right after creating it.
    let recvReady!: () => void;
    const ready = new Promise<void>((r) => (recvReady = r));
    this.offs.push(
      this.sig.on('media:newProducer', (p) => void ready.then(() => this.consume(p)).catch(() => undefined)),
      this.sig.on('media:consumerClosed', ({ consumerId, producerId }) => {
        this.consumers.get(consumerId)?.close();
        this.consumers.delete(consumerId);
        this.events.onRemoteTrackEnded(producerId);
      }),
    );
    // A silent monitor (a supervisor listening in) only receives: no send transport.
    if (!this.session.you.silent) this.sendTransport = await this.openTransport('send');
    this.recvTransport = await this.openTransport('recv');
    recvReady();
  }

  /** Publishes a local track; cameras keep frame rate first (sign language needs motion). */
  async publish(track: MediaStreamTrack, source: TrackSource): Promise<void> {
    if (!this.sendTransport) throw new Error('CallMedia.start() first');
    const producer = await this.sendTransport.produce({
      track,
      encodings: track.kind === 'video' ? encodingsFor(source) : undefined,
      codecOptions: track.kind === 'video' ? { videoGoogleStartBitrate: 1000 } : undefined,
      appData: { source },
    });
    if (track.kind === 'video') {
      const sender = producer.rtpSender;
      if (sender) {
        const params = sender.getParameters();
        params.degradationPreference = source === 'document' ? 'maintain-resolution' : 'maintain-framerate';
        await sender.setParameters(params).catch(() => undefined);
      }
    }
    this.producers.set(source, producer);
  }

  /** The media connection's state as last reported (undefined before any transport connected). */
  get connectionState(): MediaConnectionState | undefined {
    return this.lastState;
  }

  /**
   * ICE restart on both transports (after a network change): the server
   * restarts ICE on its side of each and the answer is applied here.
   */
  async restartIce(): Promise<void> {
    const transports = [this.sendTransport, this.recvTransport].filter((t): t is types.Transport => t !== undefined && !t.closed);
    await Promise.all(
      transports.map(async (transport) => {
        const { iceParameters } = await this.sig.request('media:restartIce', { transportId: transport.id });
        if (!this.closed && !transport.closed) await transport.restartIce({ iceParameters });
      }),
    );
  }

  /** All RTCPeerConnection stats of the receive side (for diagnostics and tests). */
  async receiveStats(): Promise<RTCStatsReport | undefined> {
    return this.recvTransport?.getStats();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const off of this.offs) off();
    for (const c of this.consumers.values()) c.close();
    for (const p of this.producers.values()) p.close();
    this.sendTransport?.close();
    this.recvTransport?.close();
  }

  private async openTransport(direction: 'send' | 'recv'): Promise<types.Transport> {
    const info = await this.sig.request('media:createTransport', { sessionId: this.session.sessionId, direction });
    const transport =
      direction === 'send'
        ? this.device.createSendTransport({ ...info })
        : this.device.createRecvTransport({ ...info });
    transport.on('connect', ({ dtlsParameters }, callback, errback) => {
      this.sig
        .request('media:connectTransport', { transportId: transport.id, dtlsParameters })
        .then(() => callback(), errback);
    });
    transport.on('connectionstatechange', (state) => this.onTransportState(transport.id, state));
    if (direction === 'send') {
      transport.on('produce', ({ kind, rtpParameters, appData }, callback, errback) => {
        this.sig
          .request('media:produce', {
            transportId: transport.id,
            kind,
            rtpParameters: rtpParameters as never,
            source: appData.source as TrackSource,
          })
          .then(({ producerId }) => callback({ id: producerId }), errback);
      });
    }
    return transport;
  }

  private onTransportState(transportId: string, state: string): void {
    if (this.closed) return;
    if (state === 'connected' || state === 'disconnected' || state === 'failed') this.transportStates.set(transportId, state);
    else return; // new / connecting / closed: nothing to report
    let worst: MediaConnectionState = 'connected';
    for (const s of this.transportStates.values()) if (STATE_RANK[s] > STATE_RANK[worst]) worst = s;
    if (worst === this.lastState) return;
    this.lastState = worst;
    this.events.onConnectionState?.(worst);
  }

  private async consume(producer: ProducerInfo): Promise<void> {
    if (this.closed || !this.recvTransport || this.consumedProducers.has(producer.producerId)) return;
    this.consumedProducers.add(producer.producerId);
    const info = await this.sig.request('media:consume', {
      transportId: this.recvTransport.id,
      producerId: producer.producerId,
      rtpCapabilities: this.device.recvRtpCapabilities as never,
    });
    const consumer = await this.recvTransport.consume({
      id: info.consumerId,
      producerId: info.producerId,
      kind: info.kind,
      rtpParameters: info.rtpParameters,
    });
    this.consumers.set(consumer.id, consumer);
    // Created paused on the server so no RTP is lost before the track exists here.
    await this.sig.request('media:resumeConsumer', { consumerId: consumer.id });
    this.events.onRemoteTrack({ producer, consumerId: consumer.id, track: consumer.track });
  }
}

/** A 'disconnected' media connection this long is treated like a failed one. */
export const ICE_DISCONNECTED_MS = 3_000;

/**
 * Recovery of a call's media connection, fed from CallMedia's
 * onConnectionState: on 'failed' (or 'disconnected' lasting ICE_DISCONNECTED_MS)
 * while the signaling socket is up, ICE is restarted once per episode (an
 * episode ends when the connection is 'connected' again). While the socket is
 * down, the resume after the reconnect restarts ICE instead (afterResume()).
 */
export class IceRecovery {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private restarted = false;
  private disposed = false;

  constructor(
    private readonly media: CallMedia,
    private readonly socketConnected: () => boolean,
  ) {}

  onState(state: MediaConnectionState): void {
    if (this.disposed) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    if (state === 'connected') {
      this.restarted = false;
      return;
    }
    if (state === 'failed') this.restart();
    else this.timer = setTimeout(() => this.restart(), ICE_DISCONNECTED_MS);
  }

  /** Back in the session after a signaling reconnect: ICE restart when the media is not 'connected'. */
  afterResume(): void {
    if (this.media.connectionState === 'connected') return;
    this.restarted = false; // a restart before the drop went out on the old network
    this.restart();
  }

  /** Restarts ICE unless already done in this episode or the socket is down (then the resume does it). */
  restart(): void {
    if (this.disposed || this.restarted || !this.socketConnected()) return;
    this.restarted = true;
    this.media.restartIce().catch((err: unknown) => console.warn('ICE restart failed', err));
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
  }
}
