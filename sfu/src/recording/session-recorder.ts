/**
 * Records a whole session: every track of every party (cameras, document
 * camera, microphones), added as producers appear and closed as they go.
 * Closed segments are hashed into the session's chained manifest (disk and
 * Redis) in the order they close.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { types } from 'mediasoup';
import type { Redis } from 'ioredis';
import type { PartyInfo, TrackSource } from '@xiaowu/shared';
import type { Logger } from '../log';
import { GENESIS, appendSegment, readManifest } from './manifest';
import type { PortPool } from './port-pool';
import { TrackRecorder } from './track-recorder';
import { muxSession, type MuxResult } from './mux';
import { packetsIn, setAside } from './recovery';

/** A segment file: `<track>-<5 digits>.mkv`. */
const LEFTOVER = /^(.+)-(\d{5})\.mkv$/;
/** An orphaned recorder ffmpeg stops ~2 s after its packets do: its files are quiet after this. */
const LEFTOVER_QUIET_MS = 4000;

export interface RecorderDeps {
  pool: PortPool;
  root: string;
  segmentSeconds: number;
  redis: Redis;
  log: Logger;
  prefix?: string;
}

export class SessionRecorder {
  readonly dir: string;
  private readonly tracks = new Map<string, TrackRecorder>();
  private readonly hashed = new Set<string>();
  /** Closed segments waiting to be hashed onto the manifest, with when they were queued (recording lag). */
  private readonly queued = new Map<string, number>();
  private seq = 0;
  private prev = GENESIS;
  private chain: Promise<void> = Promise.resolve();
  private poll?: NodeJS.Timeout;
  private stopped = false;
  /** The playable files, once the session is finished and muxed. */
  muxed?: MuxResult;

  constructor(
    readonly sessionId: string,
    private router: types.Router,
    private readonly d: RecorderDeps,
    /**
     * A session taken over from a node that died: the recording goes on in the
     * same folder (DATA_DIR is shared by the nodes) and the same manifest chain,
     * its tracks named by the media epoch (`-m<epoch>`); the dead node's last
     * segments, closed by its orphaned ffmpegs, are hashed onto the chain once
     * they are quiet.
     */
    resume?: { epoch: number },
  ) {
    this.dir = path.join(d.root, sessionId);
    fs.mkdirSync(this.dir, { recursive: true });
    const meta = path.join(this.dir, 'session.json');
    if (!resume || !fs.existsSync(meta)) fs.writeFileSync(meta, JSON.stringify({ sessionId, startedAt: Date.now(), segmentSeconds: d.segmentSeconds }));
    if (resume) {
      this.epoch = resume.epoch;
      const entries = readManifest(this.dir);
      for (const e of entries) this.hashed.add(e.file);
      this.seq = entries.length;
      this.prev = entries.at(-1)?.hash ?? GENESIS;
      this.leftovers = true;
      this.leftoverTimer = setTimeout(() => this.collectLeftovers(false), LEFTOVER_QUIET_MS + 1000);
    }
    this.poll = setInterval(() => this.collect(false), 2000);
  }

  /** Whether segments of an earlier node may lie in the folder (a taken-over session). */
  private leftovers = false;
  private leftoverTimer?: NodeJS.Timeout;

  get trackCount(): number {
    return this.tracks.size;
  }

  /** Segments not yet on the manifest and how long the oldest has waited (ms). */
  lag(now = Date.now()): { pending: number; oldestMs: number } {
    let oldest = now;
    for (const t of this.queued.values()) oldest = Math.min(oldest, t);
    return { pending: this.queued.size, oldestMs: now - oldest };
  }

  /** Media re-created after a worker death: later tracks are recorded from this router, as new track files. */
  private epoch = 0;
  setRouter(router: types.Router, epoch = this.epoch + 1): void {
    this.router = router;
    this.epoch = epoch;
  }

  async addProducer(party: PartyInfo, producer: types.Producer, source: TrackSource): Promise<void> {
    if (this.stopped) return;
    // After a re-creation the same party/source is a new track (its own anchor and segments): suffix -m<epoch>.
    const name = `${party.role}-${party.userId}-${source}${this.epoch ? `-m${this.epoch}` : ''}`.replace(/[^A-Za-z0-9_.-]/g, '_');
    const rec = new TrackRecorder({ name, kind: producer.kind }, this.router, producer.id, this.dir, this.d);
    this.tracks.set(producer.id, rec);
    try {
      await rec.start();
      this.d.log.info({ sessionId: this.sessionId, track: name }, 'recording track');
    } catch (err) {
      // A recorder that cannot start must never disturb the call.
      this.d.log.error({ err, sessionId: this.sessionId, track: name }, 'could not start recording a track');
      this.tracks.delete(producer.id);
      await rec.stop().catch(() => undefined);
    }
  }

