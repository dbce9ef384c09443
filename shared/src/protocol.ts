/**
 * The signaling contract between the sfu and its clients (socket.io).
 * Every client→server message is a request with an acknowledgement; its
 * payload is validated on the server with the zod schema below before use,
 * and the ack carries either `{ ok: true, data }` or `{ ok: false, error }`.
 */
import { z } from 'zod';
import type { types as msTypes } from 'mediasoup-client';
import { TrackSources, type Role, type PartyRole, type TrackSource } from './roles';
import { AWAY_REASONS, DISPOSITIONS, MANUAL_AGENT_STATES, type AgentState } from './agent-state';
import type { ErrorPayload } from './errors';
import type { CaseState } from './case-state';
import type { CaptionSegment, CaptionState } from './captions';
import { BoothHeartbeat, type DashboardSnapshot } from './supervision';

const id = z.string().min(1).max(64).regex(/^[A-Za-z0-9_.:-]+$/, 'id: letters, digits and _.:- only');

/** Socket handshake `auth`: a token from POST /api/auth/login (staff) or /api/auth/booth (device). */
export const HandshakeAuth = z.object({ token: z.string().min(10).max(4096) });
export type HandshakeAuth = z.infer<typeof HandshakeAuth>;

/**
 * Sign languages a resident can ask for (手语服务): 国家通用手语 (csl, the
 * default) and regional ones. An interpreter who signs one carries the staff
 * tag `sign:<variant>`; the pool offers a call to those first (call-service.ts).
 */
export const SIGN_VARIANTS = ['csl', 'bj', 'sh'] as const;
export const SignVariant = z.enum(SIGN_VARIANTS);
export type SignVariant = z.infer<typeof SignVariant>;
export const DEFAULT_SIGN_VARIANT: SignVariant = 'csl';

/** What a resident may need from the agent beyond the matter's skill. */
export const CallNeeds = z
  .object({
    /** Needs a sign-language capable agent / interpreter (手语服务). */
    sign: z.boolean().optional(),
    /** Which sign language (with `sign`); 国家通用手语 when not given. */
    signVariant: SignVariant.optional(),
    /** Dialect or language other than Mandarin, e.g. 'yue' (粤语). */
    language: z.string().regex(/^[a-z]{2,8}$/).optional(),
  })
  .strict();
export type CallNeeds = z.infer<typeof CallNeeds>;

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

const unit = z.number().min(0).max(1);
const sha256 = z.string().regex(/^[a-f0-9]{64}$/);

/** A mark the agent draws on a material; coordinates are fractions of the image (0–1). */
export const Annotation = z
  .object({
    id: z.string().max(40),
    kind: z.enum(['box', 'arrow', 'text']),
    x: unit,
    y: unit,
    w: z.number().min(-1).max(1).default(0),
    h: z.number().min(-1).max(1).default(0),
    text: z.string().max(200).optional(),
  })
  .strict();
export type Annotation = z.infer<typeof Annotation>;

/** What the agent can push to the booth screen (远程指导). */
export const GuideItem = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('step'), title: z.string().max(60), text: z.string().max(600) }).strict(),
  z.object({ kind: z.literal('sample'), materialId: id }).strict(),
  z.object({ kind: z.literal('highlight'), fileSha256: sha256, x: unit, y: unit, w: unit, h: unit, text: z.string().max(200).optional() }).strict(),
  z.object({ kind: z.literal('clear') }).strict(),
]);
export type GuideItem = z.infer<typeof GuideItem>;

