/**
 * 好差评 from the booth, with the booth's device token:
 * - POST /api/ratings: a stage of the booth's own session (`sessionId`,
 *   `stage`), or any stage by the resident's 6-digit invite code (`code`, at
 *   any booth). NOT_FOUND = unknown session / not this booth's / older than
 *   3 days, or a wrong, used or expired code; INVALID_STATE = already rated;
 *   RATE_LIMITED = too many wrong codes from this booth (10 per 10 minutes).
 * - GET /api/ratings/invite/:sessionId: the 稍后评价 code of the booth's own
 *   session (NOT_FOUND when already rated or not ratable, or not yet open
 *   just after the hang-up).
 * - GET /api/ratings/by-code/:code: what a code rates, before rating (wrong
 *   codes count against the booth).
 */
import { apiRequest } from '@xiaowu/shared/client';

export type RatingLevel = 1 | 2 | 3 | 4 | 5;
/** 一事多评: the service in the call (收件/受理), or the case's completion (办结). */
export type RatingStage = 'service' | 'completion';

export const RATE_CODE_LENGTH = 6;

/** What is rated: a stage of this booth's own session, or whatever a resident's code opens. */
export type RatingTarget = { sessionId: string; stage?: RatingStage } | { code: string };

export interface RatingDetails {
  level: RatingLevel;
  /** At most 8, each at most 30 characters. */
  reasons?: string[];
  /** At most 500 characters. */
  comment?: string;
}

export type RatingInput = RatingTarget & RatingDetails;

export interface RatingResult {
  stage?: RatingStage;
  label?: string;
}

export interface RateInvite {
  code: string;
  expiresAt: number;
  stage: RatingStage;
}

export interface RatableByCode {
  stage: RatingStage;
  matterId: string;
  /** The stage's time: the end of the call, or the case's completion. */
  endedAt: number;
  expiresAt: number;
  caseNo?: string;
}

export function submitRating(token: string, body: RatingInput, signal?: AbortSignal): Promise<RatingResult> {
  return apiRequest<RatingResult>('/api/ratings', { token, body, signal });
}

export function fetchRateInvite(token: string, sessionId: string, signal?: AbortSignal): Promise<RateInvite> {
  return apiRequest<RateInvite>(`/api/ratings/invite/${encodeURIComponent(sessionId)}`, { token, signal });
}

export function ratableByCode(token: string, code: string, signal?: AbortSignal): Promise<RatableByCode> {
  return apiRequest<RatableByCode>(`/api/ratings/by-code/${encodeURIComponent(code)}`, { token, signal });
}

/** 「123 456」: a code read out in two halves. */
export function groupedCode(code: string): string {
  return code.length === RATE_CODE_LENGTH ? `${code.slice(0, 3)} ${code.slice(3)}` : code;
}
