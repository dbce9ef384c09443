/**
 * Composition root: Redis, mediasoup workers, express, socket.io, calls.
 * `startServer` is what `npm start` runs and what the tests start.
 */
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Server } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import { SOCKET_PATH } from '@xiaowu/shared';
import type { Config } from './config';
import { createLogger, type Logger } from './log';
import { openRedis, redisSettings, watch } from './store/redis';
import { WorkerPool } from './media/worker-pool';
import { MediaCensus } from './media/census';
import { CallService, routingProfile, userRoom, type SignalingServer } from './calls/call-service';
import { attachSignaling } from './signaling/signaling';
import { createHttpApp } from './http/app';
import { createApi, errorHandler } from './http/api';
import { CallRouter } from './queue/call-router';
import { Appointments, HoursStore } from './queue/appointments';
import { CENTER_SCHEDULE } from '@xiaowu/shared';
import { CatalogStore } from './catalog/catalog-store';
import { Accounts } from './auth/accounts';
import { TokenService } from './auth/tokens';
import { ensureDemoAccounts, type DemoCredentials } from './auth/demo-accounts';
import { Uploads } from './documents/uploads';
import { PortPool } from './recording/port-pool';
import { applyRetention } from './recording/retention';
import { CaseStore } from './cases/case-store';
import { RecordingIndex, playbackOf } from './recording/recording-index';
import { recoverRecordings } from './recording/recovery';
import { CaptionService } from './captions/caption-service';
import { createRecordingApi } from './http/recording-api';
import { createCaseApi, createProgressApi } from './http/case-api';
import { FeedbackStore } from './feedback/feedback-store';
import { createFeedbackApi } from './http/feedback-api';
import { createStatsApi } from './http/stats-api';
import { createBoothApi, createNodeApi } from './http/booth-api';
import type { SupervisionFigures } from './http/metrics';
import { NodeRegistry } from './cluster/nodes';
import { NodeRpc } from './cluster/rpc';
import { SessionDirectory } from './cluster/session-directory';
import { Cluster } from './cluster/cluster';
import { VisitLog } from './stats/visit-log';
import { Fleet } from './supervision/fleet';
import { Dashboard, SUPERVISOR_ROOM } from './supervision/dashboard';
import os from 'node:os';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface RunningServer {
  url: string;
  port: number;
  log: Logger;
  calls: CallService;
  census: MediaCensus;
  accounts: Accounts;
  tokens: TokenService;
  catalog: CatalogStore;
  router: CallRouter;
  pool: WorkerPool;
  hours: HoursStore;
  appointments: Appointments;
  uploads: Uploads;
  cases: CaseStore;
  feedback: FeedbackStore;
  visits: VisitLog;
  fleet: Fleet;
  dashboard: Dashboard;
  nodes: NodeRegistry;
  recordings: RecordingIndex;
  /** The server's Redis connection (tests read the audit stream through it). */
  redis: import('ioredis').Redis;
  demo?: DemoCredentials;
  close(): Promise<void>;
}

const census = new MediaCensus(); // one per process: mediasoup's observer is global
let serversInProcess = 0;

