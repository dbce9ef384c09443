/**
 * Soak (issue 8): N concurrent booth ↔ agent calls with real WebRTC clients in
 * node (bench/webrtc-bot.ts: mediasoup-client's Chrome111 handler on
 * @roamhq/wrtc) held for M minutes through the real server (startTestServer:
 * real mediasoup, real Redis, socket.io signaling), with a few calls ended and
 * started again every minute (hang-up, agent wrap-up, new call) so leaks in
 * setup and teardown show. Every sample (30 s): the server process's RSS, V8
 * heap after a forced GC and open handles (process.getActiveResourcesInfo()),
 * the mediasoup workers' RSS (/proc/<pid>/status), mediasoup object counts
 * (GET /api/media/stats, from mediasoup's own observer events), Redis memory,
 * CPU per process, and what the bots received (getStats of their receive
 * transports: media flowing both ways in every call, or not).
 *
 * At the end every call is hung up and the bots closed; the run passes when
 * no router, transport, producer or consumer is left, the server's handles are
 * back to their count before the bots connected, and over the steady part
 * (after the warm-up) the server's RSS and heap and the workers' RSS grow less
 * than the limits below, handles do not climb, and media flowed both ways in
 * every call at every sample (samples taken while other work saturated this
 * shared machine are shown but left out) and at the last one. The bots restart
 * ICE as the real clients do (a transport failed or long disconnected).
 *
 * Recording is off: it adds an ffmpeg per track (4 per call: 200 processes at
 * 50 calls) that this 2-core machine cannot run next to 100 WebRTC bots; the
 * recorder has its own checks (sfu-capacity, recording tests).
 *
 * Network: everything on 127.0.0.1. libwebrtc gathers candidates on every
 * interface and may pick the machine's own non-loopback address as the source
 * (delivered locally, never on the wire), so when it can (root, `unshare` and
 * `ip` present) the soak runs itself in a private network namespace that has
 * nothing but loopback; `--no-netns` runs it in place.
 *
 * `node --import tsx bench/soak.ts [--quick] [--sessions N] [--minutes M] [--sample S] [--churn K] [--fps F] [--size WxH] [--no-video] [--workers W] [--no-netns]
 *  [--media full|light] [--ptime MS] [--duty 0..1] [--heap-snapshots DIR]`
 * (quick: 10 calls for 1 minute; media "full" up to 12 calls, "light" above: see MEDIA_PROFILES); writes bench/results/<time>-soak.json.
 * Also `npm run bench -- --soak [--quick]` (after the other benches) or `-- --soak-only [--quick]`.
 */
import { execSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { startTestServer, type TestServer } from '../tests/support/server';
import { BotProcess, MEDIA_PROFILES, type BotProcessSample, type MediaOptions, type MediaProfile, type PartySample, type ReceiveCounters } from './webrtc-bot';

export interface SoakOptions {
  sessions: number;
  minutes: number;
  /** Seconds between samples. */
  sampleS: number;
  /** Calls ended and started again at each churn (0: none). */
  churnCalls: number;
  churnEveryS: number;
  /** Samples of the first part of the run left out of the slopes (allocators and caches settling). */
  warmupS: number;
  workers: number;
  /** Calls set up at once during the ramp. */
  rampBatch: number;
  /** The profile the media started from (then any overrides); chosen by the number of calls unless given. */
  mediaProfile: MediaProfile;
  media: MediaOptions;
  netns: boolean;
  /** Leak hunting: write V8 heap snapshots of the server process here, before the ramp, at the first steady sample, before the hang-up and after the bots left. */
  heapSnapshotDir?: string;
}

/** A sample is left out of the media check when other work saturated the machine (the bots starve; see SoakSample.hostSaturated). */
const SATURATED_PCT = 95;
const SATURATED_OTHER_CORES = 0.3;

/** What "flat" means here (the checks at the end of runSoak). */
export const LIMITS = {
  /** Server process RSS growth over the steady part. */
  serverRssMBPerMin: 1,
  /** Server V8 heap after a full GC: what JS keeps alive. */
  serverHeapMBPerMin: 0.5,
  /** All mediasoup workers' RSS together. */
  workerRssMBPerMin: 1,
  /** Open handles: slope over the steady part (timers come and go; a leak of sockets or timers per call climbs). */
  handlesPerMin: 1,
  /** Open handles after the bots closed, above the count before they connected. */
  handlesAboveBaseline: 2,
};

/** Up to this many calls the bots send "full" media; above, "light" (the bots' CPU must leave the machine room: see MEDIA_PROFILES). */
const FULL_MEDIA_MAX_CALLS = 12;

export function defaultSoakOptions(quick: boolean, sessions = quick ? 10 : 50): SoakOptions {
  const mediaProfile: MediaProfile = sessions <= FULL_MEDIA_MAX_CALLS ? 'full' : 'light';
  const media = { ...MEDIA_PROFILES[mediaProfile] };
  return quick
    ? { sessions, minutes: 1, sampleS: 10, churnCalls: 2, churnEveryS: 20, warmupS: 20, workers: os.cpus().length, rampBatch: 5, mediaProfile, media, netns: true }
    : { sessions, minutes: 10, sampleS: 30, churnCalls: Math.max(1, Math.round(sessions / 10)), churnEveryS: 60, warmupS: 120, workers: os.cpus().length, rampBatch: 5, mediaProfile, media, netns: true };
}

export interface SoakSample {
  /** Seconds since the last call of the ramp was flowing. */
  t: number;
  server: { rssMB: number; heapMB: number; handles: number; handlesByType: Record<string, number>; loopDelayP99Ms: number };
  workers: Array<{ pid: number; rssMB: number; routers: number }>;
  workersRssMB: number;
  redis: { usedMB: number; rssMB: number };
  counts: Record<string, number>;
  /** Counts are what N live calls must have: N routers, 4N transports, and a producer and a consumer per track (4N with mic + camera). */
  countsAsExpected: boolean;
  calls: number;
  /** Calls in which both parties received audio packets and decoded video frames since the last sample. */
  callsFlowing: number;
  /** At all receivers together, since the last sample. */
  audioPps: number;
  videoPps: number;
  videoKbps: number;
  decodedFps: number;
  /** Cores used since the last sample. */
  cpu: { server: number; workers: number; redis: number; bots: number; machinePct: number; /** Busy cores that are none of the soak's processes (other work on the machine). */ other: number };
  bots: {
    rssMB: number;
    errors: number;
    /** Worst event-loop delay (p99) of the two bot processes: their timers feed the media sources. */
    loopDelayP99Ms: number;
    /** getStats that failed or timed out so far (all parties). */
    statsFailures: number;
    /** How long the bot processes took to collect this sample's getStats, ms (the slower of the two). */
    statsMs: number;
    /** Parties whose camera libwebrtc holds back, by reason (qualityLimitationReason ≠ none). */
    videoLimited: Record<string, number>;
    /** Lowest send-side bandwidth estimate of any party, kbps. */
    minAvailableKbps: number;
    /** ICE restarts the bots asked for so far (after a transport failed or stayed disconnected). */
    iceRestarts: number;
  };
  /** RTP packets the receivers counted lost since the last sample. */
  packetsLost: number;
  /**
   * Other work saturated the machine during this interval (machine ≥ SATURATED_PCT % busy with ≥
   * SATURATED_OTHER_CORES cores that are none of the soak's processes): the bots were starved, media
   * figures of this sample say nothing about the server.
   */
  hostSaturated: boolean;
  /** Parties of calls not flowing (first 10): what they received since the last sample. */
  notFlowing: Array<{ party: string; sessionId: string; audioPackets: number; framesDecoded: number; videoPackets: number; remoteTracks: number; transports: string; videoLimit: string; availableKbps: number }>;
}

export interface SoakResult {
  options: SoakOptions;
  cores: number;
  netns: boolean;
  ramp: { seconds: number; setupMs: { p50: number; p95: number; max: number }; cpuDuringRamp: SoakSample['cpu'] };
  baseline: { rssMB: number; heapMB: number; handles: number; handlesByType: Record<string, number> };
  connected: { handles: number };
  samples: SoakSample[];
  /** Every call set up (ramp and churn): ms from call:request to call:started at the booth, to media at the booth, to media both ways. */
  setupPhases: Array<{ phase: 'ramp' | 'churn'; started: number; boothMedia: number; both: number }>;
  churn: { calls: number; failures: number; setupMs: { p50: number; p95: number; max: number }; hangupMs: { p50: number; p95: number; max: number } };
  slopes: { fromT: number; samples: number; serverRssMBPerMin: number; serverHeapMBPerMin: number; workerRssMBPerMin: number; handlesPerMin: number; redisUsedMBPerMin: number };
  end: {
    counts: Record<string, number>;
    liveSessions: number;
    rssMB: number;
    heapMB: number;
    handles: number;
    handlesByType: Record<string, number>;
    /** Handle types whose count differs from the baseline's (end − baseline). */
    handlesAboveBaselineByType: Record<string, number>;
    /** Seconds after the bots closed until the handles were back to the baseline (or gave up at 30). */
    handlesSettleS: number;
    workersRssMB: number;
    seconds: number;
  };
  steadyCpu: SoakSample['cpu'];
  botErrors: string[];
  /** `judged: false`: shown but not counted in `pass` (slopes of a run too short to tell). */
  checks: Array<{ check: string; value: string; pass: boolean; judged?: boolean }>;
  pass: boolean;
  notes: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const CLK_TCK = (() => {
  try {
    return Number(execSync('getconf CLK_TCK').toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

// ── process figures from /proc ────────────────────────────────────────────────

function cpuTicks(pid: number): number {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]); // utime + stime
  } catch {
    return 0;
  }
}

function rssMB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

function machineTicks(): { busy: number; total: number } {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { busy: total - idle, total };
}

/** Direct children of this process running `name` (the embedded redis-server). */
function childPids(name: string): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const comm = s.slice(s.indexOf('(') + 1, s.lastIndexOf(')'));
      const ppid = Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && comm.startsWith(name)) out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}

/** A full GC (V8's gc exposed at run time), so heap figures are what is kept alive, not garbage not yet collected. */
const gc: () => void = (() => {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
})();

function handles(): { count: number; byType: Record<string, number> } {
  const list = process.getActiveResourcesInfo();
  const byType: Record<string, number> = {};
  for (const h of list) byType[h] = (byType[h] ?? 0) + 1;
  return { count: list.length, byType };
}

function diffTypes(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const d = (a[k] ?? 0) - (b[k] ?? 0);
    if (d !== 0) out[k] = d;
  }
  return out;
}

function heapSnapshot(dir: string | undefined, name: string): void {
  if (!dir) return;
  fs.mkdirSync(dir, { recursive: true });
  gc();
  v8.writeHeapSnapshot(path.join(dir, `${name}.heapsnapshot`));
}

function serverMemory(): { rssMB: number; heapMB: number } {
  gc();
  const m = process.memoryUsage();
  return { rssMB: m.rss / 2 ** 20, heapMB: m.heapUsed / 2 ** 20 };
}