/** Request schemas, one per client→server event. */
export const Requests = {
  /** Booth: join the queue for a matter ('consult' = 不确定，咨询坐席). */
  'call:request': z
    .object({
      matterId: z.union([id, z.literal('consult')]),
      /** 帮办代办: elderly / disabled resident, marked at the booth. */
      priority: z.boolean().optional(),
      needs: CallNeeds.optional(),
      /** Arriving for a booked appointment (预约): served first within its window. */
      appointmentId: id.optional(),
    })
    .strict(),
  /** Booth: leave the queue before an agent answers. */
  'call:cancel': z.object({ callId: id }).strict(),
  /** Agent: take the call offered to it; creates the session. */
  'call:answer': z.object({ callId: id }).strict(),
  /** Agent: decline the call offered to it (it goes back to the queue, the agent to 'away'). */
  'call:decline': z.object({ callId: id }).strict(),
  /**
   * Agent in a call: hand the resident to another agent or a skill queue, with a
   * note for the next agent. The call goes on until the next agent answers, then
   * the next agent joins the same session and this one leaves (warm transfer).
   */
  'call:transfer': z
    .object({
      sessionId: id,
      to: z.union([z.object({ agentId: id }).strict(), z.object({ skill: id }).strict()]),
      note: z.string().max(500).optional(),
    })
    .strict(),
  /** Agent: choose available / away / offline (示闲/示忙/下线). */
  'agent:setState': z.object({ state: z.enum(MANUAL_AGENT_STATES), reason: z.enum(AWAY_REASONS).optional() }).strict(),
  /** Agent: close wrap-up (话后小结) with a disposition and become available. */
  'agent:wrapUp': z.object({ disposition: z.enum(DISPOSITIONS), note: z.string().max(500).optional() }).strict(),
  /** Any party: end the session for everyone (booth, agent) or leave it (others). */
  'call:hangup': z.object({ sessionId: id }).strict(),
  /**
   * Booth or agent: ask the sign-language interpreter pool to join this call (手语服务).
   * `variant`: the sign language wanted (default: the one asked before the call, else 国家通用手语).
   */
  'interp:request': z.object({ sessionId: id, variant: SignVariant.optional() }).strict(),
  /** Any party: switch live captions of the session on or off (unavailable without a speech engine). */
  'captions:set': z.object({ sessionId: id, on: z.boolean() }).strict(),
  /** Any party: a chat line to everyone in the session (kept with the session). */
  'chat:send': z.object({ sessionId: id, text: z.string().trim().min(1).max(1000) }).strict(),
  /** Agent: ask the booth to take a full-resolution still of a material now (remote shutter). */
  'doc:requestCapture': z.object({ sessionId: id, materialId: id }).strict(),
  /** Booth: a material's file finished uploading (its SHA-256 from the upload). */
  'doc:uploaded': z.object({ sessionId: id, materialId: id, sha256 }).strict(),
  /** Agent: the full set of marks on a material, shown live on the booth. */
  'doc:annotate': z.object({ sessionId: id, fileSha256: sha256, annotations: z.array(Annotation).max(50) }).strict(),
  /** Agent: where its pointer is on a shared material (fractions), or null to hide it. */
  'doc:pointer': z.object({ sessionId: id, fileSha256: sha256, at: z.object({ x: unit, y: unit }).strict().nullable() }).strict(),
  /** Agent: push a guide step, a material's sample, a highlight, or clear. */
  'guide:push': z.object({ sessionId: id, item: GuideItem }).strict(),
  /** A party back after a network drop: re-attach this connection to its running session (NOT_IN_SESSION when it has ended). */
  'session:resume': z.object({ sessionId: id }).strict(),
  /** Restart ICE on one of the party's own transports (after its connection failed); apply the answer with transport.restartIce(). */
  'media:restartIce': z.object({ transportId: id }).strict(),
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
  /** The party's media could not be recovered by an ICE restart: the server drops all of its transports; the party then opens new ones. */
  'media:rejoin': z.object({ sessionId: id }).strict(),
  /** Booth: alive, what it shows and its device checks (every HEARTBEAT_INTERVAL_MS). */
  'booth:heartbeat': BoothHeartbeat,
  /** Supervisor: start receiving `dashboard:snapshot` pushes; the ack carries the current one. */
  'dashboard:watch': z.object({}).strict(),
  /** Supervisor: listen to a live session silently (receive-only; the resident is not told beyond the recording notice). */
  'monitor:join': z.object({ sessionId: id }).strict(),
  /** Supervisor in a session: a chat line only the agent (and other staff in the call) see (耳语). */
  'chat:whisper': z.object({ sessionId: id, text: z.string().trim().min(1).max(1000) }).strict(),
} as const;
export type RequestName = keyof typeof Requests;
export type RequestPayload<K extends RequestName> = z.input<(typeof Requests)[K]>;

