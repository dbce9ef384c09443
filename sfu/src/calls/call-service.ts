/**
 * The call lifecycle: a booth asks for a matter, the router offers the
 * resident to a matching agent, the agent answers, a session (mediasoup
 * router) is created, media flows, someone hangs up, the agent wraps up.
 * Parties are identified by role + user id, not by socket, so a party's
 * notifications reach whichever of its connections is live (room `u:<role>:<id>`).
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'socket.io';
import {
  AppError,
  ErrorCode,
  AgentStates,
  type AgentState,
  type AgentStatusInfo,
  type AwayReason,
  type CallEndReason,
  type CallNeeds,
  type ChatMessage,
  type ClientToServerEvents,
  type Disposition,
  type ManualAgentState,
  type QueuePosition,
  type QueueSummary,
  type ServerToClientEvents,
  type SessionInfo,
  type Responses,
  type SignVariant,
  type SocketData,
  type LiveSession,
  DEFAULT_SIGN_VARIANT,
} from '@xiaowu/shared';
import type { Redis } from 'ioredis';
import type { Logger } from '../log';
import type { Accounts } from '../auth/accounts';
import type { CatalogStore } from '../catalog/catalog-store';
import { mediaCodecs } from '../media/codecs';
import { Session, type Party, type PartyNotifier } from '../media/session';
import type { WorkerPool } from '../media/worker-pool';
import type { AgentProfile, CallRouter, Ticket } from '../queue/call-router';
import type { Appointments, HoursStore } from '../queue/appointments';
import type { FeedbackStore } from '../feedback/feedback-store';
import { SessionRecorder, type RecorderDeps } from '../recording/session-recorder';
import { playbackOf, type RecordingIndex } from '../recording/recording-index';
import type { VisitLog } from '../stats/visit-log';
import { auditEntry } from '../recording/retention';
import type { SessionDirectory, SessionRecord } from '../cluster/session-directory';

export type SignalingServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
export type User = Pick<SocketData, 'role' | 'userId' | 'name'>;

/** A user's room: booths by booth id; staff (agents, interpreters, supervisors) by their unique username. */
export const userRoom = (u: Pick<User, 'role' | 'userId'>) => (u.role === 'booth' ? `u:booth:${u.userId}` : `u:staff:${u.userId}`);
/** Skill of the sign-language interpreter pool (手语翻译). */
export const INTERPRETER_SKILL = 'interpreter';
/** Agents and supervisors: receive queue figures. */
export const DESK_ROOM = 'desks';
/** Skill of the 咨询 entry ("not sure, ask an agent"). */
export const CONSULT_SKILL = 'consult';

/** How the router sees a staff account: agents also take 咨询; interpreters only the interpreter pool. */
export function routingProfile(a: { username: string; name: string; role: string; skills: string[]; tags: string[] }): AgentProfile {
  const skills = a.role === 'interpreter' ? [INTERPRETER_SKILL] : [...a.skills, CONSULT_SKILL];
  return { agentId: a.username, name: a.name, skills, tags: a.tags };
}

/** After a takeover, parties not connected anywhere by then are waited for like any dropped party. */
const ABSENT_RECHECK_MS = 5_000;
/** A booth that drops while waiting keeps its place this long. */
const WAITING_GRACE_MS = 20_000;
const STAFFED: readonly AgentState[] = ['available', 'offered', 'in-call', 'wrap-up'];

export interface CallServiceDeps {
  router: CallRouter;
  appointments: Appointments;
  hours: HoursStore;
  catalog: CatalogStore;
  accounts: Accounts;
  pool: WorkerPool;
  io: SignalingServer;
  redis: Redis;
  log: Logger;
  feedback: FeedbackStore;
  /** Absent: sessions are not recorded. */
  recording?: Omit<RecorderDeps, 'redis' | 'log'>;
  /** Who was in each recorded session, its cases and playable files (for the supervisors' review). */
  recordingIndex?: RecordingIndex;
  /** How long a running call waits for a party whose connection dropped (ms; 0 = end at once). */
  reconnectGraceMs?: number;
  /** Visits for the statistics (served, abandoned, transfers). */
  visits?: VisitLog;
  /** The supervisors' dashboard: told of changes; this node's sessions in progress are published to it. */
  supervision?: { changed(): void; publishSessions(node: string, sessions: LiveSession[]): Promise<void> };
  /** This sfu process (sessions in progress name their node). */
  nodeId?: string;
  /** Where sessions live in the cluster (absent: this node alone knows its sessions). */
  directory?: SessionDirectory;
  /** An interpreter joined a booth's session (the booth's open cases note it). */
  onInterpreterJoined?: (info: { sessionId: string; boothId: string; interpreterId: string }) => void;
}

export class CallService implements PartyNotifier {
  private readonly sessions = new Map<string, Session>();
  private readonly sessionOfUser = new Map<string, Session>();
  private readonly recorders = new Map<string, SessionRecorder>();
  /** The interpreter ticket of each session (waiting, ringing or joined). */
  private readonly interpreters = new Map<string, string>();
  /** What supervisors see of each session besides its parties. */
  private readonly sessionMeta = new Map<string, { boothId: string; boothName: string; matterId: string; matterName: string }>();
  /** The sign language last asked for in each session (a later request without one asks for the same). */
  private readonly signVariants = new Map<string, SignVariant>();
  /** Recordings being finished after their session closed (tests and shutdown wait on these). */
  readonly recordingDone = new Map<string, Promise<void>>();
  private readonly pendingCancels = new Map<string, NodeJS.Timeout>();
  /** Parties of running calls whose connection dropped: the call ends when the timer fires (userRoom → timer). */
  private readonly awayParties = new Map<string, NodeJS.Timeout>();
  /** Sessions whose call record is being finished (the shutdown waits for them). */
  private readonly closingSessions = new Set<Promise<void>>();
  private sweeper?: NodeJS.Timeout;
  private refresher?: NodeJS.Timeout;
  /** Set by close(): late disconnect handlers skip their Redis work. */
  closing = false;
  private publishTimer?: NodeJS.Timeout;

  constructor(private readonly d: CallServiceDeps) {
    // (Sessions on a dead worker re-create their media themselves: Session.onRouterLost.)
    d.pool.onWorkerDied = (routers) => this.d.log.error({ routers: routers.length }, 'mediasoup worker died');
    // Offers not answered and wrap-ups that ran out; every node runs this, the scripts are atomic.
    this.sweeper = setInterval(() => void this.sweep(), 500);
    // Waits grow while nothing happens: refresh figures and positions every 5 s.
    this.refresher = setInterval(() => this.publishSoon(false), 5000);
  }

  notify<E extends keyof ServerToClientEvents>(party: Party, event: E, ...args: Parameters<ServerToClientEvents[E]>): void {
    this.emitTo(party.address, event, ...args);
  }

  private emitTo<E extends keyof ServerToClientEvents>(room: string, event: E, ...args: Parameters<ServerToClientEvents[E]>): void {
    // During shutdown the adapter's Redis clients are going away: its publish would reject unhandled.
    if (this.closing) return;
    (this.d.io.to(room).emit as (e: string, ...a: unknown[]) => void)(event, ...args);
  }

  /** Agents and interpreters share the router (interpreters with the interpreter skill only). */
  private agentRoom(agentId: string) {
    return userRoom({ role: 'agent', userId: agentId });
  }

  // ── booths ────────────────────────────────────────────────────────────────

