/**
 * WebRTC bots in node for the soak (bench/soak.ts): booths and agents that,
 * as far as the server can tell, are the real clients — socket.io signaling
 * through SignalingClient (the same requests and events the booth and the
 * agent console use), and real WebRTC media: mediasoup-client's Chrome111
 * handler running on @roamhq/wrtc (libwebrtc for node: ICE, DTLS, SRTP,
 * RTCP, NACK/PLI, transport-cc bandwidth estimation), one send and one
 * receive transport per party, a camera and a microphone published, the
 * other party's consumed and decoded.
 *
 * Media is synthetic: one wrtc `RTCVideoSource` (I420 frames, a moving block
 * on a gradient) and one `RTCAudioSource` (10-ms frames of a 440 Hz tone at
 * 48 kHz) per bot process, fed by one timer each; every party takes its own
 * track from them, so each party's libwebrtc encodes its own VP8 and opus
 * stream (the frames are the same, the streams are not). Size, frame rate and
 * how much of each second the microphone sends: MEDIA_PROFILES (what 2 cores
 * can carry next to the server).
 *
 * A bot process holds the parties of one role (all booths, or all agents) and
 * is driven over IPC by the soak (`BotProcess` below forks it):
 * - agents go available on `init`, answer every `call:offer` they get, start
 *   their media with the session, and after `call:ended` close wrap-up
 *   (`agent:wrapUp`) after a short pause: available again;
 * - booths send `booth:heartbeat` every HEARTBEAT_INTERVAL_MS, request a call
 *   on `call`, hang up on `hangup`, start their media on `call:started`;
 * - both restart ICE through the server (media:restartIce) when a transport
 *   fails or stays disconnected, as the real clients' IceRecovery does.
 * Each party keeps what its receive transport got (RTP packets, frames
 * decoded) from getStats; `sample` returns it with the process's own figures.
 * With `timing` (bench/call-start-bots.ts) each party also stamps every step of
 * its call's start (Timeline: answer, transports, producers, consumers, ICE+DTLS
 * connected, the first decoded frame from an RTCVideoSink on the remote
 * camera), returned by `timeline`.
 *
 * Child: `node --import tsx bench/webrtc-bot.ts` with an IPC channel (fork).
 */
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Device, type types } from 'mediasoup-client';
import { ICE_DISCONNECTED_MS, SignalingClient } from '@xiaowu/shared/client';
import { HEARTBEAT_INTERVAL_MS, type CallOffer, type ProducerInfo, type SessionInfo } from '@xiaowu/shared';

// ── wrtc ─────────────────────────────────────────────────────────────────────

/** The parts of @roamhq/wrtc used here (its types lean on the DOM library, which bench/ does not load). */
interface WrtcTrack {
  readonly kind: string;
  readonly id: string;
  stop(): void;
}
interface VideoSource {
  createTrack(): WrtcTrack;
  onFrame(frame: { width: number; height: number; data: Uint8Array }): void;
}
interface AudioSource {
  createTrack(): WrtcTrack;
  onData(data: { samples: Int16Array; sampleRate: number; bitsPerSample: number; channelCount: number; numberOfFrames: number }): void;
}
/** Receives a remote video track's decoded frames. */
interface VideoSink {
  onframe?: () => void;
  stop(): void;
}
interface Wrtc {
  RTCPeerConnection: unknown;
  RTCSessionDescription: unknown;
  RTCIceCandidate: unknown;
  MediaStream: unknown;
  MediaStreamTrack: unknown;
  nonstandard: { RTCVideoSource: new () => VideoSource; RTCAudioSource: new () => AudioSource; RTCVideoSink: new (track: unknown) => VideoSink };
}

let wrtc: Wrtc | undefined;

/** Loads @roamhq/wrtc and puts its WebRTC classes where mediasoup-client's handlers look for them (globalThis). */
export function installWrtc(): Wrtc {
  if (wrtc) return wrtc;
  const require = createRequire(import.meta.url);
  wrtc = require('@roamhq/wrtc') as Wrtc;
  const g = globalThis as Record<string, unknown>;
  for (const k of ['RTCPeerConnection', 'RTCSessionDescription', 'RTCIceCandidate', 'MediaStream', 'MediaStreamTrack'] as const) g[k] = wrtc[k];
  return wrtc;
}

