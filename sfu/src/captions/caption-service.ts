/**
 * Live captions, one caption track per speaker's microphone.
 *
 * The plug for a speech-recognition engine is `SpeechEngine`: it receives each
 * microphone as 16 kHz mono signed 16-bit PCM (decoded from the SFU by ffmpeg
 * from a PlainTransport consumer, like the recorder does) and answers with
 * segments — interim ones replaced by the final one. The server ships NO
 * engine: with none configured, switching captions on answers
 * `unavailable`, and the apps say that captions are not available. Nothing
 * is ever made up.
 *
 * Segments go to every party of the session ('caption:segment') and the final
 * ones are kept with the session (Redis, 90 days) beside the chat.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { types } from 'mediasoup';
import type { Redis } from 'ioredis';
import type { CaptionSegment, CaptionState, PartyInfo } from '@xiaowu/shared';
import type { Logger } from '../log';
import type { PortPool } from '../recording/port-pool';
import { feedTransportOptions, sdpFor, withoutBandwidthEstimation } from '../recording/track-recorder';
import { stopChild } from '../recording/child-stop';

export const CAPTION_SAMPLE_RATE = 16_000;

/** What an engine reports for a stretch of speech (times in ms from the start of the stream). */
export interface SpeechResult {
  text: string;
  final: boolean;
  startMs: number;
  endMs: number;
}

export interface SpeechStream {
  /** 16 kHz mono s16le PCM, as it arrives. */
  write(pcm: Buffer): void;
  /** No more audio: flush the last result. */
  end(): Promise<void>;
}

export interface SpeechEngine {
  /** Shown to the parties (who hears them): e.g. the vendor and deployment. */
  readonly name: string;
  open(opts: { lang: string; sampleRate: number; onResult(r: SpeechResult): void }): SpeechStream;
}

/** One microphone into the engine. */
export class CaptionTrack {
  private transport?: types.PlainTransport;
  private consumer?: types.Consumer;
  private ffmpeg?: ChildProcess;
  private stream?: SpeechStream;
  private port?: number;
  private seq = 0;
  private startedAt = 0;
  private dir?: string;
  private closed = false;

  constructor(
    private readonly router: types.Router,
    private readonly producerId: string,
    private readonly engine: SpeechEngine,
    private readonly opts: { ports: PortPool; lang: string; log: Logger; onSegment(s: Omit<CaptionSegment, 'sessionId' | 'speaker' | 'trackId'>): void },
  ) {}