  async request(booth: User, req: { matterId: string; priority?: boolean; needs?: CallNeeds; appointmentId?: string }): Promise<QueuePosition> {
    clearTimeout(this.pendingCancels.get(booth.userId));
    this.pendingCancels.delete(booth.userId);
    const matter = req.matterId === CONSULT_SKILL ? { id: CONSULT_SKILL, name: '咨询', skill: CONSULT_SKILL } : await this.d.catalog.matter(req.matterId);
    // A booked resident checks in (any booth) and goes first; others need the skill's service hours.
    const appointment = req.appointmentId ? await this.d.appointments.checkIn(req.appointmentId) : undefined;
    if (appointment && appointment.matterId !== matter.id) throw new AppError(ErrorCode.BadRequest, 'the appointment is for another matter');
    if (!appointment) {
      const hours = await this.d.hours.status(matter.skill);
      if (!hours.open) {
        const next = hours.nextOpen ? new Date(hours.nextOpen).toISOString() : 'not within two weeks';
        throw new AppError(ErrorCode.OutOfHours, `outside service hours; next opening ${next}`);
      }
    }
    // Sign language comes from the interpreter pool, requested as soon as an agent answers
    // (the resident is not held back until both are free); a dialect needs a matching agent.
    const reqs = req.needs?.language ? [`lang:${req.needs.language}`] : [];
    const { ticket, offeredTo } = await this.d.router.enqueue({
      boothId: booth.userId,
      boothName: booth.name,
      matterId: matter.id,
      matterName: matter.name,
      skill: matter.skill,
      reqs,
      priority: (req.priority ?? false) || !!appointment,
      needsSign: req.needs?.sign ?? false,
      ...(req.needs?.sign ? { signVariant: req.needs.signVariant ?? DEFAULT_SIGN_VARIANT } : {}),
    });
    this.d.log.info({ callId: ticket.ticketId, boothId: booth.userId, matter: matter.id, skill: matter.skill, offeredTo }, 'call requested');
    if (offeredTo) await this.sendOffer(offeredTo, ticket.ticketId);
    this.publishSoon();
    return this.positionOf(ticket);
  }

  async cancel(booth: User, callId: string): Promise<void> {
    const before = await this.d.router.ticket(callId);
    const { wasOfferedTo, offered } = await this.d.router.withdraw(callId, booth.userId);
    // A resident who leaves the queue before any answer (not a transfer or an interpreter request of a running call).
    if (before && before.boothId === booth.userId && (before.state === 'waiting' || before.state === 'offered') && !before.transfer && !before.joins) {
      await this.d.visits
        ?.abandoned({ visitId: before.ticketId, boothId: before.boothId, matterId: before.matterId, departmentId: await this.departmentOf(before.matterId), requestedAt: before.enqueuedAt })
        .catch((err) => this.d.log.error({ err, callId }, 'visit not recorded'));
    }
    this.d.log.info({ callId, boothId: booth.userId }, 'call cancelled');
    if (wasOfferedTo) await this.afterAgentFreed(wasOfferedTo, callId, offered);
    this.publishSoon();
  }

  // ── agents ────────────────────────────────────────────────────────────────

  /** An agent connected: make sure the router knows its skills, and tell it where it stands. */
  async agentConnected(agent: User): Promise<void> {
    if (this.closing) return;
    const account = await this.d.accounts.staff(agent.userId);
    await this.d.router.registerAgent(routingProfile({ username: agent.userId, name: agent.name, role: agent.role, skills: account?.skills ?? [], tags: account?.tags ?? [] }));
    await this.sendAgentState(agent.userId);
    const status = await this.d.router.agent(agent.userId);
    if (status?.state === 'offered' && status.ticketId) await this.sendOffer(agent.userId, status.ticketId);
    this.emitTo(this.agentRoom(agent.userId), 'queue:update', await this.queueSummary());
  }

  async setAgentState(agent: User, state: ManualAgentState, reason?: AwayReason): Promise<AgentStatusInfo> {
    const { offered } = await this.d.router.setAgentState(agent.userId, state, reason ?? '');
    if (offered) await this.sendOffer(agent.userId, offered);
    this.publishSoon();
    return this.sendAgentState(agent.userId);
  }

  async wrapUp(agent: User, disposition: Disposition, note?: string): Promise<AgentStatusInfo> {
    const status = await this.d.router.agent(agent.userId);
    if (status?.state !== 'wrap-up') throw new AppError(ErrorCode.InvalidState, 'not in wrap-up');
    await this.recordDisposition(agent.userId, disposition, note ?? '');
    return this.setAgentState(agent, 'available');
  }

  /** Dispositions per call, for statistics (issue 7): a timed-out wrap-up is recorded as 'none'. */
  private async recordDisposition(agentId: string, disposition: Disposition | 'none', note: string): Promise<void> {
    const callId = (await this.d.redis.hget(`${this.d.router.prefix}a:${agentId}`, 'lastTicket')) ?? '';
    await this.d.redis.xadd(`${this.d.router.prefix}dispositions`, 'MAXLEN', '~', '100000', '*', 'agent', agentId, 'callId', callId, 'disposition', disposition, 'note', note, 'at', String(Date.now()));
  }

  async answer(agent: User, callId: string): Promise<SessionInfo> {
    if (this.sessionOfUser.has(userRoom(agent))) throw new AppError(ErrorCode.CallAlreadyActive, 'finish the current call first');
    const pending = await this.d.router.ticket(callId);
    if (pending?.joins) return this.joinAsInterpreter(agent, pending);
    if (pending?.transfer) return this.joinTransferred(agent, pending);
    const sessionId = randomUUID();
    const ticket = await this.d.router.accept(callId, agent.userId, sessionId);
    let session: Session;
    try {
      const { router, webRtcServer } = await this.d.pool.createRouter(mediaCodecs);
      session = new Session(sessionId, callId, router, webRtcServer, this);
    } catch (err) {
      const { offeredTo } = await this.d.router.requeue(callId, agent.userId, 'available', 'setup-failed');
      if (offeredTo) await this.sendOffer(offeredTo, callId);
      throw err;
    }
    session.onRouterLost = () => void this.recreateMedia(session);
    this.startRecording(session, ticket);
    this.sessionMeta.set(sessionId, { boothId: ticket.boothId, boothName: ticket.boothName, matterId: ticket.matterId, matterName: ticket.matterName });
    await this.d.visits
      ?.answered(sessionId, { visitId: ticket.ticketId, boothId: ticket.boothId, matterId: ticket.matterId, departmentId: await this.departmentOf(ticket.matterId), requestedAt: ticket.enqueuedAt, agentId: agent.userId })
      .catch((err) => this.d.log.error({ err, sessionId }, 'visit not recorded'));
    const booth: User = { role: 'booth', userId: ticket.boothId, name: ticket.boothName };
    const boothParty = session.addParty(booth, userRoom(booth));
    const agentParty = session.addParty(agent, userRoom(agent));
    this.sessions.set(sessionId, session);
    this.sessionOfUser.set(userRoom(booth), session);
    this.sessionOfUser.set(userRoom(agent), session);
    this.whenClosed(session);
    await this.d.directory?.create(this.recordOf(session)).catch((err) => this.d.log.error({ err, sessionId }, 'session not entered in the directory (no takeover if this node dies)'));
    this.d.log.info({ sessionId, callId, agentId: agent.userId, boothId: ticket.boothId, matter: ticket.matterId }, 'call answered, session created');

    const info = (you: Party): SessionInfo => ({ sessionId, callId, startedAt: session.startedAt, recording: !!this.d.recording, mediaEpoch: session.mediaEpoch, you: you.info, parties: session.partyInfos(you) });
    this.notify(boothParty, 'call:started', info(boothParty));
    await this.sendAgentState(agent.userId);
    this.publishSoon();
    if (ticket.needsSign) void this.requestInterpreter(booth, sessionId, ticket.signVariant).catch((err) => this.d.log.error({ err, sessionId }, 'could not request an interpreter'));
    return info(agentParty);
  }