// ── synthetic media ──────────────────────────────────────────────────────────

export interface MediaOptions {
  width: number;
  height: number;
  fps: number;
  /** Camera encoding's bitrate cap, bps. */
  videoMaxBitrate: number;
  audio: boolean;
  video: boolean;
  /** Opus packet time, ms (the browser sends 20). */
  audioPtime: number;
  /**
   * Share of each second the microphone sends (the tone); nothing the rest of the second (a talker pausing, with
   * no frames at all: libwebrtc's opus encoder costs about 1.3 % of a core per stream even on digital silence).
   */
  audioDuty: number;
}

/**
 * What each party sends, measured on this 2-core machine (bots' CPU per 10 calls = 20 wrtc clients, 40 peer
 * connections): "full" ≈ 0.8 cores (camera 320×180 at 10 fps ≈ 0.4, continuous opus ≈ 0.5), "light" ≈ 0.24
 * (camera 160×90 at 2 fps ≈ 0.14, opus 200 ms of every second ≈ 0.19); peer connections without media ≈ 0.05.
 */
export const MEDIA_PROFILES = {
  full: { width: 320, height: 180, fps: 10, videoMaxBitrate: 200_000, audio: true, video: true, audioPtime: 20, audioDuty: 1 },
  light: { width: 160, height: 90, fps: 2, videoMaxBitrate: 100_000, audio: true, video: true, audioPtime: 20, audioDuty: 0.2 },
} satisfies Record<string, MediaOptions>;
export type MediaProfile = keyof typeof MEDIA_PROFILES;

/** One video and one audio source for the whole process; each party takes its own tracks from them. */
class SyntheticMedia {
  readonly video: VideoSource;
  readonly audio: AudioSource;
  private readonly timers: Array<ReturnType<typeof setInterval>> = [];

  constructor(private readonly opts: MediaOptions) {
    const w = installWrtc();
    this.video = new w.nonstandard.RTCVideoSource();
    this.audio = new w.nonstandard.RTCAudioSource();
  }

  start(): void {
    const { width, height, fps } = this.opts;
    if (this.opts.video) {
      // I420: a horizontal gradient (Y), neutral chroma, and a 32×32 block that moves each frame (the encoder has work every frame).
      const ySize = width * height;
      const base = new Uint8Array(ySize * 1.5).fill(128);
      for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) base[y * width + x] = 16 + Math.floor((x * 200) / width);
      const frame = new Uint8Array(base.length);
      let n = 0;
      this.timers.push(
        setInterval(() => {
          frame.set(base);
          const bx = (n * 7) % (width - 32);
          const by = (n * 3) % (height - 32);
          for (let y = by; y < by + 32; y++) frame.fill(235, y * width + bx, y * width + bx + 32);
          n++;
          this.video.onFrame({ width, height, data: frame });
        }, Math.round(1000 / fps)),
      );
    }
    if (this.opts.audio) {
      // One second of a 440 Hz tone in 10-ms frames (440 whole periods: the loop is seamless); only the first `audioDuty` of each second is sent.
      const toneFrames = Math.round(100 * this.opts.audioDuty);
      const frames = Array.from({ length: 100 }, (_, f) => {
        const s = new Int16Array(480);
        if (f < toneFrames) for (let i = 0; i < 480; i++) s[i] = Math.round(3000 * Math.sin((2 * Math.PI * 440 * (f * 480 + i)) / 48_000));
        return s;
      });
      const t0 = performance.now();
      let sent = 0;
      this.timers.push(
        setInterval(() => {
          const due = Math.floor((performance.now() - t0) / 10);
          // Behind by more than 50 ms (a stalled event loop): skip ahead rather than burst.
          if (due - sent > 5) sent = due - 5;
          for (; sent < due; sent++) {
            if (sent % 100 >= toneFrames) continue; // a pause: no audio at all, so nothing to encode (as DTX, minus its comfort noise)
            this.audio.onData({ samples: frames[sent % 100]!, sampleRate: 48_000, bitsPerSample: 16, channelCount: 1, numberOfFrames: 480 });
          }
        }, 10),
      );
    }
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
  }
}

// ── one party ────────────────────────────────────────────────────────────────

/**
 * When each step of a party's call start happened (first time only), in ms of
 * `performance.timeOrigin + performance.now()`: the wall clock at high
 * resolution, the same for every process of this machine.
 */
