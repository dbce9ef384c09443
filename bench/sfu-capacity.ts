/**
 * SFU capacity (issue 9): how many concurrent three-party sessions (booth +
 * agent + sign-language interpreter) this machine forwards, measured with RTP
 * bots (bench/rtp-bots.ts, run in a worker thread by bench/bot-thread.ts; no
 * browser), for two variants in the same run, with the same media and ramp:
 *
 * - "bare": mediasoup only — workers from our WorkerPool, a router per session,
 *   one send and one receive PlainTransport per party, producers, consumers.
 * - "ours": the same sessions through our server's media code: Session
 *   (sfu/src/media/session.ts: party bookkeeping, produce/consume checks,
 *   consumer priorities and the sign-language frame-rate policy, keyframe on
 *   resume) and SessionRecorder (sfu/src/recording: one PlainTransport +
 *   consumer + `ffmpeg -c copy` segment writer per track, manifest chained in
 *   a real embedded Redis), wired as CallService wires them.
 *
 * What neither variant has: WebRTC. Parties' transports are PlainTransports
 * (plain RTP, no ICE/DTLS/SRTP encryption, no transport-cc bandwidth
 * estimation, no RTCP receiver reports or NACKs from the receivers), because
 * node bots cannot do WebRTC without a native stack. Both variants pay the same,
 * so the ratio is fair; absolute figures are optimistic against real WebRTC.
 * Signaling (socket.io, CallService, Redis queue) is not in "ours" either.
 *
 * Each step adds sessions, lets them settle, then measures over a hold: RTP
 * packets/s and Mbps that reached the parties, loss from sequence gaps, CPU of
 * each mediasoup worker (run time of its threads, from /proc), of the bench
 * process (bot thread + main thread), of the recorder ffmpegs, of Redis and of
 * the whole machine (/proc/stat, and what of it is other work), memory, the
 * main thread's event-loop delay, keyframe requests and UDP drops.
 * The ramp stops at loss > 1 %, a worker ≥ 95 % of a core, bots that cannot
 * keep pace (packets > 20 ms late on average: the machine is saturated — bots,
 * workers and recorders share the same cores), or after the last step.
 * Sessions are set up four at a time and torn down by a hangup (recordings
 * finished and verified against their manifest).
 *
 * `node --import tsx bench/sfu-capacity.ts [--quick] [--steps=2,4,8] [--hold=6] [--warm=2] [--workers=2] [--variants=bare,session,ours] [--json]`
 * (BENCH_VERBOSE=1: every step, sequence gaps, layers and server log lines on
 * stderr; BENCH_KEEP_RECORDINGS=1 keeps the recordings.)
 */
import { execSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import pino from 'pino';
import { Redis } from 'ioredis';
import type { types } from 'mediasoup';
import type { PartyInfo, TrackSource } from '@xiaowu/shared';
import { WorkerPool } from '../sfu/src/media/worker-pool';
import { mediaCodecs } from '../sfu/src/media/codecs';
import { Party, Session, type PartyNotifier } from '../sfu/src/media/session';
import { PortPool } from '../sfu/src/recording/port-pool';
import { SessionRecorder } from '../sfu/src/recording/session-recorder';
import { verifyRecording } from '../sfu/src/recording/manifest';
import { startEmbeddedRedis } from '../sfu/src/store/redis';
import { prepareClips, type Clips, type ReceiveTotals } from './rtp-bots';
import { BotThread, type BotFigures, type StreamDef } from './bot-thread';

/** "session": ours without the recorder (only with --variants=…,session), to tell Session's share from the recording's. */
type Variant = 'bare' | 'ours' | 'session';
type Role = 'booth' | 'agent' | 'interpreter';

export interface CapacityOptions {
  steps: number[];
  /** Settle time after adding sessions (keyframes, recorders starting), s. */
  warmS: number;
  /** Measuring window per step, s. */
  holdS: number;
  workers: number;
  variants: Variant[];
  clipSeconds: number;
}

export interface StepResult {
  sessions: number;
  seconds: number;
  /** RTP that reached the parties (what the SFU forwarded to them). */
  forwardedPps: number;
  forwardedMbps: number;
  /** RTP the bots sent into the SFU. */
  ingestPps: number;
  /** RTP the worker sent to the recorders ("ours" only). */
  recorderPps: number;
  lossPct: number;
  workerCpuCores: number[];
  workerCpuTotal: number;
  /** The whole bench process: the bot thread + the main thread (our server code, mediasoup's node side). */
  nodeCpuCores: number;
  botThreadCpuCores: number;
  /** Event-loop delay of the main thread during the hold (our server code blocking it). */
  mainLoopDelayP99Ms: number;
  mainLoopDelayMaxMs: number;
  ffmpegCpuCores: number;
  redisCpuCores: number;
  ffmpegProcesses: number;
  /** CPU of the whole machine (/proc/stat), % of all cores. */
  machineCpuPct: number;
  /** Busy cores that are none of this bench's processes (other work on the machine). */
  otherCpuCores: number;
  workerRssMB: number;
  nodeRssMB: number;
  ffmpegRssMB: number;
  /** The recorders' proportional set size (shared libraries counted once overall). */
  ffmpegPssMB: number;
  /** Bot pacing: mean / max lateness of a packet against its due time. */
  botLateMeanMs: number;
  botLateMaxMs: number;
  /** Keyframe requests (PLI/FIR) that reached the bots during the hold, per second. */
  keyFrameRequestsPerS: number;
  /** Kernel UDP receive-buffer drops on the machine during the hold. */
  udpRcvbufErrors: number;
  /** The same on live sockets, by owner: the SFU's party transports, the recorders' ffmpeg inputs, the rest (bots, recorder transports, others). */
  udpDrops: { sfu: number; recorders: number; other: number };
  pass: boolean;
}

export interface VariantResult {
  variant: Variant;
  includes: string;
  steps: StepResult[];
  stopReason: string;
  /** Largest step within the limits (loss ≤ 1 %, every worker < 95 % of a core, bots keeping pace). */
  maxSessions: number;
  /** At that step, per worker core used: */
  forwardedPpsPerCore: number;
  forwardedMbpsPerCore: number;
  sessionsPerCore: number;
  /** Worker RSS growth per session (from the empty workers), MB. */
  workerMBPerSession: number;
  /** Recorder ffmpeg PSS per session, MB ("ours"). */
  ffmpegMBPerSession: number;
  /** Recorder ffmpeg CPU per session, % of a core ("ours"). */
  ffmpegCpuPctPerSession: number;
  setupMsPerSession: number;
  teardownMs: number;
  /** Camera consumers on the full top layer (720p, 30 fps) / all, of the parties and of the recorders, at the last step. */
  layers: { partyTop: number; party: number; recorderTop: number; recorder: number };
  /** "ours": recordings whose manifest verified after the sessions closed. */
  recordingsVerified?: { ok: number; of: number; problems: string[] };
  /** "ours": sessions whose recorder had not finished within the teardown limit (not verified). */
  recordingsUnfinished?: number;
  /** "ours": tracks whose recording holds no media at all (no segment kept), of all tracks. */
  tracksUnrecorded?: { count: number; of: number; tracks: string[] };
  /** Warnings and errors the server code logged during this variant, by message. */
  serverLog: Record<string, { count: number; example: string }>;
}

export interface CapacityResult {
  options: CapacityOptions;
  cores: number;
  media: Array<{ clip: string; kbps: number; pps: number; description: string }>;
  clipsPrepMs: number;
  clipsCached: boolean;
  session: string;
  variants: VariantResult[];
  /** ours against bare, at the largest session count both passed. */
  overhead?: Overhead;
  /** "session" (ours without recording) against bare, when run. */
  sessionOverhead?: Overhead;
  targets: { forwardedPpsPerCore: number; overheadMax: number; bareMeets?: boolean; oursMeets?: boolean; overheadMeets?: boolean };
  notes: string[];
}

export interface Overhead {
  atSessions: number;
  /** Worker CPU per packet forwarded to the parties, ours ÷ bare. */
  workerCpuPerPacket: number;
  /** (worker + recorder ffmpeg + redis) CPU per forwarded packet, ours ÷ bare worker. */
  serverCpuPerPacket: number;
  /** Worker CPU per packet the worker sent (to parties and, in ours, to the recorders), ours ÷ bare. */
  workerCpuPerSentPacket: number;
  /** Worker CPU per session, ours ÷ bare. */
  workerCpuPerSession: number;
  /** Forwarded to the parties, ours ÷ bare (below 1: ours sends lower layers to some parties). */
  forwardedPackets: number;
  /** Bench process CPU (bot thread + main thread) ours ÷ bare: the bots are the same, the difference is our JS. */
  nodeCpu: number;
}

/** Server log lines (warnings and errors to stderr), counted by message: recorder restarts show up in the result. */
const logCounts = new Map<string, number>();
const logExamples = new Map<string, string>();
const log = pino(
  { level: process.env.LOG_LEVEL ?? 'warn' },
  {
    write(line: string) {
      try {
        const entry = JSON.parse(line) as { msg?: string; stderr?: string; err?: { message?: string } };
        const msg = entry.msg ?? '';
        logCounts.set(msg, (logCounts.get(msg) ?? 0) + 1);
        if (!logExamples.has(msg)) logExamples.set(msg, (entry.stderr ?? entry.err?.message ?? '').slice(0, 300));
      } catch {
        /* not JSON */
      }
      if (process.env.BENCH_VERBOSE) process.stderr.write(line);
    },
  },
);
const IP = '127.0.0.1';
/**
 * Ports of the parties' stand-in transports, and of the recorders' ffmpeg
 * inputs (PortPool): the latter below the kernel's ephemeral range (32768+),
 * where the bots' sockets are, so that only what production has too (the
 * workers' own transports, 10000–59999) competes for them.
 */
const PARTY_PORTS = { min: 20000, max: 31999 };
const RECORDER_PORTS = { min: 12000, max: 12998 };
/** How long the hangup of all sessions (recorders finishing: last segments, manifest, mux) may take. */
const TEARDOWN_LIMIT_MS = 120_000;
const CLK_TCK = Number(execSync('getconf CLK_TCK').toString().trim()) || 100;
const PAGE = Number(execSync('getconf PAGESIZE').toString().trim()) || 4096;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ── what a party sends and receives ───────────────────────────────────────────

const SENDS: Record<Role, TrackSource[]> = {
  booth: ['camera', 'document', 'mic'],
  agent: ['camera', 'mic'],
  interpreter: ['camera', 'mic'],
};
/** What each party consumes (the agent sees the document camera; the interpreter does not). */
const RECEIVES: Record<Role, Array<[Role, TrackSource]>> = {
  booth: [['agent', 'camera'], ['agent', 'mic'], ['interpreter', 'camera'], ['interpreter', 'mic']],
  agent: [['booth', 'camera'], ['booth', 'document'], ['booth', 'mic'], ['interpreter', 'camera'], ['interpreter', 'mic']],
  interpreter: [['booth', 'camera'], ['agent', 'camera'], ['booth', 'mic'], ['agent', 'mic']],
};

let nextSsrc = 10_000 + Math.floor(Math.random() * 1_000_000);

/** The clips a track sends: a camera its two simulcast layers, low first. */
function clipsOf(source: TrackSource): Array<keyof Clips> {
  if (source === 'camera') return ['cam360', 'cam720'];
  if (source === 'document') return ['doc'];
  return ['opus'];
}

/** Producer parameters as mediasoup-client sends them from Chrome (cameras: two simulcast layers L1T3; minus RTX and header extensions). */
function producerParams(source: TrackSource, ssrcs: number[], cname: string): types.RtpParameters {
  if (source === 'mic') {
    return {
      codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2, parameters: { minptime: 10, useinbandfec: 1 }, rtcpFeedback: [] }],
      encodings: [{ ssrc: ssrcs[0]! }],
      rtcp: { cname, reducedSize: true },
    };
  }
  return {
    codecs: [
      {
        mimeType: 'video/VP8',
        payloadType: 96,
        clockRate: 90000,
        rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }],
      },
    ],
    encodings: ssrcs.map((ssrc) => ({ ssrc, scalabilityMode: source === 'camera' ? 'L1T3' : 'L1T1' })),
    rtcp: { cname, reducedSize: true },
  };
}