class CpuMeter {
  private last = new Map<string, number>();
  private lastMachine = machineTicks();
  private lastAt = performance.now();

  constructor(private readonly pids: () => Record<string, number[]>) {
    this.read();
  }

  /** Cores used per group since the last call, and the machine's busy %. */
  read(): SoakSample['cpu'] {
    const now = performance.now();
    const dt = (now - this.lastAt) / 1000;
    const out: Record<string, number> = {};
    for (const [group, pids] of Object.entries(this.pids())) {
      let cores = 0;
      for (const pid of pids) {
        const key = `${group}:${pid}`;
        const t = cpuTicks(pid);
        const prev = this.last.get(key);
        if (prev !== undefined && dt > 0) cores += (t - prev) / CLK_TCK / dt;
        this.last.set(key, t);
      }
      out[group] = cores;
    }
    const m = machineTicks();
    const machinePct = m.total > this.lastMachine.total ? ((m.busy - this.lastMachine.busy) / (m.total - this.lastMachine.total)) * 100 : 0;
    this.lastMachine = m;
    this.lastAt = now;
    const ours = Object.values(out).reduce((x, y) => x + y, 0);
    const machineCores = (machinePct / 100) * os.cpus().length;
    return { server: out.server ?? 0, workers: out.workers ?? 0, redis: out.redis ?? 0, bots: out.bots ?? 0, machinePct, other: Math.max(0, machineCores - ours) };
  }
}

// ── statistics ────────────────────────────────────────────────────────────────