export type Timeline = Record<string, number>;
const nowMs = (): number => performance.timeOrigin + performance.now();
const stamp = (t: Timeline | undefined, stage: string): void => {
  if (t && t[stage] === undefined) t[stage] = nowMs();
};

export type BotRole = 'booth' | 'agent';

/** What a party's transports counted, cumulative over its calls (getStats of the current call added to the closed calls'). */
export interface ReceiveCounters {
  audioPackets: number;
  videoPackets: number;
  videoBytes: number;
  framesDecoded: number;
  /** Received RTP lost (inbound-rtp packetsLost, audio + video). */
  packetsLost: number;
  /** Sent by this party: RTP packets (audio + video), frames encoded. */
  sentPackets: number;
  framesEncoded: number;
}

const zeroCounters = (): ReceiveCounters => ({ audioPackets: 0, videoPackets: 0, videoBytes: 0, framesDecoded: 0, packetsLost: 0, sentPackets: 0, framesEncoded: 0 });

/** The state of a party's sending side at the last getStats: why libwebrtc holds the camera back, the estimated bandwidth. */
export interface SendState {
  /** outbound-rtp qualityLimitationReason of the camera ('none', 'cpu', 'bandwidth', 'other'). */
  videoLimit: string;
  /** The send transport's estimate (candidate-pair availableOutgoingBitrate), kbps. */
  availableKbps: number;
}

const withTimeout = <T>(p: Promise<T>, ms: number): Promise<T | undefined> =>
  Promise.race([p, new Promise<undefined>((r) => setTimeout(() => r(undefined), ms).unref())]);

/** The media of one party in one session: a send and a receive transport, camera + mic produced, the other party's consumed. */
class PartyMedia {
  private send?: types.Transport;
  private recv?: types.Transport;
  private readonly transports = new Set<types.Transport>();
  private readonly consumers = new Map<string, types.Consumer>();
  private readonly producers: types.Producer[] = [];
  private readonly consumed = new Set<string>();
  private readonly offs: Array<() => void> = [];
  private closed = false;
  private device?: Device;
  /** Remote producers consumed and resumed. */
  remoteTracks = 0;
  /** Last transport states, send / recv. */
  states: [string, string] = ['new', 'new'];
  errors: string[] = [];

  constructor(
    private readonly sig: SignalingClient,
    readonly session: SessionInfo,
    private readonly env: { device: (caps: types.RtpCapabilities) => Promise<Device>; media: SyntheticMedia; opts: MediaOptions; timeline?: Timeline },
  ) {}

  private mark(stage: string): void {
    stamp(this.env.timeline, stage);
  }

  async start(): Promise<void> {
    const { sessionId } = this.session;
    let recvReady!: () => void;
    const ready = new Promise<void>((r) => (recvReady = r));
    // Listen before the receive transport exists: the server announces the producers already there right after creating it.
    this.offs.push(
      this.sig.on('media:newProducer', (p) => {
        this.mark(`newProducer:${p.source}`);
        void ready.then(() => this.consume(p)).catch((e: unknown) => this.fail('consume', e));
      }),
      this.sig.on('media:consumerClosed', ({ consumerId }) => {
        this.consumers.get(consumerId)?.close();
        this.consumers.delete(consumerId);
      }),
    );
    const caps = await this.sig.request('media:routerCapabilities', { sessionId });
    this.mark('caps');
    const device = await this.env.device(caps);
    this.mark('device');
    this.device = device;
    [this.send, this.recv] = await Promise.all([this.open(device, 'send'), this.open(device, 'recv')]);
    if (this.closed) return;
    recvReady();
    const { opts, media } = this.env;
    if (opts.audio) await this.publish(media.audio.createTrack(), 'mic');
    if (opts.video) await this.publish(media.video.createTrack(), 'camera');
  }

  private async publish(track: WrtcTrack, source: 'mic' | 'camera'): Promise<void> {
    if (this.closed || !this.send) {
      track.stop();
      return;
    }
    const producer = await this.send.produce({
      track: track as never,
      encodings: source === 'camera' ? [{ maxBitrate: this.env.opts.videoMaxBitrate, maxFramerate: this.env.opts.fps }] : undefined,
      codecOptions: source === 'mic' && this.env.opts.audioPtime !== 20 ? { opusPtime: this.env.opts.audioPtime } : undefined,
      appData: { source },
    });
    this.mark(`produce:${source}`);
    if (this.closed) producer.close();
    else this.producers.push(producer);
  }

