/**
 * The kiosk's device health for the supervisors' dashboard (值班长), and the
 * `booth:heartbeat` that carries it (shared/src/supervision.ts).
 *
 * - `checkDevices()`: one full check — the resident camera and the microphone
 *   (opened briefly, the microphone's peak level measured), the document
 *   camera of this kiosk's setting, the printer and the ID-card reader. Every
 *   probe has its own timeout, so one hung device never holds up the rest.
 * - `HealthMonitor`: sends `booth:heartbeat` as soon as the socket connects
 *   and every HEARTBEAT_INTERVAL_MS, with the screen on show and the latest
 *   check. Full checks run at start and then at most every 5 minutes while
 *   the booth is idle on its home screen. Never while the booth is waiting or
 *   in a call: the camera and microphone are the call's then (opening them
 *   again would disturb it, and Chromium may switch devices), so their state
 *   is read from the live tracks and the rest is the last check's.
 *
 * Nothing here is ever shown to the resident: failures go to console.debug.
 */
import { HEARTBEAT_INTERVAL_MS, type BoothHealth, type BoothHeartbeat, type DeviceCheck } from '@xiaowu/shared';
import type { SignalingClient } from '@xiaowu/shared/client';
import type { BoothDevices } from './devices';
import { pickDevice } from './doc-camera';
import { BrowserPrinter, type PrinterState } from './printer';
import { FixedIdCardReader } from './id-card-reader';

/** Longest wait for one device. */
export const PROBE_TIMEOUT_MS = 3_000;
/** How long the microphone's level is listened to. */
export const MIC_WINDOW_MS = 500;
/** Full checks while idle on the home screen: at most this often. */
export const FULL_CHECK_EVERY_MS = 5 * 60_000;
/** A check that could not finish (a call started) is tried again after this long. */
const RETRY_CHECK_MS = 60_000;
const DETAIL_MAX = 120;
const SCREEN_MAX = 32;

type MicCheck = BoothHealth['microphone'];

const noop = (): void => undefined;

function clip(text: string): string {
  return text.length > DETAIL_MAX ? `${text.slice(0, DETAIL_MAX - 1)}…` : text;
}

function ok(detail?: string): DeviceCheck {
  return detail ? { status: 'ok', detail: clip(detail) } : { status: 'ok' };
}

function failed(err: unknown): DeviceCheck {
  const name = typeof err === 'object' && err !== null && typeof (err as { name?: unknown }).name === 'string' ? (err as { name: string }).name : 'Error';
  return { status: 'error', detail: clip(name) };
}

const UNKNOWN: DeviceCheck = { status: 'unknown' };

