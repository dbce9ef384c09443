/**
 * RTP bots for the SFU capacity bench: real encoded media, no browser, no
 * re-encoding per bot.
 *
 * Once per run, ffmpeg encodes short clips (VP8 camera layers, a 1080p 5 fps
 * document camera, opus) and packetizes them with its RTP muxer to a local
 * socket; the packets are kept in memory with their RTP timestamps. A single
 * timer (one tick every few ms) then replays them for every bot stream, in a
 * loop, paced by the timestamps (as a browser sends them: all packets of a
 * frame together), with the SSRC, sequence numbers and timestamps rewritten per
 * stream so each loop continues the previous one. The cameras' VP8 is encoded
 * with three temporal layers (libvpx L1T3, pattern 0-2-1-2, as Chrome sends
 * simulcast VP8) and the VP8 payload descriptors are rewritten with a 15-bit
 * picture id, TL0PICIDX and the temporal layer id, so the SFU sees what it
 * sees from Chrome. Each sender also sends an RTCP sender report per stream
 * every second (the SFU needs them to switch simulcast layers) and answers a
 * PLI/FIR by jumping to the clip's next keyframe, as an encoder would make one.
 * The clips are cached in the OS temp directory between runs.
 *
 * Receivers: one UDP socket per party (as one receive transport per party),
 * counting packets and bytes per SSRC and the losses from sequence-number gaps.
 * Everything stays on 127.0.0.1.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

export interface ClipPacket {
  /** RTP timestamp from the clip's start (clock-rate units). */
  ts: number;
  marker: boolean;
  /** Payload after the VP8 payload descriptor (VP8), or the whole payload (opus). */
  body: Buffer;
  /** VP8: start of a partition (S bit) and its index. */
  start: boolean;
  partition: number;
  /** VP8: frame number in the clip. */
  frame: number;
}

export interface Clip {
  name: string;
  kind: 'audio' | 'video';
  clockRate: number;
  /** VP8 (descriptor rewritten) or opus (payload as is). */
  vp8: boolean;
  /** 3 = L1T3 (temporal layer ids 0-2-1-2), 1 = L1T1. */
  temporalLayers: 1 | 3;
  fps: number;
  seconds: number;
  /** Loop length in clock-rate units. */
  periodTs: number;
  packets: ClipPacket[];
  /** Measured at the RTP level (headers + payload as sent by the bots). */
  kbps: number;
  pps: number;
  description: string;
}

interface ClipSpec {
  name: string;
  kind: 'audio' | 'video';
  seconds: number;
  fps: number;
  temporalLayers: 1 | 3;
  description: string;
  /** ffmpeg input + encoder arguments (the RTP output is added). */
  args: string[];
}

const TID_PATTERN = [0, 2, 1, 2] as const;

function vp8Args(size: string, fps: number, kbps: number, gop: number, temporal: 1 | 3, seconds: number, source: string): string[] {
  const ts =
    temporal === 3
      ? ['-ts-parameters', `ts_number_layers=3:ts_target_bitrate=${Math.round(kbps * 0.4)},${Math.round(kbps * 0.6)},${kbps}:ts_rate_decimator=4,2,1:ts_periodicity=4:ts_layer_id=0,2,1,2:ts_layering_mode=3`]
      : [];
  return [
    '-f', 'lavfi', '-i', `${source}=s=${size}:r=${fps}:d=${seconds}`,
    '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-threads', '2',
    '-b:v', `${kbps}k`, '-minrate', `${kbps}k`, '-maxrate', `${kbps}k`,
    '-g', String(gop), '-keyint_min', String(gop), '-lag-in-frames', '0', '-error-resilient', '1', '-pix_fmt', 'yuv420p',
    ...ts,
  ];
}