  private async open(device: Device, direction: 'send' | 'recv'): Promise<types.Transport> {
    const info = await this.sig.request('media:createTransport', { sessionId: this.session.sessionId, direction });
    this.mark(`transport:${direction}`);
    const transport = direction === 'send' ? device.createSendTransport({ ...info }) : device.createRecvTransport({ ...info });
    this.transports.add(transport);
    if (this.closed) transport.close();
    transport.on('connect', ({ dtlsParameters }, callback, errback) => {
      this.sig.request('media:connectTransport', { transportId: transport.id, dtlsParameters }).then(() => callback(), errback);
    });
    transport.on('connectionstatechange', (state) => {
      this.states[direction === 'send' ? 0 : 1] = state;
      if (state === 'connected') this.mark(`connected:${direction}`);
      this.recover(transport, state);
    });
    if (direction === 'send') {
      transport.on('produce', ({ kind, rtpParameters, appData }, callback, errback) => {
        this.sig
          .request('media:produce', { transportId: transport.id, kind, rtpParameters: rtpParameters as never, source: appData.source as 'mic' | 'camera' })
          .then(({ producerId }) => callback({ id: producerId }), errback);
      });
    }
    return transport;
  }

  private async consume(p: ProducerInfo): Promise<void> {
    if (this.closed || !this.recv || !this.device || this.consumed.has(p.producerId)) return;
    this.consumed.add(p.producerId);
    const info = await this.sig.request('media:consume', { transportId: this.recv.id, producerId: p.producerId, rtpCapabilities: this.device.recvRtpCapabilities as never });
    this.mark(`consume:${p.source}`);
    const consumer = await this.recv.consume({ id: info.consumerId, producerId: info.producerId, kind: info.kind, rtpParameters: info.rtpParameters });
    this.mark(`local:${p.source}`);
    if (this.closed) {
      consumer.close();
      return;
    }
    this.consumers.set(consumer.id, consumer);
    if (this.env.timeline && consumer.kind === 'video' && p.source === 'camera') this.watchFirstFrame(consumer);
    await this.sig.request('media:resumeConsumer', { consumerId: consumer.id });
    this.mark(`resume:${p.source}`);
    this.remoteTracks++;
  }

  /**
   * Timing only: the remote camera's first decoded frame, from an RTCVideoSink on its track (libwebrtc hands the
   * sink every decoded frame; getStats, polled, comes tens of ms late in wrtc).
   */
  private watchFirstFrame(consumer: types.Consumer): void {
    const sink = new (installWrtc().nonstandard.RTCVideoSink)(consumer.track);
    this.sinks.add(sink);
    sink.onframe = () => {
      this.mark('frame');
      sink.stop();
      this.sinks.delete(sink);
    };
  }

  private readonly sinks = new Set<VideoSink>();

  /**
   * What the real clients do (IceRecovery in shared/src/client/call-media.ts): a transport 'failed', or
   * 'disconnected' for ICE_DISCONNECTED_MS, restarts ICE through the server (media:restartIce) once per
   * episode; 'connected' ends the episode.
   */
  private recover(transport: types.Transport, state: string): void {
    const r = this.recovery.get(transport.id) ?? { restarted: false };
    this.recovery.set(transport.id, r);
    clearTimeout(r.timer);
    r.timer = undefined;
    if (this.closed || state === 'closed') return;
    if (state === 'connected') {
      r.restarted = false;
      return;
    }
    const restart = () => {
      if (this.closed || r.restarted || transport.closed) return;
      r.restarted = true;
      this.iceRestarts++;
      this.sig
        .request('media:restartIce', { transportId: transport.id })
        .then(({ iceParameters }) => (this.closed || transport.closed ? undefined : transport.restartIce({ iceParameters })))
        .catch((e: unknown) => this.fail('ICE restart', e));
    };
    if (state === 'failed') restart();
    else if (state === 'disconnected') r.timer = setTimeout(restart, ICE_DISCONNECTED_MS);
  }

  private readonly recovery = new Map<string, { restarted: boolean; timer?: ReturnType<typeof setTimeout> }>();
  /** ICE restarts this party asked for in this call. */
  iceRestarts = 0;

