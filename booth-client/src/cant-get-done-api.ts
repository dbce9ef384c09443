/**
 * 办不成事 from the booth: POST /api/cant-get-done with the booth's device
 * token (the server notes which booth it came from and opens a follow-up due
 * in 5 working days). No call is needed.
 */
import { apiRequest } from '@xiaowu/shared/client';

export const CGD_WHAT_MAX = 200;
export const CGD_WHY_MAX = 1000;
export const CGD_CONTACT_MAX = 20;

export interface CantGetDoneInput {
  /** What could not be done, 1–200 characters. */
  what: string;
  /** Why (the reason chips and the typed text joined with '；'), 1–1000 characters. */
  why: string;
  /** A phone number to call back, at most 20 characters. */
  contact?: string;
}

export function reportCantGetDone(token: string, body: CantGetDoneInput, signal?: AbortSignal): Promise<unknown> {
  return apiRequest<unknown>('/api/cant-get-done', { token, body, signal });
}