  private whenClosed(session: Session): void {
    session.onClose = (reason) => {
      const done = this.onSessionClosed(session, reason)
        .catch((err) => this.d.log.error({ err, sessionId: session.id }, 'closing the session record failed'))
        .finally(() => this.closingSessions.delete(done));
      this.closingSessions.add(done);
    };
  }

  // ── the cluster: sessions other nodes can reach and take over ─────────────

  /** What another node needs to take the session over. */
  private recordOf(session: Session): SessionRecord {
    const meta = this.sessionMeta.get(session.id);
    const sign = this.signVariants.get(session.id);
    const interp = this.interpreters.get(session.id);
    return {
      sessionId: session.id,
      callId: session.callId,
      startedAt: session.startedAt,
      boothId: meta?.boothId ?? '',
      boothName: meta?.boothName ?? '',
      matterId: meta?.matterId ?? '',
      matterName: meta?.matterName ?? '',
      parties: [...session.parties.values()].map((p) => ({ ...p.info, room: p.address })),
      interpreterIds: [...session.interpreterIds],
      ...(interp ? { interpreterTicket: interp } : {}),
      ...(sign ? { signVariant: sign } : {}),
    };
  }

  /** Saves the session's record after a change (`left`: rooms of parties who left); a session this node lost is dropped. */
  private async persist(session: Session, left: string[] = []): Promise<void> {
    if (!this.d.directory || session.isClosed) return;
    const owned = await this.d.directory.save(this.recordOf(session), left).catch((err) => {
      this.d.log.error({ err, sessionId: session.id }, 'session record not saved');
      return true;
    });
    if (!owned) this.dropLost(session);
  }

  /**
   * Another node took this session over (this node was thought dead: its Redis
   * connection dropped, or it stalled for longer than NODE_DEAD_AFTER_MS): the
   * media here goes quietly, the call lives on there.
   */
  private dropLost(session: Session): Promise<void> {
    if (session.isClosed) return Promise.resolve();
    this.d.log.error({ sessionId: session.id }, 'session taken over by another node; dropping the copy here');
    return this.letGo(session);
  }

  /** The local copy of a session goes quietly (media closed, recorder handed off); the directory entry stays. */
  private letGo(session: Session): Promise<void> {
    session.abandon();
    this.sessions.delete(session.id);
    for (const [k, s] of this.sessionOfUser) if (s === session) this.sessionOfUser.delete(k);
    this.sessionMeta.delete(session.id);
    this.interpreters.delete(session.id);
    this.signVariants.delete(session.id);
    const rec = this.recorders.get(session.id);
    this.recorders.delete(session.id);
    this.publishSoon();
    return (rec?.handOff() ?? Promise.resolve()).catch((err) => this.d.log.error({ err, sessionId: session.id }, 'recording not handed off cleanly'));
  }

  /**
   * Hands a session to another node (draining, shutting down): stops it here
   * quietly — the recorder closes its segments into the chain — and returns
   * true; the caller then asks the other node to take it over (adopt).
   */
  async release(sessionId: string): Promise<boolean> {
    const session = this.sessions.get(sessionId);
    if (!session || session.isClosed || !this.d.directory) return false;
    this.d.log.warn({ sessionId }, 'handing the session to another node');
    let done!: () => void;
    this.moving.set(sessionId, new Promise<void>((r) => (done = r)));
    this.movingDone.set(sessionId, done);
    await this.letGo(session);
    return true;
  }

  /** Sessions being handed to another node: requests for them wait until it has them. */
  private readonly moving = new Map<string, Promise<void>>();
  private readonly movingDone = new Map<string, () => void>();

  /** The hand-over of a released session is over (taken over elsewhere, or back here). */
  moved(sessionId: string): void {
    this.movingDone.get(sessionId)?.();
    this.movingDone.delete(sessionId);
    this.moving.delete(sessionId);
  }

  /** Resolves when a session this node is handing over has its new node; undefined when it is not being handed over. */
  handOverOf(sessionId: string): Promise<void> | undefined {
    return this.moving.get(sessionId);
  }

  /** Ids of the sessions this node holds. */
  sessionIds(): string[] {
    return [...this.sessions.values()].filter((s) => !s.isClosed).map((s) => s.id);
  }

  /** Every few seconds: sessions here that another node has taken over are dropped. */
  async checkOwnership(): Promise<void> {
    const dir = this.d.directory;
    if (!dir || this.closing) return;
    // One round of lookups for all of them (this runs every second).
    const held = [...this.sessions.values()];
    const owners = await Promise.all(held.map((s) => dir.owner(s.id)));
    held.forEach((s, i) => {
      const o = owners[i];
      if (o && o.node !== dir.nodeId && this.sessions.get(s.id) === s) void this.dropLost(s);
    });
  }

  /** Whether this node holds the session now. */
  hasSession(sessionId: string): boolean {
    const s = this.sessions.get(sessionId);
    return !!s && !s.isClosed;
  }

  /**
   * Takes over a session whose node died: claims it in the directory (one node
   * wins), re-creates it here on a new router with the same parties, call,
   * chat, interpreter request and recording (continued in the same folder),
   * and tells every party 'media:reset' — their apps open their media again
   * here. Parties not connected anywhere get the usual reconnection grace.
   * Returns whether this node holds the session now.
   */
  async adopt(sessionId: string, fromNode: string, handedOver = false): Promise<boolean> {
    const dir = this.d.directory;
    if (!dir || this.closing) return false;
    if (this.hasSession(sessionId)) return true;
    const t0 = Date.now();
    const claimed = await dir.claim(sessionId, fromNode);
    if (!claimed) return this.hasSession(sessionId);
    const { epoch, record: rec } = claimed;
    let media: Awaited<ReturnType<WorkerPool['createRouter']>>;
    try {
      media = await this.d.pool.createRouter(mediaCodecs);
    } catch (err) {
      this.d.log.error({ err, sessionId }, 'could not take over a session of a dead node (no media worker); ending the call');
      for (const p of rec.parties) this.emitTo(p.room, 'call:ended', { sessionId, reason: 'media-failure' });
      await dir.remove(sessionId, rec.parties.map((p) => p.room));
      await this.d.router.finish(rec.callId).catch(() => undefined);
      return false;
    }
    const session = new Session(sessionId, rec.callId, media.router, media.webRtcServer, this, { startedAt: rec.startedAt, mediaEpoch: epoch });
    session.onRouterLost = () => void this.recreateMedia(session);
    for (const { room, ...info } of rec.parties) {
      session.restoreParty(info, room);
      this.sessionOfUser.set(room, session);
    }
    for (const id of rec.interpreterIds) session.interpreterIds.add(id);
    if (rec.interpreterTicket) this.interpreters.set(sessionId, rec.interpreterTicket);
    if (rec.signVariant) this.signVariants.set(sessionId, rec.signVariant);
    this.sessionMeta.set(sessionId, { boothId: rec.boothId, boothName: rec.boothName, matterId: rec.matterId, matterName: rec.matterName });
    this.sessions.set(sessionId, session);
    this.whenClosed(session);
    this.startRecording(session, rec, { epoch });
    for (const p of session.parties.values()) this.notify(p, 'media:reset', { sessionId, epoch });
    if (handedOver) this.d.log.warn({ sessionId, from: fromNode, epoch, ms: Date.now() - t0 }, 'session handed over by another node taken over; parties told to reconnect media');
    else this.d.log.error({ sessionId, from: fromNode, epoch, ms: Date.now() - t0 }, 'session of a dead node taken over; parties told to reconnect media');
    // Parties whose connection went with the dead node and is not back (now, and a moment later — a node
    // handing its sessions over closes its connections after this): waited for as usual.
    const absent = async () => {
      for (const p of [...session.parties.values()]) {
        if (p.info.role === 'recorder' || session.isClosed || this.closing) continue;
        const user: User = { role: p.info.role as User['role'], userId: p.info.userId, name: p.info.name };
        if ((await this.d.io.in(p.address).fetchSockets()).length === 0) await this.userGone(user);
      }
    };
    await absent();
    setTimeout(() => void absent().catch((err) => this.d.log.warn({ err, sessionId }, 'presence check failed')), ABSENT_RECHECK_MS).unref();
    this.publishSoon();
    return true;
  }