/**
 * What a receiving party supports: the router's capabilities without
 * transport-cc and REMB, since the bots send no bandwidth feedback (with them
 * mediasoup would estimate the bandwidth from nothing and hold the layers
 * down). NACK, PLI/FIR, RTX and the other header extensions stay.
 */
function receiverCaps(router: types.Router): types.RtpCapabilities {
  const caps = router.rtpCapabilities;
  return {
    codecs: (caps.codecs ?? []).map((c) => ({ ...c, rtcpFeedback: (c.rtcpFeedback ?? []).filter((f) => f.type !== 'transport-cc' && f.type !== 'goog-remb') })),
    headerExtensions: (caps.headerExtensions ?? []).filter((h) => !h.uri.includes('transport-wide-cc')),
  };
}

// ── sessions ─────────────────────────────────────────────────────────────────

interface BuiltSession {
  close(): Promise<void>;
  /** Recording dir ("ours"). */
  dir?: string;
}

interface Env {
  pool: WorkerPool;
  clips: Clips;
  bots: BotThread;
  /** Every consumer of the run, tagged party / recorder, for the layer check. */
  consumers: Array<{ consumer: types.Consumer; recorder: boolean }>;
  routerChain: Promise<unknown>;
  rec?: { ports: PortPool; root: string; redis: Redis };
}

interface PartyIo {
  /** The bot thread's keys of this party's sender and receiver. */
  senderKey?: number;
  receiverKey: number;
  send: types.PlainTransport;
  recv: types.PlainTransport;
}

/**
 * WorkerPool.createRouter one at a time: it counts a worker's routers only
 * after the router exists, so routers created concurrently all land on the
 * same worker (reported; not fixed here). Sessions are set up in parallel
 * below, placed as if the calls had arrived one after the other.
 */
function createRouter(env: Env): Promise<{ router: types.Router; webRtcServer: types.WebRtcServer }> {
  const next = env.routerChain.then(() => env.pool.createRouter(mediaCodecs));
  env.routerChain = next.catch(() => undefined);
  return next;
}

/** One send transport (comedia: learns the bot's address) and one receive transport (to the bot's socket) per party, like one send + one recv WebRtcTransport. */
async function openPartyIo(env: Env, router: types.Router): Promise<PartyIo> {
  // The parties' transports stand in for WebRtcTransports, which share the WebRtcServer's port: keep them
  // out of the range the recorders' ffmpeg ports come from (the recorders' own transports are left as they are).
  const listenInfo = { protocol: 'udp' as const, ip: IP, portRange: PARTY_PORTS };
  const send = await router.createPlainTransport({ listenInfo, rtcpMux: false, comedia: true, appData: { party: true } });
  const recv = await router.createPlainTransport({ listenInfo, rtcpMux: false, comedia: false, appData: { party: true } });
  const rx = await env.bots.openReceiver();
  await recv.connect({ ip: IP, port: rx.rtpPort, rtcpPort: rx.rtcpPort });
  return { receiverKey: rx.key, send, recv };
}

function watchConsumers(env: Env, router: types.Router): void {
  router.observer.on('newtransport', (t: types.Transport) => {
    const recorder = !(t.appData as { party?: boolean }).party;
    t.observer.on('newconsumer', (c: types.Consumer) => {
      env.consumers.push({ consumer: c, recorder });
      c.observer.once('close', () => {
        const i = env.consumers.findIndex((x) => x.consumer === c);
        if (i >= 0) env.consumers.splice(i, 1);
      });
    });
  });
}

/** Starts a party's bot streams for its producers, toward its send transport. */
async function startSending(env: Env, io: PartyIo, tracks: Array<{ source: TrackSource; ssrcs: number[] }>): Promise<void> {
  const streams: StreamDef[] = tracks.flatMap(({ source, ssrcs }) => clipsOf(source).map((clip, i) => ({ clip, ssrc: ssrcs[i]!, payloadType: source === 'mic' ? 111 : 96 })));
  io.senderKey = await env.bots.openSender(io.send.tuple.localPort, io.send.rtcpTuple!.localPort, streams);
}

function partyKeys(io: PartyIo): number[] {
  return io.senderKey ? [io.senderKey, io.receiverKey] : [io.receiverKey];
}

async function buildBare(env: Env, n: number): Promise<BuiltSession> {
  const { router } = await createRouter(env);
  watchConsumers(env, router);
  const caps = receiverCaps(router);
  const ios = new Map<Role, PartyIo>();
  const producers = new Map<string, types.Producer>();
  const join = async (role: Role) => {
    const io = await openPartyIo(env, router);
    ios.set(role, io);
    const tracks: Array<{ source: TrackSource; ssrcs: number[] }> = [];
    for (const source of SENDS[role]) {
      const ssrcs = clipsOf(source).map(() => nextSsrc++);
      const p = await io.send.produce({ kind: source === 'mic' ? 'audio' : 'video', rtpParameters: producerParams(source, ssrcs, `${role}-${n}`) });
      producers.set(`${role}:${source}`, p);
      tracks.push({ source, ssrcs });
    }
    await startSending(env, io, tracks);
  };
  const consume = async (role: Role, from: Role) => {
    for (const [r, source] of RECEIVES[role]) {
      if (r !== from) continue;
      const c = await ios.get(role)!.recv.consume({ producerId: producers.get(`${r}:${source}`)!.id, rtpCapabilities: caps, paused: true });
      await c.resume();
    }
  };
  // The order of a real call: booth and agent, then the interpreter joins.
  await join('booth');
  await join('agent');
  await consume('booth', 'agent');
  await consume('agent', 'booth');
  await join('interpreter');
  await consume('interpreter', 'booth');
  await consume('interpreter', 'agent');
  await consume('booth', 'interpreter');
  await consume('agent', 'interpreter');
  return {
    async close() {
      await env.bots.close([...ios.values()].flatMap(partyKeys));
      router.close();
    },
  };
}

