/**
 * Service hours and appointments (预约) from the sfu's REST API:
 * GET /api/service-hours?skill=, GET /api/appointments/slots?matterId=,
 * POST /api/appointments, GET /api/appointments/by-code/:code,
 * DELETE /api/appointments/:id. The appointment endpoints need the booth's
 * device token.
 */
import { apiRequest } from '@xiaowu/shared/client';
import type { Appointment, AppointmentSlot, OpenStatus } from '@xiaowu/shared';

/** Appointments may check in this long before their start (the server's EARLY_MS) … */
export const CHECK_IN_EARLY_MS = 10 * 60_000;
/** … and up to this long after it (the server's GRACE_MS) before they are no-shows. */
export const CHECK_IN_GRACE_MS = 15 * 60_000;

export function fetchServiceHours(skill: string, signal?: AbortSignal): Promise<OpenStatus> {
  return apiRequest<OpenStatus>(`/api/service-hours?skill=${encodeURIComponent(skill)}`, { signal });
}

export function fetchSlots(matterId: string, token: string, signal?: AbortSignal): Promise<AppointmentSlot[]> {
  return apiRequest<AppointmentSlot[]>(`/api/appointments/slots?matterId=${encodeURIComponent(matterId)}`, { token, signal });
}

export function bookAppointment(token: string, body: { matterId: string; start: number; phone?: string }): Promise<Appointment> {
  return apiRequest<Appointment>('/api/appointments', { token, body });
}

export function appointmentByCode(token: string, code: string, signal?: AbortSignal): Promise<Appointment> {
  return apiRequest<Appointment>(`/api/appointments/by-code/${encodeURIComponent(code)}`, { token, signal });
}

export function cancelAppointment(token: string, appointmentId: string): Promise<Appointment> {
  return apiRequest<Appointment>(`/api/appointments/${encodeURIComponent(appointmentId)}`, { token, method: 'DELETE' });
}

/** Where an appointment stands for checking in at `now`. */
export type CheckInWindow = 'early' | 'open' | 'passed';

export function checkInWindow(a: Pick<Appointment, 'start' | 'status'>, now: number): CheckInWindow {
  if (a.status === 'arrived') return 'open';
  if (a.status !== 'booked') return 'passed';
  if (now < a.start - CHECK_IN_EARLY_MS) return 'early';
  if (now > a.start + CHECK_IN_GRACE_MS) return 'passed';
  return 'open';
}
