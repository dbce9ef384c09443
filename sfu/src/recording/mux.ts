/**
 * After a session: one playable file with every track, lined up on the
 * session clock, without re-encoding.
 *
 * Each track's closed segments (in manifest order) are joined with ffmpeg's
 * concat demuxer and shifted by the track's anchor — the wall-clock time its
 * first RTP packet left for the recorder (track-recorder.ts) — relative to the
 * session's first track; all tracks are then muxed into
 * `playback/session.mkv` (`-c copy`, one stream per track, titled with the
 * track name). The segments stay as they are: they are what the manifest
 * chain vouches for; the muxed file records the SHA-256 of every segment it
 * was made from in `playback/session.json`, and is checked (ffprobe: every
 * track present, a duration) before that is written.
 *
 * Limits: a recorder ffmpeg that crashed and restarted starts a new time base;
 * the concat joins its segments back to back, so that track's later part is
 * early by the gap (≤ ~1.5 s). Tracks without an anchor (recorded by an older
 * version) are placed at the session start.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileSha256, readManifest } from './manifest';

const run = promisify(execFile);

export interface MuxedTrack {
  name: string;
  kind: 'audio' | 'video' | 'unknown';
  codec?: string;
  /** This track alone, playable in a browser (relative to the session's folder). */
  file?: string;
  /** Where the track starts on the session clock. */
  offsetMs: number;
  segments: Array<{ file: string; sha256: string }>;
}

export interface MuxResult {
  file: string;
  sha256: string;
  bytes: number;
  durationSec: number;
  /** Session clock zero (epoch ms): the first packet of the earliest track. */
  startedAt: number;
  tracks: MuxedTrack[];
  /** Segments in the manifest that hold no playable media (left out of the file, still verified by the chain). */
  skipped: string[];
  madeAt: number;
}

export const PLAYBACK_DIR = 'playback';

function anchorOf(dir: string, track: string): { firstPacketAt?: number; kind?: 'audio' | 'video' } {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, `${track}.json`), 'utf8')) as { firstPacketAt?: number; kind?: 'audio' | 'video' };
  } catch {
    return {};
  }
}

const WEBM_CODECS = new Set(['vp8', 'vp9', 'av1', 'opus', 'vorbis']);

async function codecOf(file: string): Promise<string> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name', '-of', 'json', file]);
  return (JSON.parse(stdout) as { streams?: Array<{ codec_name?: string }> }).streams?.[0]?.codec_name ?? 'unknown';
}

async function timesOf(file: string): Promise<{ start: number; end: number }> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=start_time,duration', '-of', 'json', file]);
  const f = (JSON.parse(stdout) as { format?: { start_time?: string; duration?: string } }).format ?? {};
  const start = Number(f.start_time ?? 0) || 0;
  // Segments keep the recorder's running timestamps (-reset_timestamps 0): Matroska's duration is then their end time.
  return { start, end: Math.max(start, Number(f.duration ?? 0) || 0) };
}

/**
 * The concat demuxer places each file right after the previous one by the
 * previous file's duration; segments of one recorder run follow each other
 * exactly (next start − this start), a restarted run starts its own time base.
 */