/** Counts what the session would tell its parties (the signaling layer is not part of this bench). */
class CountingNotifier implements PartyNotifier {
  sent = 0;
  notify(..._args: unknown[]): void {
    this.sent++;
  }
}

async function buildOurs(env: Env, n: number, record: boolean): Promise<BuiltSession> {
  const { router, webRtcServer } = await createRouter(env);
  watchConsumers(env, router);
  const notifier = new CountingNotifier();
  const session = new Session(randomUUID(), randomUUID(), router, webRtcServer, notifier);
  // Recording, wired as CallService.startRecording / onSessionClosed do.
  let rec: SessionRecorder | undefined;
  const recStarts: Array<Promise<void>> = [];
  let stopped: Promise<void> | undefined;
  if (record) {
    const { ports, root, redis } = env.rec!;
    const r = new SessionRecorder(session.id, router, { pool: ports, root, segmentSeconds: 10, redis, log });
    rec = r;
    session.onProducerAdded = (party, producer, source) => {
      recStarts.push(
        r.addProducer(party, producer, source).then(() => {
          for (const p of session.parties.values()) notifier.notify(p, 'recording:state', { sessionId: session.id, recording: r.trackCount > 0, tracks: r.trackCount });
        }),
      );
    };
    session.onProducerClosed = (producerId) => void r.removeProducer(producerId);
    session.onClose = () => (stopped = r.stop());
  }

  const caps = receiverCaps(router);
  const parties = new Map<Role, { party: Party; io: PartyIo }>();
  const producerOf = new Map<string, string>();
  const join = async (role: Role) => {
    const info: Omit<PartyInfo, 'partyId'> = { role, userId: `${role}-bench-${n}`, name: `${role} ${n}` };
    const party = session.addParty(info, `socket-${role}-${n}`);
    if (role === 'interpreter') session.interpreterIds.add(info.userId);
    const io = await openPartyIo(env, router);
    // Our parties use WebRtcTransports; these PlainTransports stand in for them in the party's own map.
    for (const [t, direction] of [[io.send, 'send'], [io.recv, 'recv']] as const) {
      party.transports.set(t.id, { transport: t as unknown as types.WebRtcTransport, direction });
      t.observer.once('close', () => party.transports.delete(t.id));
    }
    parties.set(role, { party, io });
    const tracks: Array<{ source: TrackSource; ssrcs: number[] }> = [];
    for (const source of SENDS[role]) {
      const ssrcs = clipsOf(source).map(() => nextSsrc++);
      const id = await session.produce(party, io.send.id, source === 'mic' ? 'audio' : 'video', producerParams(source, ssrcs, info.userId), source);
      producerOf.set(`${role}:${source}`, id);
      tracks.push({ source, ssrcs });
    }
    await startSending(env, io, tracks);
  };
  const consume = async (role: Role, from: Role) => {
    const { party, io } = parties.get(role)!;
    for (const [r, source] of RECEIVES[role]) {
      if (r !== from) continue;
      const c = await session.consume(party, io.recv.id, producerOf.get(`${r}:${source}`)!, caps);
      await session.resumeConsumer(party, c.consumerId);
    }
  };
  await join('booth');
  await join('agent');
  await consume('booth', 'agent');
  await consume('agent', 'booth');
  await join('interpreter');
  await consume('interpreter', 'booth');
  await consume('interpreter', 'agent');
  await consume('booth', 'interpreter');
  await consume('agent', 'interpreter');
  await Promise.all(recStarts);
  return {
    ...(rec ? { dir: rec.dir } : {}),
    async close() {
      await env.bots.close([...parties.values()].flatMap(({ io }) => partyKeys(io)));
      // A hangup: CallService calls session.close('hangup'); the recorder then finishes (segments, manifest, mux).
      session.close('hangup');
      await (stopped ?? rec?.stop());
    },
  };
}

// ── measuring ────────────────────────────────────────────────────────────────

interface ProcFig {
  comm: string;
  ppid: number;
  cpuS: number;
  rss: number;
}

function procStat(pid: number): ProcFig | undefined {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = s.lastIndexOf(')');
    const f = s.slice(close + 2).split(' ');
    return { comm: s.slice(s.indexOf('(') + 1, close), ppid: Number(f[1]), cpuS: (Number(f[11]) + Number(f[12])) / CLK_TCK, rss: Number(f[21]) * PAGE };
  } catch {
    return undefined;
  }
}

/** CPU time of a process in seconds, at ns resolution: the sum of its threads' run time (schedstat of every task under /proc/<pid>/task); /proc/<pid>/stat if unavailable. */
function cpuSeconds(pid: number): number | undefined {
  try {
    let ns = 0;
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) ns += Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    return ns / 1e9;
  } catch {
    return procStat(pid)?.cpuS;
  }
}

/** Processes descended from this one (the recorders' ffmpegs are children of the ffmpeg spawner process, sfu/src/recording/ffmpeg-spawner.ts). */
function childProcs(): Map<number, ProcFig> {
  const all = new Map<number, ProcFig>();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const st = procStat(Number(d));
    if (st) all.set(Number(d), st);
  }
  const out = new Map<number, ProcFig>();
  for (const [pid, st] of all) {
    let p = st.ppid;
    while (p > 1 && p !== process.pid) p = all.get(p)?.ppid ?? 0;
    if (p === process.pid) out.set(pid, st);
  }
  return out;
}

function machineCpu(): { busy: number; total: number } {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const v = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  return { busy: total - v[3]! - v[4]!, total };
}

