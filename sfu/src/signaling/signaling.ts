/**
 * socket.io signaling: authenticates the handshake, validates every incoming
 * message against the shared zod schemas, checks the sender's role, and
 * answers each request's ack with `{ ok, data }` or a typed `{ ok: false, error }`.
 */
import type { Socket } from 'socket.io';
import { z } from 'zod';
import {
  AppError,
  ErrorCode,
  HandshakeAuth,
  Requests,
  type Ack,
  type ClientToServerEvents,
  type ErrorPayload,
  type RequestName,
  type Responses,
  type Role,
  type ServerToClientEvents,
  type SocketData,
  type BoothHeartbeat,
  type DashboardSnapshot,
} from '@xiaowu/shared';
import { SUPERVISOR_ROOM } from '../supervision/dashboard';
import type { Logger } from '../log';
import { DESK_ROOM, CallService, userRoom, type SignalingServer, type User } from '../calls/call-service';
import type { TokenService } from '../auth/tokens';
import type { types } from 'mediasoup';

import type { CaptionService } from '../captions/caption-service';
import { captionView } from '../captions/session-view';
import type { Cluster } from '../cluster/cluster';

type AppSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
type Handler<K extends RequestName> = (user: User, payload: z.output<(typeof Requests)[K]>, socket: AppSocket) => Promise<Responses[K]>;

/** The supervisors' side of signaling: booth heartbeats in, dashboard snapshots out. */
export interface SupervisionSignals {
  heartbeat(boothId: string, hb: BoothHeartbeat): Promise<void>;
  /** The current snapshot for a supervisor who starts watching. */
  snapshot(): Promise<DashboardSnapshot>;
  /** A user connected (a booth's connect counts as a heartbeat). */
  connected(user: User): void;
}

/** Which roles may send each request; media requests are further limited to a session's parties. */
const allowed: Record<RequestName, readonly Role[]> = {
  'call:request': ['booth'],
  'call:cancel': ['booth'],
  'call:answer': ['agent', 'interpreter'],
  'call:decline': ['agent', 'interpreter'],
  'call:transfer': ['agent'],
  'chat:send': ['booth', 'agent', 'interpreter', 'supervisor'],
  'captions:set': ['booth', 'agent', 'interpreter'],
  'session:resume': ['booth', 'agent', 'interpreter', 'supervisor'],
  'media:restartIce': ['booth', 'agent', 'interpreter', 'supervisor'],
  'doc:requestCapture': ['agent'],
  'doc:uploaded': ['booth'],
  'doc:annotate': ['agent'],
  'doc:pointer': ['agent'],
  'guide:push': ['agent'],
  'agent:setState': ['agent', 'interpreter'],
  'agent:wrapUp': ['agent', 'interpreter'],
  'interp:request': ['booth', 'agent'],
  'call:hangup': ['booth', 'agent', 'interpreter', 'supervisor'],
  'media:routerCapabilities': ['booth', 'agent', 'interpreter', 'supervisor'],
  'media:createTransport': ['booth', 'agent', 'interpreter', 'supervisor'],
  'media:connectTransport': ['booth', 'agent', 'interpreter', 'supervisor'],
  'media:produce': ['booth', 'agent', 'interpreter'],
  'media:consume': ['booth', 'agent', 'interpreter', 'supervisor'],
  'media:resumeConsumer': ['booth', 'agent', 'interpreter', 'supervisor'],
  'media:closeProducer': ['booth', 'agent', 'interpreter'],
  'media:rejoin': ['booth', 'agent', 'interpreter', 'supervisor'],
  'booth:heartbeat': ['booth'],
  'dashboard:watch': ['supervisor'],
  'monitor:join': ['supervisor'],
  'chat:whisper': ['agent', 'interpreter', 'supervisor'],
};

/** Draining (cluster/nodes.ts): new connections refused; clients sent on are not "gone" (they reconnect elsewhere). */
export interface DrainGate {
  draining(): boolean;
  sentOn(user: User): boolean;
}