/** A call offered to an agent (振铃). */
export interface CallOffer {
  callId: string;
  boothId: string;
  boothName: string;
  matterId: string;
  matterName: string;
  skill: string;
  priority: boolean;
  reqs: string[];
  /** ms since epoch */
  waitingSince: number;
  /** the offer is withdrawn at this time (ms since epoch) unless answered */
  expiresAt: number;
  /** Set when another agent hands the resident on: who, and their note. */
  transfer?: { fromAgentId: string; fromName: string; note: string };
  /** The sign language the resident asked for (interpreter offers; agent offers of residents who need 手语服务). */
  signVariant?: SignVariant;
}

/** Queue figures per skill, for agents' and supervisors' overview. */
export interface QueueSummary {
  skills: Array<{ skill: string; waiting: number; longestWaitSec: number }>;
  agents: Record<AgentState, number>;
}

export interface AgentStatusInfo {
  state: AgentState;
  since: number;
  reason: string;
  /** wrap-up ends automatically at this time */
  until?: number;
}

/** The booth's place: position among the same skill's residents, and an estimate (null: no agent on duty). */
export interface QueuePosition {
  callId: string;
  position: number;
  estimatedWaitSec: number | null;
}

export interface PartyInfo {
  partyId: string;
  role: PartyRole;
  userId: string;
  name: string;
  /** A supervisor listening silently: never announced to the booth, sends no media. */
  silent?: boolean;
}

export interface SessionInfo {
  sessionId: string;
  callId: string;
  startedAt: number;
  /** The session is recorded (policy); tell the resident on screen (录像中). */
  recording: boolean;
  /**
   * The session's media incarnation: it grows when the session's media is
   * re-created (its worker died, or another node took it over). A party that
   * resumes and finds a newer epoch than its media opens its media again.
   */
  mediaEpoch?: number;
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
  'call:request': QueuePosition;
  'call:cancel': Record<string, never>;
  'call:answer': SessionInfo;
  'call:decline': Record<string, never>;
  'call:transfer': { callId: string };
  'agent:setState': AgentStatusInfo;
  'agent:wrapUp': AgentStatusInfo;
  'call:hangup': Record<string, never>;
  'interp:request': QueuePosition;
  'chat:send': ChatMessage;
  'captions:set': CaptionState;
  'session:resume': SessionInfo;
  'media:restartIce': { iceParameters: msTypes.IceParameters };
  'doc:requestCapture': Record<string, never>;
  'doc:uploaded': Record<string, never>;
  'doc:annotate': Record<string, never>;
  'doc:pointer': Record<string, never>;
  'guide:push': Record<string, never>;
  'media:routerCapabilities': msTypes.RtpCapabilities;
  'media:createTransport': TransportInfo;
  'media:connectTransport': Record<string, never>;
  'media:produce': { producerId: string };
  'media:consume': ConsumerInfo;
  'media:resumeConsumer': Record<string, never>;
  'media:closeProducer': Record<string, never>;
  'media:rejoin': Record<string, never>;
  'booth:heartbeat': Record<string, never>;
  'dashboard:watch': DashboardSnapshot;
  'monitor:join': SessionInfo;
  'chat:whisper': ChatMessage;
}

export type Ack<T> = { ok: true; data: T } | { ok: false; error: ErrorPayload };

export type ClientToServerEvents = {
  [K in RequestName]: (payload: RequestPayload<K>, ack: (res: Ack<Responses[K]>) => void) => void;
};

/** 'transferred': for the agent who handed the resident on; the call goes on for the others. */
export type CallEndReason = 'hangup' | 'party-left' | 'media-failure' | 'server-shutdown' | 'transferred';