  private fail(what: string, err: unknown): void {
    if (this.closed) return;
    if (this.errors.length < 5) this.errors.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
  }

  /** Counters at the last getStats that answered (they only grow), and the sending side's state then. */
  last = zeroCounters();
  sendState: SendState = { videoLimit: '-', availableKbps: 0 };
  /** getStats calls that failed or did not answer within 5 s (the counters then stay at `last`). */
  statsFailures = 0;

  /** Cumulative counters of this call (getStats of both transports); `last` when getStats fails. */
  async counters(): Promise<ReceiveCounters> {
    const { recv, send } = this;
    if (this.closed || !recv || !send || recv.closed || send.closed) return this.last; // not open yet, or closed
    const read = (t: types.Transport) => withTimeout(t.getStats(), 5_000).catch(() => undefined);
    const [rs, ss] = await Promise.all([read(recv), read(send)]);
    if (!rs || !ss) {
      this.statsFailures++;
      return this.last;
    }
    const c = zeroCounters();
    rs.forEach((s: Record<string, unknown>) => {
      if (s.type !== 'inbound-rtp') return;
      const n = (k: string) => (typeof s[k] === 'number' ? (s[k] as number) : 0);
      c.packetsLost += n('packetsLost');
      if (s.kind === 'audio') c.audioPackets += n('packetsReceived');
      else {
        c.videoPackets += n('packetsReceived');
        c.videoBytes += n('bytesReceived');
        c.framesDecoded += n('framesDecoded');
      }
    });
    ss.forEach((s: Record<string, unknown>) => {
      if (s.type === 'outbound-rtp') {
        if (typeof s.packetsSent === 'number') c.sentPackets += s.packetsSent;
        if (typeof s.framesEncoded === 'number') c.framesEncoded += s.framesEncoded;
        if (s.kind === 'video' && typeof s.qualityLimitationReason === 'string') this.sendState.videoLimit = s.qualityLimitationReason;
      }
      if (s.type === 'candidate-pair' && s.nominated && typeof s.availableOutgoingBitrate === 'number') this.sendState.availableKbps = s.availableOutgoingBitrate / 1000;
    });
    // A stats object that went away (a consumer closed) must not make the counters go back.
    for (const k of Object.keys(c) as Array<keyof ReceiveCounters>) c[k] = Math.max(c[k], this.last[k]);
    this.last = c;
    return c;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const off of this.offs) off();
    for (const r of this.recovery.values()) clearTimeout(r.timer);
    for (const s of this.sinks) s.stop();
    this.sinks.clear();
    for (const c of this.consumers.values()) c.close();
    for (const p of this.producers) p.close(); // stops its track (stopTracks defaults to true)
    for (const t of this.transports) t.close();
    this.consumers.clear();
    this.producers.length = 0;
    this.transports.clear();
  }
}

interface PartyState {
  index: number;
  userId: string;
  sessionId?: string;
  media?: PartyMedia;
  /** Counters of the calls already closed. */
  done: ReceiveCounters;
  calls: number;
  errors: string[];
  statsFailures: number;
  iceRestarts: number;
  /** Timing: the steps of the current (or last) call's start; `next` collects those before the session is known. */
  timeline?: Timeline;
  next?: Timeline;
}

export interface PartySample {
  index: number;
  sessionId?: string;
  /** Cumulative over all calls of the party. */
  counters: ReceiveCounters;
  remoteTracks: number;
  states: [string, string];
  calls: number;
  errors: string[];
  send: SendState;
  statsFailures: number;
  /** ICE restarts asked for, all calls of the party. */
  iceRestarts: number;
}

export interface BotProcessSample {
  role: BotRole;
  pid: number;
  rssMB: number;
  heapMB: number;
  /** The bot process's event-loop delay since the last sample (its timers feed the media sources), ms. */
  loopDelayP99Ms: number;
  /** How long collecting this sample's getStats took, ms. */
  statsMs: number;
  parties: PartySample[];
}

// ── IPC ──────────────────────────────────────────────────────────────────────

