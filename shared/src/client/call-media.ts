/**
 * The media half of a call on the client: a mediasoup-client Device, one send
 * and one receive transport, local tracks produced, remote tracks consumed as
 * the server announces them. Used by the booth and the agent console alike.
 */
import { Device, types } from 'mediasoup-client';
import type { SignalingClient } from './signaling';
import type { ProducerInfo, SessionInfo, TransportInfo } from '../protocol';
import { ErrorCode } from '../errors';
import type { TrackSource } from '../roles';
import { markCall } from './call-timing';

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

/** Where the router RTP capabilities of the last call are kept, to load the Device before the next one. */
const CAPS_KEY = 'xiaowu.media.routerCaps';

/** The page's mediasoup Device and the router capabilities (JSON) it was loaded with. */
interface LoadedDevice {
  caps: string;
  device: Promise<Device>;
}
let loaded: LoadedDevice | undefined;

function loadDevice(caps: string): LoadedDevice {
  const device = new Device();
  const load = async () => {
    await device.load({ routerRtpCapabilities: JSON.parse(caps) as types.RtpCapabilities });
    return device;
  };
  const entry: LoadedDevice = { caps, device: load() };
  entry.device.catch(() => {
    if (loaded === entry) loaded = undefined;
  });
  loaded = entry;
  return entry;
}