/** UDP datagrams dropped at full receive buffers, per socket (/proc/net/udp), summed by who owns the port. */
function udpDrops(): { sfu: number; recorders: number; other: number } {
  const out = { sfu: 0, recorders: 0, other: 0 };
  for (const line of fs.readFileSync('/proc/net/udp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 13) continue;
    const port = parseInt(f[1]!.split(':')[1]!, 16);
    const drops = Number(f[12]);
    if (port >= PARTY_PORTS.min && port <= PARTY_PORTS.max) out.sfu += drops;
    else if (port >= RECORDER_PORTS.min && port <= RECORDER_PORTS.max + 1) out.recorders += drops;
    else out.other += drops;
  }
  return out;
}

function udpRcvbufErrors(): number {
  const lines = fs.readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((l) => l.startsWith('Udp:'));
  const keys = lines[0]!.split(/\s+/);
  const vals = lines[1]!.split(/\s+/);
  return Number(vals[keys.indexOf('RcvbufErrors')] ?? 0);
}

interface Snap {
  t: number;
  workers: ProcFig[];
  children: Map<number, ProcFig>;
  node: { cpuS: number; rss: number };
  machine: { busy: number; total: number };
  rx: ReceiveTotals;
  botCpuS: number;
  udp: number;
  drops: { sfu: number; recorders: number; other: number };
  recorderPackets: number;
}

async function recorderPackets(env: Env): Promise<number> {
  const recs = env.consumers.filter((c) => c.recorder && !c.consumer.closed);
  const stats = await Promise.all(recs.map((c) => c.consumer.getStats().catch(() => [])));
  let n = 0;
  for (const s of stats) for (const x of s) if (x.type === 'outbound-rtp') n += x.packetCount;
  return n;
}

function snap(workerPids: number[], bots: BotFigures, recPkts: number): Snap {
  const u = process.cpuUsage();
  return {
    t: performance.now(),
    workers: workerPids.map((p) => {
      const st = procStat(p) ?? { comm: '?', ppid: 0, cpuS: 0, rss: 0 };
      return { ...st, cpuS: cpuSeconds(p) ?? st.cpuS };
    }),
    children: childProcs(),
    node: { cpuS: (u.user + u.system) / 1e6, rss: process.memoryUsage().rss },
    machine: machineCpu(),
    rx: bots.rx,
    botCpuS: bots.cpuS,
    udp: udpRcvbufErrors(),
    drops: udpDrops(),
    recorderPackets: recPkts,
  };
}

/** Proportional set size: shared library pages split between the processes that map them (RSS would count ffmpeg's libraries once per recorder). */
function pss(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function childCpu(a: Snap, b: Snap, comm: string): { cpuS: number; rss: number; pss: number; count: number } {
  let cpuS = 0;
  let rss = 0;
  let total = 0;
  let count = 0;
  for (const [pid, y] of b.children) {
    if (y.comm !== comm) continue;
    count++;
    rss += y.rss;
    total += pss(pid);
    cpuS += y.cpuS - (a.children.get(pid)?.cpuS ?? 0);
  }
  return { cpuS, rss, pss: total, count };
}

// ── the ramp ─────────────────────────────────────────────────────────────────

async function runVariant(variant: Variant, opts: CapacityOptions, clips: Clips): Promise<VariantResult> {
  const pool = await WorkerPool.create({ count: opts.workers, listenIp: IP, basePort: 0, log });
  const workerPids = (await pool.usage()).map((u) => u.pid);
  const bots = await BotThread.start(clips);
  const env: Env = { pool, clips, bots, consumers: [], routerChain: Promise.resolve() };
  // How long the main thread (our server code, mediasoup's channel) keeps timers waiting.
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  let redisStop: (() => Promise<void>) | undefined;
  let root: string | undefined;
  if (variant === 'ours') {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'xw-bench-cap-'));
    const r = await startEmbeddedRedis(path.join(root, 'redis'), log);
    const redis = new Redis({ path: r.socket });
    redisStop = async () => {
      await redis.quit().catch(() => undefined);
      await r.stop();
    };
    env.rec = { ports: new PortPool(RECORDER_PORTS.min, RECORDER_PORTS.max), root: path.join(root, 'recordings'), redis };
  }
  const sessions: BuiltSession[] = [];
  const steps: StepResult[] = [];
  let stopReason = `last step (${opts.steps.at(-1)} sessions)`;
  let setupMs = 0;
  let teardownMs = 0;
  let layers = { partyTop: 0, party: 0, recorderTop: 0, recorder: 0 };
  let recordingsVerified: VariantResult['recordingsVerified'];
  let tracksUnrecorded: VariantResult['tracksUnrecorded'];
  let unfinished = 0;
  logCounts.clear();
  logExamples.clear();
  const base = snap(workerPids, await bots.figures(), 0);
  try {
    for (const target of opts.steps) {
      const s0 = performance.now();
      // Calls start concurrently in real life too: up to 4 sessions being set up at once.
      while (sessions.length < target) {
        const batch = Array.from({ length: Math.min(4, target - sessions.length) }, (_, i) => sessions.length + i);
        sessions.push(...(await Promise.all(batch.map((n) => (variant === 'bare' ? buildBare(env, n) : buildOurs(env, n, variant === 'ours'))))));
      }
      setupMs += performance.now() - s0;
      await sleep(opts.warmS * 1000);
      const recA = variant === 'ours' ? await recorderPackets(env) : 0;
      const a = snap(workerPids, await bots.figures(), recA);
      loopDelay.reset();
      await sleep(opts.holdS * 1000);
      const fig = await bots.figures();
      const b = snap(workerPids, fig, 0);
      const loopMaxMs = loopDelay.max / 1e6;
      const loopP99Ms = loopDelay.percentile(99) / 1e6;
      const sent = fig.send;
      b.recorderPackets = variant === 'ours' ? await recorderPackets(env) : 0;
      const dt = (b.t - a.t) / 1000;
      const workerCpuCores = b.workers.map((w, i) => (w.cpuS - a.workers[i]!.cpuS) / dt);
      const workerCpuTotal = workerCpuCores.reduce((x, y) => x + y, 0);
      const nodeCpuCores = (b.node.cpuS - a.node.cpuS) / dt;
      const ff = childCpu(a, b, 'ffmpeg');
      const rd = childCpu(a, b, 'redis-server');
      const cores = os.cpus().length;
      const machineBusy = (b.machine.busy - a.machine.busy) / (b.machine.total - a.machine.total);
      const expected = b.rx.expected - a.rx.expected;
      const received = b.rx.packets - a.rx.packets;
      const lossPct = expected > 0 ? (Math.max(0, expected - received) / expected) * 100 : 100;
      const step: StepResult = {
        sessions: sessions.length,
        seconds: dt,
        forwardedPps: received / dt,
        forwardedMbps: ((b.rx.bytes - a.rx.bytes) * 8) / dt / 1e6,
        ingestPps: sent.packets / dt,
        recorderPps: (b.recorderPackets - a.recorderPackets) / dt,
        lossPct,
        workerCpuCores,
        workerCpuTotal,
        nodeCpuCores,
        botThreadCpuCores: (b.botCpuS - a.botCpuS) / dt,
        mainLoopDelayP99Ms: loopP99Ms,
        mainLoopDelayMaxMs: loopMaxMs,
        ffmpegCpuCores: ff.cpuS / dt,
        redisCpuCores: rd.cpuS / dt,
        ffmpegProcesses: ff.count,
        machineCpuPct: machineBusy * 100,
        otherCpuCores: Math.max(0, machineBusy * cores - workerCpuTotal - nodeCpuCores - ff.cpuS / dt - rd.cpuS / dt),
        workerRssMB: b.workers.reduce((x, w) => x + w.rss, 0) / 2 ** 20,
        nodeRssMB: b.node.rss / 2 ** 20,
        ffmpegRssMB: ff.rss / 2 ** 20,
        ffmpegPssMB: ff.pss / 2 ** 20,
        botLateMeanMs: sent.packets ? sent.lateSumMs / sent.packets : 0,
        botLateMaxMs: sent.maxLateMs,
        keyFrameRequestsPerS: sent.keyFrameRequests / dt,
        udpRcvbufErrors: b.udp - a.udp,
        udpDrops: { sfu: b.drops.sfu - a.drops.sfu, recorders: b.drops.recorders - a.drops.recorders, other: b.drops.other - a.drops.other },
        pass: false,
      };
      const workerHot = workerCpuCores.some((c) => c >= 0.95);
      const botsBehind = step.botLateMeanMs > 20;
      step.pass = lossPct <= 1 && !workerHot && !botsBehind;
      steps.push(step);
      if (process.env.BENCH_VERBOSE) {
        console.error(`[sfu-capacity] ${variant} ${JSON.stringify(step)}`);
        for (const x of await bots.gaps()) console.error(`  ssrc ${x.ssrc}: ${x.packets}/${x.expected} pkts, avg ${Math.round(x.bytes / x.packets)} B`);
        for (const { consumer: c, recorder } of env.consumers)
          if (c.type === 'simulcast') console.error(`  ${recorder ? 'recorder' : 'party'} consumer prio ${c.priority} preferred ${JSON.stringify(c.preferredLayers)} current ${JSON.stringify(c.currentLayers)}`);
      }
      if (lossPct > 1) {
        const saturated = botsBehind || step.machineCpuPct >= 95;
        stopReason = `loss ${lossPct.toFixed(2)} % at ${step.sessions} sessions${saturated ? ` with the machine saturated (${step.machineCpuPct.toFixed(0)} % busy, ${step.otherCpuCores.toFixed(1)} cores used by other work, bots ${step.botLateMeanMs.toFixed(0)} ms late)` : ''}`;
        break;
      }
      if (workerHot) {
        stopReason = `a worker at ≥ 95 % of a core at ${step.sessions} sessions`;
        break;
      }
      if (botsBehind) {
        stopReason = `the bots fell behind (packets ${step.botLateMeanMs.toFixed(0)} ms late on average; machine ${step.machineCpuPct.toFixed(0)} % busy, ${step.otherCpuCores.toFixed(1)} cores used by other work) at ${step.sessions} sessions`;
        break;
      }
    }
    layers = layerCounts(env);
  } finally {
    const t0 = performance.now();
    // Hang up every session; the recorders finish (segments, manifest, mux) within a bound.
    const finished = new Set<string>();
    await Promise.race([
      Promise.all(sessions.map((s) => s.close().then(() => s.dir && finished.add(s.dir), () => undefined))),
      sleep(TEARDOWN_LIMIT_MS),
    ]);
    teardownMs = performance.now() - t0;
    await bots.stop();
    loopDelay.disable();
    if (variant === 'ours') {
      const dirs = sessions.map((s) => s.dir).filter((d): d is string => !!d && finished.has(d));
      unfinished = sessions.length - dirs.length;
      const problems: string[] = [];
      let ok = 0;
      for (const d of dirs) {
        const v = verifyRecording(d);
        if (v.ok && v.segments > 0) ok++;
        else problems.push(`${path.basename(d)}: ${v.segments} segments; ${v.problems.slice(0, 3).join('; ')}`);
      }
      recordingsVerified = { ok, of: dirs.length, problems: problems.slice(0, 5) };
      const unrecorded: string[] = [];
      let tracks = 0;
      for (const d of dirs) {
        const files = fs.readdirSync(d);
        for (const sdp of files.filter((f) => f.endsWith('.sdp'))) {
          tracks++;
          const name = sdp.slice(0, -4);
          if (!files.some((f) => f.startsWith(`${name}-`) && f.endsWith('.mkv'))) unrecorded.push(`${path.basename(d).slice(0, 8)}/${name}`);
        }
      }
      tracksUnrecorded = { count: unrecorded.length, of: tracks, tracks: unrecorded.slice(0, 10) };
    }
    pool.close();
    await redisStop?.();
    if (root && process.env.BENCH_KEEP_RECORDINGS) console.error(`[sfu-capacity] recordings kept in ${root}`);
    else if (root) fs.rmSync(root, { recursive: true, force: true });
  }
  return {
    ...summarize(variant, steps, stopReason, base, setupMs / Math.max(1, steps.at(-1)?.sessions ?? 1), teardownMs, layers, recordingsVerified),
    ...(tracksUnrecorded ? { tracksUnrecorded } : {}),
    ...(unfinished ? { recordingsUnfinished: unfinished } : {}),
    serverLog: Object.fromEntries([...logCounts].map(([msg, count]) => [msg, { count, example: logExamples.get(msg) ?? '' }])),
  };
}