export type BotCommand =
  | { t: 'init'; url: string; role: BotRole; tokens: string[]; media: MediaOptions; matterId: string; wrapUpAfterMs: number; timing?: boolean }
  /** Booth: request a call; answered once this booth receives audio and video of the other party. */
  | { t: 'call'; index: number; timeoutMs: number }
  /** Booth: hang up; answered with call:ended. */
  | { t: 'hangup'; index: number }
  /** Either: wait until the party in this session receives audio and video (agents: to check a call both ways). */
  | { t: 'flowing'; sessionId: string; timeoutMs: number }
  /** Timing: the call-start steps of the party in this session, once its first remote video frame is decoded (or the timeout). */
  | { t: 'timeline'; sessionId: string; timeoutMs: number }
  | { t: 'sample' }
  | { t: 'close' };

interface Envelope {
  id: number;
  cmd: BotCommand;
}
type Reply = { id: number; ok: true; data: unknown } | { id: number; ok: false; error: string };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class BotHost {
  private role: BotRole = 'booth';
  private parties: PartyState[] = [];
  private clients: SignalingClient[] = [];
  private media?: SyntheticMedia;
  private opts: MediaOptions = MEDIA_PROFILES.full;
  private matterId = 'consult';
  private wrapUpAfterMs = 1000;
  private timing = false;
  private heartbeat?: ReturnType<typeof setInterval>;
  private loaded?: { caps: string; device: Promise<Device> };
  private closing = false;
  private readonly loop = monitorEventLoopDelay({ resolution: 10 });

  private device = (caps: types.RtpCapabilities): Promise<Device> => {
    const key = JSON.stringify(caps);
    if (this.loaded?.caps !== key) {
      const device = new Device({ handlerName: 'Chrome111' });
      this.loaded = { caps: key, device: device.load({ routerRtpCapabilities: caps }).then(() => device) };
    }
    return this.loaded.device;
  };

  async handle(cmd: BotCommand): Promise<unknown> {
    switch (cmd.t) {
      case 'init':
        return this.init(cmd);
      case 'call':
        return this.call(cmd.index, cmd.timeoutMs);
      case 'hangup':
        return this.hangup(cmd.index);
      case 'flowing': {
        const p = await this.waitFor(() => this.parties.find((x) => x.sessionId === cmd.sessionId), `party in ${cmd.sessionId}`, cmd.timeoutMs);
        return this.waitFlowing(p, cmd.timeoutMs);
      }
      case 'timeline': {
        const p = await this.waitFor(() => this.parties.find((x) => x.sessionId === cmd.sessionId), `party in ${cmd.sessionId}`, cmd.timeoutMs);
        const t0 = Date.now();
        while (p.timeline && this.opts.video && p.timeline.frame === undefined && Date.now() - t0 < cmd.timeoutMs) await sleep(20);
        return { ...p.timeline };
      }
      case 'sample':
        return this.sample();
      case 'close':
        return this.close();
    }
  }

  private async init(cmd: Extract<BotCommand, { t: 'init' }>): Promise<unknown> {
    installWrtc();
    this.loop.enable();
    this.role = cmd.role;
    this.opts = cmd.media;
    this.matterId = cmd.matterId;
    this.wrapUpAfterMs = cmd.wrapUpAfterMs;
    this.timing = cmd.timing ?? false;
    this.media = new SyntheticMedia(cmd.media);
    this.media.start();
    this.parties = await Promise.all(
      cmd.tokens.map(async (token, index) => {
        const sig = new SignalingClient(cmd.url, { token }, 15_000);
        this.clients.push(sig);
        await new Promise<void>((resolve, reject) => {
          sig.socket.once('connect', () => resolve());
          sig.socket.once('connect_error', reject);
        });
        const p: PartyState = { index, userId: '', done: zeroCounters(), calls: 0, errors: [], statsFailures: 0, iceRestarts: 0 };
        this.wire(p, sig);
        if (cmd.role === 'agent') await sig.request('agent:setState', { state: 'available' });
        return p;
      }),
    );
    if (cmd.role === 'booth') {
      const beat = () => {
        for (const [i, c] of this.clients.entries()) {
          const inCall = this.parties[i]?.sessionId !== undefined;
          c.request('booth:heartbeat', { screen: inCall ? 'call' : 'home', appVersion: 'soak-bot' }).catch(() => undefined);
        }
      };
      beat();
      this.heartbeat = setInterval(beat, HEARTBEAT_INTERVAL_MS);
    }
    return { parties: this.parties.length };
  }

  private sig(p: PartyState): SignalingClient {
    return this.clients[p.index]!;
  }

  private wire(p: PartyState, sig: SignalingClient): void {
    const startMedia = (session: SessionInfo) => {
      p.sessionId = session.sessionId;
      p.userId = session.you.userId;
      p.calls++;
      p.timeline = this.timing ? (p.next ?? {}) : undefined;
      p.next = undefined;
      const media = new PartyMedia(sig, session, { device: this.device, media: this.media!, opts: this.opts, timeline: p.timeline });
      p.media = media;
      media.start().catch((e: unknown) => this.note(p, 'media start', e));
    };
    if (this.role === 'agent') {
      sig.on('call:offer', (offer: CallOffer) => {
        if (this.closing) return;
        const timeline: Timeline | undefined = this.timing ? {} : undefined;
        stamp(timeline, 'answer');
        sig.request('call:answer', { callId: offer.callId }).then(
          (session) => {
            stamp(timeline, 'answered');
            p.next = timeline;
            startMedia(session);
          },
          (e: unknown) => this.note(p, 'answer', e),
        );
      });
    } else {
      sig.on('call:started', (session) => {
        stamp(p.next, 'started');
        startMedia(session);
      });
    }
    sig.on('call:ended', ({ sessionId }) => {
      if (p.sessionId !== sessionId) return;
      void this.endMedia(p).then(async () => {
        if (this.role !== 'agent' || this.closing) return;
        await sleep(this.wrapUpAfterMs);
        if (!this.closing) await sig.request('agent:wrapUp', { disposition: 'resolved', note: 'soak' }).catch((e: unknown) => this.note(p, 'wrapUp', e));
      });
    });
    sig.on('media:reset', () => this.note(p, 'media:reset', 'the session moved to another worker'));
  }

  /** Closes the party's media of the current call, keeping its counters. */
  private async endMedia(p: PartyState): Promise<void> {
    const media = p.media;
    p.sessionId = undefined;
    p.media = undefined;
    if (!media) return;
    const c = await media.counters();
    for (const k of Object.keys(c) as Array<keyof ReceiveCounters>) p.done[k] += c[k];
    p.statsFailures += media.statsFailures;
    p.iceRestarts += media.iceRestarts;
    for (const e of media.errors) this.note(p, 'media', e);
    media.close();
  }

  private note(p: PartyState, what: string, err: unknown): void {
    if (p.errors.length < 10) p.errors.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
  }

  private async waitFor<T>(fn: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
    const t0 = Date.now();
    for (;;) {
      const v = fn();
      if (v !== undefined) return v;
      if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
      await sleep(50);
    }
  }

  /** Waits until the party's current call has received audio (if sent) and decoded video (if sent); ms waited. */
  private async waitFlowing(p: PartyState, timeoutMs: number): Promise<number> {
    const t0 = Date.now();
    for (;;) {
      const c = p.media ? await p.media.counters() : undefined;
      if (c && (!this.opts.audio || c.audioPackets > 0) && (!this.opts.video || c.framesDecoded > 0)) return Date.now() - t0;
      if (Date.now() - t0 > timeoutMs) throw new Error(`${this.role} ${p.index}: no media within ${timeoutMs} ms (${p.media ? `${p.media.remoteTracks} remote tracks, transports ${p.media.states.join('/')}` : 'no call'})`);
      await sleep(100);
    }
  }

  private async call(index: number, timeoutMs: number): Promise<{ sessionId: string; startMs: number; flowingMs: number }> {
    const p = this.parties[index]!;
    if (p.sessionId) throw new Error(`booth ${index} is already in a call`);
    const t0 = Date.now();
    p.next = this.timing ? {} : undefined;
    stamp(p.next, 'request');
    await this.sig(p).request('call:request', { matterId: this.matterId });
    const sessionId = await this.waitFor(() => p.sessionId, `booth ${index}: call:started`, timeoutMs);
    const startMs = Date.now() - t0;
    await this.waitFlowing(p, timeoutMs);
    return { sessionId, startMs, flowingMs: Date.now() - t0 };
  }

  private async hangup(index: number): Promise<unknown> {
    const p = this.parties[index]!;
    const sessionId = p.sessionId;
    if (!sessionId) return { sessionId: null };
    const ended = new Promise<void>((resolve) => {
      const off = this.sig(p).on('call:ended', (e) => {
        if (e.sessionId !== sessionId) return;
        off();
        resolve();
      });
    });
    await this.sig(p).request('call:hangup', { sessionId });
    await Promise.race([ended, sleep(10_000)]);
    await this.endMedia(p);
    return { sessionId };
  }

  private async sample(): Promise<BotProcessSample> {
    const t0 = performance.now();
    // Ten parties at a time: 200 getStats at once would hold up this thread, whose timers feed the media sources.
    const parties: PartySample[] = [];
    for (let i = 0; i < this.parties.length; i += 10) parties.push(...(await Promise.all(this.parties.slice(i, i + 10).map((p) => this.partySample(p)))));
    const m = process.memoryUsage();
    const loopDelayP99Ms = this.loop.percentile(99) / 1e6;
    this.loop.reset();
    return { role: this.role, pid: process.pid, rssMB: m.rss / 2 ** 20, heapMB: m.heapUsed / 2 ** 20, loopDelayP99Ms, statsMs: performance.now() - t0, parties };
  }

  private async partySample(p: PartyState): Promise<PartySample> {
    const cur = p.media ? await p.media.counters() : zeroCounters();
    const counters = zeroCounters();
    for (const k of Object.keys(counters) as Array<keyof ReceiveCounters>) counters[k] = p.done[k] + cur[k];
    return {
      index: p.index,
      sessionId: p.sessionId,
      counters,
      remoteTracks: p.media?.remoteTracks ?? 0,
      states: p.media?.states ?? ['-', '-'],
      calls: p.calls,
      errors: [...p.errors, ...(p.media?.errors ?? [])],
      send: p.media?.sendState ?? { videoLimit: '-', availableKbps: 0 },
      statsFailures: p.statsFailures + (p.media?.statsFailures ?? 0),
      iceRestarts: p.iceRestarts + (p.media?.iceRestarts ?? 0),
    };
  }

  private async close(): Promise<unknown> {
    this.closing = true;
    clearInterval(this.heartbeat);
    for (const p of this.parties) await this.endMedia(p);
    for (const c of this.clients) c.close();
    this.media?.stop();
    await sleep(500);
    return {};
  }
}

