/**
 * Call start over many calls with node-side WebRTC bots (bench/webrtc-bot.ts:
 * mediasoup-client on @roamhq/wrtc, the real socket.io signaling, real ICE,
 * DTLS, SRTP) through the real server (startTestServer in this process: real
 * mediasoup, real Redis; recording on unless `--recording off`). The bulk
 * figures behind bench/call-start.ts, which drives real Chromium for a few
 * dozen calls.
 *
 * Each call: a booth bot requests it, an agent bot answers the offer at once,
 * both open their media as the real clients do (router capabilities, a send
 * and a receive transport, microphone and camera produced, the other party's
 * consumed and resumed). Every step is stamped in the bot processes (one
 * clock for the machine) and reported in ms after the agent sent
 * `call:answer`, at the booth and at the agent:
 * - signaling: the answer acked (agent), `call:started` received (booth);
 * - transports created; ICE+DTLS connected (send, receive);
 * - the remote camera announced, consumed, resumed;
 * - the server's consumer for this party, the keyframe request it caused and
 *   the keyframe that came back (mediasoup's traces: the server runs in this
 *   process, the worker's clock mapped onto this one);
 * - first RTP: the server sent the first packet of the remote camera to this
 *   party (consumer trace);
 * - first frame: the first decoded frame of the remote camera (an
 *   RTCVideoSink on its track).
 * p50 / p95 / p99 per stage over the calls; also this process's event-loop
 * stall while each call starts (the server's acks wait behind it).
 *
 * Calls run one after another (`--concurrency K`: K booths calling at once),
 * each held `--hold-ms` (2000; 1000 with --quick) after both first frames — long enough for its
 * recorders to start — then hung up; the next one starts while the last one's
 * recorders finish, as on a server where calls come and go. The bots' camera
 * is 320×180 at 30 fps (a first frame waits for the next captured frame after
 * a keyframe request: the frame rate is part of the figure; Chromium's fake
 * camera also sends 30 fps).
 *
 * `node --import tsx bench/call-start-bots.ts [--calls N] [--concurrency K] [--hold-ms MS] [--recording off] [--quick] [--label text]`
 * (default 100 calls; --quick 20) writes bench/results/<time>-call-start-bots.json.
 * Also part of `npm run bench` (100 calls; 20 with --quick).
 */
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import { startTestServer } from '../tests/support/server';
import { stats, tracedAt, type Stats } from './call-start';
import { BotProcess, MEDIA_PROFILES, type MediaOptions, type Timeline } from './webrtc-bot';

export interface BotCallStartOptions {
  calls: number;
  concurrency: number;
  /** How long each call goes on after both first frames before it is hung up (ms). */
  holdMs: number;
  recording: boolean;
  media: MediaOptions;
}

export interface BotStageRow {
  stage: string;
  what: string;
  booth?: Stats & { n: number };
  agent?: Stats & { n: number };
}

export interface BotCallStartResult {
  options: BotCallStartOptions;
  /** Calls whose both sides decoded a first frame (the others are in `failures`). */
  calls: number;
  failures: string[];
  /** answer → first decoded frame at the booth, at the agent, and at both (the later of the two). */
  boothFirstFrameMs: Stats;
  agentFirstFrameMs: Stats;
  bothFirstFrameMs: Stats;
  stages: BotStageRow[];
  /** This process's (the server's) event loop from the request to both first frames: worst stall and mean delay per call. */
  serverLoopMs: { maxStall: Stats; meanDelay: Stats };
  /** Per call in order: booth, agent first frame (ms after the answer). */
  perCall: Array<[number, number]>;
  /** Per call in order: every stage of both sides, ms after the answer (to look into the slow ones). */
  timelines: Array<{ booth: Timeline; agent: Timeline }>;
  seconds: number;
  loadAvg: { before: number; after: number };
  serverRssMB: number;
}

