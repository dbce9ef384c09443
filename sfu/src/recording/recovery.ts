/**
 * Recordings whose sfu process died: no `closed.json`, and segments that were
 * still open (or closed but not yet hashed) are missing from the manifest.
 * At start and then periodically, each such session — once nothing has
 * written to it for a while (an orphaned recorder ffmpeg ends by itself 2 s
 * after its packets stop) — gets its remaining segments checked (ffprobe:
 * a segment cut off before its first cluster holds nothing and is moved to
 * `unplayable/`, kept but outside the chain), hashed onto the chain in
 * segment order, `closed.json` written with `recovered: true`, and the
 * post-call mux run. Nothing recorded before the crash is lost or left
 * unverifiable.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Redis } from 'ioredis';
import type { Logger } from '../log';
import { GENESIS, appendSegment, readManifest } from './manifest';
import { muxSession, type MuxResult } from './mux';

const run = promisify(execFile);

export interface RecoveryDeps {
  root: string;
  redis: Redis;
  log: Logger;
  prefix?: string;
  /** Sessions being recorded now, here or on another node (never touched). */
  live: (sessionId: string) => boolean | Promise<boolean>;
  /** A folder untouched for this long is no longer being written (default 15 s). */
  quietMs?: number;
  /** Called for each recovered session (e.g. to update the recording index). */
  onRecovered?: (sessionId: string, endedAt: number, muxed: MuxResult | undefined) => Promise<void>;
}

const SEGMENT = /^(.+)-(\d{5})\.mkv$/;

/** Keeps a segment with no media out of the chain (and out of verify's "not in the manifest"), without deleting it. */
export function setAside(dir: string, file: string): void {
  fs.mkdirSync(path.join(dir, 'unplayable'), { recursive: true });
  fs.renameSync(path.join(dir, file), path.join(dir, 'unplayable', file));
}

/** Media packets in a segment (0: cut off before its first cluster, or unreadable). */
export async function packetsIn(file: string): Promise<number> {
  try {
    const { stdout } = await run('ffprobe', ['-v', 'error', '-count_packets', '-show_entries', 'stream=nb_read_packets', '-of', 'csv=p=0', file], { timeout: 60_000 });
    return Number(stdout.trim().split('\n')[0]) || 0;
  } catch {
    return 0;
  }
}

/** Recovers every crashed session under `root`; returns the session ids recovered. */
export async function recoverRecordings(d: RecoveryDeps, now = Date.now()): Promise<string[]> {
  if (!fs.existsSync(d.root)) return [];
  const recovered: string[] = [];
  for (const sessionId of fs.readdirSync(d.root)) {
    const dir = path.join(d.root, sessionId);
    if (!fs.statSync(dir).isDirectory() || fs.existsSync(path.join(dir, 'closed.json')) || (await d.live(sessionId))) continue;
    const files = fs.readdirSync(dir);
    const lastWrite = Math.max(...files.map((f) => fs.statSync(path.join(dir, f)).mtimeMs), fs.statSync(dir).mtimeMs);
    if (now - lastWrite < (d.quietMs ?? 15_000)) continue;
    try {
      recovered.push(await recoverOne(d, sessionId, dir, files, lastWrite));
    } catch (err) {
      d.log.error({ err, sessionId }, 'could not recover a crashed recording');
    }
  }
  return recovered;
}

async function recoverOne(d: RecoveryDeps, sessionId: string, dir: string, files: string[], lastWrite: number): Promise<string> {
  const entries = readManifest(dir);
  const listed = new Set(entries.map((e) => e.file));
  let at = { seq: entries.length, prev: entries.at(-1)?.hash ?? GENESIS };
  const added: string[] = [];
  const unplayable: string[] = [];
  const pending = files.filter((f) => SEGMENT.test(f) && !listed.has(f)).sort();
  for (const f of pending) {
    if ((await packetsIn(path.join(dir, f))) === 0) {
      setAside(dir, f);
      unplayable.push(f);
      continue;
    }
    const entry = await appendSegment({ dir, sessionId, redis: d.redis, prefix: d.prefix }, at, SEGMENT.exec(f)![1]!, f);
    at = { seq: at.seq + 1, prev: entry.hash };
    added.push(f);
  }
  fs.writeFileSync(
    path.join(dir, 'closed.json'),
    JSON.stringify({ closedAt: Date.now(), segments: at.seq, head: at.prev, recovered: true, lastWriteAt: Math.round(lastWrite), recoveredSegments: added, unplayable }),
  );
  let muxed: MuxResult | undefined;
  try {
    muxed = await muxSession(dir);
  } catch (err) {
    d.log.error({ err, sessionId }, 'could not mux a recovered recording (the segments are kept)');
  }
  await d.onRecovered?.(sessionId, Math.round(lastWrite), muxed);
  d.log.warn({ sessionId, recoveredSegments: added.length, unplayable: unplayable.length }, 'recording of a crashed process recovered');
  return sessionId;
}
