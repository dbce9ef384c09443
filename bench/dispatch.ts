/**
 * Queue dispatch latency: with N residents waiting and M agents, the time from
 * "agent becomes available" to "the agent has an offer" (the atomic Redis
 * dispatch; socket delivery of the offer is not included). Real Redis
 * (embedded redis-server on a unix socket), real CallRouter.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { Redis } from 'ioredis';
import { startEmbeddedRedis } from '../sfu/src/store/redis';
import { CallRouter } from '../sfu/src/queue/call-router';

export interface DispatchResult {
  waiting: number;
  agents: number;
  samples: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  enqueuePerSec: number;
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

export async function benchDispatch(waiting: number, agents: number): Promise<DispatchResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xw-bench-'));
  const server = await startEmbeddedRedis(dir, pino({ level: 'silent' }));
  const redis = new Redis({ path: server.socket });
  try {
    const r = new CallRouter(redis, { offerTimeoutMs: 600_000 });
    const skills = Array.from({ length: 10 }, (_, i) => `skill-${i}`);
    const t0 = performance.now();
    const batch = 200;
    for (let i = 0; i < waiting; i += batch) {
      await Promise.all(
        Array.from({ length: Math.min(batch, waiting - i) }, (_, j) =>
          r.enqueue({
            boothId: `b${i + j}`,
            boothName: 'b',
            matterId: 'm',
            matterName: 'm',
            skill: skills[(i + j) % skills.length]!,
            reqs: (i + j) % 50 === 0 ? ['sign'] : [],
            priority: (i + j) % 7 === 0,
          }, 1_000_000 + i + j),
        ),
      );
    }
    const enqueuePerSec = waiting / ((performance.now() - t0) / 1000);
    for (let a = 0; a < agents; a++) {
      await r.registerAgent({ agentId: `a${a}`, name: 'a', skills: [skills[a % 10]!, skills[(a + 3) % 10]!, 'consult'], tags: a % 20 === 0 ? ['sign'] : [] });
    }
    const lat: number[] = [];
    for (let a = 0; a < agents; a++) {
      const s = performance.now();
      const { offered } = await r.setAgentState(`a${a}`, 'available', '', 2_000_000 + a);
      lat.push(performance.now() - s);
      if (!offered) throw new Error(`agent a${a} got no offer with residents waiting`);
    }
    lat.sort((x, y) => x - y);
    return { waiting, agents, samples: lat.length, p50Ms: pct(lat, 50), p95Ms: pct(lat, 95), p99Ms: pct(lat, 99), maxMs: lat[lat.length - 1]!, enqueuePerSec };
  } finally {
    redis.disconnect();
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
