/**
 * The post-call mux against real mediasoup and real ffmpeg: a sender (ffmpeg,
 * one clock for both streams, like a browser's camera and microphone) sends
 * VP8 + opus RTP into mediasoup producers; the session recorder records both
 * tracks in 2-second segments; at stop, playback/session.mkv must hold both
 * tracks, last as long as the sending did, start video on a keyframe, and keep
 * audio and video together: a white flash and a 1 kHz beep sent at the same
 * instants must come out within 100 ms of each other, although the audio
 * track joined the recording 1.2 s after the video.
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { types } from 'mediasoup';
import { WorkerPool } from '../../sfu/src/media/worker-pool';
import { mediaCodecs } from '../../sfu/src/media/codecs';
import { PortPool } from '../../sfu/src/recording/port-pool';
import { SessionRecorder } from '../../sfu/src/recording/session-recorder';
import { verifyRecording } from '../../sfu/src/recording/manifest';
import type { MuxResult } from '../../sfu/src/recording/mux';
import { startTestRedis } from '../support/redis';

const run = promisify(execFile);
const log = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
const SECONDS = 7;
/** Flash + beep at these instants of the sender's clock. */
const MARKS = [2, 4.5];

async function plainProducer(router: types.Router, kind: 'audio' | 'video'): Promise<{ transport: types.PlainTransport; producer: types.Producer }> {
  const transport = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: false, comedia: true });
  const producer = await transport.produce(
    kind === 'video'
      ? { kind, rtpParameters: { codecs: [{ mimeType: 'video/VP8', payloadType: 101, clockRate: 90000 }], encodings: [{ ssrc: 1111 }] } }
      : { kind, rtpParameters: { codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2, parameters: { 'sprop-stereo': 1 } }], encodings: [{ ssrc: 2222 }] } },
  );
  return { transport, producer };
}

/** Times (s) where the video turns white / the audio turns loud, from the decoded muxed file. */
async function marksIn(file: string): Promise<{ flashes: number[]; beeps: number[] }> {
  const v = await run('ffmpeg', ['-hide_banner', '-nostats', '-i', file, '-map', '0:v:0', '-vf', 'signalstats,metadata=print:key=lavfi.signalstats.YAVG', '-f', 'null', '-'], { maxBuffer: 1 << 24 });
  const flashes: number[] = [];
  let t = 0;
  let bright = false;
  for (const line of v.stderr.split('\n')) {
    const pts = /pts_time:([\d.]+)/.exec(line);
    if (pts) t = Number(pts[1]);
    const y = /YAVG=([\d.]+)/.exec(line);
    if (y) {
      const now = Number(y[1]) > 128;
      if (now && !bright) flashes.push(t);
      bright = now;
    }
  }
  const a = await run('ffmpeg', ['-hide_banner', '-nostats', '-i', file, '-map', '0:a:0', '-af', 'silencedetect=noise=-30dB:d=0.05', '-f', 'null', '-'], { maxBuffer: 1 << 24 });
  // A beep starts where a silence ends and is followed by another silence (the last silence_end is the end of the file).
  const events = [...a.stderr.matchAll(/silence_(start|end): ([\d.]+)/g)].map((m) => ({ kind: m[1], at: Number(m[2]) }));
  const beeps = events.filter((e, i) => e.kind === 'end' && events.slice(i + 1).some((x) => x.kind === 'start')).map((e) => e.at);
  return { flashes, beeps };
}

