/**
 * Redis connection: either the configured REDIS_URL or an embedded
 * redis-server child process (data in DATA_DIR/redis, AOF on, unix socket
 * only, so it never collides with another Redis on the machine).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { Logger } from '../log';

export interface RedisHandle {
  redis: Redis;
  /** Where the connection points (for logs). */
  where: string;
  close(): Promise<void>;
}

export async function openRedis(opts: { url?: string; dataDir: string; log: Logger }): Promise<RedisHandle> {
  if (opts.url) {
    const redis = opts.url.startsWith('unix://')
      ? new Redis({ path: opts.url.slice('unix://'.length), lazyConnect: true, maxRetriesPerRequest: 3 })
      : new Redis(opts.url, { lazyConnect: true, maxRetriesPerRequest: 3 });
    watch(redis, opts.log);
    await redis.connect();
    return { redis, where: opts.url.replace(/\/\/[^@]*@/, '//***@'), close: async () => void (await redis.quit().catch(() => undefined)) };
  }
  const embedded = await startEmbeddedRedis(path.join(opts.dataDir, 'redis'), opts.log);
  const redis = new Redis({ path: embedded.socket, lazyConnect: true, maxRetriesPerRequest: 3 });
  watch(redis, opts.log);
  await redis.connect();
  return {
    redis,
    where: `unix:${embedded.socket}`,
    close: async () => {
      await redis.quit().catch(() => undefined);
      await embedded.stop();
    },
  };
}

/** Connection errors are logged (ioredis reconnects by itself); without a listener they would be "unhandled". */
export function watch(redis: Redis, log: Logger): Redis {
  redis.on('error', (err: Error) => log.warn({ err: err.message }, 'redis connection error'));
  return redis;
}

export async function startEmbeddedRedis(
  dir: string,
  log: Logger,
): Promise<{ socket: string; child: ChildProcess; stop(): Promise<void> }> {
  fs.mkdirSync(dir, { recursive: true });
  const socket = path.join(dir, 'redis.sock');
  const child = spawn(
    'redis-server',
    [
      '--port', '0',
      '--unixsocket', socket,
      '--unixsocketperm', '700',
      '--dir', dir,
      '--appendonly', 'yes',
      '--appendfsync', 'everysec',
      '--save', '300 1',
      '--daemonize', 'no',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  await new Promise<void>((resolve, reject) => {
    const t0 = Date.now();
    const poll = setInterval(() => {
      if (/ready to accept connections/i.test(output)) {
        clearInterval(poll);
        resolve();
      } else if (child.exitCode !== null || Date.now() - t0 > 15_000) {
        clearInterval(poll);
        reject(new Error(`embedded redis-server failed to start:\n${output.slice(-2000)}`));
      }
    }, 25);
  });
  log.info({ dir }, 'embedded redis started');
  return {
    socket,
    child,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
