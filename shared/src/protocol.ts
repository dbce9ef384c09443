/**
 * The signaling contract between the sfu and its clients (socket.io).
 * Every client→server message is a request with an acknowledgement; its
 * payload is validated on the server with the zod schema below before use,
 * and the ack carries either `{ ok: true, data }` or `{ ok: false, error }`.
 */
import { z } from 'zod';
import type { types as msTypes } from 'mediasoup-client';
import { Roles, TrackSources, type Role, type PartyRole, type TrackSource } from './roles';
import type { ErrorPayload } from './errors';

const id = z.string().min(1).max(64).regex(/^[A-Za-z0-9_.:-]+$/, 'id: letters, digits and _.:- only');

/** Socket handshake `auth`. Login and signed tokens replace the bare id in a later issue. */
export const HandshakeAuth = z.object({
  role: z.enum(Roles),
  id,
  name: z.string().min(1).max(64).optional(),
});
export type HandshakeAuth = z.infer<typeof HandshakeAuth>;

// mediasoup parameters: the outer shape is checked here; mediasoup itself
// validates the inner details and its refusals come back as MEDIA_REJECTED.
const dtlsParameters = z.object({
  role: z.enum(['auto', 'client', 'server']).optional(),
  fingerprints: z
    .array(z.object({ algorithm: z.string().max(16), value: z.string().max(256) }))
    .min(1)
    .max(8),
});
const rtpParameters = z.looseObject({
  mid: z.string().max(32).optional(),
  codecs: z.array(z.looseObject({ mimeType: z.string().max(64), payloadType: z.number().int(), clockRate: z.number().int() })).min(1).max(16),
  headerExtensions: z.array(z.looseObject({ uri: z.string().max(256), id: z.number().int() })).max(32).optional(),
  encodings: z.array(z.looseObject({})).max(8).optional(),
  rtcp: z.looseObject({}).optional(),
});
const rtpCapabilities = z.looseObject({
  codecs: z.array(z.looseObject({ mimeType: z.string().max(64), kind: z.enum(['audio', 'video']), clockRate: z.number().int() })).max(128).optional(),
  headerExtensions: z.array(z.looseObject({})).max(64).optional(),
});

/** Request schemas, one per client→server event. */
export const Requests = {
  /** Booth: ask for an agent (single implicit queue for now). */
  'call:request': z.object({}).strict(),
  /** Booth: leave the queue before an agent answers. */
  'call:cancel': z.object({ callId: id }).strict(),
  /** Agent: take a waiting call; creates the session. */
  'call:answer': z.object({ callId: id }).strict(),
  /** Any party: end the session for everyone (booth, agent) or leave it (others). */
  'call:hangup': z.object({ sessionId: id }).strict(),
  'media:routerCapabilities': z.object({ sessionId: id }).strict(),
  'media:createTransport': z.object({ sessionId: id, direction: z.enum(['send', 'recv']) }).strict(),
  'media:connectTransport': z.object({ transportId: id, dtlsParameters }).strict(),
  'media:produce': z
    .object({
      transportId: id,
      kind: z.enum(['audio', 'video']),
      rtpParameters,
      source: z.enum(TrackSources),
    })
    .strict(),
  'media:consume': z.object({ transportId: id, producerId: id, rtpCapabilities }).strict(),
  'media:resumeConsumer': z.object({ consumerId: id }).strict(),
  'media:closeProducer': z.object({ producerId: id }).strict(),
} as const;
export type RequestName = keyof typeof Requests;
export type RequestPayload<K extends RequestName> = z.input<(typeof Requests)[K]>;

export interface WaitingCall {
  callId: string;
  boothId: string;
  boothName: string;
  /** ms since epoch */
  waitingSince: number;
}

export interface PartyInfo {
  partyId: string;
  role: PartyRole;
  userId: string;
  name: string;
}

export interface SessionInfo {
  sessionId: string;
  callId: string;
  startedAt: number;
  you: PartyInfo;
  parties: PartyInfo[];
}

export interface TransportInfo {
  id: string;
  iceParameters: msTypes.IceParameters;
  iceCandidates: msTypes.IceCandidate[];
  dtlsParameters: msTypes.DtlsParameters;
}

export interface ProducerInfo {
  producerId: string;
  partyId: string;
  role: PartyRole;
  source: TrackSource;
  kind: 'audio' | 'video';
}

export interface ConsumerInfo {
  consumerId: string;
  producerId: string;
  kind: 'audio' | 'video';
  rtpParameters: msTypes.RtpParameters;
}

/** What each request's ack carries on success. */
export interface Responses {
  'call:request': { callId: string; position: number };
  'call:cancel': Record<string, never>;
  'call:answer': SessionInfo;
  'call:hangup': Record<string, never>;
  'media:routerCapabilities': msTypes.RtpCapabilities;
  'media:createTransport': TransportInfo;
  'media:connectTransport': Record<string, never>;
  'media:produce': { producerId: string };
  'media:consume': ConsumerInfo;
  'media:resumeConsumer': Record<string, never>;
  'media:closeProducer': Record<string, never>;
}

export type Ack<T> = { ok: true; data: T } | { ok: false; error: ErrorPayload };

export type ClientToServerEvents = {
  [K in RequestName]: (payload: RequestPayload<K>, ack: (res: Ack<Responses[K]>) => void) => void;
};

export type CallEndReason = 'hangup' | 'party-left' | 'media-failure' | 'server-shutdown';

export interface ServerToClientEvents {
  /** To agents: the waiting calls, longest-waiting first. */
  'queue:update': (calls: WaitingCall[]) => void;
  /** To a waiting booth: its place in the queue (1 = next). */
  'call:position': (info: { callId: string; position: number }) => void;
  /** To the booth when an agent answers (the agent gets the same in its ack). */
  'call:started': (session: SessionInfo) => void;
  'call:ended': (info: { sessionId: string; reason: CallEndReason }) => void;
  'session:partyJoined': (party: PartyInfo) => void;
  'session:partyLeft': (party: PartyInfo) => void;
  'media:newProducer': (producer: ProducerInfo) => void;
  'media:producerClosed': (info: { producerId: string }) => void;
  'media:consumerClosed': (info: { consumerId: string; producerId: string }) => void;
  /** A message that had no ack callback and so could not be answered. */
  'protocol:error': (info: { event: string; error: ErrorPayload }) => void;
}

export interface SocketData {
  role: Role;
  userId: string;
  name: string;
}

/** socket.io path shared by server and clients. */
export const SOCKET_PATH = '/signal';
