import { describe, expect, it } from 'vitest';
import { CENTER_SCHEDULE, openStatus, type ServiceHours } from '@xiaowu/shared';

/** A Beijing local time as an instant (UTC+8). */
const bj = (iso: string) => Date.parse(`${iso}+08:00`);
const center: ServiceHours = { default: CENTER_SCHEDULE, bySkill: {} };

describe('service hours (Beijing time)', () => {
  // 2026-11-25 is a Wednesday.
  it('is open on weekday mornings and through lunch (午间不间断), as one stretch', () => {
    expect(openStatus(center, 'shebao', bj('2026-11-25T10:00:00'))).toMatchObject({ open: true, kind: 'regular', closesAt: bj('2026-11-25T17:30:00') });
    expect(openStatus(center, 'shebao', bj('2026-11-25T12:30:00'))).toMatchObject({ open: true, kind: 'noon' });
  });

  it('has extended evenings on Tuesday and Thursday only (延时服务)', () => {
    expect(openStatus(center, 'shebao', bj('2026-11-24T18:00:00'))).toMatchObject({ open: true, kind: 'extended' });
    expect(openStatus(center, 'shebao', bj('2026-11-25T18:00:00'))).toEqual({ open: false, nextOpen: bj('2026-11-26T08:30:00') });
  });

  it('opens on Saturday (周末不打烊) and tells the next opening on Sunday', () => {
    expect(openStatus(center, 'shebao', bj('2026-11-28T10:00:00'))).toMatchObject({ open: true, kind: 'weekend' });
    expect(openStatus(center, 'shebao', bj('2026-11-29T10:00:00'))).toEqual({ open: false, nextOpen: bj('2026-11-30T08:30:00') });
  });

  it('honours closed dates and per-skill schedules; "always" is always open', () => {
    const h: ServiceHours = { default: 'always', bySkill: { gongan: { ...CENTER_SCHEDULE, closedDates: ['2026-11-25'] } } };
    expect(openStatus(h, 'gongan', bj('2026-11-25T10:00:00'))).toEqual({ open: false, nextOpen: bj('2026-11-26T08:30:00') });
    expect(openStatus(h, 'shebao', bj('2026-11-25T03:00:00')).open).toBe(true);
  });
});
