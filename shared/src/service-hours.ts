/**
 * Service hours (服务时间) of the center, per skill: regular hours, 午间不间断
 * (no lunch break), 延时服务 (extended evenings) and 周末不打烊 (weekend
 * hours), plus closed dates. Times are local to the center (Asia/Shanghai).
 */
import { z } from 'zod';

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM');

export const PeriodKinds = ['regular', 'noon', 'extended', 'weekend'] as const;
export type PeriodKind = (typeof PeriodKinds)[number];

export const Period = z
  .object({ start: hhmm, end: hhmm, kind: z.enum(PeriodKinds) })
  .refine((p) => p.start < p.end, 'start must be before end');
export type Period = z.infer<typeof Period>;

export const Schedule = z.object({
  /** 0 = Sunday … 6 = Saturday */
  weekly: z.partialRecord(z.enum(['0', '1', '2', '3', '4', '5', '6']), z.array(Period).max(8)),
  /** YYYY-MM-DD dates with no service (holidays). */
  closedDates: z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/)).max(400).default([]),
});
export type Schedule = z.infer<typeof Schedule>;

export const ServiceHours = z.object({
  /** 'always' (24/7: demos, tests) or a schedule. */
  default: z.union([z.literal('always'), Schedule]),
  bySkill: z.record(z.string(), Schedule).default({}),
});
export type ServiceHours = z.infer<typeof ServiceHours>;

const weekday: Period[] = [
  { start: '08:30', end: '12:00', kind: 'regular' },
  { start: '12:00', end: '13:30', kind: 'noon' },
  { start: '13:30', end: '17:30', kind: 'regular' },
];

/** The district center's published hours: weekdays with no lunch break, evenings Tue/Thu, Saturday. */
export const CENTER_SCHEDULE: Schedule = {
  weekly: {
    '1': weekday,
    '2': [...weekday, { start: '17:30', end: '19:30', kind: 'extended' }],
    '3': weekday,
    '4': [...weekday, { start: '17:30', end: '19:30', kind: 'extended' }],
    '5': weekday,
    '6': [{ start: '09:00', end: '15:00', kind: 'weekend' }],
  },
  closedDates: [],
};

export interface OpenStatus {
  open: boolean;
  kind?: PeriodKind;
  /** ms since epoch of the next opening when closed (within two weeks), else undefined */
  nextOpen?: number;
  /** ms since epoch when the current period ends, when open */
  closesAt?: number;
}

const TZ_OFFSET_MIN = 8 * 60; // Asia/Shanghai, no daylight saving

/** Local (center) calendar parts of an instant. */
function local(ms: number): { date: string; day: number; minutes: number; dayStartMs: number } {
  const d = new Date(ms + TZ_OFFSET_MIN * 60_000);
  const date = d.toISOString().slice(0, 10);
  const minutes = d.getUTCHours() * 60 + d.getUTCMinutes();
  return { date, day: d.getUTCDay(), minutes, dayStartMs: ms - minutes * 60_000 - d.getUTCSeconds() * 1000 - d.getUTCMilliseconds() };
}

const toMin = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));

/** Open periods of a schedule on the local day containing `ms`, as absolute times. */
export function periodsOn(schedule: Schedule, ms: number): Array<Period & { startMs: number; endMs: number }> {
  const l = local(ms);
  if (schedule.closedDates.includes(l.date)) return [];
  const day = String(l.day) as keyof Schedule['weekly'];
  return (schedule.weekly[day] ?? []).map((p) => ({ ...p, startMs: l.dayStartMs + toMin(p.start) * 60_000, endMs: l.dayStartMs + toMin(p.end) * 60_000 }));
}

export function scheduleFor(hours: ServiceHours, skill: string): Schedule | 'always' {
  return hours.bySkill[skill] ?? hours.default;
}

export function openStatus(hours: ServiceHours, skill: string, now: number): OpenStatus {
  const schedule = scheduleFor(hours, skill);
  if (schedule === 'always') return { open: true, kind: 'regular' };
  for (let day = 0; day < 15; day++) {
    const periods = periodsOn(schedule, now + day * 86_400_000).sort((a, b) => a.startMs - b.startMs);
    for (const p of periods) {
      if (day === 0 && p.startMs <= now && now < p.endMs) {
        // Adjacent periods (regular → noon → regular) make one open stretch.
        let end = p.endMs;
        for (const q of periods) if (q.startMs === end) end = q.endMs;
        return { open: true, kind: p.kind, closesAt: end };
      }
      if (p.startMs > now) return { open: false, nextOpen: p.startMs };
    }
  }
  return { open: false };
}
