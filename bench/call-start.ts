/**
 * Call start in real Chromium: from the agent pressing 接听 to the first video
 * frame decoded on each side, over N calls through the real server (real
 * mediasoup, real Redis, UI clicks included), split into "signaling" (the
 * booth shows the call) and "media" (first frame). Recording on, as in
 * production.
 *
 * Stage profile: the clients mark each step of starting the media
 * (shared/src/client/call-timing.ts) into `window.__callTiming`, which this
 * bench installs; the first video RTP packet and the first decoded frame are
 * read in the page from getStats of the receiving peer connections (polled
 * every 8 ms while a call starts, in the page: no CDP round trip per sample);
 * the server's side (producer, consumer, keyframe requests and keyframes) comes
 * from mediasoup's observer, the test server running in this process. Every
 * stage is in ms after the bench clicked 接听 (page clocks lined up with the
 * bench's clock per call). Also measured: this process's event-loop delay while
 * calls start (the server's acks wait behind it).
 *
 * Alone: `node --import tsx bench/call-start.ts [--calls N] [--label text] [--recording off]`
 * prints the stage table and writes bench/results/<time>-call-start.json.
 * XW_CALL_TRACE=1 prints every call's timeline (client marks and server
 * events, streams named by rid); XW_CALL_PROFILE=<dir> writes a JS CPU profile
 * of both pages per call.
 */
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import type { Page } from 'playwright-core';
import { launchChromium } from '../tests/support/browser';
import { openBooth, openConsole } from '../tests/support/pages';
import { startTestServer } from '../tests/support/server';

export interface CallStartResult {
  calls: number;
  signalingMs: Stats;
  boothFirstFrameMs: Stats;
  agentFirstFrameMs: Stats;
  /** Per stage, ms after the 接听 click: p50 / p95 / p99 at the booth and at the agent (absent: the side has no such stage). */
  stages: StageRow[];
  /**
   * The event loop of this process (the server's, and the bench's driver) while
   * calls start (接听 → both first frames): the worst stall per call, p50 / p95
   * over the calls, and the mean delay — a busy loop delays every server ack.
   */
  serverLoopMs: { maxStall: Stats; meanDelay: Stats };
  /** First decoded frame of each call in order (ms after 接听): booth, agent. */
  perCall: Array<[number, number]>;
  /** Load average (1 min) of the machine before and after the run: the bench shares the cores with everything else. */
  loadAvg: { before: number; after: number };
  /** RSS of this process (the server's) after the calls: what a fork() in it has to copy. */
  serverRssMB: number;
}
export interface Stats {
  p50: number;
  p95: number;
  p99: number;
}
export interface StageRow {
  stage: string;
  what: string;
  booth?: Stats & { n: number };
  agent?: Stats & { n: number };
}

/** Nearest-rank percentiles (p95 of 20 calls is the 19th, not the slowest; of 5 or 30 calls as before). */
export const stats = (xs: number[]): Stats => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
  return { p50: at(50), p95: at(95), p99: at(99) };
};