const MATTER = 'shebao-card-reissue';
/** Camera 320×180 at 30 fps, continuous opus: a call at a time is light for 2 cores. */
export const CALL_START_MEDIA: MediaOptions = { ...MEDIA_PROFILES.full, fps: 30, videoMaxBitrate: 400_000 };

/** The stages in the order a call goes through them. */
const STAGES: Array<[string, string]> = [
  ['request', "booth: 'call:request' sent (before the answer: queue and offer)"],
  ['answer', "agent: 'call:answer' sent (time zero)"],
  ['answered', "agent: 'call:answer' acked"],
  ['started', "booth: 'call:started' received"],
  ['caps', 'router RTP capabilities known'],
  ['device', 'mediasoup Device loaded'],
  ['transport:send', 'send transport created (server ack)'],
  ['transport:recv', 'recv transport created (server ack)'],
  ['produce:mic', 'own microphone producer acked'],
  ['produce:camera', 'own camera producer acked'],
  ['connected:send', 'send transport ICE+DTLS connected'],
  ['newProducer:mic', 'remote microphone announced'],
  ['newProducer:camera', "remote camera announced ('media:newProducer')"],
  ['consume:camera', 'remote camera consume acked'],
  ['local:camera', 'remote camera consumer created (SDP)'],
  ['resume:camera', 'remote camera resume acked'],
  ['connected:recv', 'recv transport ICE+DTLS connected'],
  ['srv:consumer', "server: this party's consumer of the remote camera created"],
  ['srv:resumed', 'server: that consumer resumed'],
  ['srv:connected', "server: this party's recv transport DTLS connected"],
  ['srv:pli', 'worker: first keyframe request (PLI/FIR) to the remote camera after that'],
  ['srv:keyframe-in', 'worker: first keyframe from the remote camera after that'],
  ['srv:rtp', 'server: first RTP of the remote camera sent to this party (consumer trace, worker clock)'],
  ['frame', 'first remote camera frame decoded (RTCVideoSink)'],
];