export function attachSignaling(
  io: SignalingServer,
  calls: CallService,
  tokens: TokenService,
  log: Logger,
  captions: CaptionService,
  supervision?: SupervisionSignals,
  gate?: DrainGate,
  /** Several nodes: requests about a session run on its node (cluster/cluster.ts). */
  cluster?: Cluster,
): void {
  const handlers: { [K in RequestName]: Handler<K> } = {
    'call:request': (u, p) => calls.request(u, p),
    'call:cancel': async (u, p) => (await calls.cancel(u, p.callId), {}),
    'call:answer': (u, p) => calls.answer(u, p.callId),
    'call:decline': async (u, p) => (await calls.decline(u, p.callId), {}),
    'call:transfer': (u, p) => calls.transfer(u, p.sessionId, p.to, p.note),
    'interp:request': (u, p) => calls.requestInterpreter(u, p.sessionId, p.variant),
    'chat:send': (u, p) => calls.chat(u, p.sessionId, p.text),
    'session:resume': (u, p) => calls.resume(u, p.sessionId),
    'media:restartIce': (u, p) => calls.restartIce(u, p.transportId),
    'captions:set': async (u, p) => {
      const { session } = calls.partyOf(u, p.sessionId);
      return captions.set(captionView(session, calls, captions), p.on);
    },
    'doc:requestCapture': async (u, p) => (calls.relay(u, p.sessionId, ['booth'], 'doc:captureRequested', { sessionId: p.sessionId, materialId: p.materialId, by: u.name }), {}),
    'doc:uploaded': async (u, p) => (calls.relay(u, p.sessionId, ['agent', 'interpreter', 'supervisor'], 'doc:uploaded', p), {}),
    'doc:annotate': async (u, p) => (calls.relay(u, p.sessionId, ['booth', 'interpreter', 'supervisor'], 'doc:annotations', p), {}),
    'doc:pointer': async (u, p) => (calls.relay(u, p.sessionId, ['booth'], 'doc:pointer', p), {}),
    'guide:push': async (u, p) => (calls.relay(u, p.sessionId, ['booth', 'interpreter'], 'guide:item', { sessionId: p.sessionId, item: p.item, by: u.name }), {}),
    'agent:setState': (u, p) => calls.setAgentState(u, p.state, p.reason),
    'agent:wrapUp': (u, p) => calls.wrapUp(u, p.disposition, p.note),
    'call:hangup': async (u, p) => (await calls.hangup(u, p.sessionId), {}),
    'media:routerCapabilities': async (u, p) => calls.partyOf(u, p.sessionId).session.router.rtpCapabilities as Responses['media:routerCapabilities'],
    'media:createTransport': (u, p) => {
      const { session, party } = calls.partyOf(u, p.sessionId);
      return session.createTransport(party, p.direction);
    },
    'media:connectTransport': async (u, p) => {
      const { session, party } = calls.partyOf(u);
      await session.connectTransport(party, p.transportId, p.dtlsParameters as types.DtlsParameters);
      return {};
    },
    'media:produce': async (u, p) => {
      const { session, party } = calls.partyOf(u);
      const producerId = await session.produce(party, p.transportId, p.kind, p.rtpParameters as unknown as types.RtpParameters, p.source);
      return { producerId };
    },
    'media:consume': (u, p) => {
      const { session, party } = calls.partyOf(u);
      return session.consume(party, p.transportId, p.producerId, p.rtpCapabilities as unknown as types.RtpCapabilities);
    },
    'media:resumeConsumer': async (u, p) => {
      const { session, party } = calls.partyOf(u);
      await session.resumeConsumer(party, p.consumerId);
      return {};
    },
    'media:rejoin': async (u, p) => (calls.rejoinMedia(u, p.sessionId), {}),
    'media:closeProducer': async (u, p) => {
      const { session, party } = calls.partyOf(u);
      session.closeProducer(party, p.producerId);
      return {};
    },
    'booth:heartbeat': async (u, p) => {
      await supervision?.heartbeat(u.userId, p);
      return {};
    },
    'dashboard:watch': async (_u, _p, socket) => {
      if (!supervision) throw new AppError(ErrorCode.CallUnavailable, 'supervision is not enabled on this server');
      await socket.join(SUPERVISOR_ROOM);
      return supervision.snapshot();
    },
    'monitor:join': (u, p) => calls.monitor(u, p.sessionId),
    'chat:whisper': (u, p) => calls.whisper(u, p.sessionId, p.text),
  };

  // Requests forwarded by another node run here as if their sender were connected here (no socket: never 'dashboard:watch').
  cluster?.start((user, name, payload) => (handlers[name] as Handler<RequestName>)(user, payload as never, undefined as unknown as AppSocket));

  io.use((socket, next) => {
    const fail = (message: string) => {
      const err = new Error('invalid handshake credentials') as Error & { data: ErrorPayload };
      err.data = { code: ErrorCode.Unauthorized, message };
      next(err);
    };
    if (gate?.draining()) {
      const err = new Error('this server is draining') as Error & { data: ErrorPayload };
      err.data = { code: ErrorCode.NodeDraining, message: 'this server is being taken out of service: connect again' };
      return next(err);
    }
    const auth = HandshakeAuth.safeParse(socket.handshake.auth);
    if (!auth.success) return fail(z.prettifyError(auth.error));
    tokens.verify(auth.data.token).then(
      (p) => {
        socket.data = { role: p.role, userId: p.userId, name: p.name };
        next();
      },
      (err: AppError) => fail(err.message),
    );
  });

  io.on('connection', (socket: AppSocket) => {
    const user: User = { ...socket.data };
    void socket.join(userRoom(user));
    if (user.role === 'agent' || user.role === 'supervisor') void socket.join(DESK_ROOM);
    // Requests wait until the agent is registered with the router (skills, state).
    const ready =
      user.role === 'agent' || user.role === 'interpreter' ? calls.agentConnected(user).catch((err) => log.error({ err }, 'agent registration failed')) : Promise.resolve();
    log.debug({ role: user.role, userId: user.userId, sid: socket.id }, 'connected');
    // A party of a running call that lost its connection is back (the call was waiting for it).
    if (cluster) {
      cluster.connected(user);
      cluster.userBack(user);
    } else calls.userBack(user);
    supervision?.connected(user);

    socket.onAny((event: string, ...args: unknown[]) => {
      if (Object.hasOwn(Requests, event)) return;
      reply(socket, event, args, { code: ErrorCode.BadRequest, message: `unknown event ${JSON.stringify(event).slice(0, 80)}` });
    });

    for (const name of Object.keys(Requests) as RequestName[]) {
      socket.on(name, async (...args: unknown[]) => {
        const ack = typeof args.at(-1) === 'function' ? (args.pop() as (r: Ack<unknown>) => void) : undefined;
        const fail = (error: ErrorPayload) => (ack ? ack({ ok: false, error }) : socket.emit('protocol:error', { event: name, error }));
        if (!allowed[name].includes(user.role)) {
          return fail({ code: ErrorCode.Forbidden, message: `${user.role} may not send ${name}` });
        }
        const parsed = args.length === 1 ? Requests[name].safeParse(args[0]) : undefined;
        if (!parsed?.success) {
          return fail({ code: ErrorCode.BadRequest, message: parsed ? z.prettifyError(parsed.error) : `${name} takes one payload object` });
        }
        try {
          await ready;
          const local = () => (handlers[name] as Handler<RequestName>)(user, parsed.data as never, socket);
          const data = cluster ? await cluster.run(user, name, parsed.data, local) : await local();
          ack?.({ ok: true, data });
        } catch (err) {
          if (err instanceof AppError) {
            log.info({ event: name, code: err.code, msg: err.message, userId: user.userId }, 'request refused');
            return fail(err.toPayload());
          }
          log.error({ err, event: name, userId: user.userId }, 'request failed');
          fail({ code: ErrorCode.Internal, message: 'internal error' });
        }
      });
    }

    socket.on('disconnect', () => {
      // (At 'disconnect' the socket has left its rooms: what is left are the user's other connections here.)
      if (cluster && !calls.closing && !io.of('/').adapter.rooms.get(userRoom(user))?.size) cluster.disconnected(user);
      if (calls.closing || gate?.sentOn(user)) return;
      void (async () => {
        const still = await io.in(userRoom(user)).fetchSockets();
        if (still.length === 0) await (cluster ? cluster.userGone(user) : calls.userGone(user));
      })().catch((err) => log.error({ err, userId: user.userId }, 'cleanup after disconnect failed'));
    });
  });
}

function reply(socket: AppSocket, event: string, args: unknown[], error: ErrorPayload): void {
  const ack = args.at(-1);
  if (typeof ack === 'function') (ack as (r: Ack<never>) => void)({ ok: false, error });
  else socket.emit('protocol:error', { event: event.slice(0, 80), error });
}
