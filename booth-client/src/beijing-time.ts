/**
 * Dates and times as residents read them, always in Beijing time (the
 * center's service hours and appointment slots are Beijing time, whatever
 * the kiosk's own clock zone): 「明天（周四）08:30」, 「6月7日（周六）」.
 * Computed with a fixed +8 h offset (no daylight saving in China), so it
 * does not depend on the browser's time-zone data.
 */
import type { TFunction } from 'i18next';

const OFFSET_MS = 8 * 3600_000;
const DAY_MS = 86_400_000;

export interface BeijingParts {
  year: number;
  month: number;
  day: number;
  /** 0 = Sunday … 6 = Saturday */
  weekday: number;
  hours: number;
  minutes: number;
  /** Days since the epoch, Beijing calendar: equal for two instants of the same local day. */
  dayNumber: number;
}

export function beijingParts(ms: number): BeijingParts {
  const d = new Date(ms + OFFSET_MS);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    weekday: d.getUTCDay(),
    hours: d.getUTCHours(),
    minutes: d.getUTCMinutes(),
    dayNumber: Math.floor((ms + OFFSET_MS) / DAY_MS),
  };
}

/** 'HH:MM' */
export function clockText(ms: number): string {
  const p = beijingParts(ms);
  return `${String(p.hours).padStart(2, '0')}:${String(p.minutes).padStart(2, '0')}`;
}

type WeekdayKey = '0' | '1' | '2' | '3' | '4' | '5' | '6';

/** 「今天（周三）」, 「明天（周四）」, 「6月7日（周六）」 relative to `now`. */
export function dayText(t: TFunction, ms: number, now: number): string {
  const p = beijingParts(ms);
  const diff = p.dayNumber - beijingParts(now).dayNumber;
  const day = diff === 0 ? t('booth.time.today') : diff === 1 ? t('booth.time.tomorrow') : t('booth.time.date', { month: p.month, day: p.day });
  return t('booth.time.dayWithWeekday', { day, weekday: t(`booth.time.weekdays.${String(p.weekday) as WeekdayKey}`) });
}

/** The plain date 「6月5日」 (for the day headings next to 今天 / 明天). */
export function dateText(t: TFunction, ms: number): string {
  const p = beijingParts(ms);
  return t('booth.time.date', { month: p.month, day: p.day });
}

/** 「明天（周四）08:30」 */
export function whenText(t: TFunction, ms: number, now: number): string {
  return t('booth.time.at', { day: dayText(t, ms, now), time: clockText(ms) });
}

/** 「明天（周四）08:30–09:00」 */
export function rangeText(t: TFunction, start: number, end: number, now: number): string {
  return t('booth.time.at', { day: dayText(t, start, now), time: `${clockText(start)}–${clockText(end)}` });
}
