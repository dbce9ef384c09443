/**
 * Records one producer without re-encoding: a PlainTransport + consumer
 * (created paused, resumed once ffmpeg listens, so the file starts on the
 * keyframe we then request) into ffmpeg `-c copy`, written as 10-second
 * Matroska segments (a crash loses at most the open segment). A keyframe is
 * requested at every segment boundary; if ffmpeg dies it is restarted into
 * the next segment number. Nothing here can disturb the live call.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { types } from 'mediasoup';
import type { Logger } from '../log';
import type { PortPool } from './port-pool';
import { stopChild } from './child-stop';

export interface TrackInfo {
  /** File-name safe: role-user-source */
  name: string;
  kind: 'audio' | 'video';
}

export function sdpFor(consumer: types.Consumer, port: number): string {
  const codec = consumer.rtpParameters.codecs[0]!;
  const [, name] = codec.mimeType.split('/');
  const rtpmap = `${name}/${codec.clockRate}${codec.channels && codec.channels > 1 ? `/${codec.channels}` : ''}`;
  const fmtp = Object.entries(codec.parameters ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(';');
  return [
    'v=0',
    'o=- 0 0 IN IP4 127.0.0.1',
    's=xiaowu-recording',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=${consumer.kind} ${port} RTP/AVP ${codec.payloadType}`,
    `a=rtcp:${port + 1}`,
    `a=rtpmap:${codec.payloadType} ${rtpmap}`,
    ...(fmtp ? [`a=fmtp:${codec.payloadType} ${fmtp}`] : []),
    'a=recvonly',
    '',
  ].join('\n');
}

/**
 * The SFU side of a local feed into ffmpeg (recorder, caption decoder): UDP on
 * loopback, its own port taken from 20000–29999 — below the kernel's
 * ephemeral ports (32768+) and apart from the WebRtcServers (RTC_PORT, 40000+)
 * and from the ffmpeg side's ports (RECORD_PORT_MIN…MAX, 30000+), so no port
 * a PortPool hands to ffmpeg can be taken by mediasoup first.
 */
export function feedTransportOptions(): types.PlainTransportOptions {
  return { listenInfo: { protocol: 'udp', ip: '127.0.0.1', portRange: { min: 20000, max: 29999 } }, rtcpMux: false, comedia: false };
}

/**
 * ffmpeg sends no transport-cc / REMB feedback: with them in the consumer's
 * capabilities mediasoup's bandwidth estimate for the feed stays at its start
 * value and a simulcast camera is recorded at its lowest temporal layers
 * (7–15 fps, measured by the capacity bench). Without them the consumer takes
 * the best layers the producer sends.
 */
export function withoutBandwidthEstimation(caps: types.RtpCapabilities): types.RtpCapabilities {
  return {
    ...caps,
    codecs: caps.codecs?.map((c) => ({ ...c, rtcpFeedback: c.rtcpFeedback?.filter((f) => f.type !== 'transport-cc' && f.type !== 'goog-remb') })),
    headerExtensions: caps.headerExtensions?.filter((h) => !h.uri.includes('transport-wide-cc') && !h.uri.includes('abs-send-time')),
  };
}

/**
 * Recorder ffmpeg processes of this sfu process. If the sfu exits without
 * stopping them they would wait for RTP for ever: kill them on exit. (A
 * SIGKILLed sfu cannot do this; run it under a service manager that stops the
 * whole process group, e.g. systemd's default KillMode=control-group.)
 */
const liveFfmpeg = new Set<ChildProcess>();
process.once('exit', () => {
  for (const ff of liveFfmpeg) ff.kill('SIGKILL');
});

export class TrackRecorder {
  private transport?: types.PlainTransport;
  private consumer?: types.Consumer;
  private ffmpeg?: ChildProcess;
  private port?: number;
  private stopping = false;
  private keyframeTimer?: NodeJS.Timeout;
  private restarts = 0;

  constructor(
    readonly track: TrackInfo,
    private readonly router: types.Router,
    private readonly producerId: string,
    private readonly dir: string,
    private readonly opts: { pool: PortPool; segmentSeconds: number; log: Logger },
  ) {}

  /** Segment files of this track, in order. */
  segments(): string[] {
    const prefix = `${this.track.name}-`;
    return fs
      .readdirSync(this.dir)
      .filter((f) => f.startsWith(prefix) && f.endsWith('.mkv'))
      .sort();
  }

  async start(): Promise<void> {
    this.port = await this.opts.pool.allocate();
    this.transport = await this.router.createPlainTransport(feedTransportOptions());
    await this.transport.connect({ ip: '127.0.0.1', port: this.port, rtcpPort: this.port + 1 });
    this.consumer = await this.transport.consume({ producerId: this.producerId, rtpCapabilities: withoutBandwidthEstimation(this.router.rtpCapabilities), paused: true });
    fs.writeFileSync(path.join(this.dir, `${this.track.name}.sdp`), sdpFor(this.consumer, this.port));
    await this.spawnFfmpeg();
    await this.anchorOnFirstPacket(this.consumer);
    await this.consumer.resume();
    if (this.track.kind === 'video') {
      // ffmpeg writes nothing until it has seen a keyframe: ask every 500 ms until the
      // first segment has data, then at every segment boundary.
      const started = Date.now();
      const early = setInterval(() => {
        const first = this.segments()[0];
        const size = first ? fs.statSync(path.join(this.dir, first)).size : 0;
        if (size > 0 || Date.now() - started > 15_000 || this.stopping) clearInterval(early);
        else void this.consumer?.requestKeyFrame().catch(() => undefined);
      }, 500);
      await this.consumer.requestKeyFrame();
      this.keyframeTimer = setInterval(() => void this.consumer?.requestKeyFrame().catch(() => undefined), this.opts.segmentSeconds * 1000);
    }
  }

  /**
   * The session clock of this track: the wall-clock time the first RTP packet
   * left for ffmpeg (the consumer is paused until ffmpeg listens, and a video
   * consumer starts on a keyframe), which is where ffmpeg's timestamps start
   * (RTP timestamp − first RTP timestamp). The post-call mux lines the tracks
   * up with it. One trace event, then tracing is switched off.
   */
  private async anchorOnFirstPacket(consumer: types.Consumer): Promise<void> {
    const file = path.join(this.dir, `${this.track.name}.json`);
    let anchored = false;
    const onTrace = (t: types.ConsumerTraceEventData) => {
      if (anchored || t.type !== 'rtp' || t.direction !== 'out') return;
      anchored = true;
      // The worker stamps the event with its monotonic clock (libuv hrtime, the same clock as
      // process.hrtime): map it to wall-clock time, so a busy event loop does not shift the anchor.
      const now = Date.now();
      const lag = Number(process.hrtime.bigint() / 1_000_000n) - t.timestamp;
      const at = lag >= 0 && lag < 5_000 ? now - lag : now;
      consumer.off('trace', onTrace);
      void consumer.enableTraceEvent([]).catch(() => undefined);
      try {
        fs.writeFileSync(file, JSON.stringify({ track: this.track.name, kind: this.track.kind, firstPacketAt: at }));
      } catch (err) {
        this.opts.log.warn({ err, track: this.track.name }, 'could not write the track anchor');
      }
    };
    consumer.on('trace', onTrace);
    await consumer.enableTraceEvent(['rtp']);
  }

  private async spawnFfmpeg(): Promise<void> {
    const start = this.segments().length;
    const args = [
      '-hide_banner', '-loglevel', 'error', '-nostdin',
      '-protocol_whitelist', 'file,udp,rtp',
      '-analyzeduration', '1000000', '-probesize', '1000000',
      // 2 s without a packet ends the input (the default is 10 s): at stop the producer is usually gone
      // already, and ffmpeg only acts on SIGINT between packets, so this bounds a clean stop to ~2 s.
      '-listen_timeout', '2',
      '-i', path.join(this.dir, `${this.track.name}.sdp`),
      '-map', '0', '-c', 'copy',
      '-f', 'segment', '-segment_time', String(this.opts.segmentSeconds), '-segment_format', 'matroska',
      // Clusters of at most 1 s, flushed as written: a killed recorder loses at most the last second.
      '-segment_format_options', 'cluster_time_limit=1000:flush_packets=1',
      '-segment_start_number', String(start), '-reset_timestamps', '0',
      path.join(this.dir, `${this.track.name}-%05d.mkv`),
    ];
    const ff = spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.ffmpeg = ff;
    liveFfmpeg.add(ff);
    ff.once('exit', () => liveFfmpeg.delete(ff));
    let stderr = '';
    ff.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    ff.once('exit', (code, signal) => {
      if (this.stopping) return;
      // A paused producer sends nothing: the input timed out. Go on (new segment) when it resumes.
      if (this.consumer?.producerPaused) {
        this.consumer.once('producerresume', () => {
          if (!this.stopping) void this.spawnFfmpeg().then(() => this.consumer?.requestKeyFrame().catch(() => undefined));
        });
        return;
      }
      this.opts.log.warn({ track: this.track.name, code, signal, stderr }, 'recorder ffmpeg exited; restarting into a new segment');
      if (++this.restarts > 20) return;
      setTimeout(() => {
        if (this.stopping) return;
        void this.spawnFfmpeg().then(() => this.consumer?.requestKeyFrame().catch(() => undefined));
      }, 1000);
    });
    // ffmpeg opens its UDP sockets as soon as it has read the SDP.
    await new Promise((r) => setTimeout(r, 400));
  }

  /**
   * Stops cleanly: ffmpeg finishes the open segment (trailer written), then
   * the consumer and transport close. ffmpeg acts on SIGINT between packets,
   * or when its input times out (2 s without packets: the producer is gone);
   * a second SIGINT would abort the trailer, so only SIGKILL follows, after
   * 5 s, as the last resort (the open segment's last cluster is then lost).
   */
  stop(): Promise<void> {
    // One stop for every caller: a producer closing and the session closing both wait for the same finished files.
    return (this.stopped ??= this.finish());
  }

  private stopped?: Promise<void>;

  private async finish(): Promise<void> {
    this.stopping = true;
    clearInterval(this.keyframeTimer);
    // Closed first: nothing (not even RTCP) reaches ffmpeg after the last media, so its input times out.
    this.consumer?.close();
    this.transport?.close();
    await stopChild(this.ffmpeg, 5000);
    if (this.port !== undefined) this.opts.pool.release(this.port);
  }
}