export function defaultBotCallStartOptions(quick: boolean): BotCallStartOptions {
  return { calls: quick ? 20 : 100, concurrency: 1, holdMs: quick ? 1000 : 2000, recording: true, media: CALL_START_MEDIA };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The server's side of each camera, from mediasoup's observer (the server
 * runs in this process; times on this process's clock, trace events by the
 * worker's): when its WebRTC viewer's consumer was created and sent its first
 * RTP packet ('rtp' trace, off again after the first packet), and the
 * keyframe requests (PLI/FIR) sent to the camera and keyframes received from
 * it. By camera producer id.
 */
interface CameraTrace {
  consumerAt?: number;
  resumedAt?: number;
  /** The viewer's transport (its DTLS state is the server's view of "connected"). */
  transport?: types.Transport;
  firstRtpOut?: number;
  plis: number[];
  keyframes: number[];
}
const cameras = new Map<string, CameraTrace>();
const cameraTrace = (producerId: string): CameraTrace => {
  let c = cameras.get(producerId);
  if (!c) cameras.set(producerId, (c = { plis: [], keyframes: [] }));
  return c;
};
/** When the server saw each WebRTC transport's DTLS connected. */
const dtlsConnectedAt = new WeakMap<types.Transport, number>();
let tracing = false;
let tracerInstalled = false;
function traceCameras(): void {
  tracing = true;
  if (tracerInstalled) return;
  tracerInstalled = true;
  mediasoup.observer.on('newworker', (w: types.Worker) =>
    w.observer.on('newrouter', (r: types.Router) =>
      r.observer.on('newtransport', (t: types.Transport) => {
        if (t.type !== 'webrtc') return;
        (t as types.WebRtcTransport).on('dtlsstatechange', (state) => {
          if (state === 'connected' && !dtlsConnectedAt.has(t)) dtlsConnectedAt.set(t, performance.timeOrigin + performance.now());
        });
        t.observer.on('newproducer', (p: types.Producer) => {
          if (!tracing || (p.appData as { source?: string }).source !== 'camera') return;
          const trace = cameraTrace(p.id);
          p.on('trace', (e) => {
            if (e.type === 'keyframe' && e.direction === 'in') trace.keyframes.push(tracedAt(e));
            else if ((e.type === 'pli' || e.type === 'fir') && e.direction === 'out') trace.plis.push(tracedAt(e));
          });
          void p.enableTraceEvent(['keyframe', 'pli', 'fir']).catch(() => undefined);
        });
        t.observer.on('newconsumer', (c: types.Consumer) => {
          if (!tracing || c.kind !== 'video') return;
          const trace = cameraTrace(c.producerId);
          if (trace.consumerAt === undefined) {
            trace.consumerAt = performance.timeOrigin + performance.now();
            trace.transport = t;
            c.observer.once('resume', () => (trace.resumedAt = performance.timeOrigin + performance.now()));
          }
          const onTrace = (e: types.ConsumerTraceEventData) => {
            if (e.type !== 'rtp' || e.direction !== 'out') return;
            c.off('trace', onTrace);
            trace.firstRtpOut ??= tracedAt(e);
            void c.enableTraceEvent([]).catch(() => undefined);
          };
          c.on('trace', onTrace);
          void c.enableTraceEvent(['rtp']).catch(() => undefined);
        });
      }),
    ),
  );
}

export async function benchCallStartBots(opts: BotCallStartOptions): Promise<BotCallStartResult> {
  const before = os.loadavg()[0]!;
  const t0run = Date.now();
  traceCameras();
  const srv = await startTestServer({ LOG_LEVEL: 'error', WRAP_UP_S: '0', OFFER_TIMEOUT_S: '30', ...(opts.recording ? {} : { RECORDING: 'off' }) });
  const agents = new BotProcess('agent');
  const booths = new BotProcess('booth');
  try {
    const K = opts.concurrency;
    const agentTokens: string[] = [];
    const boothTokens: string[] = [];
    for (let i = 0; i < K; i++) {
      agentTokens.push(await srv.staff({ username: `bench-agent-${i}`, name: `坐席${i}`, skills: ['shebao'] }));
      boothTokens.push((await srv.booth(`bench-booth-${i}`, `晓屋${i}`)).token);
    }
    // wrapUpAfterMs 0: the agent closes wrap-up at once (WRAP_UP_S=0 would too, within the server's 0.5-s sweep).
    const init = (b: BotProcess, tokens: string[]) => b.request({ t: 'init', url: srv.url, role: b.role, tokens, media: opts.media, matterId: MATTER, wrapUpAfterMs: 0, timing: true });
    await init(agents, agentTokens);
    await init(booths, boothTokens);
    await sleep(500);

    const per = { booth: new Map<string, number[]>(), agent: new Map<string, number[]>() };
    const perCall: Array<[number, number]> = [];
    const timelines: Array<{ booth: Timeline; agent: Timeline }> = [];
    const loopMax: number[] = [];
    const loopMean: number[] = [];
    const failures: string[] = [];
    let next = 0;
    /** The booth asks for a call; the server refuses while it still holds the booth's last call (freed just after call:ended). */
    const callFrom = async (booth: number): Promise<string> => {
      for (let tries = 0; ; tries++) {
        try {
          return (await booths.request<{ sessionId: string }>({ t: 'call', index: booth, timeoutMs: 30_000 })).sessionId;
        } catch (err) {
          if (tries >= 50 || !(err instanceof Error && err.message.includes('already in a call'))) throw err;
          await sleep(100);
        }
      }
    };
    const lane = async (booth: number) => {
      for (;;) {
        const i = next++;
        if (i >= opts.calls) return;
        const loop = monitorEventLoopDelay({ resolution: 5 });
        loop.enable();
        try {
          const sessionId = await callFrom(booth);
          const [b, a] = await Promise.all([
            booths.request<Timeline>({ t: 'timeline', sessionId, timeoutMs: 20_000 }),
            agents.request<Timeline>({ t: 'timeline', sessionId, timeoutMs: 20_000 }),
          ]);
          loop.disable();
          // Server side, per camera for its viewer (the booth sees the agent's camera and vice versa).
          const session = (await srv.stats()).sessions.find((x) => x.sessionId === sessionId);
          for (const party of session?.parties ?? []) {
            const viewer = party.role === 'booth' ? a : party.role === 'agent' ? b : undefined;
            const trace = party.producers.map((id) => cameras.get(id)).find((x) => x?.consumerAt !== undefined);
            for (const id of party.producers) cameras.delete(id);
            if (!viewer || !trace) continue;
            const after = (xs: number[]) => xs.find((x) => x >= trace.consumerAt!);
            const put = (stage: string, at: number | undefined) => at !== undefined && (viewer[stage] = at);
            put('srv:consumer', trace.consumerAt);
            put('srv:resumed', trace.resumedAt);
            put('srv:connected', trace.transport && dtlsConnectedAt.get(trace.transport));
            put('srv:pli', after(trace.plis));
            put('srv:keyframe-in', after(trace.keyframes));
            put('srv:rtp', trace.firstRtpOut);
          }
          const zero = a.answer;
          if (zero === undefined || a.frame === undefined || b.frame === undefined) {
            failures.push(`call ${i + 1}: ${zero === undefined ? 'no answer mark' : 'no first frame'} (booth ${Object.keys(b).join(',')}; agent ${Object.keys(a).join(',')})`);
          } else {
            for (const [side, t] of [['booth', b], ['agent', a]] as const)
              for (const [stage, at] of Object.entries(t)) {
                const xs = per[side].get(stage) ?? [];
                xs.push(at - zero);
                per[side].set(stage, xs);
              }
            perCall.push([Math.round(b.frame - zero), Math.round(a.frame - zero)]);
            const rel = (t: Timeline) => Object.fromEntries(Object.entries(t).map(([k, v]) => [k, Math.round(v - zero)]));
            timelines.push({ booth: rel(b), agent: rel(a) });
            loopMax.push(loop.max / 1e6);
            loopMean.push(loop.mean / 1e6);
          }
          await sleep(opts.holdMs);
          await booths.request({ t: 'hangup', index: booth });
        } catch (err) {
          loop.disable();
          failures.push(`call ${i + 1}: ${err instanceof Error ? err.message : String(err)}`);
          await booths.request({ t: 'hangup', index: booth }).catch(() => undefined);
        }
        if ((i + 1) % 20 === 0) process.stderr.write(`[call-start-bots] ${i + 1}/${opts.calls} calls\n`);
      }
    };
    await Promise.all(Array.from({ length: K }, (_, j) => lane(j)));

    const row = (xs: number[] | undefined) => (xs?.length ? { ...stats(xs), n: xs.length } : undefined);
    const known = new Set(STAGES.map(([s]) => s));
    const extra = [...new Set([...per.booth.keys(), ...per.agent.keys()])].filter((s) => !known.has(s)).map((s): [string, string] => [s, '']);
    return {
      options: opts,
      calls: perCall.length,
      failures,
      boothFirstFrameMs: stats(perCall.map(([b]) => b)),
      agentFirstFrameMs: stats(perCall.map(([, a]) => a)),
      bothFirstFrameMs: stats(perCall.map(([b, a]) => Math.max(a, b))),
      stages: [...STAGES, ...extra].map(([stage, what]) => ({ stage, what, booth: row(per.booth.get(stage)), agent: row(per.agent.get(stage)) })).filter((r) => r.booth || r.agent),
      serverLoopMs: { maxStall: stats(loopMax), meanDelay: stats(loopMean) },
      perCall,
      timelines,
      seconds: (Date.now() - t0run) / 1000,
      loadAvg: { before, after: os.loadavg()[0]! },
      serverRssMB: Math.round(process.memoryUsage().rss / 2 ** 20),
    };
  } finally {
    tracing = false;
    cameras.clear();
    await Promise.all([agents.close(), booths.close()]);
    await srv.close();
  }
}

const ms = (x: Stats) => `${Math.round(x.p50)} / ${Math.round(x.p95)} / ${Math.round(x.p99)} ms`;

/** The summary rows (markdown) for bench/run.ts. */
export function botCallStartRows(r: BotCallStartResult): string[] {
  const o = r.options;
  const what = `${r.calls} calls with WebRTC bots${o.concurrency > 1 ? `, ${o.concurrency} at a time` : ''}${o.recording ? '' : ', recording off'}`;
  return [
    `| call start, ${what}: answer → first decoded frame at the booth, p50 / p95 / p99 | ${ms(r.boothFirstFrameMs)} |`,
    `| … at the agent | ${ms(r.agentFirstFrameMs)} |`,
    `| … at both (the later side) | ${ms(r.bothFirstFrameMs)} |`,
    `| … server event loop while a call starts: worst stall p50 / p95 / p99 | ${ms(r.serverLoopMs.maxStall)} |`,
    ...(r.failures.length ? [`| … calls without a first frame | ${r.failures.length} |`] : []),
  ];
}

/** The stage table (markdown): p50 / p95 / p99 per side, ms after the answer. */
export function botCallStartStageRows(r: BotCallStartResult): string[] {
  const f = (s?: Stats & { n: number }) => (s ? `${Math.round(s.p50)} / ${Math.round(s.p95)} / ${Math.round(s.p99)}${s.n < r.calls ? ` (n=${s.n})` : ''}` : '—');
  return [
    `| stage (ms after the answer, ${r.calls} calls) | booth p50 / p95 / p99 | agent p50 / p95 / p99 | what |`,
    '|---|---|---|---|',
    ...r.stages.map((s) => `| ${s.stage} | ${f(s.booth)} | ${f(s.agent)} | ${s.what} |`),
  ];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const opts = defaultBotCallStartOptions(process.argv.includes('--quick'));
  if (arg('--calls')) opts.calls = Number(arg('--calls'));
  if (arg('--concurrency')) opts.concurrency = Number(arg('--concurrency'));
  if (arg('--hold-ms')) opts.holdMs = Number(arg('--hold-ms'));
  if (arg('--recording') === 'off') opts.recording = false;
  const label = arg('--label');
  const here = path.dirname(fileURLToPath(import.meta.url));
  const commit = (() => {
    try {
      return execSync('git rev-parse --short HEAD', { cwd: here }).toString().trim();
    } catch {
      return 'unknown';
    }
  })();
  const r = await benchCallStartBots(opts);
  const result = { at: new Date().toISOString(), commit, label, cores: os.cpus().length, node: process.version, callStartBots: r };
  fs.mkdirSync(path.join(here, 'results'), { recursive: true });
  const file = path.join(here, 'results', `${result.at.replace(/[:.]/g, '-')}-call-start-bots.json`);
  fs.writeFileSync(file, JSON.stringify(result, null, 2));
  console.log(`\ncall start with bots @ ${commit}${label ? ` (${label})` : ''}, ${result.cores} cores, ${r.seconds.toFixed(0)} s, load ${r.loadAvg.before.toFixed(2)} → ${r.loadAvg.after.toFixed(2)}, server process RSS ${r.serverRssMB} MB`);
  for (const row of botCallStartRows(r)) console.log(row);
  console.log(`| … server event loop while a call starts: mean delay p50 / p95 | ${r.serverLoopMs.meanDelay.p50.toFixed(1)} / ${r.serverLoopMs.meanDelay.p95.toFixed(1)} ms |`);
  console.log('');
  for (const row of botCallStartStageRows(r)) console.log(row);
  if (r.failures.length) console.log(`\nfailures:\n${r.failures.join('\n')}`);
  console.log(`\nwritten to ${path.relative(process.cwd(), file)}`);
  process.exit(0);
}
