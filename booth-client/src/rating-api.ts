/**
 * 好差评 from the booth: POST /api/ratings with the booth's device token.
 * NOT_FOUND = unknown session, not this booth's, or older than 3 days;
 * INVALID_STATE = already rated.
 */
import { apiRequest } from '@xiaowu/shared/client';

export type RatingLevel = 1 | 2 | 3 | 4 | 5;

export interface RatingInput {
  sessionId: string;
  level: RatingLevel;
  /** At most 8, each at most 30 characters. */
  reasons?: string[];
  /** At most 500 characters. */
  comment?: string;
}

export function submitRating(token: string, body: RatingInput, signal?: AbortSignal): Promise<unknown> {
  return apiRequest<unknown>('/api/ratings', { token, body, signal });
}
