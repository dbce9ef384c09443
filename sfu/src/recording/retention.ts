/**
 * Retention: recordings older than their retention period are deleted by a
 * daily job that logs and audits what it deleted. A recording still being
 * written (no closed.json) is never touched.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Redis } from 'ioredis';
import type { Logger } from '../log';

export interface RetentionDeps {
  root: string;
  defaultDays: number;
  redis: Redis;
  log: Logger;
  prefix?: string;
  /** Per-matter policy: days to keep a session of this matter (undefined: defaultDays). */
  daysForMatter?: (matterId: string) => Promise<number | undefined>;
}

export async function auditEntry(redis: Redis, prefix: string, entry: Record<string, string>): Promise<void> {
  await redis.xadd(`${prefix}audit`, '*', ...Object.entries({ ...entry, at: String(Date.now()) }).flat());
}

/** Deletes closed recordings older than `defaultDays`; returns the session ids deleted. */
export async function applyRetention(d: RetentionDeps, now = Date.now()): Promise<string[]> {
  if (!fs.existsSync(d.root)) return [];
  const deleted: string[] = [];
  for (const sessionId of fs.readdirSync(d.root)) {
    const dir = path.join(d.root, sessionId);
    const closedFile = path.join(dir, 'closed.json');
    if (!fs.existsSync(closedFile)) continue;
    const { closedAt } = JSON.parse(fs.readFileSync(closedFile, 'utf8')) as { closedAt: number };
    const prefix = d.prefix ?? '{xw}:';
    const meta = await d.redis.get(`${prefix}rec:${sessionId}:meta`);
    const matterId = meta ? (JSON.parse(meta) as { matterId?: string }).matterId : undefined;
    const days = (matterId && (await d.daysForMatter?.(matterId).catch(() => undefined))) || d.defaultDays;
    if (now - closedAt < days * 86_400_000) continue;
    const bytes = (fs.readdirSync(dir, { recursive: true }) as string[]).reduce((n, f) => {
      const st = fs.statSync(path.join(dir, f));
      return st.isFile() ? n + st.size : n;
    }, 0);
    fs.rmSync(dir, { recursive: true, force: true });
    await d.redis.multi().del(`${prefix}rec:${sessionId}:manifest`, `${prefix}rec:${sessionId}:meta`).zrem(`${prefix}rec:index`, sessionId).exec();
    await auditEntry(d.redis, prefix, { who: 'system:retention', action: 'recording-deleted', sessionId, bytes: String(bytes), retentionDays: String(days), ...(matterId ? { matterId } : {}) });
    d.log.info({ sessionId, bytes, retentionDays: days, matterId }, 'recording deleted by retention policy');
    deleted.push(sessionId);
  }
  return deleted;
}
