/**
 * The synchronized multi-track player behind 录像回放: one master clock on the
 * session's time line (seconds from the first packet of the earliest track)
 * and any number of <video>/<audio> elements, each playing one track file
 * that starts `offset` seconds into the session.
 *
 * The clock is the wall clock while playing (not any one element: a track may
 * start late or end early, e.g. an interpreter who joined halfway). Every
 * element follows it: its position is `t − offset`; outside its own range it
 * is paused and reported inactive (the view hides it). Play, pause and seek
 * place every element at once; while playing, every ~500 ms an element more
 * than 0.15 s off the clock is put back (drift correction). The clock stops at
 * the session's end.
 */

export interface PlayerSnapshot {
  /** Session time in seconds. */
  time: number;
  playing: boolean;
  /** Per attached track: does its range cover the current time? */
  active: Readonly<Record<string, boolean>>;
}

export interface PlayerOptions {
  /** ms between clock ticks (UI time); drift is corrected every `driftEvery` ticks. */
  tickMs?: number;
  driftEvery?: number;
  /** Allowed drift, seconds. */
  maxDrift?: number;
  now?: () => number;
}

interface Entry {
  el: HTMLMediaElement;
  offset: number;
  active: boolean;
  off: () => void;
}

/** Seconds before an element's end at which it counts as finished (its last frame stays). */
const END_SLACK = 0.05;

export class SyncPlayer {
  private base = 0;
  private wallStart = 0;
  private playing = false;
  private readonly media = new Map<string, Entry>();
  private readonly listeners = new Set<() => void>();
  private snapshot: PlayerSnapshot = { time: 0, playing: false, active: {} };
  private timer: ReturnType<typeof setInterval> | undefined;
  private ticks = 0;
  private readonly tickMs: number;
  private readonly driftEvery: number;
  private readonly maxDrift: number;
  private readonly now: () => number;

  constructor(
    /** Session length in seconds (meta.playback.durationSec). */
    readonly duration: number,
    opts: PlayerOptions = {},
  ) {
    this.tickMs = opts.tickMs ?? 250;
    this.driftEvery = opts.driftEvery ?? 2;
    this.maxDrift = opts.maxDrift ?? 0.15;
    this.now = opts.now ?? (() => performance.now());
  }

  readonly subscribe = (l: () => void): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };

  readonly getSnapshot = (): PlayerSnapshot => this.snapshot;

  /** The master clock, seconds. */
  time(): number {
    if (!this.playing) return this.base;
    return Math.min(this.duration, this.base + (this.now() - this.wallStart) / 1000);
  }

  isPlaying(): boolean {
    return this.playing;
  }

  /** Puts an element on the clock; returns the function that takes it off. */
  attach(name: string, el: HTMLMediaElement, offsetSec: number): () => void {
    this.media.get(name)?.off();
    const onMeta = () => {
      const e = this.media.get(name);
      if (e?.el === el) this.place(name, e, this.time(), true);
      this.emit();
    };
    el.addEventListener('loadedmetadata', onMeta);
    el.addEventListener('durationchange', onMeta);
    const entry: Entry = {
      el,
      offset: offsetSec,
      active: false,
      off: () => {
        el.removeEventListener('loadedmetadata', onMeta);
        el.removeEventListener('durationchange', onMeta);
      },
    };
    this.media.set(name, entry);
    this.place(name, entry, this.time(), true);
    this.emit();
    return () => {
      if (this.media.get(name) !== entry) return;
      entry.off();
      el.pause();
      this.media.delete(name);
      this.emit();
    };
  }

  play(): void {
    if (this.playing) return;
    if (this.base >= this.duration - END_SLACK) this.base = 0; // at the end: from the start again
    this.playing = true;
    this.wallStart = this.now();
    this.syncAll(true);
    this.startTimer();
    this.emit();
  }

  pause(): void {
    if (!this.playing) return;
    this.base = this.time();
    this.playing = false;
    this.stopTimer();
    this.syncAll(true);
    this.emit();
  }

  toggle(): void {
    if (this.playing) this.pause();
    else this.play();
  }

  /** Every element to `t − offset` (clamped to the session). */
  seek(t: number): void {
    this.base = Math.max(0, Math.min(this.duration, Number.isFinite(t) ? t : 0));
    this.wallStart = this.now();
    this.syncAll(true);
    this.emit();
  }

  dispose(): void {
    this.stopTimer();
    this.playing = false;
    for (const e of this.media.values()) {
      e.off();
      e.el.pause();
    }
    this.media.clear();
    this.listeners.clear();
  }

  private startTimer(): void {
    this.stopTimer();
    this.ticks = 0;
    this.timer = setInterval(() => this.tick(), this.tickMs);
  }

  private stopTimer(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    const t = this.time();
    if (t >= this.duration) {
      this.base = this.duration;
      this.playing = false;
      this.stopTimer();
      this.syncAll(true);
    } else if (++this.ticks % this.driftEvery === 0) {
      this.syncAll(false);
    }
    this.emit();
  }

  private syncAll(force: boolean): void {
    const t = this.time();
    for (const [name, e] of this.media) this.place(name, e, t, force);
  }

  /** One element at session time `t`: inside its range it follows the clock, outside it waits paused. */
  private place(_name: string, e: Entry, t: number, force: boolean): void {
    const el = e.el;
    const local = t - e.offset;
    const known = Number.isFinite(el.duration) && el.duration > 0;
    const active = local >= 0 && (!known || local < el.duration - END_SLACK) && t < this.duration;
    e.active = active;
    if (el.readyState < 1 /* HAVE_METADATA */) return; // placed again on loadedmetadata
    if (!active) {
      if (!el.paused) el.pause();
      // Ready at its first frame for when the clock reaches it (or at its last frame after its end).
      const park = local < 0 ? 0 : known ? Math.max(0, el.duration - END_SLACK) : el.currentTime;
      if (force && Math.abs(el.currentTime - park) > 0.01) el.currentTime = park;
      return;
    }
    if (force || (!el.seeking && Math.abs(el.currentTime - local) > this.maxDrift)) el.currentTime = local;
    if (this.playing && el.paused) el.play().catch(() => undefined); // interrupted by a pause or seek: the next tick retries
    else if (!this.playing && !el.paused) el.pause();
  }

  private emit(): void {
    const active: Record<string, boolean> = {};
    for (const [name, e] of this.media) active[name] = e.active;
    const time = this.time();
    const s = this.snapshot;
    const same =
      s.time === time &&
      s.playing === this.playing &&
      Object.keys(active).length === Object.keys(s.active).length &&
      Object.entries(active).every(([k, v]) => s.active[k] === v);
    if (same) return;
    this.snapshot = { time, playing: this.playing, active };
    for (const l of this.listeners) l();
  }
}