/** Simulcast camera consumers on the full top layer (720p, all three temporal layers = 30 fps), parties and recorders apart. */
function layerCounts(env: Env): VariantResult['layers'] {
  const l = { partyTop: 0, party: 0, recorderTop: 0, recorder: 0 };
  for (const { consumer, recorder } of env.consumers) {
    if (consumer.type !== 'simulcast' || consumer.closed) continue;
    const top = consumer.currentLayers?.spatialLayer === 1 && consumer.currentLayers?.temporalLayer === 2;
    if (recorder) {
      l.recorder++;
      if (top) l.recorderTop++;
    } else {
      l.party++;
      if (top) l.partyTop++;
    }
  }
  return l;
}

function summarize(
  variant: Variant,
  steps: StepResult[],
  stopReason: string,
  base: Snap,
  setupMsPerSession: number,
  teardownMs: number,
  layers: VariantResult['layers'],
  recordingsVerified: VariantResult['recordingsVerified'],
): Omit<VariantResult, 'serverLog'> {
  const best = [...steps].reverse().find((s) => s.pass);
  const baseWorkerMB = base.workers.reduce((x, w) => x + w.rss, 0) / 2 ** 20;
  return {
    variant,
    includes:
      variant === 'bare'
        ? 'mediasoup only: WorkerPool workers, router per session, PlainTransports, producers, consumers (paused, resumed)'
        : variant === 'session'
          ? 'Session only (no recording): produce/consume checks, consumer priority + sign-language frame-rate policy, keyframe on resume'
          : 'Session (produce/consume checks, consumer priority + sign-language frame-rate policy, keyframe on resume) + SessionRecorder (consumer + ffmpeg -c copy per track, 10 s segments, manifest in Redis, mux at the end)',
    steps,
    stopReason,
    maxSessions: best?.sessions ?? 0,
    forwardedPpsPerCore: best ? best.forwardedPps / best.workerCpuTotal : 0,
    forwardedMbpsPerCore: best ? best.forwardedMbps / best.workerCpuTotal : 0,
    sessionsPerCore: best ? best.sessions / best.workerCpuTotal : 0,
    workerMBPerSession: best ? (best.workerRssMB - baseWorkerMB) / best.sessions : 0,
    ffmpegMBPerSession: best ? best.ffmpegPssMB / best.sessions : 0,
    ffmpegCpuPctPerSession: best ? (best.ffmpegCpuCores / best.sessions) * 100 : 0,
    setupMsPerSession,
    teardownMs,
    layers,
    ...(recordingsVerified ? { recordingsVerified } : {}),
  };
}

