/**
 * Error codes are the contract between server and clients: stable strings a
 * client can branch on, each with a resident-facing text in Chinese and English.
 */
export const ErrorCode = {
  /** The message failed schema validation (wrong types, missing fields, too large). */
  BadRequest: 'BAD_REQUEST',
  /** The caller's role may not do this. */
  Forbidden: 'FORBIDDEN',
  /** The referenced object (session, transport, producer…) does not exist for this caller. */
  NotFound: 'NOT_FOUND',
  /** The caller is not a party of the session it addressed. */
  NotInSession: 'NOT_IN_SESSION',
  /** Another agent answered this call first, or the resident cancelled it. */
  CallUnavailable: 'CALL_UNAVAILABLE',
  /** The booth already has a call waiting or running. */
  CallAlreadyActive: 'CALL_ALREADY_ACTIVE',
  /** The object is not in a state that allows this (e.g. an illegal agent or case transition). */
  InvalidState: 'INVALID_STATE',
  /** Outside the service hours of the matter's skill; the booth offers an appointment. */
  OutOfHours: 'OUT_OF_HOURS',
  /** The appointment slot is full or no longer bookable. */
  SlotUnavailable: 'SLOT_UNAVAILABLE',
  /** Too many attempts (login, lookups); try again later. */
  RateLimited: 'RATE_LIMITED',
  /** The handshake did not carry valid credentials. */
  Unauthorized: 'UNAUTHORIZED',
  /** The media layer refused the request (e.g. incompatible codecs). */
  MediaRejected: 'MEDIA_REJECTED',
  /** The server did not answer in time (client-side). */
  Timeout: 'TIMEOUT',
  /** Anything unexpected; logged on the server with context. */
  Internal: 'INTERNAL',
  /** This server is being taken out of service: connect again (the load balancer picks another). */
  NodeDraining: 'NODE_DRAINING',
  /** A store the server needs is briefly unreachable (Redis restarting or failing over); nothing was saved: retry. */
  Unavailable: 'UNAVAILABLE',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface ErrorPayload {
  code: ErrorCode;
  /** Human text for logs and consoles; residents see `errorText(code, lang)`. */
  message: string;
}

/** An error that crosses the wire: thrown on the server, rebuilt on the client. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AppError';
  }

  toPayload(): ErrorPayload {
    return { code: this.code, message: this.message };
  }
}