describe('recording: the post-call mux lines tracks up on the session clock', () => {
  let pool: WorkerPool;
  let redis: Awaited<ReturnType<typeof startTestRedis>>;
  let root: string;
  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'xw-mux-'));
    redis = await startTestRedis();
    pool = await WorkerPool.create({ count: 1, listenIp: '127.0.0.1', basePort: 0, log });
  });
  afterAll(async () => {
    await pool?.close();
    await redis?.close();
    if (root && !process.env.KEEP_MUX) fs.rmSync(root, { recursive: true, force: true });
  });

  it('one file, both tracks, the length of the call, keyframe first, A/V within 100 ms', async () => {
    const { router } = await pool.createRouter(mediaCodecs);
    const video = await plainProducer(router, 'video');
    const audio = await plainProducer(router, 'audio');
    const rec = new SessionRecorder('00000000-0000-4000-8000-000000000001', router, { pool: new PortPool(30100, 30199), root, segmentSeconds: 2, redis: redis.redis, log });
    const party = { partyId: 'p1', role: 'booth' as const, userId: 'booth-mux', name: 'mux' };
    await rec.addProducer(party, video.producer, 'camera');

    const on = MARKS.map((m) => `between(t\\,${m}\\,${m + 0.2})`).join('+');
    const sender = spawn('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-nostdin', '-re',
      '-f', 'lavfi', '-i', `color=c=black:s=320x240:r=30:d=${SECONDS},drawbox=c=white:t=fill:enable='${on.replace(/\\,/g, ',')}'`,
      '-f', 'lavfi', '-i', `aevalsrc='if(${on}\\,0.5*sin(2*PI*1000*t)\\,0)':s=48000:d=${SECONDS}`,
      '-map', '0:v', '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '400k', '-g', '60', '-pix_fmt', 'yuv420p',
      '-f', 'rtp', '-ssrc', '1111', '-payload_type', '101', `rtp://127.0.0.1:${video.transport.tuple.localPort}?rtcpport=${video.transport.rtcpTuple!.localPort}`,
      '-map', '1:a', '-c:a', 'libopus', '-b:a', '64k', '-ac', '2',
      '-f', 'rtp', '-ssrc', '2222', '-payload_type', '100', `rtp://127.0.0.1:${audio.transport.tuple.localPort}?rtcpport=${audio.transport.rtcpTuple!.localPort}`,
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    let senderErr = '';
    sender.stderr.on('data', (d: Buffer) => (senderErr += d.toString()));
    const sentFrom = Date.now();
    // The microphone's track joins the recording 1.2 s late (like a party that unmutes, or a track added live):
    // only the anchors can put its beeps back under the flashes.
    await new Promise((r) => setTimeout(r, 1200));
    await rec.addProducer(party, audio.producer, 'mic');
    const code = await new Promise<number | null>((r) => sender.once('exit', r));
    const sentFor = (Date.now() - sentFrom) / 1000;
    expect(code, senderErr).toBe(0);

    const stopFrom = Date.now();
    await rec.stop();
    console.log(`[mux] recorder stop took ${Date.now() - stopFrom} ms after the sender ended`);
    const dir = path.join(root, rec.sessionId);
    expect(verifyRecording(dir).ok).toBe(true);
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'playback', 'session.json'), 'utf8')) as MuxResult;
    const file = path.join(dir, meta.file);
    expect(fs.existsSync(file)).toBe(true);
    expect(meta.tracks.map((t) => t.kind).sort()).toEqual(['audio', 'video']);
    expect(meta.tracks.find((t) => t.kind === 'audio')!.offsetMs).toBeGreaterThan(1000);

    const probe = JSON.parse(
      (await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration:stream=codec_name,codec_type', '-of', 'json', file])).stdout,
    ) as { format: { duration: string }; streams: Array<{ codec_name: string; codec_type: string }> };
    expect(probe.streams.map((s) => `${s.codec_type}/${s.codec_name}`).sort()).toEqual(['audio/opus', 'video/vp8']);
    // The file lasts as long as the sending (within 1 s; ffmpeg's start-up is inside sentFor).
    expect(Math.abs(Number(probe.format.duration) - SECONDS)).toBeLessThan(1);
    expect(Number(probe.format.duration)).toBeLessThanOrEqual(sentFor + 0.5);

    const first = JSON.parse(
      (await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-read_intervals', '%+#1', '-show_entries', 'frame=key_frame', '-of', 'json', file])).stdout,
    ) as { frames: Array<{ key_frame: number }> };
    expect(first.frames[0]?.key_frame).toBe(1);

    const { flashes, beeps } = await marksIn(file);
    expect(flashes).toHaveLength(MARKS.length);
    expect(beeps).toHaveLength(MARKS.length);
    const offsets = flashes.map((f, i) => Math.round((beeps[i]! - f) * 1000));
    console.log(`[mux] A/V offset at each mark (ms, audio − video): ${offsets.join(', ')}; tracks offset ${meta.tracks.map((t) => `${t.kind}=${t.offsetMs}ms`).join(' ')}`);
    for (const o of offsets) expect(Math.abs(o)).toBeLessThan(100);
  }, 60_000);
});