export function defaultCapacityOptions(quick: boolean): CapacityOptions {
  return quick
    ? { steps: [2, 4], warmS: 1, holdS: 4.5, workers: os.cpus().length, variants: ['bare', 'ours'], clipSeconds: 4 }
    : { steps: [2, 4, 8, 12, 16, 20, 24], warmS: 2, holdS: 6, workers: os.cpus().length, variants: ['bare', 'ours'], clipSeconds: 4 };
}

export async function benchSfuCapacity(opts: CapacityOptions): Promise<CapacityResult> {
  const { clips, cached, ms } = await prepareClips(opts.clipSeconds);
  const variants: VariantResult[] = [];
  for (const v of opts.variants) variants.push(await runVariant(v, opts, clips));
  const bare = variants.find((v) => v.variant === 'bare');
  const ours = variants.find((v) => v.variant === 'ours');
  const sessionOnly = variants.find((v) => v.variant === 'session');
  const overhead = bare && ours ? compare(ours, bare) : undefined;
  const sessionOverhead = bare && sessionOnly ? compare(sessionOnly, bare) : undefined;
  const target = 80_000;
  const media = [clips.cam360, clips.cam720, clips.doc, clips.opus].map((c) => ({ clip: c.name, kbps: Math.round(c.kbps), pps: Math.round(c.pps * 10) / 10, description: c.description }));
  const perSession = sessionLoad(clips);
  return {
    options: opts,
    cores: os.cpus().length,
    media,
    clipsPrepMs: ms,
    clipsCached: cached,
    session: `booth (camera 2 simulcast layers, document camera, mic) + agent (camera 2 layers, mic) + interpreter (camera 2 layers, mic): 7 producers, 13 party consumers; in ≈ ${Math.round(perSession.inPps)} pkt/s, to parties ≈ ${Math.round(perSession.outPps)} pkt/s per session`,
    variants,
    ...(overhead ? { overhead } : {}),
    ...(sessionOverhead ? { sessionOverhead } : {}),
    targets: {
      forwardedPpsPerCore: target,
      overheadMax: 1.1,
      ...(bare ? { bareMeets: bare.forwardedPpsPerCore >= target } : {}),
      ...(ours ? { oursMeets: ours.forwardedPpsPerCore >= target } : {}),
      ...(overhead ? { overheadMeets: overhead.serverCpuPerPacket <= 1.1 } : {}),
    },
    notes: [
      'Plain RTP on loopback in both variants: no ICE/DTLS/SRTP, no transport-cc/REMB bandwidth estimation, no receiver reports or NACKs from the receivers; absolute figures are optimistic against WebRTC, the ours/bare ratio is like for like.',
      '"ours" = Session + SessionRecorder driven with PlainTransports standing in for the parties\' WebRtcTransports; signaling (socket.io, CallService, queue) is not included.',
      'Per-core figures = forwarded packets (to the parties) ÷ CPU of the mediasoup workers at the largest step within the limits; the bots, the recorders and other work share the same cores, so the session count reached is bounded by the machine, not the workers.',
      'Variants run one after the other: other work on the machine during a hold (otherCpuCores per step) disturbs the comparison; compare steps with little of it.',
    ],
  };
}

/** A variant against bare at the largest session count both passed. */
function compare(v: VariantResult, bare: VariantResult): Overhead | undefined {
  const common = bare.steps.filter((s) => s.pass && v.steps.some((o) => o.pass && o.sessions === s.sessions)).at(-1);
  if (!common) return undefined;
  const o = v.steps.find((x) => x.sessions === common.sessions)!;
  const perPkt = (cpu: number, s: StepResult) => cpu / s.forwardedPps;
  return {
    atSessions: common.sessions,
    workerCpuPerPacket: perPkt(o.workerCpuTotal, o) / perPkt(common.workerCpuTotal, common),
    serverCpuPerPacket: perPkt(o.workerCpuTotal + o.ffmpegCpuCores + o.redisCpuCores, o) / perPkt(common.workerCpuTotal, common),
    workerCpuPerSentPacket: o.workerCpuTotal / (o.forwardedPps + o.recorderPps) / (common.workerCpuTotal / common.forwardedPps),
    workerCpuPerSession: o.workerCpuTotal / common.workerCpuTotal,
    forwardedPackets: o.forwardedPps / common.forwardedPps,
    nodeCpu: o.nodeCpuCores / common.nodeCpuCores,
  };
}