function stopAll(stream: MediaStream): void {
  for (const track of stream.getTracks()) track.stop();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

class Stopped extends Error {
  constructor() {
    super('device check stopped');
    this.name = 'AbortError';
  }
}

/**
 * Runs one probe with a timeout: late, it counts as an error ('timeout') and
 * its signal is aborted, so the probe closes whatever it opens afterwards.
 */
async function probe<T extends DeviceCheck>(run: (signal: AbortSignal) => Promise<T>, timeoutMs: number): Promise<T | DeviceCheck> {
  const ctl = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<DeviceCheck>((resolve) => {
    timer = setTimeout(() => resolve({ status: 'error', detail: 'timeout' }), timeoutMs);
  });
  try {
    return await Promise.race([run(ctl.signal).catch(failed), late]);
  } finally {
    clearTimeout(timer);
    ctl.abort(); // a probe still running stops (and closes its device) at its next step
  }
}

/** getUserMedia that gives the stream back only if it is still wanted (else stops it). */
async function openBriefly(constraints: MediaStreamConstraints, cancelled: () => boolean): Promise<MediaStream> {
  const stream = await navigator.mediaDevices.getUserMedia(constraints);
  if (cancelled()) {
    stopAll(stream);
    throw new Stopped();
  }
  return stream;
}

async function inputs(kind: MediaDeviceKind): Promise<MediaDeviceInfo[]> {
  return (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === kind);
}

function hasMediaDevices(): boolean {
  return typeof navigator !== 'undefined' && !!navigator.mediaDevices?.getUserMedia && !!navigator.mediaDevices.enumerateDevices;
}

/** The resident camera: the default camera, as the call opens it (booth-call.ts). */
async function checkCamera(cancelled: () => boolean): Promise<DeviceCheck> {
  if (!hasMediaDevices()) return { status: 'error', detail: 'getUserMedia unavailable' };
  if ((await inputs('videoinput')).length === 0) return { status: 'missing' };
  const stream = await openBriefly({ video: true, audio: false }, cancelled);
  try {
    const [track] = stream.getVideoTracks();
    return track?.readyState === 'live' ? ok(track.label) : { status: 'error', detail: 'no live video track' };
  } finally {
    stopAll(stream);
  }
}

/**
 * The peak input level (0..1) over `windowMs`, or undefined when the browser
 * cannot measure it (no Web Audio, or the audio context is not allowed to run
 * before the first touch on the page — a silent 0 would be a false alarm).
 */
async function peakLevel(stream: MediaStream, windowMs: number, cancelled: () => boolean): Promise<number | undefined> {
  const AC = globalThis.AudioContext ?? (globalThis as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
  if (!AC) return undefined;
  const ctx = new AC();
  try {
    if (ctx.state !== 'running') await Promise.race([ctx.resume().catch(noop), sleep(200)]);
    if (ctx.state !== 'running') return undefined;
    const source = ctx.createMediaStreamSource(stream);
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 2048;
    source.connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    let peak = 0;
    const end = Date.now() + windowMs;
    while (Date.now() < end && !cancelled()) {
      await sleep(50);
      analyser.getFloatTimeDomainData(samples);
      for (const v of samples) peak = Math.max(peak, Math.abs(v));
    }
    source.disconnect();
    return Math.min(1, Math.round(peak * 1000) / 1000);
  } finally {
    void ctx.close().catch(noop);
  }
}

async function checkMicrophone(cancelled: () => boolean, windowMs: number): Promise<MicCheck> {
  if (!hasMediaDevices()) return { status: 'error', detail: 'getUserMedia unavailable' };
  if ((await inputs('audioinput')).length === 0) return { status: 'missing' };
  const stream = await openBriefly({ audio: true, video: false }, cancelled);
  try {
    const [track] = stream.getAudioTracks();
    if (track?.readyState !== 'live') return { status: 'error', detail: 'no live audio track' };
    const level = await peakLevel(stream, windowMs, cancelled);
    if (level === undefined) return { status: 'ok', detail: clip(`${track.label || 'microphone'} (level not measured)`) };
    return { ...ok(track.label), level };
  } finally {
    stopAll(stream);
  }
}

/** The document camera of this kiosk's setting (devices.ts / doc-camera.ts). */
async function checkDocCamera(devices: BoothDevices, camera: DeviceCheck, cancelled: () => boolean): Promise<DeviceCheck> {
  const choice = devices.docCamera;
  if (choice.kind === 'none') return { status: 'missing', detail: 'none configured' };
  // One camera for both: its state is the resident camera's.
  if (choice.kind === 'same') return { ...camera, detail: clip(`same as the camera${camera.detail ? `: ${camera.detail}` : ''}`) };
  if (!hasMediaDevices()) return { status: 'error', detail: 'getUserMedia unavailable' };
  const cameras = await inputs('videoinput');
  // Without camera permission the browser hides the labels the document camera is found by.
  if (cameras.length > 0 && cameras.every((d) => !d.label)) return { status: 'unknown', detail: 'device labels hidden (no camera permission)' };
  const deviceId = await pickDevice(choice);
  if (!deviceId) return { status: 'missing', detail: clip(choice.kind === 'label' ? `no camera labelled "${choice.label}"` : 'no document camera found') };
  const stream = await openBriefly({ video: { deviceId: { exact: deviceId } }, audio: false }, cancelled);
  try {
    const [track] = stream.getVideoTracks();
    return track?.readyState === 'live' ? ok(track.label) : { status: 'error', detail: 'no live video track' };
  } finally {
    stopAll(stream);
  }
}

const PRINTER_CHECKS: Record<PrinterState, DeviceCheck> = {
  ready: { status: 'ok' },
  offline: { status: 'error', detail: 'offline' },
  'no-paper': { status: 'error', detail: 'no-paper' },
  unknown: { status: 'unknown' },
};

async function checkPrinter(devices: BoothDevices, timeoutMs: number): Promise<DeviceCheck> {
  // The browser's own print path: nothing to ask (kiosk printing to the default printer).
  if (devices.printer instanceof BrowserPrinter) return { status: 'ok', detail: 'browser' };
  return PRINTER_CHECKS[await devices.printer.status(timeoutMs)];
}

async function checkIdReader(devices: BoothDevices, timeoutMs: number): Promise<DeviceCheck | undefined> {
  const reader = devices.idCard;
  if (reader instanceof FixedIdCardReader) return { status: 'ok', detail: 'demo' };
  if (!reader.status) return undefined;
  return (await reader.status(timeoutMs)) === 'ready' ? { status: 'ok' } : { status: 'error', detail: 'offline' };
}

export interface CheckOptions {
  /** Per device (default PROBE_TIMEOUT_MS). */
  timeoutMs?: number;
  /** Microphone listening time (default MIC_WINDOW_MS). */
  micWindowMs?: number;
  /**
   * True once no device may be opened any more (a call is starting): the
   * check closes what it has open and resolves undefined.
   */
  shouldStop?: () => boolean;
}

/**
 * One full check of the kiosk's devices. The cameras and the microphone are
 * opened one after the other (the document camera is found by its label,
 * which the browser shows once the camera is allowed); the printer and the
 * ID-card reader are asked meanwhile. Resolves undefined when stopped.
 */
export async function checkDevices(devices: BoothDevices, options: CheckOptions = {}): Promise<BoothHealth | undefined> {
  const timeoutMs = options.timeoutMs ?? PROBE_TIMEOUT_MS;
  const shouldStop = options.shouldStop ?? (() => false);
  const printer = probe(() => checkPrinter(devices, timeoutMs), timeoutMs + 500);
  const idReader = probe(async () => (await checkIdReader(devices, timeoutMs)) ?? UNKNOWN, timeoutMs + 500).then((c) =>
    c === UNKNOWN ? undefined : c,
  );
  const media = <T extends DeviceCheck>(run: (cancelled: () => boolean) => Promise<T>) =>
    probe((signal) => run(() => signal.aborted || shouldStop()), timeoutMs);

  if (shouldStop()) return undefined;
  const camera = await media(checkCamera);
  if (shouldStop()) return undefined;
  const microphone = await probe((signal) => checkMicrophone(() => signal.aborted || shouldStop(), options.micWindowMs ?? MIC_WINDOW_MS), timeoutMs + (options.micWindowMs ?? MIC_WINDOW_MS));
  if (shouldStop()) return undefined;
  const docCamera = await media((cancelled) => checkDocCamera(devices, camera, cancelled));
  if (shouldStop()) return undefined;
  const id = await idReader;
  return {
    camera,
    microphone,
    docCamera,
    printer: await printer,
    ...(id ? { idReader: id } : {}),
    checkedAt: Date.now(),
  };
}

function trackCheck(track: MediaStreamTrack): DeviceCheck {
  if (track.readyState !== 'live') return { status: 'error', detail: 'in use: track ended' };
  return { status: 'ok', detail: clip(`in use${track.muted ? ' (no data)' : ''}${track.label ? `: ${track.label}` : ''}`) };
}

/**
 * During a call: the last check, with the camera and microphone as the call's
 * own tracks show them (no level: nothing is opened to listen).
 */
export function liveHealth(last: BoothHealth | undefined, stream: MediaStream | null): BoothHealth | undefined {
  const video = stream?.getVideoTracks()[0];
  const audio = stream?.getAudioTracks()[0];
  if (!video && !audio) return last;
  const base: BoothHealth = last ?? { camera: UNKNOWN, microphone: UNKNOWN, docCamera: UNKNOWN, printer: UNKNOWN, checkedAt: Date.now() };
  return {
    ...base,
    camera: video ? trackCheck(video) : base.camera,
    microphone: audio ? trackCheck(audio) : base.microphone,
  };
}

/** A screen name as the heartbeat takes it: lowercase letters and '-', at most 32. */
export function screenName(screen: string): string {
  return screen
    .toLowerCase()
    .replace(/[^a-z-]+/g, '-')
    .slice(0, SCREEN_MAX);
}

/** The app's version when the build was given one (VITE_APP_VERSION), else undefined. */
export function appVersion(): string | undefined {
  const v: unknown = (import.meta as { env?: Record<string, unknown> }).env?.VITE_APP_VERSION;
  return typeof v === 'string' && v.trim() ? v.trim().slice(0, 32) : undefined;
}

export interface HealthMonitorOptions {
  sig: SignalingClient;
  devices: BoothDevices;
  /**
   * The booth's media right now: `busy` while waiting or in a call (no device
   * may be opened), `stream` the call's own camera and microphone.
   */
  media(): { busy: boolean; stream: MediaStream | null };
  appVersion?: string;
  /** Defaults: HEARTBEAT_INTERVAL_MS, FULL_CHECK_EVERY_MS, checkDevices (tests pass their own). */
  intervalMs?: number;
  fullCheckEveryMs?: number;
  check?: (devices: BoothDevices, options: CheckOptions) => Promise<BoothHealth | undefined>;
}

/** The heartbeat loop: start() when the booth is up, stop() when it goes. */
export class HealthMonitor {
  private screen = 'home';
  private last: BoothHealth | undefined;
  private lastAttempt: number | undefined;
  private checking: number | undefined;
  private running = false;
  /** Bumped by start/stop: work of an earlier run drops its results. */
  private run = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private offConnect: (() => void) | undefined;

  constructor(private readonly options: HealthMonitorOptions) {}

  /** What the booth shows (home, notice, waiting, call, ended, progress, …). */
  setScreen(screen: string): void {
    this.screen = screenName(screen);
  }

  /** The latest full check (undefined before the first). */
  get health(): BoothHealth | undefined {
    return this.last;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.run++;
    const socket = this.options.sig.socket;
    const onConnect = () => {
      this.send();
      this.restartTimer(); // the next one a whole interval later
    };
    socket.on('connect', onConnect);
    this.offConnect = () => socket.off('connect', onConnect);
    this.restartTimer();
    this.maybeCheck(true);
    this.send();
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.run++;
    clearInterval(this.timer);
    this.timer = undefined;
    this.offConnect?.();
    this.offConnect = undefined;
  }

  private restartTimer(): void {
    clearInterval(this.timer);
    this.timer = setInterval(() => {
      this.maybeCheck(false);
      this.send();
    }, this.options.intervalMs ?? HEARTBEAT_INTERVAL_MS);
  }

  /** A full check at start, then when due and the booth is idle on its home screen. */
  private maybeCheck(atStart: boolean): void {
    const run = this.run;
    if (!this.running || this.checking === run || this.options.media().busy) return;
    const now = Date.now();
    if (!atStart) {
      const every = this.last ? (this.options.fullCheckEveryMs ?? FULL_CHECK_EVERY_MS) : RETRY_CHECK_MS;
      if (this.screen !== 'home' || (this.lastAttempt !== undefined && now - this.lastAttempt < every)) return;
    }
    this.lastAttempt = now;
    this.checking = run;
    const check = this.options.check ?? checkDevices;
    check(this.options.devices, { shouldStop: () => run !== this.run || this.options.media().busy })
      .then((health) => {
        if (!health || run !== this.run) return;
        this.last = health;
        this.send(); // the dashboard need not wait for the next beat
      })
      .catch((err: unknown) => console.debug('device check failed', err))
      .finally(() => {
        if (this.checking === run) this.checking = undefined;
      });
  }

  private send(): void {
    const { sig, appVersion } = this.options;
    if (!this.running || !sig.socket.connected) return; // not queued: the next beat after 'connect' says it all
    const { busy, stream } = this.options.media();
    const health = busy ? liveHealth(this.last, stream) : this.last;
    const beat: BoothHeartbeat = {
      ...(health ? { health } : {}),
      ...(this.screen ? { screen: this.screen } : {}),
      ...(appVersion ? { appVersion } : {}),
    };
    sig.request('booth:heartbeat', beat).catch((err: unknown) => console.debug('booth:heartbeat failed', err));
  }
}
