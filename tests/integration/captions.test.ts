/**
 * The caption plumbing, without a recognizer of our own: a microphone's RTP
 * really reaches a plugged-in SpeechEngine as 16 kHz mono PCM (amount and
 * loudness checked), the engine's interim and final results reach the
 * session's parties with the speaker, and final ones are kept with the
 * session. Without an engine, captions answer 'unavailable' (never faked).
 */
import { spawn } from 'node:child_process';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaptionSegment, CaptionState } from '@xiaowu/shared';
import { WorkerPool } from '../../sfu/src/media/worker-pool';
import { mediaCodecs } from '../../sfu/src/media/codecs';
import { PortPool } from '../../sfu/src/recording/port-pool';
import { CAPTION_SAMPLE_RATE, CaptionService, type SpeechEngine } from '../../sfu/src/captions/caption-service';
import { startTestRedis } from '../support/redis';
import { waitFor } from '../support/server';

const log = pino({ level: 'silent' });

/** A stand-in recognizer for this test only: it reports how much audio it heard and how loud, never words. */
function measuringEngine() {
  const heard = { bytes: 0, sumSquares: 0, samples: 0 };
  const engine: SpeechEngine = {
    name: 'test-measuring-engine',
    open({ sampleRate, onResult }) {
      expect(sampleRate).toBe(CAPTION_SAMPLE_RATE);
      let lastReport = 0;
      return {
        write(pcm) {
          heard.bytes += pcm.length;
          for (let i = 0; i + 1 < pcm.length; i += 2) {
            const v = pcm.readInt16LE(i) / 32768;
            heard.sumSquares += v * v;
            heard.samples++;
          }
          const ms = (heard.bytes / 2 / sampleRate) * 1000;
          if (ms - lastReport >= 500) {
            lastReport = ms;
            onResult({ text: `[${Math.round(ms)} ms heard]`, final: false, startMs: 0, endMs: ms });
          }
        },
        async end() {
          onResult({ text: `[${Math.round((heard.bytes / 2 / sampleRate) * 1000)} ms heard]`, final: true, startMs: 0, endMs: (heard.bytes / 2 / sampleRate) * 1000 });
        },
      };
    },
  };
  return { engine, heard };
}

describe('captions: a speaker track into a pluggable speech engine', () => {
  let pool: WorkerPool;
  let redis: Awaited<ReturnType<typeof startTestRedis>>;
  beforeAll(async () => {
    redis = await startTestRedis();
    pool = await WorkerPool.create({ count: 1, listenIp: '127.0.0.1', basePort: 0, log });
  });
  afterAll(async () => {
    pool?.close();
    await redis?.close();
  });

  it('without an engine: unavailable, and nothing is captioned', async () => {
    const svc = new CaptionService({ ports: new PortPool(30300, 30319), redis: redis.redis, log });
    const told: unknown[] = [];
    const { router } = await pool.createRouter(mediaCodecs);
    const s = await svc.set({ id: 's-none', router, mics: () => [], notifyAll: (_e, p) => told.push(p) }, true);
    expect(s).toEqual({ sessionId: 's-none', state: 'unavailable', tracks: 0 });
    expect(told).toEqual([s]);
    router.close();
  });

  it('decoded microphone audio reaches the engine; its results reach every party with the speaker; finals are kept', async () => {
    const { engine, heard } = measuringEngine();
    const svc = new CaptionService({ engine, ports: new PortPool(30320, 30349), redis: redis.redis, log });
    const { router } = await pool.createRouter(mediaCodecs);
    const transport = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: false, comedia: true });
    const mic = await transport.produce({
      kind: 'audio',
      rtpParameters: { codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2, parameters: { 'sprop-stereo': 1 } }], encodings: [{ ssrc: 3333 }] },
    });
    const speaker = { partyId: 'p-booth', role: 'booth' as const, userId: 'booth-cap', name: '居民' };
    const segments: CaptionSegment[] = [];
    const states: CaptionState[] = [];
    const view = {
      id: 's-cap',
      router,
      mics: () => [{ producerId: mic.id, speaker }],
      notifyAll: (e: 'caption:segment' | 'captions:state', p: CaptionSegment | CaptionState) => (e === 'caption:segment' ? segments.push(p as CaptionSegment) : states.push(p as CaptionState)),
    };
    const on = await svc.set(view, true);
    expect(on).toMatchObject({ state: 'on', engine: 'test-measuring-engine', tracks: 1 });

    // 3 s of a 440 Hz tone sent as opus RTP, in real time.
    const sender = spawn('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-nostdin', '-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:d=3',
      '-c:a', 'libopus', '-ac', '2', '-f', 'rtp', '-ssrc', '3333', '-payload_type', '100',
      `rtp://127.0.0.1:${transport.tuple.localPort}?rtcpport=${transport.rtcpTuple!.localPort}`,
    ], { stdio: 'ignore' });
    await new Promise((r) => sender.once('exit', r));
    await waitFor(() => segments.some((s) => !s.final), 'interim results', 5_000);
    const off = await svc.set(view, false);
    expect(off.state).toBe('off');

    const seconds = heard.bytes / 2 / CAPTION_SAMPLE_RATE;
    const rms = Math.sqrt(heard.sumSquares / heard.samples);
    console.log(`[captions] engine heard ${seconds.toFixed(2)} s of 16 kHz mono PCM, RMS ${rms.toFixed(3)}; ${segments.length} segments`);
    expect(seconds).toBeGreaterThan(2.4);
    expect(seconds).toBeLessThan(3.6);
    expect(rms).toBeGreaterThan(0.03); // a real tone (ffmpeg sine: amplitude 1/8), not silence (~0)
    const final = segments.find((s) => s.final)!;
    expect(final).toMatchObject({ sessionId: 's-cap', trackId: mic.id, speaker: { partyId: 'p-booth', role: 'booth', name: '居民' }, lang: 'zh-CN' });
    // Interim results and the final one of the utterance share its seq.
    expect(new Set(segments.map((s) => s.seq))).toEqual(new Set([final.seq]));
    expect(final.endedAt).toBeGreaterThan(final.startedAt);
    expect((await svc.history('s-cap')).map((s) => s.text)).toEqual([final.text]);
    expect(states.map((s) => s.state)).toEqual(['on', 'off']);
    router.close();
  });
});
