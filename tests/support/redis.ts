/** A real, throwaway redis-server for tests that need Redis without the sfu. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { Redis } from 'ioredis';
import { startEmbeddedRedis } from '../../sfu/src/store/redis';

export async function startTestRedis(): Promise<{ redis: Redis; url: string; close(): Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xw-redis-'));
  const server = await startEmbeddedRedis(dir, pino({ level: 'silent' }));
  const redis = new Redis({ path: server.socket });
  return {
    redis,
    url: `unix://${server.socket}`,
    async close() {
      await redis.quit();
      await server.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface RestartableRedis {
  /** unix:///…/redis.sock: the same address across restarts. */
  url: string;
  socket: string;
  dir: string;
  /** True while a redis-server is running. */
  readonly running: boolean;
  /** Stops redis-server: SIGTERM (graceful: AOF flushed) or SIGKILL (a crash). */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts redis-server again on the same directory (it loads its AOF) and socket. */
  start(): Promise<void>;
  /** Stops it and removes the directory. */
  close(): Promise<void>;
}

/** A throwaway redis-server (AOF on, appendfsync always) that a test can stop and start again. */
export async function startRestartableRedis(): Promise<RestartableRedis> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xw-redis-rs-'));
  const log = pino({ level: 'silent' });
  let server: Awaited<ReturnType<typeof startEmbeddedRedis>> | undefined = await startEmbeddedRedis(dir, log);
  const socket = server.socket;
  return {
    url: `unix://${socket}`,
    socket,
    dir,
    get running() {
      return server !== undefined;
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      const s = server;
      server = undefined;
      await s?.stop(signal);
    },
    async start() {
      if (!server) server = await startEmbeddedRedis(dir, log);
    },
    async close() {
      await server?.stop();
      server = undefined;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