async function concatList(dir: string, all: string[], skipped: string[]): Promise<string> {
  const times: Array<{ start: number; end: number }> = [];
  const files: string[] = [];
  for (const f of all) {
    try {
      times.push(await timesOf(path.join(dir, f)));
      files.push(f);
    } catch {
      // e.g. a segment cut off by a killed recorder before its first cluster: nothing in it to play.
      skipped.push(f);
    }
  }
  if (files.length === 0) return '';
  return files
    .map((f, i) => {
      const here = times[i]!;
      const next = times[i + 1];
      const duration = next && next.start > here.start ? next.start - here.start : here.end - here.start;
      const quoted = path.join(dir, f).replace(/'/g, "'\\''");
      return `file '${quoted}'\n${next ? `duration ${duration.toFixed(6)}\n` : ''}`;
    })
    .join('');
}

/** Muxes a closed session's segments into playback/session.mkv; resolves undefined when nothing was recorded. */
export async function muxSession(dir: string): Promise<MuxResult | undefined> {
  const entries = readManifest(dir);
  const byTrack = new Map<string, Array<{ file: string; sha256: string }>>();
  for (const e of entries) {
    if (!fs.existsSync(path.join(dir, e.file)) || e.bytes === 0) continue;
    const list = byTrack.get(e.track) ?? [];
    list.push({ file: e.file, sha256: e.sha256 });
    byTrack.set(e.track, list);
  }
  if (byTrack.size === 0) return undefined;
  for (const list of byTrack.values()) list.sort((a, b) => a.file.localeCompare(b.file));

  const anchors = [...byTrack.keys()].map((t) => ({ track: t, ...anchorOf(dir, t) }));
  const known = anchors.map((a) => a.firstPacketAt).filter((x): x is number => typeof x === 'number');
  const startedAt = known.length ? Math.min(...known) : 0;

  const out = path.join(dir, PLAYBACK_DIR);
  fs.mkdirSync(out, { recursive: true });
  const tracks: MuxedTrack[] = anchors.map((a) => ({
    name: a.track,
    kind: a.kind ?? 'unknown',
    offsetMs: a.firstPacketAt !== undefined ? a.firstPacketAt - startedAt : 0,
    segments: byTrack.get(a.track)!,
  }));

  const args = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y'];
  const skipped: string[] = [];
  const lists: string[] = [];
  for (const t of [...tracks]) {
    const list = await concatList(dir, t.segments.map((s) => s.file), skipped);
    if (list) lists.push(list);
    else tracks.splice(tracks.indexOf(t), 1); // nothing playable in this track
  }
  if (tracks.length === 0) throw new Error(`no playable segment in ${dir}`);
  // One file per track for the browser player (WebM when the codecs allow, which Chromium plays with
  // seeking; Matroska for H.264), then all of them into session.mkv on the session clock.
  for (const [i, t] of tracks.entries()) {
    const list = path.join(out, `${i}-${t.name}.txt`);
    fs.writeFileSync(list, lists[i]!);
    const codec = await codecOf(path.join(dir, t.segments[0]!.file));
    t.codec = codec;
    t.file = path.join(PLAYBACK_DIR, `${t.name}.${WEBM_CODECS.has(codec) ? 'webm' : 'mkv'}`);
    await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-f', 'concat', '-safe', '0', '-i', list, '-map', '0:0', '-c', 'copy', path.join(dir, t.file)], {
      timeout: 10 * 60_000,
      maxBuffer: 1 << 20,
    });
    args.push('-itsoffset', (t.offsetMs / 1000).toFixed(3), '-i', path.join(dir, t.file));
  }
  tracks.forEach((t, i) => args.push('-map', `${i}:0`, `-metadata:s:${i}`, `title=${t.name}`));
  const tmp = path.join(out, 'session.partial.mkv');
  const file = path.join(out, 'session.mkv');
  args.push('-c', 'copy', '-f', 'matroska', tmp);
  try {
    await run('ffmpeg', args, { timeout: 10 * 60_000, maxBuffer: 1 << 20 });
    // Checked before it counts: every track is in it and it has a duration.
    const probe = JSON.parse((await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration:stream=index', '-of', 'json', tmp])).stdout) as {
      format?: { duration?: string };
      streams?: unknown[];
    };
    const durationSec = Number(probe.format?.duration ?? 0);
    if ((probe.streams?.length ?? 0) !== tracks.length || !(durationSec > 0)) {
      throw new Error(`muxed file has ${probe.streams?.length ?? 0} of ${tracks.length} tracks, duration ${durationSec}`);
    }
    fs.renameSync(tmp, file);
    const result: MuxResult = {
      file: path.join(PLAYBACK_DIR, 'session.mkv'),
      sha256: fileSha256(file),
      bytes: fs.statSync(file).size,
      durationSec,
      startedAt,
      tracks,
      skipped,
      madeAt: Date.now(),
    };
    fs.writeFileSync(path.join(out, 'session.json'), JSON.stringify(result, null, 2));
    return result;
  } finally {
    fs.rmSync(tmp, { force: true });
    for (const f of fs.readdirSync(out)) if (f.endsWith('.txt')) fs.rmSync(path.join(out, f), { force: true });
  }
}