/** What every party sends; the cameras as the clients publish them (shared/src/client/call-media.ts: two simulcast layers). */
export function clipSpecs(seconds: number): ClipSpec[] {
  return [
    {
      name: 'cam-360p',
      kind: 'video',
      seconds,
      fps: 30,
      temporalLayers: 3,
      description: 'camera low layer: VP8 640x360 30 fps ~300 kbps L1T3, keyframe every 2 s',
      args: vp8Args('640x360', 30, 300, 60, 3, seconds, 'testsrc2'),
    },
    {
      name: 'cam-720p',
      kind: 'video',
      seconds,
      fps: 30,
      temporalLayers: 3,
      description: 'camera high layer: VP8 1280x720 30 fps ~1.2 Mbps L1T3, keyframe every 2 s',
      args: vp8Args('1280x720', 30, 1200, 60, 3, seconds, 'testsrc2'),
    },
    {
      name: 'doc-1080p',
      kind: 'video',
      seconds,
      fps: 5,
      temporalLayers: 1,
      description: 'document camera: VP8 1920x1080 5 fps ~600 kbps, keyframe every 2 s',
      args: vp8Args('1920x1080', 5, 600, 10, 1, seconds, 'testsrc2'),
    },
    {
      name: 'opus',
      kind: 'audio',
      seconds,
      fps: 50,
      temporalLayers: 1,
      description: 'microphone: opus 48 kHz 20 ms ~32 kbps',
      args: [
        '-f', 'lavfi', '-i', `anoisesrc=c=pink:a=0.2:r=48000:d=${seconds}`,
        '-c:a', 'libopus', '-b:a', '32k', '-application', 'voip', '-frame_duration', '20', '-ac', '1',
      ],
    },
  ];
}

async function bindUdp(bufferBytes = 0): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      s.off('error', reject);
      resolve();
    });
  });
  if (bufferBytes > 0) {
    // Bounded by net.core.rmem_max / wmem_max; a smaller buffer only risks drops, which the counters show.
    try {
      s.setRecvBufferSize(bufferBytes);
      s.setSendBufferSize(bufferBytes);
    } catch {
      /* keep the default */
    }
  }
  return s;
}

