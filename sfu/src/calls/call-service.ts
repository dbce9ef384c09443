/**
 * The call lifecycle on this node: a booth asks, an agent answers, a session
 * (router) is created for them, media flows, someone hangs up. Parties are
 * identified by role + user id, not by socket, so a party's notifications
 * reach whichever of its connections is live (room `u:<role>:<id>`).
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'socket.io';
import {
  AppError,
  ErrorCode,
  type CallEndReason,
  type ClientToServerEvents,
  type ServerToClientEvents,
  type SessionInfo,
  type SocketData,
} from '@xiaowu/shared';
import type { Logger } from '../log';
import { mediaCodecs } from '../media/codecs';
import { Session, type Party, type PartyNotifier } from '../media/session';
import type { WorkerPool } from '../media/worker-pool';
import type { CallQueue } from './call-queue';

export type SignalingServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
export type User = Pick<SocketData, 'role' | 'userId' | 'name'>;

export const userRoom = (u: Pick<User, 'role' | 'userId'>) => `u:${u.role}:${u.userId}`;
export const AGENTS_ROOM = 'agents';

/** A booth that drops while waiting keeps its place this long. */
const WAITING_GRACE_MS = 20_000;

export class CallService implements PartyNotifier {
  private readonly sessions = new Map<string, Session>();
  private readonly sessionOfUser = new Map<string, Session>();
  private readonly pendingCancels = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly queue: CallQueue,
    private readonly pool: WorkerPool,
    private readonly io: SignalingServer,
    private readonly log: Logger,
  ) {
    pool.onWorkerDied = (routers) => {
      for (const s of this.sessions.values()) if (routers.includes(s.router)) s.close('media-failure');
    };
  }

  notify<E extends keyof ServerToClientEvents>(party: Party, event: E, ...args: Parameters<ServerToClientEvents[E]>): void {
    (this.io.to(party.address).emit as (e: string, ...a: unknown[]) => void)(event, ...args);
  }

  async request(booth: User): Promise<{ callId: string; position: number }> {
    clearTimeout(this.pendingCancels.get(booth.userId));
    this.pendingCancels.delete(booth.userId);
    const { call, position } = await this.queue.enqueue(booth.userId, booth.name);
    this.log.info({ callId: call.callId, boothId: booth.userId, position }, 'call requested');
    await this.publishQueue();
    return { callId: call.callId, position };
  }

  async cancel(booth: User, callId: string): Promise<void> {
    const removed = await this.queue.cancel(callId, booth.userId);
    if (!removed) throw new AppError(ErrorCode.CallUnavailable, 'the call was already answered');
    this.log.info({ callId, boothId: booth.userId }, 'call cancelled');
    await this.publishQueue();
  }

  async answer(agent: User, callId: string): Promise<SessionInfo> {
    if (this.sessionOfUser.has(userRoom(agent))) throw new AppError(ErrorCode.CallAlreadyActive, 'finish the current call first');
    const sessionId = randomUUID();
    const call = await this.queue.claim(callId, agent.userId, sessionId);
    let session: Session;
    try {
      const { router, webRtcServer } = await this.pool.createRouter(mediaCodecs);
      session = new Session(sessionId, callId, router, webRtcServer, this);
    } catch (err) {
      await this.queue.unclaim(call);
      throw err;
    }
    const booth: User = { role: 'booth', userId: call.boothId, name: call.boothName };
    const boothParty = session.addParty(booth, userRoom(booth));
    const agentParty = session.addParty(agent, userRoom(agent));
    this.sessions.set(sessionId, session);
    this.sessionOfUser.set(userRoom(booth), session);
    this.sessionOfUser.set(userRoom(agent), session);
    session.onClose = (reason) => void this.onSessionClosed(session, reason, call);
    this.log.info({ sessionId, callId, agentId: agent.userId, boothId: call.boothId }, 'call answered, session created');

    const info = (you: Party): SessionInfo => ({
      sessionId,
      callId,
      startedAt: session.startedAt,
      you: you.info,
      parties: session.partyInfos(),
    });
    this.notify(boothParty, 'call:started', info(boothParty));
    await this.publishQueue();
    return info(agentParty);
  }

  async hangup(user: User, sessionId: string): Promise<void> {
    const { session } = this.partyOf(user, sessionId);
    session.close('hangup');
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
  async userGone(user: User): Promise<void> {
    const session = this.sessionOfUser.get(userRoom(user));
    if (session && (user.role === 'booth' || user.role === 'agent')) {
      // Reconnection into a running session comes with issue 8; until then the call ends.
      session.close('party-left');
      return;
    }
    if (user.role === 'booth') {
      const call = await this.queue.activeCallOf(user.userId);
      if (call?.state === 'waiting') {
        const t = setTimeout(() => {
          this.pendingCancels.delete(user.userId);
          void this.queue
            .cancel(call.callId, user.userId)
            .then(() => this.publishQueue())
            .catch((err) => this.log.warn({ err, callId: call.callId }, 'could not drop an abandoned call'));
        }, WAITING_GRACE_MS);
        this.pendingCancels.set(user.userId, t);
      }
    }
  }

  /** Tells agents the queue and each waiting booth its place. */
  async publishQueue(): Promise<void> {
    const waiting = await this.queue.waiting();
    this.io.to(AGENTS_ROOM).emit(
      'queue:update',
      waiting.map(({ callId, boothId, boothName, waitingSince }) => ({ callId, boothId, boothName, waitingSince })),
    );
    waiting.forEach((c, i) => this.io.to(userRoom({ role: 'booth', userId: c.boothId })).emit('call:position', { callId: c.callId, position: i + 1 }));
  }

  async queueSnapshot() {
    return this.queue.waiting();
  }

  describeSessions() {
    return [...this.sessions.values()].map((s) => s.describe());
  }

  closeAll(reason: CallEndReason): void {
    for (const s of [...this.sessions.values()]) s.close(reason);
    for (const t of this.pendingCancels.values()) clearTimeout(t);
  }

  private async onSessionClosed(session: Session, reason: CallEndReason, call: { callId: string; boothId: string }): Promise<void> {
    this.sessions.delete(session.id);
    for (const [k, s] of this.sessionOfUser) if (s === session) this.sessionOfUser.delete(k);
    this.log.info({ sessionId: session.id, reason, seconds: Math.round((Date.now() - session.startedAt) / 1000) }, 'session ended');
    await this.queue.finish(call, 'ended').catch((err) => this.log.error({ err, callId: call.callId }, 'could not close call record'));
  }
}