function runChild(): void {
  const host = new BotHost();
  process.on('message', (m: Envelope) => {
    host.handle(m.cmd).then(
      (data) => {
        process.send!({ id: m.id, ok: true, data } satisfies Reply);
        // wrtc's native threads may keep the process alive after the last peer connection closed.
        if (m.cmd.t === 'close') setTimeout(() => process.exit(0), 200);
      },
      (err: unknown) => process.send!({ id: m.id, ok: false, error: err instanceof Error ? err.message : String(err) } satisfies Reply),
    );
  });
  // The soak died: do not linger.
  process.on('disconnect', () => process.exit(0));
}

// ── parent side ──────────────────────────────────────────────────────────────

const here = path.dirname(fileURLToPath(import.meta.url));

/** A forked bot process (one role) and request/response over its IPC channel. */
export class BotProcess {
  readonly child: ChildProcess;
  private next = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private exited = false;

  constructor(readonly role: BotRole) {
    const file = path.join(here, 'webrtc-bot.ts');
    if (!fs.existsSync(file)) throw new Error(`${file} not found`);
    // cwd: the repository, where `--import tsx` resolves.
    this.child = fork(file, [], { cwd: path.resolve(here, '..'), execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (r: Reply) => {
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      if (r.ok) p.resolve(r.data);
      else p.reject(new Error(`${role} bots: ${r.error}`));
    });
    this.child.on('exit', (code, signal) => {
      this.exited = true;
      for (const p of this.pending.values()) p.reject(new Error(`${role} bot process exited (${code ?? signal})`));
      this.pending.clear();
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  request<T>(cmd: BotCommand): Promise<T> {
    if (this.exited) return Promise.reject(new Error(`${this.role} bot process has exited`));
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, cmd } satisfies Envelope);
    });
  }

  /** Asks the process to close its calls and connections, then waits for it to exit (killed after `timeoutMs`). */
  async close(timeoutMs = 15_000): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((r) => this.child.once('exit', () => r()));
    await Promise.race([this.request({ t: 'close' }).catch(() => undefined), sleep(timeoutMs)]);
    const killer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await gone;
    clearTimeout(killer);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href && process.send) runChild();
