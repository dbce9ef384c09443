/**
 * Recorder faults, really injected: a recording sfu runs as its own process
 * (tests/support/recorder-child.ts: real mediasoup, the real recorder) fed by
 * an RTP sender. Mid-call the camera track's ffmpeg is SIGKILLed: it must be
 * restarted into new segments while the producers keep receiving. Then the
 * sfu process itself is SIGKILLed: every segment hashed before the kill must
 * verify and play; the start-up recovery must then hash what was still open,
 * close the session as recovered, and mux it, so that nothing recorded is lost
 * and the whole session verifies.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readManifest, verifyRecording } from '../../sfu/src/recording/manifest';
import { recoverRecordings } from '../../sfu/src/recording/recovery';
import { startTestRedis } from '../support/redis';
import { waitFor } from '../support/server';

const run = promisify(execFile);
const SESSION = '00000000-0000-4000-8000-00000000fa17';
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

/** ffmpeg processes (by /proc) whose parent is `parent` (any parent when undefined), with their command lines. */
function recordersOf(parent?: number): Array<{ pid: number; cmd: string }> {
  const out: Array<{ pid: number; cmd: string }> = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmd = fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if ((parent === undefined || ppid === parent) && cmd.startsWith('ffmpeg')) out.push({ pid: Number(d), cmd });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

async function packets(file: string): Promise<number> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-count_packets', '-show_entries', 'stream=nb_read_packets', '-of', 'csv=p=0', file]);
  return Number(stdout.trim());
}

describe('recording survives a killed recorder and a killed sfu process', () => {
  let redis: Awaited<ReturnType<typeof startTestRedis>>;
  let dataRoot: string;
  let child: ChildProcess | undefined;
  let sender: ChildProcess | undefined;
  beforeAll(async () => {
    dataRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'xw-faults-'));
    redis = await startTestRedis();
  });
  afterAll(async () => {
    sender?.kill('SIGKILL');
    child?.kill('SIGKILL');
    await redis?.close();
    if (dataRoot) fs.rmSync(dataRoot, { recursive: true, force: true });
  });

  it('SIGKILL the recorder: restarted, the call goes on; SIGKILL the sfu: what was recorded verifies, plays, and is recovered', async () => {
    child = spawn(process.execPath, ['--import', 'tsx', 'tests/support/recorder-child.ts', dataRoot, SESSION], {
      cwd: root,
      env: { ...process.env, REDIS_PATH: redis.url.replace('unix://', '') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const ports = await waitFor(
      () => {
        const line = out.split('\n').find((l) => l.startsWith('{"video"'));
        return line ? (JSON.parse(line) as { video: { port: number; rtcpPort: number }; audio: { port: number; rtcpPort: number } }) : undefined;
      },
      'the recording sfu process is up',
      30_000,
    );
    const videoBytes = () => Number([...out.matchAll(/"videoBytes":(\d+)/g)].at(-1)?.[1] ?? 0);

    sender = spawn('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-nostdin', '-re',
      '-f', 'lavfi', '-i', 'testsrc=s=320x240:r=30:d=20', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:d=20',
      '-map', '0:v', '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '300k', '-g', '30',
      '-f', 'rtp', '-ssrc', '1111', '-payload_type', '101', `rtp://127.0.0.1:${ports.video.port}?rtcpport=${ports.video.rtcpPort}`,
      '-map', '1:a', '-c:a', 'libopus', '-ac', '2',
      '-f', 'rtp', '-ssrc', '2222', '-payload_type', '100', `rtp://127.0.0.1:${ports.audio.port}?rtcpport=${ports.audio.rtcpPort}`,
    ], { stdio: 'ignore' });
    const dir = path.join(dataRoot, SESSION);
    const cameraSegments = () => fs.readdirSync(dir).filter((f) => /^booth-booth-fault-camera-\d{5}\.mkv$/.test(f)).sort();

    // 1. Recording runs; kill the camera's recorder ffmpeg.
    await waitFor(() => cameraSegments().length >= 2, 'two camera segments', 15_000);
    const before = recordersOf(child.pid!);
    expect(before).toHaveLength(2);
    const camera = before.find((r) => r.cmd.includes('camera'))!;
    process.kill(camera.pid, 'SIGKILL');
    const killedSegment = cameraSegments().at(-1)!; // the segment it was writing
    const bytesAtKill = videoBytes();
    // Restarted (a new ffmpeg for the camera) into a new segment number; the producer keeps receiving meanwhile.
    const restarted = await waitFor(() => recordersOf(child!.pid!).find((r) => r.cmd.includes('camera') && r.pid !== camera.pid), 'camera recorder restarted', 10_000);
    expect(restarted.pid).not.toBe(camera.pid);
    const segmentsAtRestart = cameraSegments().length;
    await waitFor(() => cameraSegments().length > segmentsAtRestart, 'the restarted recorder writes new segments', 10_000);
    await waitFor(() => videoBytes() > bytesAtKill, 'the call goes on (producer still receiving)', 5_000);

    // 2. Kill the sfu process itself, mid-call.
    // (The killed recorder's cut-off segment is hashed too: after the restart it is no longer the newest.)
    // (If the kill came before its first 1-s cluster was written it holds no media and is set aside in unplayable/.)
    await waitFor(
      () => readManifest(dir).some((e) => e.file === killedSegment) || fs.existsSync(path.join(dir, 'unplayable', killedSegment)),
      'the cut-off segment hashed (or set aside when empty)',
      10_000,
    );
    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    sender.kill('SIGKILL');
    // Orphaned recorders end by themselves (2 s without packets) and finish their files.
    await waitFor(() => recordersOf().every((r) => !r.cmd.includes(SESSION)), 'orphaned recorders exited', 15_000);

    // Everything hashed before the kill verifies and plays; the rest is only "unfinished", nothing altered or missing.
    const hashed = readManifest(dir);
    expect(hashed.length).toBeGreaterThanOrEqual(2);
    const early = verifyRecording(dir);
    expect(early.problems.filter((p) => !p.includes('not in the manifest'))).toEqual([]);
    for (const e of hashed) expect(await packets(path.join(dir, e.file))).toBeGreaterThan(0);

    // 3. The next start of the sfu recovers the session.
    const log = pino({ level: 'silent' });
    const recovered = await recoverRecordings({ root: dataRoot, redis: redis.redis, log, live: () => false, quietMs: 0 });
    expect(recovered).toEqual([SESSION]);
    const closed = JSON.parse(fs.readFileSync(path.join(dir, 'closed.json'), 'utf8')) as { recovered: boolean; recoveredSegments: string[] };
    expect(closed.recovered).toBe(true);
    const report = verifyRecording(dir);
    expect(report.problems).toEqual([]);
    const all = readManifest(dir);
    for (const e of all) expect(await packets(path.join(dir, e.file))).toBeGreaterThan(0);
    expect((await redis.redis.lrange(`{xw}:rec:${SESSION}:manifest`, 0, -1)).length).toBe(all.length);
    expect(fs.existsSync(path.join(dir, 'playback', 'session.mkv'))).toBe(true);
    console.log(`[faults] ${hashed.length} segments hashed before the sfu was killed, ${closed.recoveredSegments.length} recovered after, ${cameraSegments().length} camera segments (recorder restarted once)`);
    // A second run finds nothing left to do.
    expect(await recoverRecordings({ root: dataRoot, redis: redis.redis, log, live: () => false, quietMs: 0 })).toEqual([]);
  }, 90_000);
});