  async start(): Promise<void> {
    this.port = await this.opts.ports.allocate();
    this.transport = await this.router.createPlainTransport(feedTransportOptions());
    await this.transport.connect({ ip: '127.0.0.1', port: this.port, rtcpPort: this.port + 1 });
    this.consumer = await this.transport.consume({ producerId: this.producerId, rtpCapabilities: withoutBandwidthEstimation(this.router.rtpCapabilities), paused: true });
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xw-caption-'));
    const sdp = path.join(this.dir, 'mic.sdp');
    fs.writeFileSync(sdp, sdpFor(this.consumer, this.port));
    let current: { seq: number; startMs: number } | undefined;
    this.stream = this.engine.open({
      lang: this.opts.lang,
      sampleRate: CAPTION_SAMPLE_RATE,
      onResult: (r) => {
        if (this.closed && !r.final) return;
        // Interim results of one utterance share a seq; the final one closes it.
        current ??= { seq: this.seq++, startMs: r.startMs };
        this.opts.onSegment({ seq: current.seq, text: r.text, final: r.final, startedAt: this.startedAt + r.startMs, endedAt: this.startedAt + r.endMs, lang: this.opts.lang });
        if (r.final) current = undefined;
      },
    });
    const ff = spawn(
      'ffmpeg',
      [
        '-hide_banner', '-loglevel', 'error', '-nostdin',
        '-protocol_whitelist', 'file,udp,rtp', '-listen_timeout', '2',
        '-i', sdp, '-vn', '-ac', '1', '-ar', String(CAPTION_SAMPLE_RATE), '-f', 's16le', 'pipe:1',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.ffmpeg = ff;
    ff.stdout!.on('data', (pcm: Buffer) => {
      if (!this.startedAt) this.startedAt = Date.now();
      this.stream?.write(pcm);
    });
    ff.stderr!.on('data', (d: Buffer) => this.opts.log.debug({ stderr: d.toString().slice(0, 500) }, 'caption decoder'));
    ff.once('exit', (code) => {
      if (!this.closed) this.opts.log.warn({ code, producerId: this.producerId }, 'caption decoder exited');
    });
    await new Promise((r) => setTimeout(r, 300)); // ffmpeg opens its socket once it has read the SDP
    await this.consumer.resume();
  }

  async stop(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.consumer?.close();
    this.transport?.close();
    await stopChild(this.ffmpeg, 4000);
    await this.stream?.end().catch(() => undefined);
    if (this.port !== undefined) this.opts.ports.release(this.port);
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The parts of a session the caption service needs (kept small so it does not depend on the call service). */
export interface CaptionSessionView {
  id: string;
  router: types.Router;
  /** Current microphone producers and their speakers. */
  mics(): Array<{ producerId: string; speaker: PartyInfo }>;
  notifyAll(event: 'caption:segment' | 'captions:state', payload: CaptionSegment | CaptionState): void;
}

export class CaptionService {
  private readonly active = new Map<string, { session: CaptionSessionView; tracks: Map<string, CaptionTrack> }>();

  constructor(
    private readonly d: { engine?: SpeechEngine; ports: PortPool; redis: Redis; log: Logger; lang?: string; prefix?: string },
  ) {}

  get available(): boolean {
    return !!this.d.engine;
  }

  state(sessionId: string): CaptionState {
    if (!this.d.engine) return { sessionId, state: 'unavailable', tracks: 0 };
    const a = this.active.get(sessionId);
    return a ? { sessionId, state: 'on', engine: this.d.engine.name, tracks: a.tracks.size } : { sessionId, state: 'off', tracks: 0 };
  }

  /** Switches the session's captions on (every current and later microphone) or off. */
  async set(session: CaptionSessionView, on: boolean): Promise<CaptionState> {
    if (!this.d.engine) {
      const s = this.state(session.id);
      session.notifyAll('captions:state', s);
      return s;
    }
    if (on && !this.active.has(session.id)) {
      this.active.set(session.id, { session, tracks: new Map() });
      await this.sync(session);
    } else if (!on) await this.stopSession(session.id);
    const s = this.state(session.id);
    session.notifyAll('captions:state', s);
    return s;
  }

  /** Follows the session's microphones: call when a producer appears or goes (no-op when captions are off). */
  async sync(session: CaptionSessionView): Promise<void> {
    const a = this.active.get(session.id);
    const engine = this.d.engine;
    if (!a || !engine) return;
    const mics = session.mics();
    for (const [id, t] of a.tracks) if (!mics.some((m) => m.producerId === id)) void t.stop().then(() => a.tracks.delete(id));
    for (const { producerId, speaker } of mics) {
      if (a.tracks.has(producerId)) continue;
      const track = new CaptionTrack(session.router, producerId, engine, {
        ports: this.d.ports,
        lang: this.d.lang ?? 'zh-CN',
        log: this.d.log,
        onSegment: (s) => void this.publish(session, { ...s, sessionId: session.id, speaker: { partyId: speaker.partyId, role: speaker.role, name: speaker.name }, trackId: producerId }),
      });
      a.tracks.set(producerId, track);
      await track.start().catch((err) => {
        this.d.log.error({ err, sessionId: session.id }, 'caption track could not start');
        a.tracks.delete(producerId);
      });
    }
  }

  private async publish(session: CaptionSessionView, seg: CaptionSegment): Promise<void> {
    session.notifyAll('caption:segment', seg);
    if (!seg.final) return;
    const key = `${this.d.prefix ?? '{xw}:'}captions:${session.id}`;
    await this.d.redis.multi().rpush(key, JSON.stringify(seg)).ltrim(key, -5000, -1).expire(key, 90 * 86_400).exec();
  }

  async history(sessionId: string): Promise<CaptionSegment[]> {
    return (await this.d.redis.lrange(`${this.d.prefix ?? '{xw}:'}captions:${sessionId}`, 0, -1)).map((x) => JSON.parse(x) as CaptionSegment);
  }

  async stopSession(sessionId: string): Promise<void> {
    const a = this.active.get(sessionId);
    if (!a) return;
    this.active.delete(sessionId);
    await Promise.all([...a.tracks.values()].map((t) => t.stop()));
  }
}