/** Packets per second one session takes in and forwards to its parties, from the clips. */
function sessionLoad(clips: Clips): { inPps: number; outPps: number } {
  const pps = (s: TrackSource, top = false) => (s === 'camera' ? (top ? clips.cam720.pps : clips.cam360.pps + clips.cam720.pps) : s === 'document' ? clips.doc.pps : clips.opus.pps);
  let inPps = 0;
  for (const r of Object.keys(SENDS) as Role[]) for (const s of SENDS[r]) inPps += pps(s);
  let outPps = 0;
  for (const r of Object.keys(RECEIVES) as Role[]) for (const [, s] of RECEIVES[r]) outPps += pps(s, true);
  return { inPps, outPps };
}

/** Rows for the bench table. */
export function capacityRows(r: CapacityResult): string[] {
  const rows: string[] = [];
  const k = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(1)}k` : n.toFixed(0));
  for (const v of r.variants) {
    const best = [...v.steps].reverse().find((s) => s.pass);
    const at = best
      ? `${v.maxSessions} sessions: ${k(best.forwardedPps)} pkt/s, ${best.forwardedMbps.toFixed(0)} Mbps, loss ${best.lossPct.toFixed(2)} %, workers ${best.workerCpuCores.map((c) => `${Math.round(c * 100)}%`).join('+')}, machine ${best.machineCpuPct.toFixed(0)} %${best.otherCpuCores >= 0.3 ? ` (${best.otherCpuCores.toFixed(1)} cores other work)` : ''}${v.variant === 'ours' ? `, ${best.ffmpegProcesses} recorder ffmpeg ${Math.round(best.ffmpegCpuCores * 100)}%` : ''}`
      : 'no step within the limits';
    rows.push(`| SFU capacity, ${v.variant}: most sessions within limits (stop: ${v.stopReason}) | ${at} |`);
    rows.push(
      `| SFU ${v.variant}: per worker core: forwarded pkt/s / Mbps / sessions; worker MB per session${v.variant === 'ours' ? '; recorder ffmpeg per session' : ''} | ${k(v.forwardedPpsPerCore)} / ${v.forwardedMbpsPerCore.toFixed(0)} / ${v.sessionsPerCore.toFixed(1)}; ${v.workerMBPerSession.toFixed(1)} MB${v.variant === 'ours' ? `; ${v.ffmpegCpuPctPerSession.toFixed(1)} % CPU, ${v.ffmpegMBPerSession.toFixed(0)} MB` : ''} (target ≥ 80k pkt/s per core: ${v.forwardedPpsPerCore >= r.targets.forwardedPpsPerCore ? 'met' : '**not met**'}) |`,
    );
  }
  const ours = r.variants.find((v) => v.variant === 'ours');
  if (ours) {
    const l = ours.layers;
    const rv = ours.recordingsVerified;
    rows.push(
      `| SFU ours: camera consumers on the full 720p/30 fps layer, parties / recorders; recordings verified after hangup; tracks not recorded | ${l.partyTop}/${l.party} / ${l.recorderTop}/${l.recorder}${rv ? `; ${rv.ok}/${rv.of}` : ''}${ours.tracksUnrecorded ? `; ${ours.tracksUnrecorded.count}/${ours.tracksUnrecorded.of}` : ''} |`,
    );
  }
  if (r.overhead) {
    const o = r.overhead;
    rows.push(
      `| SFU overhead ours ÷ bare at ${o.atSessions} sessions, CPU per forwarded packet: workers / workers + recorder ffmpeg + Redis | ${o.workerCpuPerPacket.toFixed(2)} / ${o.serverCpuPerPacket.toFixed(2)} (target ≤ 1.10: ${r.targets.overheadMeets ? 'met' : '**not met**'}) |`,
      `| SFU ours ÷ bare at ${o.atSessions} sessions: worker CPU per session / per packet the worker sent (parties + recorders); packets to the parties | ${o.workerCpuPerSession.toFixed(2)} / ${o.workerCpuPerSentPacket.toFixed(2)}; ${o.forwardedPackets.toFixed(2)} |`,
    );
  }
  if (r.sessionOverhead) {
    const o = r.sessionOverhead;
    rows.push(
      `| SFU Session alone (ours without recording) ÷ bare at ${o.atSessions} sessions: worker CPU per forwarded packet / per session; packets to the parties | ${o.workerCpuPerPacket.toFixed(2)} / ${o.workerCpuPerSession.toFixed(2)}; ${o.forwardedPackets.toFixed(2)} |`,
    );
  }
  return rows;
}

// ── CLI ──────────────────────────────────────────────────────────────────────

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const opts = defaultCapacityOptions(process.argv.includes('--quick'));
  if (arg('steps')) opts.steps = arg('steps')!.split(',').map(Number);
  if (arg('hold')) opts.holdS = Number(arg('hold'));
  if (arg('warm')) opts.warmS = Number(arg('warm'));
  if (arg('workers')) opts.workers = Number(arg('workers'));
  if (arg('variants')) opts.variants = arg('variants')!.split(',') as Variant[];
  const t0 = performance.now();
  const r = await benchSfuCapacity(opts);
  if (process.argv.includes('--json')) console.log(JSON.stringify(r, null, 2));
  console.log('\n| figure | value |\n|---|---|');
  for (const row of capacityRows(r)) console.log(row);
  console.log(`\n${((performance.now() - t0) / 1000).toFixed(1)} s (clips ${r.clipsCached ? 'cached' : 'encoded'} in ${(r.clipsPrepMs / 1000).toFixed(1)} s)`);
  process.exit(0);
}