  async removeProducer(producerId: string): Promise<void> {
    const rec = this.tracks.get(producerId);
    if (!rec) return;
    await rec.stop();
    this.collect(true, rec);
    await this.chain;
  }

  private stopping?: Promise<void>;

  /** Finishes every track and the manifest; the same promise for every caller. */
  stop(): Promise<void> {
    return (this.stopping ??= this.finish());
  }

  /**
   * This node lost the session to another node (which records on): the tracks
   * stop cleanly and their segments join the chain; no `closed.json`, no mux —
   * the session's recording is finished by the node that has it now.
   */
  async handOff(): Promise<void> {
    this.stopped = true;
    clearInterval(this.poll);
    clearTimeout(this.leftoverTimer);
    await Promise.all([...this.tracks.values()].map((t) => t.stop()));
    this.collect(true);
    await this.chain;
  }

  private async finish(): Promise<void> {
    this.stopped = true;
    clearInterval(this.poll);
    clearTimeout(this.leftoverTimer);
    await Promise.all([...this.tracks.values()].map((t) => t.stop()));
    this.collect(true);
    if (this.leftovers) this.collectLeftovers(true);
    await this.chain;
    fs.writeFileSync(path.join(this.dir, 'closed.json'), JSON.stringify({ closedAt: Date.now(), segments: this.seq, head: this.prev }));
    // One playable file for the supervisor; the segments stay the evidence.
    try {
      const muxed = await muxSession(this.dir);
      this.muxed = muxed;
      if (muxed) this.d.log.info({ sessionId: this.sessionId, file: muxed.file, tracks: muxed.tracks.length, durationSec: muxed.durationSec }, 'recording muxed');
    } catch (err) {
      this.d.log.error({ err, sessionId: this.sessionId }, 'could not mux the recording (the segments are kept)');
    }
  }

  /** Hashes segments that are closed: all but each live track's newest, or all of stopped tracks. */
  private collect(all: boolean, only?: TrackRecorder): void {
    for (const rec of only ? [only] : this.tracks.values()) {
      const segs = rec.segments();
      const closed = all ? segs : segs.slice(0, -1);
      for (const f of closed) {
        if (this.hashed.has(f)) continue;
        // ffmpeg opens the next segment before it has data for it: an empty last file holds no media.
        if (all && fs.statSync(path.join(this.dir, f)).size === 0) {
          fs.rmSync(path.join(this.dir, f));
          continue;
        }
        this.hashed.add(f);
        this.queued.set(f, Date.now());
        this.chain = this.chain
          .then(() => this.append(rec.track.name, f))
          .catch((err) => this.d.log.error({ err, file: f }, 'could not add a segment to the manifest'))
          .finally(() => this.queued.delete(f));
      }
    }
  }

  /**
   * Segments in the folder that no track of this recorder wrote and the chain
   * lacks: those of the node that had the session before. Hashed once nothing
   * has written to them for LEFTOVER_QUIET_MS (or all of them at the end).
   */
  private collectLeftovers(all: boolean): void {
    const own = new Set([...this.tracks.values()].map((t) => `${t.track.name}-`));
    const now = Date.now();
    let waiting = false;
    for (const f of fs.readdirSync(this.dir).filter((x) => LEFTOVER.test(x)).sort()) {
      if (this.hashed.has(f) || [...own].some((p) => f.startsWith(p))) continue;
      const full = path.join(this.dir, f);
      if (!all && now - fs.statSync(full).mtimeMs < LEFTOVER_QUIET_MS) {
        waiting = true;
        continue;
      }
      this.hashed.add(f);
      this.queued.set(f, now);
      const track = LEFTOVER.exec(f)![1]!;
      this.chain = this.chain
        .then(() => this.append(track, f))
        .catch((err) => this.d.log.error({ err, file: f }, 'could not add a segment of the previous node to the manifest'))
        .finally(() => this.queued.delete(f));
    }
    if (waiting && !this.stopped) this.leftoverTimer = setTimeout(() => this.collectLeftovers(false), 1000);
  }

  private async append(track: string, file: string): Promise<void> {
    // A recorder killed before its first cluster leaves a segment with a header and no media: set aside, not vouched for.
    if ((await packetsIn(path.join(this.dir, file))) === 0) {
      setAside(this.dir, file);
      this.d.log.warn({ sessionId: this.sessionId, file }, 'segment without media set aside (recorder cut off)');
      return;
    }
    const entry = await appendSegment({ dir: this.dir, sessionId: this.sessionId, redis: this.d.redis, prefix: this.d.prefix }, { seq: this.seq, prev: this.prev }, track, file);
    this.seq++;
    this.prev = entry.hash;
  }
}