function slope(points: Array<[number, number]>): number {
  if (points.length < 2) return 0;
  const n = points.length;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

function dist(xs: number[]): { p50: number; p95: number; max: number } {
  if (xs.length === 0) return { p50: 0, p95: 0, max: 0 };
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return { p50: q(0.5), p95: q(0.95), max: s[s.length - 1]! };
}

// ── the run ───────────────────────────────────────────────────────────────────

const MATTER = 'shebao-card-reissue';

async function runSoak(opts: SoakOptions, netns: boolean): Promise<SoakResult> {
  const log = (s: string) => process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${s}\n`);
  const notes: string[] = [];
  const srv: TestServer = await startTestServer({ RECORDING: 'off', MEDIASOUP_WORKERS: String(opts.workers), WRAP_UP_S: '120', OFFER_TIMEOUT_S: '30' });
  let booths: BotProcess | undefined;
  let agents: BotProcess | undefined;
  try {
    const N = opts.sessions;
    const agentTokens: string[] = [];
    const boothTokens: string[] = [];
    for (let i = 0; i < N; i++) {
      agentTokens.push(await srv.staff({ username: `soak-agent-${i}`, name: `坐席${i}`, skills: ['shebao'] }));
      boothTokens.push((await srv.booth(`soak-booth-${i}`, `晓屋${i}`)).token);
    }
    /** GET /api/media/stats; fetch's resource-timing entries dropped at once (they would pile up in this process's heap, up to 250). */
    const mediaStats = async () => {
      const r = await srv.stats();
      performance.clearResourceTimings();
      return r;
    };
    const redisPids = childPids('redis-server');
    const workerPids = async () => (await srv.pool.usage()).map((w) => w.pid);
    let wPids = await workerPids();

    await sleep(1000);
    log('server up; measuring the baseline'); // stderr opened before the baseline (its handle is created on first use)
    const base = serverMemory();
    const baseHandles = handles();
    log(`${opts.workers} workers, baseline RSS ${base.rssMB.toFixed(1)} MB, heap ${base.heapMB.toFixed(1)} MB, ${baseHandles.count} handles`);

    agents = new BotProcess('agent');
    booths = new BotProcess('booth');
    const bots = [agents, booths];
    const cpu = new CpuMeter(() => ({ server: [process.pid], workers: wPids, redis: redisPids, bots: bots.map((b) => b.pid) }));
    const init = (b: BotProcess, tokens: string[]) =>
      b.request({ t: 'init', url: srv.url, role: b.role, tokens, media: opts.media, matterId: MATTER, wrapUpAfterMs: 1000 });
    await init(agents, agentTokens);
    await init(booths, boothTokens);
    await sleep(1000);
    const connected = handles();
    heapSnapshot(opts.heapSnapshotDir, '1-connected');
    log(`${N} agents + ${N} booths connected: ${connected.count} handles`);

    // One call: the booth asks, some available agent answers; done when both parties receive the other's audio and video.
    /** Per call set up: ms from the request to call:started at the booth, to media at the booth, to media at both. */
    const setupPhases: Array<{ phase: 'ramp' | 'churn'; started: number; boothMedia: number; both: number }> = [];
    const startCall = async (i: number, phase: 'ramp' | 'churn' = 'ramp'): Promise<number> => {
      const t0 = Date.now();
      const r = await booths!.request<{ sessionId: string; startMs: number; flowingMs: number }>({ t: 'call', index: i, timeoutMs: 30_000 });
      await agents!.request({ t: 'flowing', sessionId: r.sessionId, timeoutMs: 30_000 });
      const both = Date.now() - t0;
      setupPhases.push({ phase, started: r.startMs, boothMedia: r.flowingMs, both });
      return both;
    };

    /** Producers (and consumers) per call: each party's mic and camera. */
    const tracksPerCall = 2 * (Number(opts.media.audio) + Number(opts.media.video));

    // ── ramp ──
    const rampT0 = Date.now();
    const rampSetup: number[] = [];
    for (let i = 0; i < N; i += opts.rampBatch) {
      const batch = Array.from({ length: Math.min(opts.rampBatch, N - i) }, (_, k) => i + k);
      rampSetup.push(...(await Promise.all(batch.map((i) => startCall(i)))));
    }
    const rampSeconds = (Date.now() - rampT0) / 1000;
    const rampCpu = cpu.read();
    log(`ramp: ${N} calls flowing both ways in ${rampSeconds.toFixed(1)} s (setup p50 ${dist(rampSetup).p50} ms); CPU ${fmtCpu(rampCpu)}`);

    // ── steady, with churn ──
    const samples: SoakSample[] = [];
    const prevCounters = new Map<string, ReceiveCounters>();
    const botErrors = new Set<string>();
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    let lastSampleAt = performance.now();
    const t0 = Date.now();

    const takeSample = async (quiet = false): Promise<SoakSample> => {
      wPids = await workerPids();
      const usage = await srv.pool.usage();
      const [a, b] = await Promise.all([agents!.request<BotProcessSample>({ t: 'sample' }), booths!.request<BotProcessSample>({ t: 'sample' })]);
      const now = performance.now();
      const dt = (now - lastSampleAt) / 1000;
      lastSampleAt = now;
      const deltas = new Map<string, ReceiveCounters>();
      for (const s of [a, b]) {
        for (const p of s.parties) {
          const key = `${s.role}:${p.index}`;
          const prev = prevCounters.get(key);
          const d = { ...p.counters };
          if (prev) for (const k of Object.keys(d) as Array<keyof ReceiveCounters>) d[k] = Math.max(0, d[k] - prev[k]);
          prevCounters.set(key, p.counters);
          deltas.set(key, d);
          for (const e of p.errors) botErrors.add(`${s.role} ${p.index}: ${e}`);
        }
      }
      const byRole = (s: BotProcessSample) => new Map(s.parties.filter((p) => p.sessionId).map((p) => [p.sessionId!, p] as const));
      const agentBySession = byRole(a);
      const flowingParty = (role: string, p: PartySample) => {
        const d = deltas.get(`${role}:${p.index}`)!;
        return (!opts.media.audio || d.audioPackets > 0) && (!opts.media.video || d.framesDecoded > 0);
      };
      const notFlowing: SoakSample['notFlowing'] = [];
      const describe = (role: string, p: PartySample) => {
        const d = deltas.get(`${role}:${p.index}`)!;
        if (notFlowing.length < 10)
          notFlowing.push({
            party: `${role} ${p.index}`,
            sessionId: p.sessionId ?? '',
            audioPackets: d.audioPackets,
            framesDecoded: d.framesDecoded,
            videoPackets: d.videoPackets,
            remoteTracks: p.remoteTracks,
            transports: p.states.join('/'),
            videoLimit: p.send.videoLimit,
            availableKbps: Math.round(p.send.availableKbps),
          });
      };
      let calls = 0;
      let flowing = 0;
      for (const p of b.parties) {
        if (!p.sessionId) continue;
        calls++;
        const ap = agentBySession.get(p.sessionId);
        const boothOk = flowingParty('booth', p);
        const agentOk = ap ? flowingParty('agent', ap) : false;
        if (boothOk && agentOk) flowing++;
        else {
          if (!boothOk) describe('booth', p);
          if (ap && !agentOk) describe('agent', ap);
        }
      }
      let audio = 0;
      let video = 0;
      let bytes = 0;
      let frames = 0;
      let lost = 0;
      for (const d of deltas.values()) {
        audio += d.audioPackets;
        video += d.videoPackets;
        bytes += d.videoBytes;
        frames += d.framesDecoded;
        lost += d.packetsLost;
      }
      const videoLimited: Record<string, number> = {};
      let minAvailableKbps = Infinity;
      for (const s of [a, b])
        for (const p of s.parties) {
          if (!p.sessionId) continue;
          if (p.send.videoLimit !== 'none' && p.send.videoLimit !== '-') videoLimited[p.send.videoLimit] = (videoLimited[p.send.videoLimit] ?? 0) + 1;
          if (p.send.availableKbps > 0) minAvailableKbps = Math.min(minAvailableKbps, p.send.availableKbps);
        }
      const counts = (await mediaStats()).counts;
      const live = srv.calls.liveSessions().length;
      const mem = serverMemory();
      const h = handles();
      const redisInfo = await srv.redis.info('memory');
      const usedMB = Number(/used_memory:(\d+)/.exec(redisInfo)?.[1] ?? 0) / 2 ** 20;
      const workers = usage.map((w) => ({ pid: w.pid, rssMB: rssMB(w.pid), routers: w.routers }));
      const sample: SoakSample = {
        t: Math.round((Date.now() - t0) / 1000),
        server: { ...mem, handles: h.count, handlesByType: h.byType, loopDelayP99Ms: loop.percentile(99) / 1e6 },
        workers,
        workersRssMB: workers.reduce((x, w) => x + w.rssMB, 0),
        redis: { usedMB, rssMB: redisPids.reduce((x, pid) => x + rssMB(pid), 0) },
        counts,
        countsAsExpected:
          counts.routers === live && counts.transports === 4 * live && counts.producers === tracksPerCall * live && counts.consumers === tracksPerCall * live && live === calls,
        calls,
        callsFlowing: flowing,
        audioPps: audio / dt,
        videoPps: video / dt,
        videoKbps: (bytes * 8) / 1000 / dt,
        decodedFps: frames / dt,
        cpu: cpu.read(),
        bots: {
          rssMB: a.rssMB + b.rssMB,
          errors: botErrors.size,
          loopDelayP99Ms: Math.max(a.loopDelayP99Ms, b.loopDelayP99Ms),
          statsFailures: [a, b].reduce((x, s) => x + s.parties.reduce((y, p) => y + p.statsFailures, 0), 0),
          statsMs: Math.round(Math.max(a.statsMs, b.statsMs)),
          iceRestarts: [a, b].reduce((x, s) => x + s.parties.reduce((y, p) => y + p.iceRestarts, 0), 0),
          videoLimited,
          minAvailableKbps: Number.isFinite(minAvailableKbps) ? Math.round(minAvailableKbps) : 0,
        },
        packetsLost: lost,
        hostSaturated: false,
        notFlowing,
      };
      sample.hostSaturated = sample.cpu.machinePct >= SATURATED_PCT && sample.cpu.other >= SATURATED_OTHER_CORES;
      loop.reset();
      if (!quiet) {
        log(
          `t=${sample.t}s RSS ${sample.server.rssMB.toFixed(1)} MB heap ${sample.server.heapMB.toFixed(1)} MB handles ${sample.server.handles} workers ${sample.workersRssMB.toFixed(1)} MB ` +
          `objects ${counts.routers}/${counts.transports}/${counts.producers}/${counts.consumers} flowing ${flowing}/${calls} ` +
          `audio ${Math.round(sample.audioPps)} pkt/s video ${Math.round(sample.videoPps)} pkt/s ${Math.round(sample.decodedFps)} fps lost ${lost}; CPU ${fmtCpu(sample.cpu)}; ` +
          `bots loop p99 ${sample.bots.loopDelayP99Ms.toFixed(0)} ms, stats ${sample.bots.statsMs} ms, failures ${sample.bots.statsFailures}, ICE restarts ${sample.bots.iceRestarts}, camera limited ${JSON.stringify(videoLimited)}, min BWE ${sample.bots.minAvailableKbps} kbps`,
        );
        if (notFlowing.length) log(`  not flowing: ${notFlowing.map((x) => `${x.party} a${x.audioPackets} f${x.framesDecoded} v${x.videoPackets} r${x.remoteTracks} ${x.transports} ${x.videoLimit} ${x.availableKbps}kbps`).join('; ')}`);
      }
      return sample;
    };

    const churnSetup: number[] = [];
    const churnHangupMs: number[] = [];
    let churned = 0;
    let churnFailures = 0;
    let nextBooth = 0;
    const churn = async () => {
      const picked = Array.from({ length: Math.min(opts.churnCalls, N) }, () => nextBooth++ % N);
      await Promise.all(
        picked.map(async (i) => {
          try {
            const h0 = Date.now();
            await booths!.request({ t: 'hangup', index: i });
            churnHangupMs.push(Date.now() - h0);
            await sleep(1500); // the agent closes wrap-up after 1 s
            churnSetup.push(await startCall(i, 'churn'));
            churned++;
          } catch (err) {
            churnFailures++;
            botErrors.add(`churn booth ${i}: ${err instanceof Error ? err.message : String(err)}`);
          }
        }),
      );
    };

    // Zero the counters: the first sample (one interval in) covers the steady run only.
    await takeSample(true);
    const endAt = t0 + opts.minutes * 60_000;
    let nextSample = t0 + opts.sampleS * 1000;
    let nextChurn = t0 + opts.churnEveryS * 1000;
    while (Date.now() < endAt) {
      if (Date.now() >= nextSample) {
        samples.push(await takeSample());
        if (samples.at(-1)!.t >= opts.warmupS && !samples.slice(0, -1).some((x) => x.t >= opts.warmupS)) heapSnapshot(opts.heapSnapshotDir, '2-steady-start');
        // A sample that took long (starved bots) skips the slots it overran rather than catching up in a burst.
        while (nextSample <= Date.now()) nextSample += opts.sampleS * 1000;
      } else if (opts.churnCalls > 0 && Date.now() >= nextChurn) {
        if (nextChurn + 5_000 < endAt) await churn(); // none in the last seconds: the last sample sees settled calls
        while (nextChurn <= Date.now()) nextChurn += opts.churnEveryS * 1000;
      } else {
        const wake = Math.min(nextSample, opts.churnCalls > 0 ? nextChurn : Infinity, endAt);
        await sleep(Math.max(10, wake - Date.now()));
      }
    }
    if (performance.now() - lastSampleAt > (opts.sampleS * 1000) / 2) samples.push(await takeSample());
    loop.disable();

    heapSnapshot(opts.heapSnapshotDir, '3-steady-end');

    // ── end: every call hung up, bots closed ──
    const endT0 = Date.now();
    log('hanging up every call');
    await Promise.all(Array.from({ length: N }, (_, i) => booths!.request({ t: 'hangup', index: i }).catch((e: unknown) => botErrors.add(`hangup ${i}: ${String(e)}`))));
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const c = (await mediaStats()).counts;
      if (c.routers === 0 && c.transports === 0 && c.producers === 0 && c.consumers === 0) break;
      await sleep(200);
    }
    await sleep(2_000); // agents' wrap-up
    await Promise.all(bots.map((b) => b.close()));
    booths = agents = undefined;
    // Sockets closing on the server side, per-connection timers running out (the reconnect grace of parties
    // that left, keep-alive): wait until the handles are back to the baseline, at most 30 s.
    const settleT0 = Date.now();
    let endHandles = handles();
    while (endHandles.count > baseHandles.count && Date.now() - settleT0 < 30_000) {
      await sleep(1_000);
      endHandles = handles();
    }
    const handlesSettleS = (Date.now() - settleT0) / 1000;
    heapSnapshot(opts.heapSnapshotDir, '4-after');
    const endMem = serverMemory();
    const endCounts = (await mediaStats()).counts; // after the handles: its HTTP keep-alive sockets stay open a few seconds
    const endWorkers = (await srv.pool.usage()).reduce((x, w) => x + rssMB(w.pid), 0);
    const end = {
      counts: endCounts,
      liveSessions: srv.calls.liveSessions().length,
      rssMB: endMem.rssMB,
      heapMB: endMem.heapMB,
      handles: endHandles.count,
      handlesByType: endHandles.byType,
      handlesAboveBaselineByType: diffTypes(endHandles.byType, baseHandles.byType),
      handlesSettleS,
      workersRssMB: endWorkers,
      seconds: (Date.now() - endT0) / 1000,
    };
    log(`end: objects ${JSON.stringify(endCounts)}, ${end.liveSessions} live sessions, handles ${end.handles} (baseline ${baseHandles.count}), RSS ${end.rssMB.toFixed(1)} MB`);

    // ── verdict ──
    const steady = samples.filter((s) => s.t >= opts.warmupS);
    const fromT = steady[0]?.t ?? 0;
    const perMin = (f: (s: SoakSample) => number) => slope(steady.map((s) => [s.t / 60, f(s)]));
    const slopes = {
      fromT,
      samples: steady.length,
      serverRssMBPerMin: perMin((s) => s.server.rssMB),
      serverHeapMBPerMin: perMin((s) => s.server.heapMB),
      workerRssMBPerMin: perMin((s) => s.workersRssMB),
      handlesPerMin: perMin((s) => s.server.handles),
      redisUsedMBPerMin: perMin((s) => s.redis.usedMB),
    };
    const avg = (f: (c: SoakSample['cpu']) => number) => (steady.length ? steady.reduce((x, s) => x + f(s.cpu), 0) / steady.length : 0);
    const steadyCpu = { server: avg((c) => c.server), workers: avg((c) => c.workers), redis: avg((c) => c.redis), bots: avg((c) => c.bots), machinePct: avg((c) => c.machinePct), other: avg((c) => c.other) };
    const f1 = (n: number) => n.toFixed(2);
    const allFlowing = (x: SoakSample) => x.callsFlowing === N && x.calls === N;
    const judgedFlow = samples.filter((x) => !x.hostSaturated);
    /** Slopes are judged over at least 3 minutes and 5 samples after the warm-up (shorter runs: shown, not judged). */
    const slopesJudged = steady.length >= 5 && (steady.at(-1)!.t - steady[0]!.t) >= 180;
    const checks: SoakResult['checks'] = [
      ...(
        [
          ['server RSS', slopes.serverRssMBPerMin, LIMITS.serverRssMBPerMin, 'MB/min'],
          ['server heap (after GC)', slopes.serverHeapMBPerMin, LIMITS.serverHeapMBPerMin, 'MB/min'],
          ["mediasoup workers' RSS", slopes.workerRssMBPerMin, LIMITS.workerRssMBPerMin, 'MB/min'],
          ['open handles', slopes.handlesPerMin, LIMITS.handlesPerMin, '/min'],
        ] as const
      ).map(([what, v, limit, unit]) => ({
        check: `${what} slope ≤ ${limit} ${unit}`,
        value: `${f1(v)} ${unit}${slopesJudged ? '' : ' (steady part too short to judge)'}`,
        pass: v <= limit,
        judged: slopesJudged,
      })),
      {
        check: `open handles after the bots left ≤ baseline + ${LIMITS.handlesAboveBaseline}`,
        value: `${end.handles} (baseline ${baseHandles.count}${Object.keys(end.handlesAboveBaselineByType).length ? `; ${Object.entries(end.handlesAboveBaselineByType).map(([k, v]) => `${k} ${v > 0 ? '+' : ''}${v}`).join(', ')}` : ''}) after ${end.handlesSettleS.toFixed(0)} s`,
        pass: end.handles <= baseHandles.count + LIMITS.handlesAboveBaseline,
      },
      {
        check: 'no router / transport / producer / consumer / session left',
        value: `${endCounts.routers}/${endCounts.transports}/${endCounts.producers}/${endCounts.consumers}, ${end.liveSessions} sessions`,
        pass: endCounts.routers === 0 && endCounts.transports === 0 && endCounts.producers === 0 && endCounts.consumers === 0 && end.liveSessions === 0,
      },
      {
        check: `object counts = 1 router + 4 transports + ${tracksPerCall} producers + ${tracksPerCall} consumers per call at every sample`,
        value: `${samples.filter((s) => s.countsAsExpected).length}/${samples.length} samples`,
        pass: samples.every((s) => s.countsAsExpected),
      },
      {
        check: 'media flowing both ways in every call at every sample (but those when other work saturated the machine)',
        value: `${judgedFlow.filter(allFlowing).length}/${judgedFlow.length} samples${samples.length > judgedFlow.length ? ` (${samples.length - judgedFlow.length} left out: machine ≥ ${SATURATED_PCT} % busy with ≥ ${SATURATED_OTHER_CORES} cores of other work)` : ''}`,
        pass: judgedFlow.every(allFlowing),
      },
      {
        check: 'media flowing both ways in every call at the last sample',
        value: samples.length ? `${samples.at(-1)!.callsFlowing}/${samples.at(-1)!.calls} calls` : 'no sample',
        pass: samples.length > 0 && allFlowing(samples.at(-1)!),
      },
      { check: 'every churned call set up again', value: `${churned} ok, ${churnFailures} failed`, pass: churnFailures === 0 },
    ];
    if (!slopesJudged) notes.push(`${steady.length} samples over ${steady.length ? steady.at(-1)!.t - steady[0]!.t : 0} s after the warm-up: the slopes are shown, not judged (that needs ≥ 3 min and ≥ 5 samples; run the full soak)`);
    notes.push('Recording off (an ffmpeg per track would not fit next to the bots on this machine); the recorder is soaked by neither this run nor its absence.');
    const m = opts.media;
    notes.push(
      `Media per party ("${opts.mediaProfile}" profile${JSON.stringify(m) === JSON.stringify(MEDIA_PROFILES[opts.mediaProfile]) ? '' : ', changed'}): camera ${m.video ? `${m.width}x${m.height} @ ${m.fps} fps VP8, one encoding (no simulcast), ≤ ${m.videoMaxBitrate / 1000} kbps` : 'off'}; mic ${m.audio ? `440 Hz tone, opus ${m.audioPtime} ms${m.audioDuty < 1 ? `, sent ${Math.round(m.audioDuty * 1000)} ms of every second (no packets in between)` : ''}` : 'off'}.`,
    );
    if (!netns) notes.push('Not in a private network namespace: the bots may have used this machine\'s own non-loopback address as their source (local delivery).');
    return {
      options: opts,
      cores: os.cpus().length,
      netns,
      ramp: { seconds: rampSeconds, setupMs: dist(rampSetup), cpuDuringRamp: rampCpu },
      baseline: { rssMB: base.rssMB, heapMB: base.heapMB, handles: baseHandles.count, handlesByType: baseHandles.byType },
      connected: { handles: connected.count },
      samples,
      churn: { calls: churned, failures: churnFailures, setupMs: dist(churnSetup), hangupMs: dist(churnHangupMs) },
      setupPhases,
      slopes,
      end,
      steadyCpu,
      botErrors: [...botErrors].slice(0, 50),
      checks,
      pass: checks.every((c) => c.pass || c.judged === false),
      notes,
    };
  } finally {
    await Promise.all([booths?.close(), agents?.close()]);
    await srv.close();
  }
}

function fmtCpu(c: SoakSample['cpu']): string {
  const p = (n: number) => `${Math.round(n * 100)}%`;
  return `server ${p(c.server)}, workers ${p(c.workers)}, redis ${p(c.redis)}, bots ${p(c.bots)}, machine ${c.machinePct.toFixed(0)}% of ${os.cpus().length} cores (other work ${p(c.other)})`;
}

// ── private network namespace ───────────────────────────────────────────────

const IN_NETNS = 'XW_SOAK_NETNS';

function netnsAvailable(): boolean {
  if (process.platform !== 'linux') return false;
  const r = spawnSync('unshare', ['--net', '--', 'ip', 'link', 'set', 'lo', 'up'], { stdio: 'ignore', timeout: 10_000 });
  return r.status === 0;
}

/** Runs the soak: in a private network namespace (a child process) when possible, else in this process. */
export async function benchSoak(opts: SoakOptions): Promise<SoakResult> {
  if (process.env[IN_NETNS] === '1' || !opts.netns || !netnsAvailable()) return runSoak(opts, process.env[IN_NETNS] === '1');
  const out = path.join(os.tmpdir(), `xw-soak-${process.pid}-${Date.now()}.json`);
  const child = spawn(
    'unshare',
    ['--net', '--', 'sh', '-c', 'ip link set lo up && exec "$0" "$@"', process.execPath, '--import', 'tsx', path.join(here, 'soak.ts'), '--child-result', out, '--options', JSON.stringify(opts)],
    { cwd: root, stdio: 'inherit', env: { ...process.env, [IN_NETNS]: '1' } },
  );
  const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  if (!fs.existsSync(out)) throw new Error(`soak in a network namespace exited with ${code} and no result`);
  const result = JSON.parse(fs.readFileSync(out, 'utf8')) as SoakResult;
  fs.rmSync(out, { force: true });
  return result;
}

// ── output ───────────────────────────────────────────────────────────────────

export function soakSampleRows(r: SoakResult): string[] {
  const rows = [
    '| t (min) | server RSS MB | heap MB (after GC) | handles | workers RSS MB | routers / transports / producers / consumers | calls flowing | audio / video pkt/s received | decoded fps | CPU cores: server / workers / bots; machine (other work) |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const s of r.samples) {
    const c = s.counts;
    rows.push(
      `| ${(s.t / 60).toFixed(1)} | ${s.server.rssMB.toFixed(1)} | ${s.server.heapMB.toFixed(1)} | ${s.server.handles} | ${s.workersRssMB.toFixed(1)} | ${c.routers} / ${c.transports} / ${c.producers} / ${c.consumers}${s.countsAsExpected ? '' : ' (!)'} | ${s.callsFlowing}/${s.calls} ${s.callsFlowing === s.calls && s.calls > 0 ? 'yes' : '**no**'}${s.hostSaturated ? ' (machine saturated by other work)' : ''} | ${Math.round(s.audioPps)} / ${Math.round(s.videoPps)} | ${Math.round(s.decodedFps)} | ${s.cpu.server.toFixed(2)} / ${s.cpu.workers.toFixed(2)} / ${s.cpu.bots.toFixed(2)}; ${s.cpu.machinePct.toFixed(0)} % (${s.cpu.other.toFixed(2)}) |`,
    );
  }
  return rows;
}

export function soakRows(r: SoakResult): string[] {
  const o = r.options;
  const s = r.slopes;
  const c = r.steadyCpu;
  return [
    `| soak: ${o.sessions} WebRTC calls × ${o.minutes} min, ${o.churnCalls} calls restarted every ${o.churnEveryS} s (${r.churn.calls} in all): verdict | ${r.pass ? (r.checks.some((x) => x.judged === false) ? 'nothing left, media flowing: **pass** (slopes not judged: too short)' : 'flat, nothing left: **pass**') : '**fail**: ' + r.checks.filter((x) => !x.pass && x.judged !== false).map((x) => x.check).join('; ')} |`,
    `| soak: slopes after ${s.fromT < 120 ? `${s.fromT} s` : `${Math.round(s.fromT / 60)} min`} warm-up (${s.samples} samples): server RSS / heap after GC / workers' RSS / handles | ${s.serverRssMBPerMin.toFixed(2)} / ${s.serverHeapMBPerMin.toFixed(2)} / ${s.workerRssMBPerMin.toFixed(2)} MB/min / ${s.handlesPerMin.toFixed(2)} per min |`,
    `| soak: after hang-up of all: routers / transports / producers / consumers; handles (before bots connected) | ${r.end.counts.routers} / ${r.end.counts.transports} / ${r.end.counts.producers} / ${r.end.counts.consumers}; ${r.end.handles} (${r.baseline.handles}) |`,
    `| soak: steady CPU, cores: server process / mediasoup workers / Redis / bots (${o.sessions * 2} wrtc clients); machine | ${c.server.toFixed(2)} / ${c.workers.toFixed(2)} / ${c.redis.toFixed(2)} / ${c.bots.toFixed(2)}; ${c.machinePct.toFixed(0)} % of ${r.cores} cores (${c.other.toFixed(2)} cores other work) |`,
    `| soak: call setup (request → media both ways), ramp p50 / p95; churn p50 / p95 | ${r.ramp.setupMs.p50} / ${r.ramp.setupMs.p95} ms; ${r.churn.setupMs.p50} / ${r.churn.setupMs.p95} ms |`,
  ];
}

