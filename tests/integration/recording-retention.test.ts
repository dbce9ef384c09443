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
    // Per-matter policy: this matter keeps recordings 30 days, not the default 180.
    mk('short-policy', 40);
    mk('short-recent', 20);
    for (const id of ['short-policy', 'short-recent']) await env.redis.set(`{xw}:rec:${id}:meta`, JSON.stringify({ sessionId: id, matterId: 'm-short' }));
    const daysForMatter = async (m: string) => (m === 'm-short' ? 30 : undefined);
    const deleted = await applyRetention({ root, defaultDays: 180, redis: env.redis, log: pino({ level: 'silent' }), daysForMatter }, now);
    expect(deleted.sort()).toEqual(['old', 'short-policy']);
    expect(fs.readdirSync(root).sort()).toEqual(['live', 'recent', 'short-recent']);
    expect(await env.redis.get('{xw}:rec:short-policy:meta')).toBeNull();
    const audit = await env.redis.xrange('{xw}:audit', '-', '+');
    expect(audit.map(([, f]) => Object.fromEntries(Array.from({ length: f.length / 2 }, (_, i) => [f[2 * i], f[2 * i + 1]])))).toEqual([
      expect.objectContaining({ action: 'recording-deleted', sessionId: 'old', bytes: '1026', who: 'system:retention', retentionDays: '180' }), // segment + closed.json
      expect.objectContaining({ action: 'recording-deleted', sessionId: 'short-policy', who: 'system:retention', retentionDays: '30', matterId: 'm-short' }),
    ]);
    fs.rmSync(root, { recursive: true, force: true });
  });
});