/** The stages in the order a call goes through them, with what each mark means. */
const STAGES: Array<[string, string]> = [
  ['answer', '接听 handler runs in the console (click delivered)'],
  ['gum', 'camera + microphone open (getUserMedia resolved)'],
  ['answered', "agent: 'call:answer' acked"],
  ['started', "booth: 'call:started' received"],
  ['caps', 'router RTP capabilities known'],
  ['device', 'mediasoup Device ready for these capabilities (preloaded, or loaded now)'],
  ['transport:send', 'send transport created (server ack)'],
  ['transport:recv', 'recv transport created (server ack)'],
  ['produce:camera', 'own camera producer acked'],
  ['produce:mic', 'own microphone producer acked'],
  ['connected:send', 'send transport ICE+DTLS connected'],
  ['srv:producer', 'server: remote camera producer created (stamped when this event loop got to it)'],
  ['newProducer:camera', "remote camera announced ('media:newProducer')"],
  ['srv:consumer', 'server: our consumer of it created (stamped when this event loop got to it)'],
  ['consume:camera', 'remote camera consume acked'],
  ['local:camera', 'remote camera consumer created in the page (SDP)'],
  ['resume:camera', 'remote camera resume acked'],
  ['srv:layers', "server: our consumer's first layers (simulcast; stamped when this event loop got to it)"],
  ['srv:pli', 'worker: first keyframe request (PLI/FIR) to the remote camera after our consumer'],
  ['srv:keyframe-in', 'worker: first keyframe from the remote camera after our consumer'],
  ['srv:keyframe-out', 'worker: first keyframe sent to us'],
  ['connected:recv', 'recv transport ICE+DTLS connected'],
  ['stats:rtp', 'inbound-rtp video packetsReceived > 0 (getStats)'],
  ['frame', 'inbound-rtp video framesDecoded > 0 (getStats)'],
  ['rtp:camera', 'remote camera track unmuted'],
  ['newProducer:mic', "remote microphone announced"],
  ['consume:mic', 'remote microphone consume acked'],
  ['resume:mic', 'remote microphone resume acked'],
  ['rtp:mic', 'remote microphone track unmuted (first RTP)'],
];

/**
 * Server-side media events of the camera tracks, from mediasoup's observer in
 * this process (the test server runs here): producers, WebRTC consumers (not
 * the recorder's), their first layers, keyframe requests and keyframes.
 */
interface ServerEvent {
  type: 'producer' | 'consumer' | 'resumed' | 'layers' | 'pli' | 'keyframe-in' | 'keyframe-out' | 'viewer-pli';
  producerId: string;
  at: number;
  /** ssrc or layers, for XW_CALL_TRACE=1 */
  detail?: string;
}
/**
 * When the worker saw a trace event, on the bench's clock: the worker stamps it
 * with its monotonic clock (libuv hrtime, process.hrtime's clock), so a busy
 * event loop here does not shift it. Other events are stamped on arrival.
 */
export const tracedAt = (e: { timestamp: number }): number => {
  const lag = Number(process.hrtime.bigint() / 1_000_000n) - e.timestamp;
  return nowMs() - (lag >= 0 && lag < 5_000 ? lag : 0);
};
const ssrcOf = (info: unknown): string => {
  const i = info as { rtpPacket?: { ssrc?: number; size?: number }; ssrc?: number };
  return i.rtpPacket ? `ssrc ${i.rtpPacket.ssrc} ${i.rtpPacket.size ?? ''}B` : `ssrc ${i.ssrc ?? '?'}`;
};
const serverEvents: ServerEvent[] = [];
/** Camera producers of the current call (XW_CALL_TRACE names their streams by rid). */
const cameraProducers = new Map<string, types.Producer>();
let tracerInstalled = false;
/** Only while benchCallStart runs (other benches of `npm run bench` create workers in this process too). */
let tracing = false;
function traceServer(): void {
  tracing = true;
  if (tracerInstalled) return;
  tracerInstalled = true;
  mediasoup.observer.on('newworker', (w: types.Worker) =>
    w.observer.on('newrouter', (r: types.Router) =>
      r.observer.on('newtransport', (t: types.Transport) => {
        if (!tracing) return;
        t.observer.on('newproducer', (p: types.Producer) => {
          if (p.kind !== 'video' || (p.appData as { source?: string }).source !== 'camera') return;
          serverEvents.push({ type: 'producer', producerId: p.id, at: nowMs() });
          cameraProducers.set(p.id, p);
          p.observer.once('close', () => cameraProducers.delete(p.id));
          p.on('trace', (e) => {
            if (e.type === 'keyframe' && e.direction === 'in') serverEvents.push({ type: 'keyframe-in', producerId: p.id, at: tracedAt(e), detail: ssrcOf(e.info) });
            else if ((e.type === 'pli' || e.type === 'fir') && e.direction === 'out') serverEvents.push({ type: 'pli', producerId: p.id, at: tracedAt(e), detail: `${e.type} ${ssrcOf(e.info)}` });
          });
          void p.enableTraceEvent(['keyframe', 'pli', 'fir']).catch(() => undefined);
        });
        if (t.type !== 'webrtc') return;
        t.observer.on('newconsumer', (c: types.Consumer) => {
          if (c.kind !== 'video') return;
          const producerId = c.producerId;
          serverEvents.push({ type: 'consumer', producerId, at: nowMs() });
          c.on('layerschange', (l) => {
            if (l) serverEvents.push({ type: 'layers', producerId, at: nowMs(), detail: `${l.spatialLayer}/${l.temporalLayer}` });
          });
          c.observer.on('resume', () => serverEvents.push({ type: 'resumed', producerId, at: nowMs() }));
          c.on('trace', (e) => {
            if (e.type === 'keyframe' && e.direction === 'out') serverEvents.push({ type: 'keyframe-out', producerId, at: tracedAt(e), detail: ssrcOf(e.info) });
            else if ((e.type === 'pli' || e.type === 'fir') && e.direction === 'in') serverEvents.push({ type: 'viewer-pli', producerId, at: tracedAt(e), detail: e.type });
          });
          void c.enableTraceEvent(['keyframe', 'pli', 'fir']).catch(() => undefined);
        });
      }),
    ),
  );
}

