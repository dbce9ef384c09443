import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyRetention } from '../../sfu/src/recording/retention';
import { startTestRedis } from '../support/redis';

describe('recording retention', () => {
  let env: Awaited<ReturnType<typeof startTestRedis>>;
  beforeAll(async () => {
    env = await startTestRedis();
  });
  afterAll(async () => env.close());

  it('deletes closed recordings past retention, audits it, and never touches one being written', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'xw-rec-'));
    const now = Date.UTC(2026, 10, 25);
    const mk = (id: string, closedDaysAgo?: number) => {
      fs.mkdirSync(path.join(root, id));
      fs.writeFileSync(path.join(root, id, 'seg-00000.mkv'), Buffer.alloc(1000));
      if (closedDaysAgo !== undefined) fs.writeFileSync(path.join(root, id, 'closed.json'), JSON.stringify({ closedAt: now - closedDaysAgo * 86_400_000 }));
    };
    mk('old', 200);
    mk('recent', 10);
    mk('live'); // still recording: no closed.json
    const deleted = await applyRetention({ root, defaultDays: 180, redis: env.redis, log: pino({ level: 'silent' }) }, now);
    expect(deleted).toEqual(['old']);
    expect(fs.readdirSync(root).sort()).toEqual(['live', 'recent']);
    const audit = await env.redis.xrange('{xw}:audit', '-', '+');
    expect(audit.map(([, f]) => Object.fromEntries(Array.from({ length: f.length / 2 }, (_, i) => [f[2 * i], f[2 * i + 1]])))).toEqual([
      expect.objectContaining({ action: 'recording-deleted', sessionId: 'old', bytes: '1026', who: 'system:retention' }), // segment + closed.json
    ]);
    fs.rmSync(root, { recursive: true, force: true });
  });
});