  /** The booth's running call anywhere in the cluster: its session and agent. */
  async boothCall(boothId: string): Promise<{ sessionId: string; agentId?: string } | undefined> {
    const room = userRoom({ role: 'booth', userId: boothId });
    const local = this.sessionOfUser.get(room);
    if (local && !local.isClosed) return { sessionId: local.id, agentId: [...local.parties.values()].find((p) => p.info.role === 'agent')?.info.userId };
    const where = await this.d.directory?.whereIs(room);
    const rec = where && (await this.d.directory!.record(where.sessionId));
    if (!rec) return undefined;
    return { sessionId: rec.sessionId, agentId: rec.parties.find((p) => p.role === 'agent')?.userId };
  }

  /** Hands the resident to another agent or skill queue; the call goes on meanwhile. */
  async transfer(agent: User, sessionId: string, to: { agentId: string } | { skill: string }, note = ''): Promise<{ callId: string }> {
    const { session } = this.partyOf(agent, sessionId);
    if (agent.role !== 'agent') throw new AppError(ErrorCode.Forbidden, 'only the agent can transfer');
    const current = await this.d.router.ticket(session.callId);
    if (!current || current.agentId !== agent.userId) throw new AppError(ErrorCode.Forbidden, 'only the answering agent can transfer');
    const waitingTransfer = await this.d.router.activeTicketOf(current.boothId);
    if (waitingTransfer && waitingTransfer.ticketId !== current.ticketId) throw new AppError(ErrorCode.InvalidState, 'a transfer is already waiting');
    let target: { agentId: string; skill: string } | { skill: string };
    if ('agentId' in to) {
      if (to.agentId === agent.userId) throw new AppError(ErrorCode.BadRequest, 'cannot transfer to yourself');
      const other = await this.d.router.agent(to.agentId);
      if (!other) throw new AppError(ErrorCode.NotFound, `no agent ${to.agentId}`);
      // A named agent who is away or offline would leave the resident waiting with no end.
      if (other.state === 'offline' || other.state === 'away') throw new AppError(ErrorCode.InvalidState, `${other.name} is not on duty; transfer to a queue instead`);
      target = { agentId: to.agentId, skill: CONSULT_SKILL };
    } else {
      const catalog = await this.d.catalog.current();
      if (to.skill !== CONSULT_SKILL && !catalog.matters.some((m) => m.skill === to.skill)) throw new AppError(ErrorCode.NotFound, `no skill ${to.skill}`);
      target = { skill: to.skill };
    }
    const { ticket, offeredTo } = await this.d.router.enqueueTransfer(current, target, { agentId: agent.userId, name: agent.name, note });
    this.d.log.info({ sessionId, from: agent.userId, to, callId: ticket.ticketId }, 'transfer requested');
    if (offeredTo) await this.sendOffer(offeredTo, ticket.ticketId);
    this.publishSoon();
    return { callId: ticket.ticketId };
  }

  /** The next agent answers a transfer: it joins the running session and the previous agent leaves. */
  private async joinTransferred(agent: User, pending: Ticket): Promise<SessionInfo> {
    const tr = pending.transfer!;
    const session = this.sessions.get(tr.sessionId);
    if (!session) {
      // The call ended meanwhile, or lives on another node (moving sessions between nodes: issue 8).
      const w = await this.d.router.withdraw(pending.ticketId, pending.boothId).catch(() => undefined);
      if (w?.offered) await this.sendOffer(agent.userId, w.offered);
      throw new AppError(ErrorCode.CallUnavailable, 'the call being transferred is no longer running here');
    }
    const ticket = await this.d.router.accept(pending.ticketId, agent.userId, session.id);
    await this.d.visits?.transferred(session.id, agent.userId).catch((err) => this.d.log.error({ err, sessionId: session.id }, 'visit not recorded'));
    const previousCallId = session.callId;
    session.callId = ticket.ticketId;
    const joined = session.addParty(agent, userRoom(agent));
    this.sessionOfUser.set(userRoom(agent), session);
    for (const party of [...session.parties.values()]) {
      if (party.info.role === 'agent' && party.info.userId === tr.fromAgentId) {
        this.notify(party, 'call:ended', { sessionId: session.id, reason: 'transferred' });
        session.removeParty(party.id);
        this.sessionOfUser.delete(userRoom({ role: 'agent', userId: party.info.userId }));
      }
    }
    await this.persist(session, [userRoom({ role: 'agent', userId: tr.fromAgentId })]);
    await this.replayChat(session.id, joined);
    const prevAgent = await this.d.router.finish(previousCallId);
    if (prevAgent) await this.sendAgentState(prevAgent);
    await this.sendAgentState(agent.userId);
    this.d.log.info({ sessionId: session.id, from: tr.fromAgentId, to: agent.userId }, 'transfer completed');
    this.publishSoon();
    return { sessionId: session.id, callId: ticket.ticketId, startedAt: session.startedAt, recording: !!this.d.recording, mediaEpoch: session.mediaEpoch, you: joined.info, parties: session.partyInfos() };
  }

  async decline(agent: User, callId: string): Promise<void> {
    const { requeued, offeredTo } = await this.d.router.requeue(callId, agent.userId, 'away', 'declined');
    const t = await this.d.router.ticket(callId);
    if (!requeued || t?.state === 'answered') throw new AppError(ErrorCode.CallUnavailable, 'this call is not offered to you');
    if (offeredTo) await this.sendOffer(offeredTo, callId);
    await this.sendAgentState(agent.userId);
    this.publishSoon();
  }

  // ── sessions ──────────────────────────────────────────────────────────────

  /** Booth or agent: ends the call. Interpreter or supervisor: leaves it, the call goes on. */
  async hangup(user: User, sessionId: string): Promise<void> {
    const { session, party } = this.partyOf(user, sessionId);
    if (user.role === 'booth' || user.role === 'agent') return session.close('hangup');
    this.notify(party, 'call:ended', { sessionId, reason: 'hangup' });
    session.removeParty(party.id);
    this.sessionOfUser.delete(userRoom(user));
    if (user.role === 'interpreter') {
      const tid = this.interpreters.get(session.id);
      this.interpreters.delete(session.id);
      if (tid) {
        const agentId = await this.d.router.finish(tid);
        if (agentId) await this.sendAgentState(agentId);
      }
      for (const p of session.parties.values()) this.notify(p, 'interp:status', { sessionId, state: 'left', name: user.name });
    }
    if (user.role === 'supervisor') await auditEntry(this.d.redis, this.d.router.prefix, { who: `supervisor:${user.userId}`, action: 'monitor-left', sessionId });
    await this.persist(session, [userRoom(user)]);
    this.publishSoon();
  }