/** Server stages of one call as the viewer (`booth` sees the agent's camera and vice versa), ms after t0. */
function serverStages(events: ServerEvent[], cameraOf: Map<string, 'booth' | 'agent'>, t0: number): Record<'booth' | 'agent', Map<string, number>> {
  const out = { booth: new Map<string, number>(), agent: new Map<string, number>() };
  for (const [producerId, owner] of cameraOf) {
    const viewer = owner === 'booth' ? 'agent' : 'booth';
    const mine = events.filter((e) => e.producerId === producerId);
    const first = (type: ServerEvent['type'], after = -Infinity) => mine.find((e) => e.type === type && e.at >= after)?.at;
    const consumer = first('consumer');
    const put = (stage: string, at: number | undefined) => at !== undefined && out[viewer].set(stage, at - t0);
    put('srv:producer', first('producer'));
    put('srv:consumer', consumer);
    put('srv:layers', first('layers'));
    if (consumer !== undefined) {
      put('srv:pli', first('pli', consumer));
      put('srv:keyframe-in', first('keyframe-in', consumer));
    }
    put('srv:keyframe-out', first('keyframe-out'));
  }
  return out;
}

/** Wall-clock ms on the bench's clock, with sub-ms precision (the pages mark the same way). */
const nowMs = (): number => performance.timeOrigin + performance.now();

/**
 * Installs the timing sink and the first-frame watcher in a page (an SPA: it
 * lives until the page is closed). `__callTiming.arm()` clears the marks and
 * watches getStats (all of the page's live peer connections, kept in `__pcs`
 * by tests/support/browser.ts) until a video frame is decoded. A string, so
 * tsx's helpers (`__name`) do not end up in the page.
 */