export async function startServer(config: Config): Promise<RunningServer> {
  const log = createLogger(config.LOG_LEVEL);
  const redis = await openRedis({ ...redisSettings(config), dataDir: config.DATA_DIR, log });
  log.info({ redis: redis.where }, 'redis connected');
  let pool: WorkerPool | undefined;
  try {
    pool = await WorkerPool.create({
      count: config.MEDIASOUP_WORKERS,
      listenIp: config.RTC_LISTEN_IP,
      announcedAddress: config.RTC_ANNOUNCED_ADDRESS,
      basePort: config.RTC_PORT,
      log,
    });
  } catch (err) {
    await redis.close();
    throw err;
  }

  const httpServer = http.createServer();
  const io: SignalingServer = new Server(httpServer, {
    path: SOCKET_PATH,
    transports: ['websocket'],
    maxHttpBufferSize: 256 * 1024,
    serveClient: false,
  });
  // Events for a party reach it whichever node it is connected to.
  const pub = watch(redis.redis.duplicate(), log);
  const sub = watch(redis.redis.duplicate(), log);
  io.adapter(createAdapter(pub, sub, { key: '{xw}:io' }));
  const catalog = new CatalogStore(redis.redis);
  await catalog.init();
  const accounts = new Accounts(redis.redis);
  const tokens = await TokenService.create(redis.redis, config.AUTH_SECRET);
  const demo = config.DEMO_ACCOUNTS ? await ensureDemoAccounts(accounts, await catalog.current(), config.DATA_DIR) : undefined;
  const router = new CallRouter(redis.redis, { offerTimeoutMs: config.OFFER_TIMEOUT_S * 1000, wrapUpMs: config.WRAP_UP_S * 1000 });
  // Every agent account is known to the router (offline until it logs in), so
  // appointment capacity and estimates count agents who have not connected yet.
  for (const a of await accounts.listStaff()) {
    if (a.role === 'agent' || a.role === 'interpreter') await router.registerAgent(routingProfile(a));
  }
  const hours = new HoursStore(redis.redis);
  await hours.init({ default: config.SERVICE_HOURS === 'center' ? CENTER_SCHEDULE : 'always', bySkill: {} });
  const appointments = new Appointments(redis.redis, router, () => hours.get());
  const recording =
    config.RECORDING === 'on'
      ? { pool: new PortPool(config.RECORD_PORT_MIN, config.RECORD_PORT_MAX), root: path.join(config.DATA_DIR, 'recordings'), segmentSeconds: config.RECORD_SEGMENT_S }
      : undefined;
  const feedback = new FeedbackStore(redis.redis);
  const visits = new VisitLog(redis.redis);
  const fleet = new Fleet(redis.redis);
  // Unique per server, also when a process runs several (tests): each node listens on its own channel.
  const nodeId = config.NODE_ID ?? `${os.hostname()}-${process.pid}${++serversInProcess > 1 ? `-${serversInProcess}` : ''}`;
  const directory = new SessionDirectory(redis.redis, nodeId);
  const rpc = new NodeRpc({ redis: redis.redis, sub: watch(redis.redis.duplicate(), log), nodeId, log });
  await rpc.start();
  // The call service is made below; the dashboard reaches its queue figures through this.
  let callsRef: CallService | undefined;
  const dashboard = new Dashboard({
    redis: redis.redis,
    router,
    accounts,
    feedback,
    fleet,
    log,
    queues: async () => (callsRef ? (await callsRef.queueSummary()).skills : []),
    emit: (snap) => io.to(SUPERVISOR_ROOM).emit('dashboard:snapshot', snap),
    emitLocal: (snap) => io.local.to(SUPERVISOR_ROOM).emit('dashboard:snapshot', snap),
    localWatchers: () => io.of('/').adapter.rooms.get(SUPERVISOR_ROOM)?.size ?? 0,
  });
  feedback.onChange = () => dashboard.changed();
  const recordingIndex = new RecordingIndex(redis.redis);
  // The case store is made below (it needs the uploads); the call service reaches it through this.
  let cases: CaseStore | undefined;
  const calls = new CallService({
    router,
    appointments,
    hours,
    catalog,
    accounts,
    pool,
    io,
    redis: redis.redis,
    log,
    recording,
    recordingIndex,
    feedback,
    visits,
    supervision: dashboard,
    nodeId,
    directory,
    reconnectGraceMs: config.RECONNECT_GRACE_S * 1000,
    onInterpreterJoined: ({ sessionId, boothId, interpreterId }) =>
      void cases?.noteInterpreter(boothId, sessionId, interpreterId).catch((err) => log.error({ err, sessionId }, 'case not told about the interpreter')),
  });
  // Live captions: no speech engine ships with the system (captions answer 'unavailable' until one is plugged in, see captions/caption-service.ts).
  // (Same port pool as the recorders: the two never collide.)
  const captions = new CaptionService({ engine: undefined, ports: recording?.pool ?? new PortPool(config.RECORD_PORT_MIN, config.RECORD_PORT_MAX), redis: redis.redis, log });
  callsRef = calls;
  const nodes = new NodeRegistry({
    redis: redis.redis,
    nodeId,
    url: config.NODE_URL,
    log,
    load: () => ({ sessions: calls.liveSessions().length, connections: io.of('/').sockets.size, workers: pool.size }),
  });
  // Users sent on by a draining node: their disconnect is not "gone" (they reconnect on another node).
  const sentOn = new Set<string>();
  const sendOnIdle = async () => {
    for (const s of await io.local.fetchSockets()) {
      const user = s.data;
      if (calls.inCall(user)) continue; // calls finish here
      sentOn.add(userRoom(user));
      s.emit('server:draining', {});
      s.disconnect(true);
    }
  };
  // A draining node's calls finish here for DRAIN_MOVE_AFTER_S; those still running then move to other nodes.
  let drainingSince = 0;
  let handingOff: Promise<unknown> | undefined;
  const moveCallsIfDue = () => {
    if (handingOff || Date.now() - drainingSince < config.DRAIN_MOVE_AFTER_S * 1000 || calls.sessionIds().length === 0) return;
    handingOff = cluster
      .handOffAll()
      .then((n) => n && log.warn({ moved: n }, 'draining: calls moved to other nodes'))
      .catch((err) => log.error({ err }, 'draining: could not move calls'))
      .finally(() => (handingOff = undefined));
  };
  nodes.onDraining = () => {
    drainingSince = Date.now();
    moveCallsIfDue();
    dashboard.changed();
    void sendOnIdle().catch((err) => log.warn({ err }, 'could not send clients on'));
  };
  nodes.onDrainTick = () => {
    moveCallsIfDue();
    void sendOnIdle().catch((err) => log.warn({ err }, 'could not send clients on'));
  };
  dashboard.nodes = () => nodes.list();
  const cluster = new Cluster({
    nodeId,
    directory,
    rpc,
    nodes,
    calls,
    router,
    log,
    placement: config.PLACEMENT,
    presenceGraceMs: config.RECONNECT_GRACE_S * 1000,
    connectedAnywhere: async (room) => (await io.in(room).fetchSockets()).length > 0,
  });
  attachSignaling(io, calls, tokens, log, captions, {
    heartbeat: async (boothId, hb) => {
      dashboard.noteBooth(boothId);
      if (await fleet.beat(boothId, hb)) dashboard.changed();
    },
    snapshot: () => dashboard.snapshot(),
    connected: (user) => {
      sentOn.delete(userRoom(user));
      if (user.role === 'booth') dashboard.noteBooth(user.userId);
      if (user.role === 'booth') void fleet.beat(user.userId, {}).then((news) => news && dashboard.changed(), (err) => log.warn({ err }, 'booth heartbeat not stored'));
    },
  }, { draining: () => nodes.draining, sentOn: (u) => sentOn.has(userRoom(u)) }, cluster);
  nodes.start();
  const uploads = new Uploads(redis.redis, config.DATA_DIR, { maxBytes: config.UPLOAD_MAX_MB * 1024 * 1024, chunkBytes: 1024 * 1024 });
  const api = createApi({
    accounts,
    tokens,
    catalog,
    hours,
    appointments,
    uploads,
    publicUrl: config.PUBLIC_URL,
    redis: redis.redis,
    log,
    // Revoked tokens: the user's live connections close now (on every node, through the adapter); reconnecting with them fails.
    onRevoked: (p) => io.in(userRoom(p)).disconnectSockets(true),
  });
  // Daily retention job (and once at start).
  const retention = () =>
    recording && void applyRetention({
      root: recording.root,
      defaultDays: config.RECORD_RETENTION_DAYS,
      redis: redis.redis,
      log,
      daysForMatter: async (matterId) => (await catalog.matter(matterId)).recordRetentionDays,
    }).catch((err) => log.error({ err }, 'retention job failed'));
  retention();
  const retentionTimer = setInterval(retention, 86_400_000);
  retentionTimer.unref();
  // Sessions of a process that died mid-call: hash what was left open, close them as recovered, mux them.
  const recover = () =>
    recording &&
    void recoverRecordings({
      root: recording.root,
      redis: redis.redis,
      log,
      // (A session in the directory is running on a node, or about to be taken over by one.)
      live: async (id) => calls.recordingDir(id) !== undefined || (await directory.owner(id)) !== undefined,
      onRecovered: (id, endedAt, m) => recordingIndex.finish(id, endedAt, playbackOf(m)),
    }).catch((err) => log.error({ err }, 'recording recovery failed'));
  recover();
  const recoveryTimer = setInterval(recover, 5 * 60_000);
  recoveryTimer.unref();
  cases = new CaseStore(redis.redis, {
    files: uploads,
    // The booth and the assigned agent refresh their view of the case at once (review verdicts reach the resident live).
    onSaved: (c, action) => {
      if (action === 'create' && c.sessionId) void recordingIndex.addCase(c.sessionId, c.caseNo).catch((err) => log.error({ err }, 'recording index not updated'));
      // 一事多评: the completion of a case served in a call is rated on its own (invite code, 3 days).
      if (action === 'complete' && c.sessionId && c.agentId) {
        const r = { sessionId: c.sessionId, callId: '', boothId: c.boothId, agentId: c.agentId, interpreterIds: c.interpreterIds ?? [], matterId: c.matterId, endedAt: c.completedAt ?? Date.now(), caseNo: c.caseNo };
        void feedback.caseCompleted(r).catch((err) => log.error({ err, caseNo: c.caseNo }, 'completion not opened for rating'));
      }
      const rooms = [userRoom({ role: 'booth', userId: c.boothId }), ...(c.agentId ? [userRoom({ role: 'agent', userId: c.agentId })] : [])];
      io.to(rooms).emit('case:updated', { caseNo: c.caseNo, version: c.version, state: c.state, action, ...(c.sessionId ? { sessionId: c.sessionId } : {}) });
    },
  });
  api.use(
    '/cases',
    createCaseApi({ cases, catalog, tokens, accounts, uploads, publicUrl: config.PUBLIC_URL, boothCall: (b) => calls.boothCall(b) }),
  );
  api.use('/progress', createProgressApi(cases, feedback));
  if (recording) {
    api.use(
      '/recordings',
      createRecordingApi({ tokens, root: recording.root, index: recordingIndex, redis: redis.redis, chatHistory: (id) => calls.chatHistory(id), agentAccess: config.RECORD_AGENT_ACCESS }),
    );
  }
  api.use(createFeedbackApi({ feedback, tokens, redis: redis.redis }));
  api.use(createNodeApi({ tokens, nodes, redis: redis.redis }));
  api.use(createBoothApi({ accounts, tokens, redis: redis.redis, onChanged: () => dashboard.boothsChanged(), onRevoked: (p) => io.in(userRoom(p)).disconnectSockets(true) }));
  api.use(createStatsApi({ tokens, accounts, catalog, cases, feedback, visits, defaultTravelMinutes: config.TRAVEL_MINUTES_DEFAULT }));
  const overdue = setInterval(() => void cases.expireOverdue().catch((err) => log.error({ err }, 'case deadline job failed')), 60_000);
  overdue.unref();
  // Fleet and follow-up figures for /metrics: one dashboard snapshot per scrape (the gauges share it for a second).
  let figures: { at: number; p: Promise<SupervisionFigures> } | undefined;
  const supervisionFigures = () => {
    if (!figures || Date.now() - figures.at > 1000) {
      figures = {
        at: Date.now(),
        p: dashboard.snapshot().then((s) => ({
          boothsOnline: s.booths.filter((b) => b.online).length,
          boothsOffline: s.booths.filter((b) => !b.online).length,
          followUpsOpen: s.followUps.filter((f) => f.state === 'open').length,
          followUpsOverdue: s.followUps.filter((f) => f.overdue).length,
        })),
      };
    }
    return figures.p;
  };
  httpServer.on('request', createHttpApp({ redis: redis.redis, pool, census, calls, webRoot: projectRoot, api, errorHandler: errorHandler(log), supervision: supervisionFigures, draining: () => nodes.draining }));

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.PORT, config.HOST, resolve);
  });
  const addr = httpServer.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.PORT;
  const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? '127.0.0.1' : config.HOST;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  log.info({ url, workers: pool.size }, 'sfu listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    log,
    calls,
    census,
    accounts,
    tokens,
    catalog,
    router,
    pool,
    hours,
    appointments,
    uploads,
    cases,
    feedback,
    visits,
    fleet,
    dashboard,
    nodes,
    recordings: recordingIndex,
    redis: redis.redis,
    demo,
    close: () =>
      (closing ??= (async () => {
        clearInterval(retentionTimer);
        clearInterval(recoveryTimer);
        clearInterval(overdue);
        dashboard.close();
        cluster.close();
        // Calls move to the other nodes if there are any (a rolling restart); otherwise they end below.
        await cluster.handOffAll().catch((err) => log.error({ err }, 'could not hand calls over at shutdown'));
        await nodes.stop();
        await calls.closeAndFlush('server-shutdown');
        await io.close(); // also closes httpServer
        pool!.close();
        await rpc.close();
        // quit (not disconnect): replies still on their way (the adapter's last publishes) arrive instead of rejecting unhandled.
        await Promise.all([pub.quit().catch(() => pub.disconnect()), sub.quit().catch(() => sub.disconnect())]);
        await redis.close();
      })()),
  };
}
