import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CENTER_SCHEDULE, ErrorCode, type ServiceHours } from '@xiaowu/shared';
import { CallRouter } from '../../sfu/src/queue/call-router';
import { Appointments, GRACE_MS, SLOT_MS } from '../../sfu/src/queue/appointments';
import { startTestRedis } from '../support/redis';

const bj = (iso: string) => Date.parse(`${iso}+08:00`);
const NOW = bj('2026-11-25T09:05:00'); // a Wednesday morning

describe('appointments on a real Redis', () => {
  let env: Awaited<ReturnType<typeof startTestRedis>>;
  let appts: Appointments;
  let router: CallRouter;
  const hours: ServiceHours = { default: CENTER_SCHEDULE, bySkill: {} };
  beforeAll(async () => {
    env = await startTestRedis();
  });
  afterAll(async () => env.close());
  beforeEach(async () => {
    await env.redis.flushall();
    router = new CallRouter(env.redis);
    appts = new Appointments(env.redis, router, async () => hours);
    await router.registerAgent({ agentId: 'a1', name: 'a1', skills: ['shebao'], tags: [] });
    await env.redis.set('{xw}:aht:shebao', '900'); // 15 min per resident → 2 per slot per agent
  });

  const book = (start: number, boothId = 'b1') =>
    appts.book({ matterId: 'shebao-retire-pension', matterName: '退休', skill: 'shebao', boothId, start, phone: '13800138000' }, NOW);

  it('offers future 30-minute slots inside service hours only, sized by agents and handling time', async () => {
    const slots = await appts.slots('shebao', NOW);
    expect(slots[0]!.start).toBe(bj('2026-11-25T09:30:00'));
    expect(slots.every((s) => s.end - s.start === SLOT_MS && s.start > NOW)).toBe(true);
    expect(slots.some((s) => s.start === bj('2026-11-25T12:00:00'))).toBe(true); // 午间不间断
    expect(slots.some((s) => s.start === bj('2026-11-29T10:00:00'))).toBe(false); // Sunday
    expect(slots[0]!.capacity).toBe(2);
    expect(await appts.slots('minzheng', NOW)).toEqual(expect.arrayContaining([expect.objectContaining({ capacity: 0 })]));
  });

  it('books up to capacity, masks the phone, and refuses slots outside hours', async () => {
    const start = bj('2026-11-25T10:00:00');
    const a = await book(start);
    expect(a.phone).toBe('138****8000');
    expect(a.code).toMatch(/^\d{6}$/);
    expect((await appts.byCode(a.code))?.appointmentId).toBe(a.appointmentId);
    await book(start, 'b2');
    await expect(book(start, 'b3')).rejects.toMatchObject({ code: ErrorCode.SlotUnavailable });
    await expect(book(bj('2026-11-25T20:00:00'))).rejects.toMatchObject({ code: ErrorCode.SlotUnavailable });
    await expect(book(bj('2026-11-25T10:10:00'))).rejects.toMatchObject({ code: ErrorCode.SlotUnavailable });
    // Cancelling frees the place; only the booking booth may cancel.
    await expect(appts.cancel(a.appointmentId, 'b9')).rejects.toMatchObject({ code: ErrorCode.NotFound });
    await appts.cancel(a.appointmentId, 'b1');
    await expect(book(start, 'b3')).resolves.toMatchObject({ status: 'booked' });
  });

  it('checks in from 10 minutes before to 15 minutes after, then releases no-shows', async () => {
    const start = bj('2026-11-25T10:00:00');
    const kept = await book(start);
    const missed = await book(start, 'b2');
    await expect(appts.checkIn(kept.appointmentId, start - 20 * 60_000)).rejects.toMatchObject({ code: ErrorCode.InvalidState });
    expect((await appts.checkIn(kept.appointmentId, start + 5 * 60_000)).status).toBe('arrived');
    const released = await appts.expireNoShows(start + GRACE_MS + 1);
    expect(released.map((a) => a.appointmentId)).toEqual([missed.appointmentId]);
    expect((await appts.get(missed.appointmentId))!.status).toBe('no-show');
    await expect(appts.checkIn(missed.appointmentId, start + GRACE_MS + 2)).rejects.toMatchObject({ code: ErrorCode.InvalidState });
  });
});
