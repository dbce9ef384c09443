import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '@xiaowu/shared';
import { CallQueue } from '../../sfu/src/calls/call-queue';
import { startTestRedis } from '../support/redis';

describe('CallQueue on a real Redis', () => {
  let env: Awaited<ReturnType<typeof startTestRedis>>;
  let q: CallQueue;
  beforeAll(async () => {
    env = await startTestRedis();
  });
  afterAll(async () => env.close());
  beforeEach(async () => {
    await env.redis.flushall();
    q = new CallQueue(env.redis);
  });

  it('hands out the longest-waiting call first and reports positions', async () => {
    const a = await q.enqueue('booth-a', 'A', 1000);
    const b = await q.enqueue('booth-b', 'B', 2000);
    const c = await q.enqueue('booth-c', 'C', 1500);
    expect([a.position, b.position, c.position]).toEqual([1, 2, 2]);
    expect((await q.waiting()).map((x) => x.boothId)).toEqual(['booth-a', 'booth-c', 'booth-b']);
    expect(await q.position(b.call.callId)).toBe(3);
  });

  it('keeps a booth in its place when it asks again (reconnect) and refuses a second call during a session', async () => {
    const first = await q.enqueue('booth-a', 'A', 1000);
    await q.enqueue('booth-b', 'B', 2000);
    const again = await q.enqueue('booth-a', 'A', 5000);
    expect(again.call.callId).toBe(first.call.callId);
    expect(again.position).toBe(1);
    await q.claim(first.call.callId, 'agent-1', 's-1');
    await expect(q.enqueue('booth-a', 'A')).rejects.toMatchObject({ code: ErrorCode.CallAlreadyActive });
  });

  it('gives one call to exactly one of many agents answering at once', async () => {
    const { call } = await q.enqueue('booth-a', 'A');
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => new CallQueue(env.redis).claim(call.callId, `agent-${i}`, `s-${i}`)));
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: ErrorCode.CallUnavailable });
    expect(await q.waiting()).toHaveLength(0);
  });

  it('lets only the owning booth cancel, and frees the booth for a new call', async () => {
    const { call } = await q.enqueue('booth-a', 'A');
    await expect(q.cancel(call.callId, 'booth-b')).rejects.toMatchObject({ code: ErrorCode.NotFound });
    expect(await q.cancel(call.callId, 'booth-a')).toBe(true);
    expect(await q.waiting()).toHaveLength(0);
    const next = await q.enqueue('booth-a', 'A');
    expect(next.call.callId).not.toBe(call.callId);
  });

  it('puts an unclaimed call back at its original place', async () => {
    const a = await q.enqueue('booth-a', 'A', 1000);
    await q.enqueue('booth-b', 'B', 2000);
    const claimed = await q.claim(a.call.callId, 'agent-1', 's-1');
    await q.unclaim(claimed);
    expect(await q.position(a.call.callId)).toBe(1);
  });
});