export interface ServerToClientEvents {
  /** To agents and supervisors: queue figures per skill and agents per state. */
  'queue:update': (summary: QueueSummary) => void;
  /** To a waiting booth: its place in the queue (1 = next) and the estimated wait. */
  'call:position': (info: QueuePosition) => void;
  /** To an agent: a resident is offered to you; answer before `expiresAt`. */
  'call:offer': (offer: CallOffer) => void;
  /** To an agent: the offer is gone (resident left, or not answered in time). */
  'call:offerWithdrawn': (info: { callId: string; reason: 'cancelled' | 'missed' }) => void;
  /** To an agent: its own state changed (also on connect). */
  'agent:state': (status: AgentStatusInfo) => void;
  /** To the booth when an agent answers (the agent gets the same in its ack). */
  'call:started': (session: SessionInfo) => void;
  'call:ended': (info: { sessionId: string; reason: CallEndReason }) => void;
  'session:partyJoined': (party: PartyInfo) => void;
  'session:partyLeft': (party: PartyInfo) => void;
  /** A party's connection dropped; the call waits for it (RECONNECT_GRACE_S) before it ends. */
  'session:partyAway': (party: PartyInfo) => void;
  /** That party is back. */
  'session:partyBack': (party: PartyInfo) => void;
  'media:newProducer': (producer: ProducerInfo) => void;
  /**
   * The session's media server process died and the session was moved onto a
   * new one: every transport, producer and consumer of yours is gone. Open new
   * transports (starting with media:routerCapabilities), publish your tracks
   * again and consume what is announced. The call itself goes on.
   */
  'media:reset': (info: { sessionId: string; epoch: number }) => void;
  'media:producerClosed': (info: { producerId: string }) => void;
  'media:consumerClosed': (info: { consumerId: string; producerId: string }) => void;
  'chat:message': (m: ChatMessage) => void;
  /** A caption of one speaker's microphone (interim ones replaced by the final one with the same seq). */
  'caption:segment': (s: CaptionSegment) => void;
  /** Captions of the session switched on / off / unavailable. */
  'captions:state': (s: CaptionState) => void;
  /** The interpreter for this call: being looked for, joined, left. */
  'interp:status': (info: { sessionId: string; state: 'searching' | 'joined' | 'left'; name?: string; estimatedWaitSec?: number | null }) => void;
  /** Recording started (a track is being written) or stopped. */
  'recording:state': (info: { sessionId: string; recording: boolean; tracks: number }) => void;
  'doc:captureRequested': (info: { sessionId: string; materialId: string; by: string }) => void;
  'doc:uploaded': (info: { sessionId: string; materialId: string; sha256: string }) => void;
  'doc:annotations': (info: { sessionId: string; fileSha256: string; annotations: Annotation[] }) => void;
  'doc:pointer': (info: { sessionId: string; fileSha256: string; at: { x: number; y: number } | null }) => void;
  'guide:item': (info: { sessionId: string; item: GuideItem; by: string }) => void;
  /** A case of this booth / agent changed (no personal data here: fetch GET /api/cases/:no for the view). */
  'case:updated': (info: { caseNo: string; version: number; state: CaseState; action: string; sessionId?: string }) => void;
  /** To supervisors who sent `dashboard:watch`: the whole live picture (at most every DASHBOARD_PUSH_MS). */
  'dashboard:snapshot': (s: DashboardSnapshot) => void;
  /** To staff in a session: a supervisor's whisper (never sent to the booth). */
  'chat:whisper': (m: ChatMessage) => void;
  /** This server is being drained: the client disconnects and connects again (the load balancer picks another server). */
  'server:draining': (info: Record<string, never>) => void;
  /** A message that had no ack callback and so could not be answered. */
  'protocol:error': (info: { event: string; error: ErrorPayload }) => void;
}

export interface ChatMessage {
  sessionId: string;
  from: string;
  fromName: string;
  role: PartyRole;
  text: string;
  at: number;
}

export interface SocketData {
  role: Role;
  userId: string;
  name: string;
}

export type AppointmentStatus = 'booked' | 'arrived' | 'cancelled' | 'no-show';

export interface Appointment {
  appointmentId: string;
  /** 6-digit code the resident can show or type at any booth */
  code: string;
  matterId: string;
  matterName: string;
  skill: string;
  boothId: string;
  /** slot start, ms since epoch */
  start: number;
  end: number;
  /** masked, e.g. 138****0000 */
  phone?: string;
  status: AppointmentStatus;
}

export interface AppointmentSlot {
  start: number;
  end: number;
  capacity: number;
  booked: number;
}

/** REST: POST /api/auth/login and /api/auth/booth answers. */
export interface LoginResult {
  token: string;
  expiresAt: number;
}

/** socket.io path shared by server and clients. */
export const SOCKET_PATH = '/signal';