const INSTALL_TIMING = `(() => {
  const now = () => performance.timeOrigin + performance.now();
  let busy = false;
  let rtp = false;
  const sink = {
    marks: [],
    watching: false,
    arm() {
      sink.marks = [];
      sink.watching = true;
      rtp = false;
    },
  };
  window.__callTiming = sink;
  setInterval(() => {
    if (!sink.watching || busy) return;
    busy = true;
    // Receiving peer connections only (getStats of a sending one is the costlier, and not needed).
    const pcs = (window.__pcs || []).filter((pc) => pc.connectionState !== 'closed' && pc.getTransceivers().some((t) => t.direction === 'recvonly'));
    Promise.all(pcs.map((pc) => pc.getStats()))
      .then((reports) => {
        const at = now();
        let packets = 0;
        let frames = 0;
        for (const r of reports)
          r.forEach((s) => {
            // mediasoup-client's 'probator' m-section receives the SFU's bandwidth probes (padding only).
            if (s.type !== 'inbound-rtp' || s.kind !== 'video' || s.mid === 'probator') return;
            packets += Number(s.packetsReceived || 0);
            frames += Number(s.framesDecoded || 0);
          });
        if (packets > 0 && !rtp) {
          rtp = true;
          sink.marks.push({ stage: 'stats:rtp', at });
        }
        if (frames > 0 && sink.watching) {
          sink.watching = false;
          sink.marks.push({ stage: 'frame', at });
        }
      })
      .finally(() => (busy = false));
  }, 8);
})()`;

/** The page's clock minus the bench's (ms), from one round trip. */
async function clockOffset(page: Page): Promise<number> {
  const t0 = nowMs();
  const p = (await page.evaluate('performance.timeOrigin + performance.now()')) as number;
  const t1 = nowMs();
  return p - (t0 + t1) / 2;
}

/** First time of each stage, in ms after `t0` on the bench's clock. */
async function stagesOf(page: Page, t0: number, offset: number): Promise<Map<string, number>> {
  const marks = (await page.evaluate('window.__callTiming.marks')) as Array<{ stage: string; at: number }>;
  const out = new Map<string, number>();
  for (const m of marks) if (!out.has(m.stage)) out.set(m.stage, m.at - offset - t0);
  return out;
}

/** Until both pages decoded a frame (waited for in the page: one round trip per page, not a polling loop here). */
async function waitFrames(pages: Page[], limitMs = 20_000): Promise<void> {
  const inPage = `new Promise((resolve) => {
    const t0 = Date.now();
    const t = setInterval(() => {
      if (!window.__callTiming.watching || Date.now() - t0 > ${limitMs}) {
        clearInterval(t);
        resolve(!window.__callTiming.watching);
      }
    }, 10);
  })`;
  const done = await Promise.all(pages.map((p) => p.evaluate(inPage)));
  if (!done.every(Boolean)) throw new Error('no first frame in time');
}