  // ── sign-language interpreters ───────────────────────────────────────────

  /**
   * Offers the session to the interpreter pool (first to answer joins); idempotent per session.
   *
   * Sign-language variants (国家通用手语 / 北京 / 上海…): interpreters carry the tag
   * `sign:<variant>`. The ticket first asks for that tag, so the session is offered
   * to an available interpreter who signs the resident's variant. It falls back to
   * any interpreter (its `thenReqs`) as soon as that first offer round is over: at
   * once when no available interpreter has the tag, else when the offer is missed
   * (the normal offer timeout), declined or the interpreter disconnects. A resident
   * who has to wait for the pool waits for the first interpreter free, whatever
   * the variant: a deaf resident in a call is never held back for a dialect.
   * `variant` defaults to the one asked earlier in this session, else 国家通用手语.
   */
  async requestInterpreter(user: User, sessionId: string, variant?: SignVariant): Promise<QueuePosition> {
    const { session } = this.partyOf(user, sessionId);
    const existing = this.interpreters.get(sessionId);
    if (existing) {
      const t = await this.d.router.ticket(existing);
      if (t && (t.state === 'waiting' || t.state === 'offered' || t.state === 'answered')) return this.positionOf(t);
    }
    const signVariant = variant ?? this.signVariants.get(sessionId) ?? DEFAULT_SIGN_VARIANT;
    this.signVariants.set(sessionId, signVariant);
    const call = (await this.d.router.ticket(session.callId))!;
    const joined = await this.d.router.enqueueJoin(call, sessionId, INTERPRETER_SKILL, [`sign:${signVariant}`], Date.now(), { thenReqs: [], signVariant });
    const ticket = joined.ticket;
    // Nobody free signs this variant: any available interpreter (or the first to become available).
    const offeredTo = joined.offeredTo ?? (await this.d.router.relax(ticket.ticketId));
    this.interpreters.set(sessionId, ticket.ticketId);
    await this.persist(session);
    this.d.log.info({ sessionId, by: user.userId, signVariant, offeredTo, sameVariant: joined.offeredTo !== undefined }, 'interpreter requested');
    if (offeredTo) await this.sendOffer(offeredTo, ticket.ticketId);
    const pos = await this.positionOf(ticket);
    for (const p of session.parties.values()) this.notify(p, 'interp:status', { sessionId, state: 'searching', estimatedWaitSec: pos.estimatedWaitSec });
    this.publishSoon();
    return pos;
  }

  private async joinAsInterpreter(interp: User, pending: Ticket): Promise<SessionInfo> {
    if (interp.role !== 'interpreter') throw new AppError(ErrorCode.Forbidden, 'only interpreters join as interpreters');
    const session = this.sessions.get(pending.joins!.sessionId);
    if (!session) {
      const w = await this.d.router.withdraw(pending.ticketId, pending.boothId).catch(() => undefined);
      if (w?.offered) await this.sendOffer(interp.userId, w.offered);
      throw new AppError(ErrorCode.CallUnavailable, 'the call has ended');
    }
    const ticket = await this.d.router.accept(pending.ticketId, interp.userId, session.id);
    const party = session.addParty(interp, userRoom(interp));
    this.sessionOfUser.set(userRoom(interp), session);
    session.interpreterIds.add(interp.userId);
    const booth = [...session.parties.values()].find((p) => p.info.role === 'booth');
    if (booth) this.d.onInterpreterJoined?.({ sessionId: session.id, boothId: booth.info.userId, interpreterId: interp.userId });
    for (const p of session.parties.values()) if (p !== party) this.notify(p, 'interp:status', { sessionId: session.id, state: 'joined', name: interp.name });
    await this.persist(session);
    await this.sendAgentState(interp.userId);
    this.d.log.info({ sessionId: session.id, interpreter: interp.userId, callId: ticket.ticketId }, 'interpreter joined');
    await this.replayChat(session.id, party);
    this.publishSoon();
    return { sessionId: session.id, callId: ticket.ticketId, startedAt: session.startedAt, recording: !!this.d.recording, mediaEpoch: session.mediaEpoch, you: party.info, parties: session.partyInfos() };
  }

  /** The session and party of a user; NOT_IN_SESSION unless the user is a party of it. */
  partyOf(user: User, sessionId?: string): { session: Session; party: Party } {
    const session = this.sessionOfUser.get(userRoom(user));
    if (!session || (sessionId !== undefined && session.id !== sessionId)) {
      throw new AppError(ErrorCode.NotInSession, 'you are not in this session');
    }
    for (const party of session.parties.values()) {
      if (party.info.role === user.role && party.info.userId === user.userId) return { session, party };
    }
    throw new AppError(ErrorCode.NotInSession, 'you are not in this session');
  }

  /** A user's last connection went away. */
  /**
   * The last connection of a user is gone. A party of a running call is
   * waited for (reconnectGraceMs): the others are told, the session, its
   * media objects, the case and the recording go on, and a new connection
   * resumes it ('session:resume'). Not back in time → handled as gone.
   */
  async userGone(user: User): Promise<void> {
    if (this.closing) return;
    const key = userRoom(user);
    const session = this.sessionOfUser.get(key);
    const grace = this.d.reconnectGraceMs ?? 20_000;
    // (A silent supervisor simply leaves: nobody waits for it.)
    if (session && !session.isClosed && grace > 0 && user.role !== 'supervisor' && !this.awayParties.has(key)) {
      const party = [...session.parties.values()].find((p) => p.info.role === user.role && p.info.userId === user.userId);
      if (party) {
        for (const p of session.parties.values()) if (p !== party) this.notify(p, 'session:partyAway', party.info);
        this.d.log.warn({ sessionId: session.id, role: user.role, userId: user.userId, graceMs: grace }, 'party connection lost; waiting for it to come back');
        this.awayParties.set(
          key,
          setTimeout(() => {
            this.awayParties.delete(key);
            void this.partyLost(user).catch((err) => this.d.log.error({ err, userId: user.userId }, 'ending the call of a lost party failed'));
          }, grace),
        );
        return;
      }
    }
    await this.partyLost(user);
  }

  /** A user connected again: a party waited for is back (the others are told; its client then sends 'session:resume'). */
  userBack(user: User): void {
    const key = userRoom(user);
    const timer = this.awayParties.get(key);
    if (!timer) return;
    clearTimeout(timer);
    this.awayParties.delete(key);
    const session = this.sessionOfUser.get(key);
    const party = session && [...session.parties.values()].find((p) => p.info.role === user.role && p.info.userId === user.userId);
    if (!session || !party) return;
    this.d.log.info({ sessionId: session.id, role: user.role, userId: user.userId }, 'party back');
    for (const p of session.parties.values()) if (p !== party) this.notify(p, 'session:partyBack', party.info);
  }

  /** 'session:resume': the running session as this party sees it now (NOT_IN_SESSION when it has ended), with the chat it missed. */
  async resume(user: User, sessionId: string): Promise<SessionInfo> {
    const { session, party } = this.partyOf(user, sessionId);
    this.userBack(user);
    await this.replayChat(session.id, party);
    return { sessionId: session.id, callId: session.callId, startedAt: session.startedAt, recording: !!this.d.recording, mediaEpoch: session.mediaEpoch, you: party.info, parties: session.partyInfos(party) };
  }

