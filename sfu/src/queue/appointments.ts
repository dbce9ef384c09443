/**
 * Appointments (预约): a resident books a 30-minute slot for a matter at a
 * booth (optionally with a phone number for a reminder). At the time the booth
 * calls with the appointment and is served first; a booking not used within
 * its grace period is released as a no-show.
 *
 * Capacity per slot comes from the agents registered for the skill and the
 * skill's average handling time (there is no shift roster yet: every agent
 * with the skill is assumed on shift during service hours).
 */
import { randomInt, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { AppError, ErrorCode, openStatus, periodsOn, scheduleFor, type Appointment, type AppointmentSlot, type ServiceHours } from '@xiaowu/shared';
import type { CallRouter } from './call-router';

export const SLOT_MS = 30 * 60_000;
/** An appointment may check in this early … */
export const EARLY_MS = 10 * 60_000;
/** … and this late before it is a no-show. */
export const GRACE_MS = 15 * 60_000;

const BOOK = `
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n >= tonumber(ARGV[1]) then return 0 end
redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

export function maskPhone(phone: string): string {
  return phone.length >= 7 ? `${phone.slice(0, 3)}****${phone.slice(-4)}` : '****';
}

export class Appointments {
  constructor(
    private readonly redis: Redis,
    private readonly router: CallRouter,
    private readonly hours: () => Promise<ServiceHours>,
    private readonly prefix = '{xw}:',
  ) {}

  private k(...parts: string[]) {
    return this.prefix + parts.join(':');
  }

  /** Bookable slots of a skill over the next `days` days (slots in the past or closed hours are left out). */
  async slots(skill: string, now = Date.now(), days = 7): Promise<AppointmentSlot[]> {
    const schedule = scheduleFor(await this.hours(), skill);
    if (schedule === 'always') return []; // 24/7 service needs no appointments
    const capacity = await this.capacity(skill);
    const out: AppointmentSlot[] = [];
    for (let d = 0; d < days; d++) {
      for (const p of periodsOn(schedule, now + d * 86_400_000)) {
        for (let s = p.startMs; s + SLOT_MS <= p.endMs; s += SLOT_MS) {
          if (s <= now) continue;
          out.push({ start: s, end: s + SLOT_MS, capacity, booked: Number((await this.redis.get(this.k('appt', 'slot', skill, String(s)))) ?? 0) });
        }
      }
    }
    return out.sort((a, b) => a.start - b.start);
  }

  async capacity(skill: string): Promise<number> {
    const agents = (await this.router.agents()).filter((a) => a.skills.includes(skill)).length;
    const aht = await this.router.averageHandlingSeconds(skill);
    return agents * Math.max(1, Math.floor(SLOT_MS / 1000 / aht));
  }

  async book(input: { matterId: string; matterName: string; skill: string; boothId: string; start: number; phone?: string }, now = Date.now()): Promise<Appointment> {
    const slot = (await this.slots(input.skill, now)).find((s) => s.start === input.start);
    if (!slot) throw new AppError(ErrorCode.SlotUnavailable, 'no such slot in the service hours of the coming week');
    const won = await this.redis.eval(BOOK, 1, this.k('appt', 'slot', input.skill, String(slot.start)), slot.capacity, 8 * 86_400_000);
    if (won !== 1) throw new AppError(ErrorCode.SlotUnavailable, 'this slot is full');
    const appointmentId = randomUUID();
    const code = await this.reserveCode(appointmentId);
    const a: Appointment = {
      appointmentId,
      code,
      matterId: input.matterId,
      matterName: input.matterName,
      skill: input.skill,
      boothId: input.boothId,
      start: slot.start,
      end: slot.end,
      phone: input.phone ? maskPhone(input.phone) : undefined,
      status: 'booked',
    };
    await this.redis
      .multi()
      .set(this.k('appt', a.appointmentId), JSON.stringify(a), 'PX', 30 * 86_400_000)
      .zadd(this.k('appts', 'due'), a.start, a.appointmentId)
      .sadd(this.k('appts', 'booth', a.boothId), a.appointmentId)
      .exec();
    return a;
  }

  /** A 6-digit code unique among live appointments (kept 30 days), typed at any booth to check in. */
  private async reserveCode(appointmentId: string): Promise<string> {
    for (let i = 0; i < 20; i++) {
      const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
      if ((await this.redis.set(this.k('appt', 'code', code), appointmentId, 'PX', 30 * 86_400_000, 'NX')) === 'OK') return code;
    }
    throw new AppError(ErrorCode.Internal, 'could not allocate an appointment code');
  }

  async byCode(code: string): Promise<Appointment | undefined> {
    const id = await this.redis.get(this.k('appt', 'code', code));
    return id ? this.get(id) : undefined;
  }

  async get(id: string): Promise<Appointment | undefined> {
    const raw = await this.redis.get(this.k('appt', id));
    return raw ? (JSON.parse(raw) as Appointment) : undefined;
  }

  async ofBooth(boothId: string): Promise<Appointment[]> {
    const ids = await this.redis.smembers(this.k('appts', 'booth', boothId));
    const all = await Promise.all(ids.map((id) => this.get(id)));
    return all.filter((a): a is Appointment => !!a).sort((x, y) => x.start - y.start);
  }

  async cancel(id: string, boothId: string): Promise<Appointment> {
    const a = await this.get(id);
    if (!a || a.boothId !== boothId) throw new AppError(ErrorCode.NotFound, 'no such appointment for this booth');
    if (a.status !== 'booked') throw new AppError(ErrorCode.InvalidState, `appointment is ${a.status}`);
    await this.redis.decr(this.k('appt', 'slot', a.skill, String(a.start)));
    return this.save({ ...a, status: 'cancelled' });
  }

  /** The resident is at a booth for the appointment: valid from EARLY_MS before its start to GRACE_MS after. */
  async checkIn(id: string, now = Date.now()): Promise<Appointment> {
    const a = await this.get(id);
    if (!a) throw new AppError(ErrorCode.NotFound, 'no such appointment');
    if (a.status === 'arrived') return a;
    if (a.status !== 'booked') throw new AppError(ErrorCode.InvalidState, `appointment is ${a.status}`);
    if (now < a.start - EARLY_MS) throw new AppError(ErrorCode.InvalidState, 'too early for this appointment');
    if (now > a.start + GRACE_MS) throw new AppError(ErrorCode.InvalidState, 'the appointment time has passed');
    return this.save({ ...a, status: 'arrived' });
  }

  /** Bookings whose grace period ran out become no-shows. */
  async expireNoShows(now = Date.now()): Promise<Appointment[]> {
    const due = await this.redis.zrangebyscore(this.k('appts', 'due'), 0, now - GRACE_MS);
    const out: Appointment[] = [];
    for (const id of due) {
      await this.redis.zrem(this.k('appts', 'due'), id);
      const a = await this.get(id);
      if (a?.status === 'booked') out.push(await this.save({ ...a, status: 'no-show' }));
    }
    return out;
  }

  private async save(a: Appointment): Promise<Appointment> {
    await this.redis.set(this.k('appt', a.appointmentId), JSON.stringify(a), 'KEEPTTL');
    return a;
  }
}

/** Service hours kept in Redis (edited by supervisors); `initial` is used the first time. */
export class HoursStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = '{xw}:',
  ) {}

  async init(initial: ServiceHours): Promise<void> {
    await this.redis.set(`${this.prefix}hours`, JSON.stringify(initial), 'NX');
  }

  async get(): Promise<ServiceHours> {
    return JSON.parse((await this.redis.get(`${this.prefix}hours`)) ?? '{"default":"always","bySkill":{}}') as ServiceHours;
  }

  async set(h: ServiceHours): Promise<void> {
    await this.redis.set(`${this.prefix}hours`, JSON.stringify(h));
  }

  async status(skill: string, now = Date.now()) {
    return openStatus(await this.get(), skill, now);
  }
}