function storedCaps(): string | undefined {
  try {
    return globalThis.localStorage?.getItem(CAPS_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

function storeCaps(caps: string): void {
  try {
    if (storedCaps() !== caps) globalThis.localStorage?.setItem(CAPS_KEY, caps);
  } catch {
    // private mode or full: the next page load fetches them again
  }
}

/**
 * Loads the page's mediasoup Device ahead of the next call, from the router
 * capabilities the last call had (kept in localStorage), so that call skips
 * loading it. Every router has the same capabilities (the codecs are fixed);
 * each call still checks them (CallMedia.start) and loads afresh if they changed.
 * Cheap to call again; does nothing without stored capabilities or WebRTC.
 */
export function prepareCallMedia(): void {
  if (loaded || typeof RTCPeerConnection === 'undefined') return;
  const caps = storedCaps();
  if (caps) loadDevice(caps);
}

export class CallMedia {
  private device?: Device;
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

  /**
   * Opens both transports, with the page's device (loaded ahead by
   * prepareCallMedia() when an earlier call left its capabilities, else now),
   * and starts listening for remote tracks. The three requests (router
   * capabilities, send and receive transport) leave at once, before anything
   * else gets to run (the call screen's first render); the device is the
   * preloaded one only if the router's capabilities are the ones it was loaded
   * with, else it is loaded again with them.
   */
  async start(): Promise<void> {
    const { sessionId } = this.session;
    // Listen before the receive transport exists: the server announces the
    // producers already in the session right after creating it.
    let recvReady!: () => void;
    const ready = new Promise<void>((r) => (recvReady = r));
    this.offs.push(
      this.sig.on('media:newProducer', (p) => (markCall(`newProducer:${p.source}`), void ready.then(() => this.consume(p)).catch(() => undefined))),
      this.sig.on('media:consumerClosed', ({ consumerId, producerId }) => {
        this.consumers.get(consumerId)?.close();
        this.consumers.delete(consumerId);
        this.events.onRemoteTrackEnded(producerId);
      }),
    );
    const requests = Promise.all([
      this.sig.request('media:routerCapabilities', { sessionId }).then((c) => (markCall('caps'), JSON.stringify(c))),
      // A silent monitor (a supervisor listening in) only receives: no send transport.
      this.session.you.silent ? Promise.resolve(undefined) : this.sig.request('media:createTransport', { sessionId, direction: 'send' }).then((t) => (markCall('transport:send'), t)),
      this.sig.request('media:createTransport', { sessionId, direction: 'recv' }).then((t) => (markCall('transport:recv'), t)),
    ]);
    prepareCallMedia();
    const [caps, sendInfo, recvInfo] = await requests;
    const preloaded = loaded?.caps === caps ? await loaded.device.catch(() => undefined) : undefined;
    if (!preloaded && loaded && loaded.caps !== caps) console.info('router RTP capabilities changed; loading the media device again');
    const device = preloaded ?? (await loadDevice(caps).device);
    markCall('device');
    storeCaps(caps);
    if (this.closed) return; // the server closes its side of the transports with the call
    this.device = device;
    if (sendInfo) this.sendTransport = this.createTransport(device, 'send', sendInfo);
    this.recvTransport = this.createTransport(device, 'recv', recvInfo);
    recvReady();
  }

  /**
   * A stream's camera and microphone, both at once (the transport still sends
   * them in turn, camera first: no round trip in between). Nothing without a stream.
   */
  async publishStream(stream: MediaStream | null | undefined): Promise<void> {
    const [video] = stream?.getVideoTracks() ?? [];
    const [audio] = stream?.getAudioTracks() ?? [];
    await Promise.all([video && this.publish(video, 'camera'), audio && this.publish(audio, 'mic')]);
  }

  /** Publishes a local track; cameras keep frame rate first (sign language needs motion). */
  async publish(track: MediaStreamTrack, source: TrackSource): Promise<void> {
    if (!this.sendTransport) throw new Error('CallMedia.start() first');
    const producer = await this.sendTransport.produce({
      track,
      // The host owns its tracks (it stops them when the call ends): closing this media — also
      // to open it again after a 'media:reset' — must not stop the camera.
      stopTracks: false,
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
    markCall(`produce:${source}`);
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

  private createTransport(device: Device, direction: 'send' | 'recv', info: TransportInfo): types.Transport {
    const transport = direction === 'send' ? device.createSendTransport({ ...info }) : device.createRecvTransport({ ...info });
    transport.on('connect', ({ dtlsParameters }, callback, errback) => {
      this.sig
        .request('media:connectTransport', { transportId: transport.id, dtlsParameters })
        .then(() => callback(), errback);
    });
    transport.on('connectionstatechange', (state) => {
      if (state === 'connected') markCall(`connected:${direction}`);
      this.onTransportState(transport.id, state);
    });
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
    if (this.closed || !this.recvTransport || !this.device || this.consumedProducers.has(producer.producerId)) return;
    this.consumedProducers.add(producer.producerId);
    const info = await this.sig.request('media:consume', {
      transportId: this.recvTransport.id,
      producerId: producer.producerId,
      rtpCapabilities: this.device.recvRtpCapabilities as never,
    });
    markCall(`consume:${producer.source}`);
    const consumer = await this.recvTransport.consume({
      id: info.consumerId,
      producerId: info.producerId,
      kind: info.kind,
      rtpParameters: info.rtpParameters,
    });
    markCall(`local:${producer.source}`);
    if (this.closed) {
      consumer.close();
      return;
    }
    this.consumers.set(consumer.id, consumer);
    // A remote track starts muted and unmutes once its media arrives (a mark for the call-start bench).
    consumer.track.addEventListener('unmute', () => markCall(`rtp:${producer.source}`), { once: true });
    // The track exists: on screen now, it plays as soon as the media comes (the
    // server created the consumer paused so that nothing is sent before this point).
    this.events.onRemoteTrack({ producer, consumerId: consumer.id, track: consumer.track });
    try {
      await this.sig.request('media:resumeConsumer', { consumerId: consumer.id });
      markCall(`resume:${producer.source}`);
    } catch (err) {
      if (this.closed || !this.consumers.has(consumer.id)) return;
      console.warn('media:resumeConsumer failed', err);
      consumer.close();
      this.consumers.delete(consumer.id);
      this.consumedProducers.delete(producer.producerId);
      this.events.onRemoteTrackEnded(producer.producerId);
    }
  }
}

/** The media connection down this long: the apps say 「网络不稳定，正在重连」 (shorter blips pass unseen). */
export const MEDIA_TROUBLE_MS = 1_500;
/** A 'disconnected' media connection this long is treated like a failed one. */
export const ICE_DISCONNECTED_MS = 3_000;
/** Not connected this long after an ICE restart: the media is opened anew ('media:rejoin'), then again with doubling waits. */
export const REJOIN_AFTER_MS = 6_000;
export const REJOIN_MAX_MS = 30_000;

/** How long the rejoin number `attempt` (0 = the first) waits after the ICE restart: doubling, capped, with up to 1 s of jitter. */
export function rejoinDelay(attempt: number, random = Math.random): number {
  return Math.min(REJOIN_MAX_MS, REJOIN_AFTER_MS * 2 ** attempt) + Math.round(random() * 1000);
}

/**
 * Recovery of a call's media connection, fed from CallMedia's
 * onConnectionState: on 'failed' (or 'disconnected' lasting ICE_DISCONNECTED_MS)
 * while the signaling socket is up, ICE is restarted once per episode (an
 * episode ends when the connection is 'connected' again). While the socket is
 * down, the resume after the reconnect restarts ICE instead (afterResume()).
 * Still not connected rejoinDelay(attempt) after the restart (its transports
 * broken on the server, a new network the old path cannot reach): `rejoin`
 * opens the media anew — the next attempt waits twice as long, with jitter.
 */
export class IceRecovery {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private rejoinTimer: ReturnType<typeof setTimeout> | undefined;
  private restarted = false;
  private disposed = false;

  constructor(
    private readonly media: Pick<CallMedia, 'connectionState' | 'restartIce'>,
    private readonly socketConnected: () => boolean,
    /** Opens the call's media anew; `attempt` counts rejoins since the media last connected. */
    private readonly rejoin?: (attempt: number) => void,
    private attempt = 0,
  ) {}

  onState(state: MediaConnectionState): void {
    if (this.disposed) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    if (state === 'connected') {
      this.restarted = false;
      this.attempt = 0;
      clearTimeout(this.rejoinTimer);
      this.rejoinTimer = undefined;
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
    if (this.rejoin && !this.rejoinTimer) this.rejoinTimer = setTimeout(() => this.escalate(), rejoinDelay(this.attempt));
  }

  /** The restart did not bring the media back: open it anew (once the socket is up; the resume may fix it first). */
  private escalate(): void {
    this.rejoinTimer = undefined;
    if (this.disposed || this.media.connectionState === 'connected') return;
    if (!this.socketConnected()) {
      this.rejoinTimer = setTimeout(() => this.escalate(), 1000);
      return;
    }
    this.disposed = true;
    clearTimeout(this.timer);
    this.rejoin!(this.attempt + 1);
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    clearTimeout(this.rejoinTimer);
  }
}

/** How an app holds its call media: which one is current, and where its events go. */
export interface CallMediaHost extends CallMediaEvents {
  /** The app's current media: the events of one it has replaced or closed are dropped. */
  current(): CallMedia | null | undefined;
  /** An ICE restart did not bring the media back: drop it ('media:rejoin') and open it anew — see rejoinMedia(). */
  rejoin?(attempt: number): void;
}

/**
 * The rejoin step of opening a call's media anew: 'media:rejoin' (the server
 * drops this party's transports). True when the caller goes on (starts its
 * new media and publishes); false when not — the call is over, the media was
 * replaced meanwhile (`current` false), or the server could not take it now:
 * then `retry` runs after rejoinDelay(attempt).
 */
export async function rejoinMedia(sig: SignalingClient, sessionId: string, attempt: number, current: () => boolean, retry: () => void): Promise<boolean> {
  console.warn('call media did not recover; opening it anew');
  try {
    await sig.request('media:rejoin', { sessionId });
  } catch (err) {
    if (!current() || (err as { code?: string }).code === ErrorCode.NotInSession) return false; // replaced, or the call is over ('call:ended' follows)
    console.warn('media rejoin not taken; trying again', err);
    setTimeout(() => current() && retry(), rejoinDelay(attempt));
    return false;
  }
  return current();
}

/** Whether the call's media has been down MEDIA_TROUBLE_MS or more (the apps then say 「网络不稳定，正在重连」). */
export class MediaTroubleWatch {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private shown = false;

  constructor(private readonly show: (trouble: boolean) => void) {}

  onState(state: MediaConnectionState): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (state === 'connected') {
      if (this.shown) this.show((this.shown = false));
      return;
    }
    this.timer = setTimeout(() => this.show((this.shown = true)), MEDIA_TROUBLE_MS);
  }

  /** The call ended: nothing more to say. */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.shown = false;
  }
}

/**
 * A call's media with its ICE recovery wired in, passing its events on to the
 * host while it is the host's current media (the booth, the agent desk and the
 * supervisor's monitor hold theirs this way; after a 'media:reset' they open a
 * new one and the old one's late events are dropped).
 */
export function openCallMedia(sig: SignalingClient, session: SessionInfo, host: CallMediaHost, attempt = 0): { media: CallMedia; ice: IceRecovery } {
  const media: CallMedia = new CallMedia(sig, session, {
    onRemoteTrack: (t) => {
      if (host.current() === media) host.onRemoteTrack(t);
    },
    onRemoteTrackEnded: (producerId) => {
      if (host.current() === media) host.onRemoteTrackEnded(producerId);
    },
    onConnectionState: (state) => {
      if (host.current() !== media) return;
      ice.onState(state);
      host.onConnectionState?.(state);
    },
  });
  const ice = new IceRecovery(
    media,
    () => sig.socket.connected,
    host.rejoin && ((n) => host.current() === media && host.rejoin!(n)),
    attempt,
  );
  return { media, ice };
}

/** `tracks` with `t` in place of any earlier track of the same producer (a re-consumed one). */
export function withRemoteTrack(tracks: RemoteTrack[], t: RemoteTrack): RemoteTrack[] {
  return [...tracks.filter((x) => x.producer.producerId !== t.producer.producerId), t];
}