  /**
   * 'media:rejoin': the party's media did not come back with an ICE restart.
   * Its transports (and so its producers and consumers) are closed — the
   * others are told its tracks ended — and it opens new ones in the same
   * session; nothing else of the call changes.
   */
  rejoinMedia(user: User, sessionId: string): void {
    const { session, party } = this.partyOf(user, sessionId);
    this.d.log.warn({ sessionId: session.id, role: user.role, userId: user.userId, transports: party.transports.size }, 'party rejoins the media of its call');
    party.closeMedia();
    party.announced.clear();
  }

  /** 'media:restartIce' on one of the party's own transports. */
  async restartIce(user: User, transportId: string): Promise<Responses['media:restartIce']> {
    const session = this.sessionOfUser.get(userRoom(user));
    const party = session && [...session.parties.values()].find((p) => p.info.role === user.role && p.info.userId === user.userId);
    const t = party?.transports.get(transportId);
    if (!t) throw new AppError(ErrorCode.NotFound, `no transport ${String(transportId).slice(0, 64)}`);
    return { iceParameters: (await t.transport.restartIce()) as Responses['media:restartIce']['iceParameters'] };
  }

  private async partyLost(user: User): Promise<void> {
    if (this.closing) return;
    const session = this.sessionOfUser.get(userRoom(user));
    if (session && (user.role === 'booth' || user.role === 'agent')) {
      session.close('party-left');
      // Finish the record now (idempotent) so the agent below is in wrap-up, not in-call.
      await this.d.router.finish(session.callId);
    }
    if (session && (user.role === 'interpreter' || user.role === 'supervisor')) await this.hangup(user, session.id).catch(() => undefined);
    if (user.role === 'agent' || user.role === 'interpreter') {
      const status = await this.d.router.agent(user.userId);
      if (status?.state === 'offered' && status.ticketId) {
        const { offeredTo } = await this.d.router.requeue(status.ticketId, user.userId, 'away', 'disconnected');
        if (offeredTo) await this.sendOffer(offeredTo, status.ticketId);
      }
      // in-call → wrap-up happens when the session's close is processed; offline from any state that allows it.
      await this.d.router.setAgentState(user.userId, 'offline', 'disconnected').catch(() => undefined);
      this.publishSoon();
    }
    if (user.role === 'booth') {
      const t = await this.d.router.activeTicketOf(user.userId);
      if (t && (t.state === 'waiting' || t.state === 'offered')) {
        const timer = setTimeout(() => {
          this.pendingCancels.delete(user.userId);
          void (async () => {
            // Back meanwhile, maybe on another node (a restart, a drained node): the place in the queue stays.
            if ((await this.d.io.in(userRoom(user)).fetchSockets()).length > 0) return;
            await this.cancel(user, t.ticketId);
          })().catch((err) => this.d.log.warn({ err, callId: t.ticketId }, 'could not drop an abandoned call'));
        }, WAITING_GRACE_MS);
        this.pendingCancels.set(user.userId, timer);
      }
    }
  }

  // ── media re-creation ─────────────────────────────────────────────────────

  /**
   * The session's mediasoup worker died: move it onto a router of a live worker
   * (or of the respawned one) and tell every party to open its media again
   * ('media:reset'). The call, the case, the chat and the recording go on (the
   * recording continues in new track files). No worker back in time → the call
   * ends with media-failure.
   */
  private async recreateMedia(session: Session): Promise<void> {
    if (this.closing || session.isClosed) return;
    const t0 = Date.now();
    this.d.log.error({ sessionId: session.id }, 'session lost its media worker; re-creating its media');
    try {
      const { router, webRtcServer } = await this.d.pool.createRouter(mediaCodecs);
      if (session.isClosed || this.closing) {
        router.close();
        return;
      }
      // The media epoch is the cluster's (a later takeover continues from it).
      const epoch = this.d.directory ? await this.d.directory.bumpEpoch(session.id).catch(() => session.mediaEpoch + 1) : session.mediaEpoch + 1;
      if (epoch < 0) {
        router.close();
        this.dropLost(session);
        return;
      }
      session.rebind(router, webRtcServer, epoch);
      this.recorders.get(session.id)?.setRouter(router, epoch);
      for (const p of session.parties.values()) this.notify(p, 'media:reset', { sessionId: session.id, epoch: session.mediaEpoch });
      this.d.log.warn({ sessionId: session.id, epoch: session.mediaEpoch, ms: Date.now() - t0 }, 'session media re-created on a new worker; parties told to reconnect media');
    } catch (err) {
      this.d.log.error({ err, sessionId: session.id }, 'could not re-create the session media; ending the call');
      session.close('media-failure');
    }
  }

  // ── recording ─────────────────────────────────────────────────────────────

  /** Every session is recorded when configured; the recorder follows the session's producers. */
  private startRecording(session: Session, call: { boothId: string; boothName: string; matterId: string; matterName: string }, resume?: { epoch: number }): void {
    if (!this.d.recording) return;
    const rec = new SessionRecorder(session.id, session.router, { ...this.d.recording, redis: this.d.redis, log: this.d.log }, resume);
    this.recorders.set(session.id, rec);
    const index = this.d.recordingIndex;
    if (index) {
      const logged = (p: Promise<void>) => void p.catch((err) => this.d.log.error({ err, sessionId: session.id }, 'recording index not updated'));
      if (!resume) logged(index.start({ sessionId: session.id, callId: session.callId, startedAt: session.startedAt, boothId: call.boothId, boothName: call.boothName, matterId: call.matterId, matterName: call.matterName }));
      session.onPartyJoined = (p) => logged(index.partyJoined(session.id, p));
      session.onPartyLeft = (p) => logged(index.partyLeft(session.id, p));
    }
    session.onProducerAdded = (_party, producer, source) => {
      void rec.addProducer(_party, producer, source).then(() => {
        for (const p of session.parties.values()) this.notify(p, 'recording:state', { sessionId: session.id, recording: rec.trackCount > 0, tracks: rec.trackCount });
      });
    };
    session.onProducerClosed = (producerId) => void rec.removeProducer(producerId);
  }

  /** Whether a user is a party of a session on this node. */
  inCall(user: Pick<User, 'role' | 'userId'>): boolean {
    const s = this.sessionOfUser.get(userRoom(user));
    return !!s && !s.isClosed;
  }

  recordingDir(sessionId: string): string | undefined {
    return this.recorders.get(sessionId)?.dir;
  }

  // ── in-call messages ──────────────────────────────────────────────────────

  /** A chat line to every party, kept with the session (90 days) for the case record. */
  async chat(user: User, sessionId: string, text: string): Promise<ChatMessage> {
    const { session, party } = this.partyOf(user, sessionId);
    if (party.info.silent) throw new AppError(ErrorCode.Forbidden, 'a silent monitor does not talk to the resident: use chat:whisper');
    const m: ChatMessage = { sessionId, from: user.userId, fromName: user.name, role: party.info.role, text, at: Date.now() };
    const key = `${this.d.router.prefix}chat:${sessionId}`;
    await this.d.redis.multi().rpush(key, JSON.stringify(m)).ltrim(key, -2000, -1).expire(key, 90 * 86_400).exec();
    for (const p of session.parties.values()) this.notify(p, 'chat:message', m);
    return m;
  }

