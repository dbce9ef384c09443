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