export function printSoak(r: SoakResult): void {
  console.log(r.netns ? '(in a private network namespace: loopback only)' : '(in the machine\'s network namespace)');
  for (const row of soakSampleRows(r)) console.log(row);
  console.log('\n| check | value | pass |\n|---|---|---|');
  for (const c of r.checks) console.log(`| ${c.check} | ${c.value} | ${c.judged === false ? 'not judged' : c.pass ? 'yes' : '**no**'} |`);
  console.log('');
  for (const row of soakRows(r)) console.log(row);
  for (const n of r.notes) console.log(`note: ${n}`);
  if (r.botErrors.length) console.log(`bot errors:\n  ${r.botErrors.join('\n  ')}`);
}

// ── CLI ──────────────────────────────────────────────────────────────────────

export function soakOptionsFromArgs(argv: string[]): SoakOptions {
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const opts = defaultSoakOptions(argv.includes('--quick'), arg('--sessions') ? Number(arg('--sessions')) : undefined);
  const profile = arg('--media') as MediaProfile | undefined;
  if (profile) {
    if (!(profile in MEDIA_PROFILES)) throw new Error(`--media: one of ${Object.keys(MEDIA_PROFILES).join(', ')}`);
    opts.mediaProfile = profile;
    opts.media = { ...MEDIA_PROFILES[profile] };
  }
  if (arg('--minutes')) {
    opts.minutes = Number(arg('--minutes'));
    opts.warmupS = Math.min(opts.warmupS, Math.round(opts.minutes * 60 * 0.2));
  }
  if (arg('--warmup')) opts.warmupS = Number(arg('--warmup'));
  if (arg('--sample')) opts.sampleS = Number(arg('--sample'));
  if (arg('--churn')) opts.churnCalls = Number(arg('--churn'));
  if (arg('--churn-every')) opts.churnEveryS = Number(arg('--churn-every'));
  if (arg('--workers')) opts.workers = Number(arg('--workers'));
  if (arg('--fps')) opts.media.fps = Number(arg('--fps'));
  if (arg('--size')) [opts.media.width, opts.media.height] = arg('--size')!.split('x').map(Number) as [number, number];
  if (arg('--ptime')) opts.media.audioPtime = Number(arg('--ptime'));
  if (arg('--duty')) opts.media.audioDuty = Number(arg('--duty'));
  if (argv.includes('--no-video')) opts.media.video = false;
  if (argv.includes('--no-audio')) opts.media.audio = false;
  if (argv.includes('--no-netns')) opts.netns = false;
  if (arg('--heap-snapshots')) opts.heapSnapshotDir = path.resolve(arg('--heap-snapshots')!);
  return opts;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const argv = process.argv.slice(2);
  const childOut = argv.includes('--child-result') ? argv[argv.indexOf('--child-result') + 1] : undefined;
  if (childOut) {
    // Inside the network namespace, for benchSoak in the parent.
    const opts = JSON.parse(argv[argv.indexOf('--options') + 1]!) as SoakOptions;
    const r = await runSoak(opts, true);
    fs.writeFileSync(childOut, JSON.stringify(r));
    process.exit(0);
  }
  const opts = soakOptionsFromArgs(argv);
  const commit = (() => {
    try {
      return execSync('git rev-parse --short HEAD', { cwd: here }).toString().trim();
    } catch {
      return 'unknown';
    }
  })();
  const soak = await benchSoak(opts);
  const result = { at: new Date().toISOString(), commit, cores: os.cpus().length, node: process.version, soak };
  fs.mkdirSync(path.join(here, 'results'), { recursive: true });
  const file = path.join(here, 'results', `${result.at.replace(/[:.]/g, '-')}-soak.json`);
  fs.writeFileSync(file, JSON.stringify(result, null, 2));
  console.log(`\nsoak @ ${commit}, ${result.cores} cores`);
  printSoak(soak);
  console.log(`\nwritten to ${path.relative(process.cwd(), file)}`);
  process.exit(soak.pass ? 0 : 1);
}