  /**
   * 耳语: a supervisor's line to the staff in the call (agent, interpreter, other
   * supervisors), never to the booth; the agent answers the same way. Kept apart
   * from the resident's chat (and with the recording's review data).
   */
  async whisper(user: User, sessionId: string, text: string): Promise<ChatMessage> {
    const { session, party } = this.partyOf(user, sessionId);
    if (party.info.role === 'booth') throw new AppError(ErrorCode.Forbidden, 'whispers are between staff');
    const m: ChatMessage = { sessionId, from: user.userId, fromName: user.name, role: party.info.role, text, at: Date.now() };
    const key = `${this.d.router.prefix}whisper:${sessionId}`;
    await this.d.redis.multi().rpush(key, JSON.stringify(m)).ltrim(key, -2000, -1).expire(key, 90 * 86_400).exec();
    for (const p of session.parties.values()) if (p.info.role !== 'booth' && p.info.role !== 'recorder') this.notify(p, 'chat:whisper', m);
    return m;
  }

  /** 静默监听: a supervisor joins a live session on this node, receive-only, unseen by the booth (audited). */
  async monitor(sup: User, sessionId: string): Promise<SessionInfo> {
    if (sup.role !== 'supervisor') throw new AppError(ErrorCode.Forbidden, 'only supervisors monitor calls');
    const current = this.sessionOfUser.get(userRoom(sup));
    if (current && current.id !== sessionId && !current.isClosed) throw new AppError(ErrorCode.CallAlreadyActive, 'leave the call you are monitoring first');
    const session = this.sessions.get(sessionId);
    if (!session || session.isClosed) throw new AppError(ErrorCode.CallUnavailable, 'this call is not running on this server (ended, or served by another node)');
    let party = [...session.parties.values()].find((p) => p.info.role === 'supervisor' && p.info.userId === sup.userId);
    if (!party) {
      party = session.addParty({ role: 'supervisor', userId: sup.userId, name: sup.name, silent: true }, userRoom(sup));
      this.sessionOfUser.set(userRoom(sup), session);
      await auditEntry(this.d.redis, this.d.router.prefix, { who: `supervisor:${sup.userId}`, action: 'monitor-joined', sessionId });
      await this.persist(session);
      this.d.log.info({ sessionId, supervisor: sup.userId }, 'supervisor monitoring');
      await this.replayChat(session.id, party);
      this.publishSoon();
    }
    return { sessionId: session.id, callId: session.callId, startedAt: session.startedAt, recording: !!this.d.recording, mediaEpoch: session.mediaEpoch, you: party.info, parties: session.partyInfos(party) };
  }

  /** A party who joins late (interpreter, next agent, supervisor) gets the chat so far; staff also the whispers. */
  private async replayChat(sessionId: string, party: Party): Promise<void> {
    for (const m of await this.chatHistory(sessionId)) this.notify(party, 'chat:message', m);
    if (party.info.role === 'booth') return;
    for (const raw of await this.d.redis.lrange(`${this.d.router.prefix}whisper:${sessionId}`, 0, -1)) this.notify(party, 'chat:whisper', JSON.parse(raw) as ChatMessage);
  }

  async chatHistory(sessionId: string): Promise<ChatMessage[]> {
    return (await this.d.redis.lrange(`${this.d.router.prefix}chat:${sessionId}`, 0, -1)).map((x) => JSON.parse(x) as ChatMessage);
  }

  /** Sends an event to the session's parties of some roles, on behalf of a party of it. */
  relay<E extends keyof ServerToClientEvents>(user: User, sessionId: string, toRoles: readonly string[], event: E, ...args: Parameters<ServerToClientEvents[E]>): void {
    const { session } = this.partyOf(user, sessionId);
    for (const p of session.parties.values()) if (toRoles.includes(p.info.role)) this.notify(p, event, ...args);
  }

  // ── figures ───────────────────────────────────────────────────────────────

  async queueSummary(): Promise<QueueSummary> {
    const now = Date.now();
    const skills = await this.d.router.activeSkills();
    const rows = await Promise.all(
      skills.map(async (skill) => {
        const waiting = await this.d.router.waiting(skill, 1);
        const count = await this.d.redis.zcard(`${this.d.router.prefix}q:${skill}`);
        return { skill, waiting: count, longestWaitSec: waiting[0] ? Math.round((now - waiting[0].enqueuedAt) / 1000) : 0 };
      }),
    );
    const agents = Object.fromEntries(AgentStates.map((s) => [s, 0])) as Record<AgentState, number>;
    for (const a of await this.d.router.agents()) agents[a.state]++;
    return { skills: rows.filter((r) => r.waiting > 0), agents };
  }

  /** Position and estimated wait: place × average handling time ÷ agents on duty for the skill. */
  async positionOf(ticket: Pick<Ticket, 'ticketId' | 'skill'>, staffedBySkill?: Map<string, number>): Promise<QueuePosition> {
    const position = await this.d.router.position(ticket);
    const staffed = (staffedBySkill ?? (await this.staffedBySkill())).get(ticket.skill) ?? 0;
    const aht = await this.d.router.averageHandlingSeconds(ticket.skill);
    const estimatedWaitSec = position === 0 ? 0 : staffed === 0 ? null : Math.round((position * aht) / staffed);
    return { callId: ticket.ticketId, position, estimatedWaitSec };
  }

  /** Agents on duty (not away or offline) per skill. */
  private async staffedBySkill(): Promise<Map<string, number>> {
    const m = new Map<string, number>();
    for (const a of await this.d.router.agents()) {
      if (STAFFED.includes(a.state)) for (const s of a.skills) m.set(s, (m.get(s) ?? 0) + 1);
    }
    return m;
  }

  /** Recording lag over this node's live recorders: segments waiting for the manifest, the oldest wait, recordings being finished. */
  recordingLag(): { pending: number; oldestMs: number; finishing: number } {
    let pending = 0;
    let oldestMs = 0;
    for (const r of this.recorders.values()) {
      const l = r.lag();
      pending += l.pending;
      oldestMs = Math.max(oldestMs, l.oldestMs);
    }
    return { pending, oldestMs, finishing: this.recordingDone.size };
  }

  describeSessions() {
    return [...this.sessions.values()].map((s) => s.describe());
  }

  /** Ends every session; resolves when their recordings are finished. */
  async closeAndFlush(reason: CallEndReason): Promise<void> {
    // Call records still being written (a hang-up just before the shutdown) finish first, while Redis is there.
    await Promise.all(this.closingSessions);
    this.close(reason);
    await Promise.all([...this.recordingDone.values(), ...this.closingSessions]);
  }

  close(reason: CallEndReason): void {
    this.closing = true;
    clearInterval(this.sweeper);
    clearInterval(this.refresher);
    clearTimeout(this.publishTimer);
    for (const s of [...this.sessions.values()]) s.close(reason);
    for (const t of this.pendingCancels.values()) clearTimeout(t);
    for (const t of this.awayParties.values()) clearTimeout(t);
  }

  // ── internals ─────────────────────────────────────────────────────────────

  /** The matter's department (咨询 has its own row). */
  private async departmentOf(matterId: string): Promise<string> {
    if (matterId === CONSULT_SKILL) return CONSULT_SKILL;
    return (await this.d.catalog.matter(matterId).catch(() => undefined))?.departmentId ?? 'unknown';
  }

  private async sendOffer(agentId: string, ticketId: string): Promise<void> {
    const t = await this.d.router.ticket(ticketId);
    if (!t || t.state !== 'offered') return;
    const status = await this.d.router.agent(agentId);
    this.emitTo(this.agentRoom(agentId), 'call:offer', {
      callId: t.ticketId,
      boothId: t.boothId,
      boothName: t.boothName,
      matterId: t.matterId,
      matterName: t.matterName,
      skill: t.skill,
      priority: t.priority,
      reqs: t.reqs,
      waitingSince: t.enqueuedAt,
      expiresAt: (status?.since ?? Date.now()) + this.d.router.offerTimeoutMs,
      transfer: t.transfer ? { fromAgentId: t.transfer.fromAgentId, fromName: t.transfer.fromName, note: t.transfer.note } : undefined,
      signVariant: t.signVariant,
    });
    await this.sendAgentState(agentId);
  }