/** `recording: false` only to see what the recorder costs (production records every call). */
export async function benchCallStart(calls: number, opts: { recording?: boolean } = {}): Promise<CallStartResult> {
  const before = os.loadavg()[0]!;
  traceServer();
  const srv = await startTestServer({ LOG_LEVEL: 'error', WRAP_UP_S: '0', ...(opts.recording === false ? { RECORDING: 'off' } : {}) });
  const browser = await launchChromium();
  try {
    await srv.staff({ username: 'agent-bench', skills: ['shebao'] });
    const agent = await openConsole(browser, srv, 'agent-bench');
    const booth = await openBooth(browser, srv, 'booth-bench');
    for (const p of [agent, booth]) await p.evaluate(INSTALL_TIMING);
    const sig: number[] = [];
    const loopMax: number[] = [];
    const loopMean: number[] = [];
    const loop = monitorEventLoopDelay({ resolution: 5 });
    const per = { booth: new Map<string, number[]>(), agent: new Map<string, number[]>() };
    await agent.getByTestId('state-available').click();
    for (let i = 0; i < calls; i++) {
      await agent.locator('[data-testid="agent-state"][data-state="available"]').waitFor();
      await booth.locator('[data-testid="call-state"][data-state="idle"]').waitFor();
      await booth.getByTestId('consult-button').click();
      await agent.getByTestId('answer-button').waitFor();
      const [ob, oa] = [await clockOffset(booth), await clockOffset(agent)];
      for (const p of [agent, booth]) await p.evaluate('window.__callTiming.arm()');
      // XW_CALL_PROFILE=<dir>: a JS CPU profile of each page's main thread per call (接听 → first frames).
      const profiles = process.env.XW_CALL_PROFILE
        ? await Promise.all(
            ([['booth', booth], ['agent', agent]] as const).map(async ([side, page]) => {
              const cdp = await page.context().newCDPSession(page);
              await cdp.send('Profiler.enable');
              await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
              await cdp.send('Profiler.start');
              return { side, cdp };
            }),
          )
        : [];
      serverEvents.length = 0;
      loop.reset();
      loop.enable();
      const t0 = nowMs();
      await agent.getByTestId('answer-button').click();
      await booth.locator('[data-testid="call-state"][data-state="in-call"]').waitFor();
      sig.push(nowMs() - t0);
      await waitFrames([booth, agent]);
      for (const { side, cdp } of profiles) {
        const { profile } = await cdp.send('Profiler.stop');
        fs.mkdirSync(process.env.XW_CALL_PROFILE!, { recursive: true });
        fs.writeFileSync(path.join(process.env.XW_CALL_PROFILE!, `call${i + 1}-${side}.cpuprofile`), JSON.stringify(profile));
        await cdp.detach();
      }
      loop.disable();
      loopMax.push(loop.max / 1e6);
      loopMean.push(loop.mean / 1e6);
      const cameraOf = new Map<string, 'booth' | 'agent'>();
      for (const session of (await srv.stats()).sessions)
        for (const party of session.parties)
          if (party.role === 'booth' || party.role === 'agent') for (const id of party.producers) cameraOf.set(id, party.role);
      const srvStages = serverStages(serverEvents, cameraOf, t0);
      if (process.env.XW_CALL_TRACE) {
        const rids = new Map<string, string>();
        for (const p of cameraProducers.values()) for (const st of await p.getStats()) if (st.rid) rids.set(`ssrc ${st.ssrc}`, st.rid);
        const named = (d = '') => d.replace(/ssrc \d+/, (x) => `${x} (${rids.get(x) ?? '?'})`);
        const lines: Array<[number, string]> = serverEvents.map((e) => [e.at - t0, `srv ${cameraOf.get(e.producerId) ?? '?'}-camera ${e.type} ${named(e.detail)}`]);
        for (const [side, page, off] of [['booth', booth, ob], ['agent', agent, oa]] as const)
          for (const [stage, ms] of await stagesOf(page, t0, off)) lines.push([ms, `${side} ${stage}`]);
        console.log(`call ${i + 1}:\n${lines.sort((a, b) => a[0] - b[0]).map(([ms, l]) => `  ${ms.toFixed(0).padStart(6)} ${l}`).join('\n')}`);
      }
      for (const [side, page, off] of [['booth', booth, ob], ['agent', agent, oa]] as const) {
        for (const [stage, ms] of [...(await stagesOf(page, t0, off)), ...srvStages[side]]) {
          const xs = per[side].get(stage) ?? [];
          xs.push(ms);
          per[side].set(stage, xs);
        }
      }
      await booth.getByTestId('hangup-button').click();
      await booth.getByTestId('hangup-confirm').click();
      await booth.getByTestId('home-button').click();
      // WRAP_UP_S=0: the agent is available again within the sweeper's 0.5 s.
      await agent.locator('[data-testid="agent-state"][data-state="available"]').waitFor();
    }
    const row = (xs: number[] | undefined) => (xs?.length ? { ...stats(xs), n: xs.length } : undefined);
    const known = new Set(STAGES.map(([s]) => s));
    const extra = [...new Set([...per.booth.keys(), ...per.agent.keys()])].filter((s) => !known.has(s)).map((s): [string, string] => [s, '']);
    const stages: StageRow[] = [...STAGES, ...extra]
      .map(([stage, what]) => ({ stage, what, booth: row(per.booth.get(stage)), agent: row(per.agent.get(stage)) }))
      .filter((r) => r.booth || r.agent);
    return {
      calls,
      signalingMs: stats(sig),
      boothFirstFrameMs: stats(per.booth.get('frame') ?? []),
      agentFirstFrameMs: stats(per.agent.get('frame') ?? []),
      stages,
      serverLoopMs: { maxStall: stats(loopMax), meanDelay: stats(loopMean) },
      perCall: (per.booth.get('frame') ?? []).map((b, i) => [Math.round(b), Math.round(per.agent.get('frame')?.[i] ?? NaN)]),
      loadAvg: { before, after: os.loadavg()[0]! },
      serverRssMB: Math.round(process.memoryUsage().rss / 2 ** 20),
    };
  } finally {
    tracing = false;
    serverEvents.length = 0;
    await browser.close();
    await srv.close();
  }
}