/** Encodes one clip and records the RTP packets ffmpeg's muxer writes. */
async function capture(spec: ClipSpec): Promise<Clip> {
  const rtp = await bindUdp(8 << 20);
  const rtcp = await bindUdp();
  const raw: Buffer[] = [];
  rtp.on('message', (m) => raw.push(m));
  rtcp.on('message', () => undefined);
  const ff = spawn(
    'ffmpeg',
    [
      '-hide_banner', '-loglevel', 'error', '-nostdin',
      ...spec.args,
      '-f', 'rtp', '-ssrc', '1', '-payload_type', '96',
      `rtp://127.0.0.1:${rtp.address().port}?rtcpport=${rtcp.address().port}&pkt_size=1200`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  ff.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
  const kill = setTimeout(() => ff.kill('SIGKILL'), 60_000);
  const code = await new Promise<number | null>((r) => ff.once('exit', r));
  clearTimeout(kill);
  await new Promise((r) => setTimeout(r, 150));
  rtp.close();
  rtcp.close();
  if (code !== 0) throw new Error(`ffmpeg could not encode ${spec.name}: ${err}`);

  const parsed = raw.map((b) => {
    const cc = b[0]! & 0x0f;
    let off = 12 + 4 * cc;
    if (b[0]! & 0x10) off += 4 + 4 * b.readUInt16BE(off + 2);
    return { seq: b.readUInt16BE(2), ts: b.readUInt32BE(4), marker: (b[1]! & 0x80) !== 0, payload: b.subarray(off) };
  });
  if (parsed.length === 0) throw new Error(`no RTP captured for ${spec.name}`);
  // The socket buffer holds the whole clip, but check: a gap would replay as loss in every loop.
  for (let i = 1; i < parsed.length; i++) {
    if (((parsed[i]!.seq - parsed[i - 1]!.seq) & 0xffff) !== 1) throw new Error(`capture of ${spec.name} lost packets (seq ${parsed[i - 1]!.seq} → ${parsed[i]!.seq})`);
  }
  const clockRate = spec.kind === 'audio' ? 48000 : 90000;
  const periodTs = spec.seconds * clockRate;
  const ts0 = parsed[0]!.ts;
  const frameTs = clockRate / spec.fps;
  const packets: ClipPacket[] = [];
  for (const p of parsed) {
    const ts = (p.ts - ts0) >>> 0;
    if (ts >= periodTs) continue;
    if (spec.kind === 'audio') {
      packets.push({ ts, marker: p.marker, body: Buffer.from(p.payload), start: false, partition: 0, frame: Math.round(ts / frameTs) });
      continue;
    }
    // VP8 payload descriptor (RFC 7741) as ffmpeg writes it; kept: S and the partition index, rewritten: the rest.
    const d = p.payload;
    let off = 1;
    if (d[0]! & 0x80) {
      const x = d[1]!;
      off = 2;
      if (x & 0x80) off += d[off]! & 0x80 ? 2 : 1;
      if (x & 0x40) off += 1;
      if (x & 0x30) off += 1;
    }
    packets.push({ ts, marker: p.marker, body: Buffer.from(d.subarray(off)), start: (d[0]! & 0x10) !== 0, partition: d[0]! & 0x07, frame: Math.round(ts / frameTs) });
  }
  const clip: Clip = {
    name: spec.name,
    kind: spec.kind,
    clockRate,
    vp8: spec.kind === 'video',
    temporalLayers: spec.temporalLayers,
    fps: spec.fps,
    seconds: spec.seconds,
    periodTs,
    packets,
    kbps: 0,
    pps: packets.length / spec.seconds,
    description: spec.description,
  };
  const bytes = packets.reduce((s, p) => s + 12 + descriptorLength(clip) + p.body.length, 0);
  clip.kbps = (bytes * 8) / spec.seconds / 1000;
  return clip;
}

function descriptorLength(clip: Clip): number {
  if (!clip.vp8) return 0;
  return clip.temporalLayers > 1 ? 6 : 4;
}

export type Clips = Record<'cam360' | 'cam720' | 'doc' | 'opus', Clip>;

/**
 * All clips, encoded in parallel (5–15 s on a busy 2-core machine), kept in
 * the OS temp directory under a hash of the encoding settings so later runs
 * reuse them (`fresh` re-encodes).
 */
export async function prepareClips(seconds = 4, fresh = false): Promise<{ clips: Clips; cached: boolean; ms: number }> {
  const t0 = performance.now();
  const specs = clipSpecs(seconds);
  const key = createHash('sha256').update(JSON.stringify(specs)).update('v1').digest('hex').slice(0, 16);
  const file = path.join(os.tmpdir(), `xw-bench-clips-${key}.json`);
  if (!fresh) {
    try {
      const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as Array<Omit<Clip, 'packets'> & { packets: Array<Omit<ClipPacket, 'body'> & { body: string }> }>;
      const clips = stored.map((c) => ({ ...c, packets: c.packets.map((p) => ({ ...p, body: Buffer.from(p.body, 'base64') })) }));
      return { clips: { cam360: clips[0]!, cam720: clips[1]!, doc: clips[2]!, opus: clips[3]! }, cached: true, ms: performance.now() - t0 };
    } catch {
      /* not there yet, or unreadable: encode */
    }
  }
  const [cam360, cam720, doc, opus] = await Promise.all(specs.map(capture));
  const clips = [cam360!, cam720!, doc!, opus!];
  const tmp = `${file}.${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(clips.map((c) => ({ ...c, packets: c.packets.map((p) => ({ ...p, body: p.body.toString('base64') })) }))));
  fs.renameSync(tmp, file);
  return { clips: { cam360: cam360!, cam720: cam720!, doc: doc!, opus: opus! }, cached: false, ms: performance.now() - t0 };
}

const rnd = (bits: number) => Math.floor(Math.random() * 2 ** bits);
const u32 = (n: number) => ((Math.round(n) % 2 ** 32) + 2 ** 32) % 2 ** 32;

/** One outgoing RTP stream of a bot: a clip replayed in a loop under its own SSRC. */
class OutStream {
  private seq = rnd(16);
  private readonly tsBase = rnd(32);
  private pic = rnd(15);
  private tl0 = rnd(8);
  private lastFrame = -1;
  private readonly framesPerLoop: number;
  private index = 0;
  private loop = 0;
  /** Added to every packet's timeline (clock units; ≤ 0): a keyframe on request skips the frames before it. */
  private shift = 0;
  private lastKeyFrameAt = -Infinity;
  packets = 0;
  octets = 0;
  keyFramesOnRequest = 0;

  constructor(
    readonly clip: Clip,
    readonly ssrc: number,
    readonly payloadType: number,
    /** performance.now() of the clip's first packet. */
    readonly t0: number,
  ) {
    this.framesPerLoop = clip.seconds * clip.fps;
  }

  /** When the next packet is due (performance.now() ms). */
  get due(): number {
    const p = this.clip.packets[this.index]!;
    return this.t0 + ((this.loop * this.clip.periodTs + p.ts + this.shift) * 1000) / this.clip.clockRate;
  }

  /**
   * A PLI/FIR: send the clip's next keyframe now, as an encoder would make one.
   * The frames before it are skipped; timestamps go on with the wall clock (the
   * skipped span simply is not sent), so the sender reports stay right. At most
   * one every 250 ms per stream.
   */
  keyFrameNow(now: number): boolean {
    const clip = this.clip;
    if (!clip.vp8 || now - this.lastKeyFrameAt < 250 || now < this.t0) return false;
    const n = clip.packets.length;
    for (let step = 0; step < n; step++) {
      const i = (this.index + step) % n;
      const p = clip.packets[i]!;
      if (!(p.start && p.partition === 0 && (p.body[0]! & 0x01) === 0)) continue;
      const loop = this.loop + (this.index + step >= n ? 1 : 0);
      const nowPos = ((now - this.t0) / 1000) * clip.clockRate;
      const at = loop * clip.periodTs + p.ts + this.shift;
      // Only forward in the clip: a keyframe about to be sent anyway (< 1 frame away) needs nothing.
      if (at - nowPos < clip.clockRate / clip.fps) return false;
      this.shift -= Math.floor(at - nowPos);
      this.index = i;
      this.loop = loop;
      this.lastKeyFrameAt = now;
      this.keyFramesOnRequest++;
      return true;
    }
    return false;
  }

  next(): Buffer {
    const clip = this.clip;
    const p = clip.packets[this.index]!;
    const dl = descriptorLength(clip);
    const buf = Buffer.allocUnsafe(12 + dl + p.body.length);
    buf[0] = 0x80;
    buf[1] = (p.marker ? 0x80 : 0) | this.payloadType;
    buf.writeUInt16BE(this.seq, 2);
    // tsBase + the packet's place on the sender's clock (the mapping the sender reports use).
    buf.writeUInt32BE(u32(this.tsBase + this.loop * clip.periodTs + p.ts + this.shift), 4);
    buf.writeUInt32BE(this.ssrc, 8);
    if (clip.vp8) {
      // A new frame: next picture id; a new TL0 frame: next TL0PICIDX. The temporal layer is the encoder's (0-2-1-2 from the clip's frame 0).
      const frameKey = this.loop * this.framesPerLoop + p.frame;
      if (frameKey !== this.lastFrame) {
        this.lastFrame = frameKey;
        this.pic = (this.pic + 1) & 0x7fff;
        if (TID_PATTERN[p.frame % 4] === 0) this.tl0 = (this.tl0 + 1) & 0xff;
      }
      buf[12] = 0x80 | (p.start ? 0x10 : 0) | (p.partition & 0x07);
      if (clip.temporalLayers > 1) {
        const tid = TID_PATTERN[p.frame % 4]!;
        buf[13] = 0xe0; // I, L, T
        buf[14] = 0x80 | (this.pic >> 8);
        buf[15] = this.pic & 0xff;
        buf[16] = this.tl0;
        // Y (layer sync): the frame refers to the TL0 frame only (all but the last of each period of 4).
        buf[17] = (tid << 6) | (tid > 0 && p.frame % 4 !== 3 ? 0x20 : 0);
      } else {
        buf[13] = 0x80; // I
        buf[14] = 0x80 | (this.pic >> 8);
        buf[15] = this.pic & 0xff;
      }
    }
    p.body.copy(buf, 12 + dl);
    this.seq = (this.seq + 1) & 0xffff;
    this.packets++;
    this.octets += buf.length - 12;
    if (++this.index === clip.packets.length) {
      this.index = 0;
      this.loop++;
    }
    return buf;
  }

  /** RTCP sender report for now (RFC 3550 6.4.1), on the same clock as the packets. */
  senderReport(nowPerf: number): Buffer {
    const b = Buffer.alloc(28);
    b[0] = 0x80;
    b[1] = 200;
    b.writeUInt16BE(6, 2);
    b.writeUInt32BE(this.ssrc, 4);
    const ntp = (performance.timeOrigin + nowPerf) / 1000 + 2_208_988_800;
    const msw = Math.floor(ntp);
    b.writeUInt32BE(msw % 2 ** 32, 8);
    b.writeUInt32BE(Math.floor((ntp - msw) * 2 ** 32) % 2 ** 32, 12);
    const rtpTs = this.tsBase + Math.round(((nowPerf - this.t0) / 1000) * this.clip.clockRate);
    b.writeUInt32BE(u32(rtpTs), 16);
    b.writeUInt32BE(this.packets % 2 ** 32, 20);
    b.writeUInt32BE(this.octets % 2 ** 32, 24);
    return b;
  }
}

/** A party's sending side: one RTP and one RTCP socket toward its send transport (comedia, rtcpMux off). */
export class PartySender {
  readonly streams: OutStream[] = [];
  private nextReport = 0;

  private constructor(
    private readonly rtp: dgram.Socket,
    private readonly rtcp: dgram.Socket,
    private readonly rtpPort: number,
    private readonly rtcpPort: number,
  ) {}

  static async open(rtpPort: number, rtcpPort: number): Promise<PartySender> {
    const rtp = await bindUdp(1 << 20);
    const rtcp = await bindUdp();
    rtp.on('message', () => undefined);
    const sender = new PartySender(rtp, rtcp, rtpPort, rtcpPort);
    rtcp.on('message', (m) => sender.onRtcp(m));
    return sender;
  }

  keyFrameRequests = 0;

  /** Keyframe requests from the SFU (PLI, FIR) are answered; receiver reports and NACKs are ignored (no loss on loopback). */
  private onRtcp(m: Buffer): void {
    for (let off = 0; off + 8 <= m.length; ) {
      const pt = m[off + 1]!;
      const fmt = m[off]! & 0x1f;
      const len = (m.readUInt16BE(off + 2) + 1) * 4;
      if (pt === 206 && (fmt === 1 || fmt === 4) && off + 12 <= m.length) {
        const ssrc = fmt === 1 ? m.readUInt32BE(off + 8) : off + 16 <= m.length ? m.readUInt32BE(off + 12) : 0;
        this.keyFrameRequests++;
        const now = performance.now();
        for (const s of this.streams) if (s.ssrc === ssrc) s.keyFrameNow(now);
      }
      off += len;
    }
  }

  add(clip: Clip, ssrc: number, payloadType: number, t0: number): void {
    this.streams.push(new OutStream(clip, ssrc, payloadType, t0));
  }

  /** Sends every packet due by `now`; returns how many and the largest lateness. */
  pump(now: number, stats: SendStats): void {
    for (const s of this.streams) {
      while (s.due <= now) {
        const late = now - s.due;
        if (late > stats.maxLateMs) stats.maxLateMs = late;
        stats.lateSumMs += late;
        const b = s.next();
        stats.packets++;
        stats.bytes += b.length;
        this.rtp.send(b, this.rtpPort, '127.0.0.1');
      }
    }
    if (now >= this.nextReport) {
      // The first report at once (before the SFU needs to switch layers), then every second.
      this.nextReport = now + 1000;
      for (const s of this.streams) if (now >= s.t0) this.rtcp.send(s.senderReport(now), this.rtcpPort, '127.0.0.1');
    }
  }

  private closed = false;

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.streams.length = 0;
    this.rtp.close();
    this.rtcp.close();
  }
}

export interface SendStats {
  packets: number;
  bytes: number;
  maxLateMs: number;
  lateSumMs: number;
  /** PLI/FIR received from the SFU, and keyframes sent early for them. */
  keyFrameRequests: number;
  keyFramesSent: number;
}

/** One timer for every bot of the process. */
export class BotScheduler {
  private readonly senders = new Set<PartySender>();
  private timer?: NodeJS.Timeout;
  stats: SendStats = { packets: 0, bytes: 0, maxLateMs: 0, lateSumMs: 0, keyFrameRequests: 0, keyFramesSent: 0 };
  private kf = { requests: 0, sent: 0 };

  constructor(private readonly tickMs = 5) {}

  add(s: PartySender): void {
    this.senders.add(s);
    this.timer ??= setInterval(() => this.tick(), this.tickMs);
  }

  remove(s: PartySender): void {
    this.senders.delete(s);
    s.close();
  }

  /** The figures since the last call. */
  take(): SendStats {
    const s = this.stats;
    let requests = 0;
    let sent = 0;
    for (const x of this.senders) {
      requests += x.keyFrameRequests;
      for (const st of x.streams) sent += st.keyFramesOnRequest;
    }
    s.keyFrameRequests = requests - this.kf.requests;
    s.keyFramesSent = sent - this.kf.sent;
    this.kf = { requests, sent };
    this.stats = { packets: 0, bytes: 0, maxLateMs: 0, lateSumMs: 0, keyFrameRequests: 0, keyFramesSent: 0 };
    return s;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    for (const s of this.senders) s.close();
    this.senders.clear();
  }

  private tick(): void {
    const now = performance.now();
    for (const s of this.senders) s.pump(now, this.stats);
  }
}

interface SsrcCount {
  packets: number;
  bytes: number;
  base: number;
  max: number;
}

export interface ReceiveTotals {
  packets: number;
  bytes: number;
  /** Packets the sequence numbers say were sent (highest − first + 1, per SSRC). */
  expected: number;
  ssrcs: number;
}

/** A party's receiving side: the socket its receive transport sends to; counts per SSRC. */
export class PartyReceiver {
  private readonly counts = new Map<number, SsrcCount>();
  rtcpPackets = 0;

  private constructor(
    private readonly rtp: dgram.Socket,
    private readonly rtcp: dgram.Socket,
  ) {
    rtp.on('message', (m) => this.onRtp(m));
    rtcp.on('message', () => void this.rtcpPackets++);
  }

  static async open(): Promise<PartyReceiver> {
    return new PartyReceiver(await bindUdp(2 << 20), await bindUdp());
  }

  get rtpPort(): number {
    return this.rtp.address().port;
  }

  get rtcpPort(): number {
    return this.rtcp.address().port;
  }

  private onRtp(m: Buffer): void {
    if (m.length < 12 || m[0]! >> 6 !== 2) return;
    const ssrc = m.readUInt32BE(8);
    const seq = m.readUInt16BE(2);
    let c = this.counts.get(ssrc);
    if (!c) {
      c = { packets: 0, bytes: 0, base: seq, max: seq };
      this.counts.set(ssrc, c);
    } else {
      // Extended sequence number closest to the highest seen so far.
      let ext = Math.floor(c.max / 65536) * 65536 + seq;
      if (ext < c.max - 32768) ext += 65536;
      else if (ext > c.max + 32768) ext -= 65536;
      if (ext > c.max) c.max = ext;
    }
    c.packets++;
    c.bytes += m.length;
  }

  /** Per SSRC: packets, expected (for diagnostics). */
  perSsrc(): Array<{ ssrc: number; packets: number; expected: number; bytes: number }> {
    return [...this.counts].map(([ssrc, c]) => ({ ssrc, packets: c.packets, expected: c.max - c.base + 1, bytes: c.bytes }));
  }

  totals(): ReceiveTotals {
    const t: ReceiveTotals = { packets: 0, bytes: 0, expected: 0, ssrcs: this.counts.size };
    for (const c of this.counts.values()) {
      t.packets += c.packets;
      t.bytes += c.bytes;
      t.expected += c.max - c.base + 1;
    }
    return t;
  }

  private closed = false;

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.rtp.close();
    this.rtcp.close();
  }
}