  private async sendAgentState(agentId: string): Promise<AgentStatusInfo> {
    const s = await this.d.router.agent(agentId);
    const info: AgentStatusInfo = s
      ? { state: s.state, since: s.since, reason: s.reason, until: s.state === 'wrap-up' ? s.since + this.d.router.wrapUpMs : undefined }
      : { state: 'offline', since: Date.now(), reason: '' };
    this.emitTo(this.agentRoom(agentId), 'agent:state', info);
    return info;
  }

  /** The resident an agent was ringing left: tell it, and ring it with the next one if the router found one. */
  private async afterAgentFreed(agentId: string, withdrawnCallId: string, offered?: string): Promise<void> {
    this.emitTo(this.agentRoom(agentId), 'call:offerWithdrawn', { callId: withdrawnCallId, reason: 'cancelled' });
    if (offered) await this.sendOffer(agentId, offered);
    else await this.sendAgentState(agentId);
  }

  private async sweep(): Promise<void> {
    try {
      for (const a of await this.d.appointments.expireNoShows()) this.d.log.info({ appointmentId: a.appointmentId, skill: a.skill }, 'appointment not kept: no-show');
      for (const ev of await this.d.router.expireTimers()) {
        if (ev.kind === 'offer-missed') {
          this.d.log.info({ callId: ev.ticketId, agentId: ev.agentId }, 'offer not answered; back in the queue');
          this.emitTo(this.agentRoom(ev.agentId), 'call:offerWithdrawn', { callId: ev.ticketId, reason: 'missed' });
          await this.sendAgentState(ev.agentId);
          if (ev.offeredTo) await this.sendOffer(ev.offeredTo, ev.ticketId);
        } else {
          await this.recordDisposition(ev.agentId, 'none', 'wrap-up timed out');
          if (ev.offered) await this.sendOffer(ev.agentId, ev.offered);
          else await this.sendAgentState(ev.agentId);
        }
        this.publishSoon();
      }
    } catch (err) {
      this.d.log.error({ err }, 'queue sweep failed');
    }
  }

  /**
   * Queue figures to desks and positions to waiting booths, at most every 200 ms;
   * this node's sessions to the supervisors' dashboard, which is told of the
   * change unless this is only the periodic refresh (`changed` false).
   */
  private publishSoon(changed = true): void {
    if (changed) this.dashboardDirty = true;
    if (this.publishTimer || this.closing) return;
    this.publishTimer = setTimeout(() => {
      this.publishTimer = undefined;
      void this.publishQueue().catch((err) => this.d.log.error({ err }, 'queue publish failed'));
    }, 200);
  }

  private dashboardDirty = false;

  /** Sessions in progress on this node, as supervisors see them. */
  liveSessions(): LiveSession[] {
    const node = this.d.nodeId ?? '';
    return [...this.sessions.values()].map((s) => {
      const meta = this.sessionMeta.get(s.id);
      return {
        sessionId: s.id,
        boothId: meta?.boothId ?? '',
        boothName: meta?.boothName ?? '',
        matterName: meta?.matterName ?? '',
        startedAt: s.startedAt,
        node,
        parties: s.partyInfos().flatMap((p) => (p.role === 'recorder' ? [] : [{ role: p.role, userId: p.userId, name: p.name, ...(p.silent ? { silent: true } : {}) }])),
      };
    });
  }

  async publishQueue(): Promise<void> {
    if (this.d.supervision) {
      const changed = this.dashboardDirty;
      this.dashboardDirty = false;
      await this.d.supervision.publishSessions(this.d.nodeId ?? '', this.liveSessions());
      if (changed) this.d.supervision.changed();
    }
    const summary = await this.queueSummary();
    if (this.closing) return;
    this.d.io.to(DESK_ROOM).emit('queue:update', summary);
    const staffed = await this.staffedBySkill();
    for (const skill of await this.d.router.activeSkills()) {
      for (const t of await this.d.router.waiting(skill, 100)) {
        this.emitTo(userRoom({ role: 'booth', userId: t.boothId }), 'call:position', await this.positionOf(t, staffed));
      }
    }
  }

  private async onSessionClosed(session: Session, reason: CallEndReason): Promise<void> {
    this.sessions.delete(session.id);
    // Out of the directory first: an ended session is never taken over.
    await this.d.directory
      ?.remove(session.id, [...session.parties.values()].map((p) => p.address))
      .catch((err) => this.d.log.error({ err, sessionId: session.id }, 'session not removed from the directory'));
    const rec = this.recorders.get(session.id);
    if (rec) {
      this.recorders.delete(session.id);
      const endedAt = Date.now();
      const done = rec
        .stop()
        .then(async () => {
          await this.d.recordingIndex?.finish(session.id, endedAt, playbackOf(rec.muxed));
        })
        .catch((err) => this.d.log.error({ err, sessionId: session.id }, 'recording did not close cleanly'));
      this.recordingDone.set(session.id, done);
    }
    for (const [k, s] of this.sessionOfUser) if (s === session) this.sessionOfUser.delete(k);
    this.sessionMeta.delete(session.id);
    if (this.closing) return; // the call record is finished by whichever node serves the parties next
    await this.d.visits?.ended(session.id).catch((err) => this.d.log.error({ err, sessionId: session.id }, 'visit not recorded'));
    const seconds = Math.round((Date.now() - session.startedAt) / 1000);
    this.d.log.info({ sessionId: session.id, reason, seconds }, 'session ended');
    try {
      const ticket = (await this.d.router.ticket(session.callId))!;
      // A transfer still waiting for the next agent has nobody left to join.
      const next = await this.d.router.activeTicketOf(ticket.boothId);
      if (next?.transfer?.sessionId === session.id && next.state !== 'answered') {
        const { wasOfferedTo, offered } = await this.d.router.withdraw(next.ticketId, next.boothId);
        if (wasOfferedTo) await this.afterAgentFreed(wasOfferedTo, next.ticketId, offered);
      }
      const interpTicket = this.interpreters.get(session.id);
      this.interpreters.delete(session.id);
      this.signVariants.delete(session.id);
      if (interpTicket) {
        const t = await this.d.router.ticket(interpTicket);
        if (t?.state === 'answered') {
          const iid = await this.d.router.finish(interpTicket);
          if (iid) await this.sendAgentState(iid);
        } else if (t && (t.state === 'waiting' || t.state === 'offered')) {
          const w = await this.d.router.withdraw(interpTicket, t.boothId);
          if (w.wasOfferedTo) await this.afterAgentFreed(w.wasOfferedTo, interpTicket, w.offered);
        }
      }
      // (When a lost party ended the call, partyLost has finished the record already: still tell the agent its state.)
      const agentId = (await this.d.router.finish(ticket.ticketId)) ?? ticket.agentId;
      await this.d.router.recordHandlingTime(ticket.skill, seconds);
      if (ticket.agentId) {
        await this.d.feedback.sessionEnded({ sessionId: session.id, callId: ticket.ticketId, boothId: ticket.boothId, agentId: ticket.agentId, interpreterIds: [...session.interpreterIds], matterId: ticket.matterId, endedAt: Date.now() });
      }
      if (agentId) await this.sendAgentState(agentId);
      this.publishSoon();
    } catch (err) {
      if (!this.closing) this.d.log.error({ err, callId: session.callId }, 'could not close the call record');
    }
  }
}
