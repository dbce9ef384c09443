/**
 * The session directory's fencing (sfu/src/cluster/session-directory.ts) on a
 * real Redis: one owner at a time, a takeover is one atomic claim that bumps
 * the media epoch, the old owner's writes are refused afterwards; and the
 * share-out of a dead node's sessions among live nodes by load.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveNode } from '@xiaowu/shared';
import { SessionDirectory, type SessionRecord } from '../../sfu/src/cluster/session-directory';
import { shareOut } from '../../sfu/src/cluster/cluster';
import { startTestRedis } from '../support/redis';

const record = (sessionId: string, rooms: string[]): SessionRecord => ({
  sessionId,
  callId: `call-${sessionId}`,
  startedAt: 1_700_000_000_000,
  boothId: 'b1',
  boothName: '一号晓屋',
  matterId: 'm',
  matterName: '事项',
  parties: rooms.map((room, i) => ({ partyId: `p${i}`, role: i === 0 ? 'booth' : 'agent', userId: room.split(':').at(-1)!, name: room, room })),
  interpreterIds: [],
});

describe('session directory', () => {
  let redis: Awaited<ReturnType<typeof startTestRedis>>;
  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => redis?.close());

  it('one owner at a time: claim, stale writes refused, removal by the owner only', async () => {
    const a = new SessionDirectory(redis.redis, 'node-a');
    const b = new SessionDirectory(redis.redis, 'node-b');
    const c = new SessionDirectory(redis.redis, 'node-c');
    await a.create(record('s1', ['u:booth:b1', 'u:staff:agent1']));
    expect(await b.whereIs('u:booth:b1')).toEqual({ sessionId: 's1', node: 'node-a', epoch: 0 });
    expect(await a.sessionsOf('node-a')).toEqual(['s1']);
    expect(await a.nodesWithSessions()).toEqual(['node-a']);

    // A party leaves, another joins: the user index follows.
    expect(await a.save(record('s1', ['u:booth:b1', 'u:staff:agent2']), ['u:staff:agent1'])).toBe(true);
    expect(await b.whereIs('u:staff:agent1')).toBeUndefined();
    expect((await b.whereIs('u:staff:agent2'))?.sessionId).toBe('s1');

    // Claims must name the current owner; exactly one of two racing claims wins.
    expect(await b.claim('s1', 'node-x')).toBeUndefined();
    const [won, lost] = await Promise.all([b.claim('s1', 'node-a'), c.claim('s1', 'node-a')]);
    expect([won, lost].filter(Boolean)).toHaveLength(1);
    const winner = won ? b : c;
    const claimed = (won ?? lost)!;
    expect(claimed.epoch).toBe(1);
    expect(claimed.record.parties.map((p) => p.room)).toEqual(['u:booth:b1', 'u:staff:agent2']);
    expect(await a.sessionsOf('node-a')).toEqual([]);
    expect(await winner.sessionsOf(winner.nodeId)).toEqual(['s1']);

    // The old owner is fenced off: its save, epoch bump and removal are refused.
    expect(await a.save(record('s1', ['u:booth:b1']))).toBe(false);
    expect(await a.bumpEpoch('s1')).toBe(-1);
    expect(await a.remove('s1', ['u:booth:b1', 'u:staff:agent2'])).toBe(false);
    expect((await a.owner('s1'))?.node).toBe(winner.nodeId);
    expect(await winner.bumpEpoch('s1')).toBe(2);

    // The owner removes it; the user index goes with it (an entry now pointing elsewhere stays).
    await redis.redis.set('{xw}:in:u:staff:agent9', 'other-session');
    expect(await winner.remove('s1', ['u:booth:b1', 'u:staff:agent2', 'u:staff:agent9'])).toBe(true);
    expect(await a.owner('s1')).toBeUndefined();
    expect(await a.whereIs('u:booth:b1')).toBeUndefined();
    expect(await redis.redis.get('{xw}:in:u:staff:agent9')).toBe('other-session');
    await a.forgetNode('node-a');
    expect(await a.nodesWithSessions()).not.toContain('node-a');
  });

  it('shares a dead node’s sessions out by calls per worker, the same plan on every node', () => {
    const node = (nodeId: string, sessions: number, workers: number) => ({ nodeId, sessions, workers }) as LiveNode;
    const plan = shareOut(['s1', 's2', 's3', 's4', 's5', 's6'], [node('n2', 4, 2), node('n1', 0, 1)]);
    // Calls per worker: n1 0 → 1 → 2, then n1 2 = n2 4/2 (a tie goes to the first by id: n1) → 3,
    // then n2 2 → 2.5 → 3, then a tie again → n1.
    expect([...plan.values()]).toEqual(['n1', 'n1', 'n1', 'n2', 'n2', 'n1']);
    expect(shareOut(['s1'], [])).toEqual(new Map());
    // Order of the registry does not matter.
    expect(shareOut(['s1', 's2', 's3'], [node('n1', 0, 1), node('n2', 4, 2)])).toEqual(shareOut(['s1', 's2', 's3'], [node('n2', 4, 2), node('n1', 0, 1)]));
  });
});