/** The stage table (markdown): p50 / p95 per side, in ms after the 接听 click. */
export function callStartStageRows(r: CallStartResult): string[] {
  const f = (s?: Stats & { n: number }) => (s ? `${Math.round(s.p50)} / ${Math.round(s.p95)}${s.n < r.calls ? ` (n=${s.n})` : ''}` : '—');
  return [
    `| stage (ms after 接听, ${r.calls} calls) | booth p50 / p95 | agent p50 / p95 | what |`,
    '|---|---|---|---|',
    ...r.stages.map((s) => `| ${s.stage} | ${f(s.booth)} | ${f(s.agent)} | ${s.what} |`),
  ];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const calls = Number(arg('--calls') ?? 20);
  const label = arg('--label');
  const here = path.dirname(fileURLToPath(import.meta.url));
  const commit = (() => {
    try {
      return execSync('git rev-parse --short HEAD', { cwd: here }).toString().trim();
    } catch {
      return 'unknown';
    }
  })();
  const recording = arg('--recording') !== 'off';
  const callStart = await benchCallStart(calls, { recording });
  const result = { at: new Date().toISOString(), commit, label, recording, cores: os.cpus().length, node: process.version, callStart };
  fs.mkdirSync(path.join(here, 'results'), { recursive: true });
  const file = path.join(here, 'results', `${result.at.replace(/[:.]/g, '-')}-call-start.json`);
  fs.writeFileSync(file, JSON.stringify(result, null, 2));
  const st = (x: Stats) => `${Math.round(x.p50)} / ${Math.round(x.p95)} / ${Math.round(x.p99)} ms`;
  console.log(`\ncall start @ ${commit}${label ? ` (${label})` : ''}${recording ? '' : ', RECORDING OFF'}, ${result.cores} cores, load ${callStart.loadAvg.before.toFixed(2)} → ${callStart.loadAvg.after.toFixed(2)}, server process RSS ${callStart.serverRssMB} MB`);
  console.log(`| answer → booth shows the call: p50 / p95 / p99 | ${st(callStart.signalingMs)} |`);
  console.log(`| answer → first decoded frame at the booth | ${st(callStart.boothFirstFrameMs)} |`);
  console.log(`| answer → first decoded frame at the agent | ${st(callStart.agentFirstFrameMs)} |`);
  console.log(`| event loop of the server process while calls start: worst stall p50 / p95; mean delay p50 / p95 | ${Math.round(callStart.serverLoopMs.maxStall.p50)} / ${Math.round(callStart.serverLoopMs.maxStall.p95)} ms; ${callStart.serverLoopMs.meanDelay.p50.toFixed(1)} / ${callStart.serverLoopMs.meanDelay.p95.toFixed(1)} ms |`);
  console.log(`first frames per call (booth/agent ms): ${callStart.perCall.map(([b, a]) => `${b}/${a}`).join(' ')}`);
  console.log('');
  for (const row of callStartStageRows(callStart)) console.log(row);
  console.log(`\nwritten to ${path.relative(process.cwd(), file)}`);
  // Whatever the closed server may still hold (a recorder finishing, a Redis reconnect) is not the bench's business.
  process.exit(0);
}
