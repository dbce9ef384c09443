/**
 * The recording manifest: one entry per closed segment, each carrying the
 * segment's SHA-256 and the hash of the previous entry, so removing,
 * reordering or altering any segment (or entry) breaks the chain.
 *
 *   entry.hash = sha256(entry.prev + '\n' + JSON.stringify(entry without hash))
 *
 * Kept on disk (manifest.jsonl beside the segments) and in Redis.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface ManifestEntry {
  seq: number;
  sessionId: string;
  track: string;
  file: string;
  bytes: number;
  sha256: string;
  closedAt: number;
  prev: string;
  hash: string;
}

export const GENESIS = '0'.repeat(64);

export function entryHash(e: Omit<ManifestEntry, 'hash'>): string {
  const { seq, sessionId, track, file, bytes, sha256, closedAt, prev } = e;
  return createHash('sha256').update(`${prev}\n${JSON.stringify({ seq, sessionId, track, file, bytes, sha256, closedAt, prev })}`).digest('hex');
}

export function fileSha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/**
 * Hashes a closed segment and appends its entry to the chain, on disk
 * (manifest.jsonl) and in Redis. Returns the entry (its hash is the next `prev`).
 */
export async function appendSegment(
  d: { dir: string; sessionId: string; redis: { rpush(key: string, value: string): Promise<number> }; prefix?: string },
  at: { seq: number; prev: string },
  track: string,
  file: string,
): Promise<ManifestEntry> {
  const full = path.join(d.dir, file);
  const base = { seq: at.seq, sessionId: d.sessionId, track, file, bytes: fs.statSync(full).size, sha256: fileSha256(full), closedAt: Date.now(), prev: at.prev };
  const entry: ManifestEntry = { ...base, hash: entryHash(base) };
  fs.appendFileSync(path.join(d.dir, 'manifest.jsonl'), `${JSON.stringify(entry)}\n`);
  await d.redis.rpush(`${d.prefix ?? '{xw}:'}rec:${d.sessionId}:manifest`, JSON.stringify(entry));
  return entry;
}

export function readManifest(dir: string): ManifestEntry[] {
  const f = path.join(dir, 'manifest.jsonl');
  if (!fs.existsSync(f)) return [];
  return fs
    .readFileSync(f, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as ManifestEntry);
}

export interface VerifyReport {
  ok: boolean;
  segments: number;
  problems: string[];
}

/** Checks every segment against its entry and every entry against the chain. */
export function verifyRecording(dir: string): VerifyReport {
  const entries = readManifest(dir);
  const problems: string[] = [];
  let prev = GENESIS;
  entries.forEach((e, i) => {
    if (e.seq !== i) problems.push(`entry ${i}: sequence number ${e.seq}`);
    if (e.prev !== prev) problems.push(`entry ${i} (${e.file}): does not follow the previous entry`);
    const { hash, ...rest } = e;
    if (entryHash(rest) !== hash) problems.push(`entry ${i} (${e.file}): entry altered`);
    const f = path.join(dir, e.file);
    if (!fs.existsSync(f)) problems.push(`${e.file}: missing`);
    else if (fileSha256(f) !== e.sha256) problems.push(`${e.file}: content altered (SHA-256 differs)`);
    prev = hash;
  });
  const listed = new Set(entries.map((e) => e.file));
  for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    if (f.endsWith('.mkv') && !listed.has(f)) problems.push(`${f}: not in the manifest (unfinished or foreign)`);
  }
  return { ok: problems.length === 0, segments: entries.length, problems };
}
