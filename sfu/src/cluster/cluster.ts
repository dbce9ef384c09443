/**
 * Sessions across sfu nodes. A client's socket may be on any node (the load
 * balancer picks); a session lives on one node (its mediasoup router there),
 * and its parties' media goes to that node directly.
 *
 * - Placement: an agent's answer creates the session on the least-loaded live
 *   node (calls per worker, from the node registry, plus what this node placed
 *   in the last heartbeat period); ties stay on the agent's node.
 * - Routing: a request about a session (media, chat, documents, hang-up…) is
 *   run on the session's node — forwarded over Redis (cluster/rpc.ts) when the
 *   sender's socket is elsewhere. Presence (a party's connection gone / back)
 *   is forwarded the same way, so the session's node keeps its grace timers.
 * - Takeover: a node is dead when its RPC channel has no listener (its Redis
 *   connection closed with the process: at once after a SIGKILL) or its
 *   heartbeat is NODE_DEAD_AFTER_MS old (a hung or cut-off node). Its sessions
 *   are taken over — by the node a party's request reaches first, or by the
 *   watch every node runs each second, which shares them out among the live
 *   nodes by load — and re-created there (CallService.adopt): same parties,
 *   call, chat and recording; the parties are told 'media:reset' and open their
 *   media on the new node. Clients whose socket was on the dead node reconnect
 *   through the load balancer and resume the call.
 */
import { AppError, ErrorCode, type LiveNode, type RequestName } from '@xiaowu/shared';
import type { Logger } from '../log';
import { userRoom, type CallService, type User } from '../calls/call-service';
import type { CallRouter } from '../queue/call-router';
import { NODE_HEARTBEAT_MS, type NodeRegistry } from './nodes';
import { NodeGoneError, type NodeRpc } from './rpc';
import type { SessionDirectory } from './session-directory';

/** Requests that never depend on where a session lives: run on the node the socket is on. */
const ANYWHERE: ReadonlySet<RequestName> = new Set<RequestName>([
  'call:request',
  'call:cancel',
  'call:decline',
  'agent:setState',
  'agent:wrapUp',
  'booth:heartbeat',
  'dashboard:watch',
]);

/** A dead node's sessions not taken over by their planned node within this long are taken by any node. */
const TAKEOVER_FALLBACK_MS = 2_000;
const WATCH_MS = 1_000;
/** A node's request channel without a listener this long (seen twice) means the node is gone. */
const SILENT_CONFIRM_MS = 600;

type RunLocal = (user: User, name: RequestName, payload: unknown) => Promise<unknown>;

export class Cluster {
  private runLocal?: RunLocal;
  private timer?: NodeJS.Timeout;
  private sweeping = false;
  /** When each dead node's sessions were first seen orphaned. */
  private readonly orphanSince = new Map<string, number>();
  /** When each node was first seen dead. */
  private readonly deadSince = new Map<string, number>();
  /** When each node's request channel was first seen without a listener. */
  private readonly silentSince = new Map<string, number>();
  /** Sessions this node placed on each node recently (the registry's counts lag by a heartbeat). */
  private readonly placed = new Map<string, number[]>();
  private closed = false;
  private restarted = false;

  constructor(
    private readonly d: {
      nodeId: string;
      directory: SessionDirectory;
      rpc: NodeRpc;
      nodes: NodeRegistry;
      calls: CallService;
      router: CallRouter;
      log: Logger;
      /** 'local': sessions stay on the answering agent's node (no placement). */
      placement?: 'least-loaded' | 'local';
      /** A dead node's users not connected anywhere this long after its death are gone (an agent goes offline, a waiting resident's place is given up after the usual wait). */
      presenceGraceMs: number;
      /** Whether a user has a connection on any live node. */
      connectedAnywhere: (room: string) => Promise<boolean>;
    },
  ) {}

  /** Wires the node-to-node requests and starts the takeover watch. */
  start(runLocal: RunLocal): void {
    this.runLocal = runLocal;
    const { rpc, calls } = this.d;
    // Forwarded to this node because the directory named it: served here, or (its session was just
    // handed over from here) passed on once to the session's new node.
    rpc.handle('request', async (a) => {
      const { user, name, payload } = a as { user: User; name: RequestName; payload: unknown };
      return this.run(user, name, payload, () => runLocal(user, name, payload), true);
    });
    rpc.handle('gone', async (a) => calls.userGone(a as User));
    rpc.handle('adopt', async (a) => {
      const { sessionId, from } = a as { sessionId: string; from: string };
      return calls.adopt(sessionId, from, true);
    });
    rpc.handle('back', async (a) => calls.userBack(a as User));
    this.timer = setInterval(() => void this.watch(), WATCH_MS);
    this.timer.unref();
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
  }

  get nodeId(): string {
    return this.d.nodeId;
  }

  /**
   * Runs a request on the node it belongs to; `local` runs it here.
   * `forwarded`: it came from another node, which routed it here — run here
   * (unless its session is being handed over from here: then it goes on to
   * the new node once, when that node has it).
   */
  async run(user: User, name: RequestName, payload: unknown, local: () => Promise<unknown>, forwarded = false): Promise<unknown> {
    if (ANYWHERE.has(name)) return local();
    const target = forwarded ? undefined : await this.target(user, name, payload);
    if (!target || target.node === this.d.nodeId) {
      try {
        return await local();
      } catch (err) {
        // Not here (any more): its session may be on its way from this node to another.
        if (!(err instanceof AppError) || err.code !== ErrorCode.NotInSession) throw err;
        const where = await this.d.directory.whereIs(userRoom(user));
        const handOver = where && this.d.calls.handOverOf(where.sessionId);
        if (!handOver) throw err;
        await handOver;
        return this.run(user, name, payload, local);
      }
    }
    try {
      return await this.d.rpc.call(target.node, 'request', { user, name, payload });
    } catch (err) {
      if (!(err instanceof NodeGoneError)) throw err;
      // The session's node is gone: take the session over here and serve the request.
      if (target.sessionId) await this.takeOver(target.sessionId, target.node);
      return local();
    }
  }

  /** Where a request runs: undefined = here. */
  private async target(user: User, name: RequestName, payload: unknown): Promise<{ node: string; sessionId?: string } | undefined> {
    const { calls, directory } = this.d;
    if (name === 'call:answer') {
      if (calls.inCall(user)) return undefined; // refused here (finish the current call first)
      const t = await this.d.router.ticket((payload as { callId: string }).callId);
      const joins = t?.joins?.sessionId ?? t?.transfer?.sessionId;
      if (joins) return this.nodeOf(joins);
      return t?.state === 'offered' ? { node: await this.placeNew() } : undefined;
    }
    if (name === 'monitor:join') return this.nodeOf((payload as { sessionId: string }).sessionId);
    if (calls.inCall(user)) return undefined;
    const where = await directory.whereIs(userRoom(user));
    return where ? { node: where.node, sessionId: where.sessionId } : undefined;
  }

  private async nodeOf(sessionId: string): Promise<{ node: string; sessionId: string } | undefined> {
    if (this.d.calls.hasSession(sessionId)) return undefined;
    const o = await this.d.directory.owner(sessionId);
    return o ? { node: o.node, sessionId } : undefined;
  }

  /** Takes a session of a dead node over here (unless its node still listens: then it is not dead). */
  private async takeOver(sessionId: string, node: string): Promise<void> {
    if (!(await this.gone(node))) return;
    await this.d.calls.adopt(sessionId, node);
  }

  /**
   * Whether a node is gone: its heartbeat is NODE_DEAD_AFTER_MS old, or its
   * request channel has had no listener for SILENT_CONFIRM_MS (looked at twice:
   * a node whose Redis connection is only being re-established is not dead).
   */
  private async gone(node: string): Promise<boolean> {
    const entry = (await this.d.nodes.list()).find((n) => n.nodeId === node);
    if (!entry || !entry.alive) return true;
    if (await this.d.rpc.listening(node)) return false;
    await new Promise((r) => setTimeout(r, SILENT_CONFIRM_MS));
    return !(await this.d.rpc.listening(node));
  }

  /** The node a new session goes to: fewest calls per worker among live, non-draining nodes; ties stay here. */
  private async placeNew(): Promise<string> {
    if (this.d.placement === 'local') return this.d.nodeId;
    const live = (await this.d.nodes.list()).filter((n) => n.alive && !n.draining);
    if (live.length < 2) return this.d.nodeId;
    const now = Date.now();
    const recent = (node: string) => {
      const xs = (this.placed.get(node) ?? []).filter((t) => now - t < NODE_HEARTBEAT_MS);
      this.placed.set(node, xs);
      return xs.length;
    };
    const score = (n: LiveNode) => callsPerWorker(n, n.sessions + recent(n.nodeId));
    let best = live.find((n) => n.nodeId === this.d.nodeId) ?? live[0]!;
    for (const n of live) if (score(n) < score(best)) best = n;
    // (Counted until the registry has caught up: a node's heartbeat is at most this old.)
    this.placed.set(best.nodeId, [...(this.placed.get(best.nodeId) ?? []), now]);
    return best.nodeId;
  }

  /**
   * Moves this node's sessions to the other live nodes (draining, shutting
   * down): each is stopped here, then taken over by the least-loaded other node
   * (the parties get 'media:reset' and open their media there). A session no
   * node takes is taken back here. Returns how many moved.
   */
  async handOffAll(): Promise<number> {
    let moved = 0;
    for (const sessionId of this.d.calls.sessionIds()) {
      const others = (await this.d.nodes.list()).filter((n) => n.alive && !n.draining && n.nodeId !== this.d.nodeId);
      if (others.length === 0) break;
      const target = [...others].sort((x, y) => callsPerWorker(x) - callsPerWorker(y))[0]!;
      if (!(await this.d.calls.release(sessionId))) continue;
      let taken = false;
      try {
        taken = await this.d.rpc.call<boolean>(target.nodeId, 'adopt', { sessionId, from: this.d.nodeId });
      } catch (err) {
        this.d.log.error({ err, sessionId, to: target.nodeId }, 'handing a session over failed');
      }
      if (taken) {
        moved++;
        this.d.log.warn({ sessionId, to: target.nodeId }, 'session handed to another node');
      } else {
        await this.d.calls.adopt(sessionId, this.d.nodeId, true).catch((err) => this.d.log.error({ err, sessionId }, 'could not take a session back')); // nobody took it: it stays here
      }
      this.d.calls.moved(sessionId);
    }
    return moved;
  }

  /** A party's last connection went: its session's node waits for it (or, out of a call, this node handles it). */
  async userGone(user: User): Promise<void> {
    const { calls, directory, rpc } = this.d;
    if (!calls.inCall(user)) {
      const where = await directory.whereIs(userRoom(user));
      if (where && where.node !== this.d.nodeId) {
        try {
          await rpc.call(where.node, 'gone', user);
          return;
        } catch (err) {
          // A dead node's sessions are taken over by the watch, which waits for parties not connected.
          if (err instanceof NodeGoneError) return;
          throw err;
        }
      }
    }
    await calls.userGone(user);
  }

  /**
   * The users a dead node had: whoever has not reconnected anywhere is gone
   * (what the dead node would have done when their connections dropped).
   */
  private async letUsersGo(node: string): Promise<void> {
    const users = (await this.d.directory.takeUsers(node)) as User[];
    let gone = 0;
    for (const user of users) {
      if (this.closed) return;
      if (await this.d.connectedAnywhere(userRoom(user))) continue;
      gone++;
      await this.userGone(user).catch((err) => this.d.log.warn({ err, userId: user.userId }, 'could not let a user of a dead node go'));
    }
    if (users.length) this.d.log.warn({ node, users: users.length, gone }, 'users of a dead node who did not come back let go');
  }

  /** A connection of a user opened on this node (kept in Redis: if this node dies, the others let its users go). */
  connected(user: User): void {
    void this.d.directory.userHere(userRoom(user), { role: user.role, userId: user.userId, name: user.name }).catch((err) => this.d.log.warn({ err }, 'presence not noted'));
  }

  /** The last connection of a user on this node closed. */
  disconnected(user: User): void {
    void this.d.directory.userNotHere(userRoom(user)).catch((err) => this.d.log.warn({ err }, 'presence not noted'));
  }

  /** A user connected: its session's node hears it is back. */
  userBack(user: User): void {
    const { calls, directory, rpc } = this.d;
    calls.userBack(user);
    if (calls.inCall(user)) return;
    void directory
      .whereIs(userRoom(user))
      .then((where) => (where && where.node !== this.d.nodeId ? rpc.call(where.node, 'back', user) : undefined))
      .catch((err) => {
        if (!(err instanceof NodeGoneError)) this.d.log.warn({ err, userId: user.userId }, 'could not tell the session node a party is back');
      });
  }

  /** Every second: sessions of dead nodes are shared out among the live nodes and taken over. */
  private async watch(): Promise<void> {
    if (this.sweeping || this.closed) return;
    this.sweeping = true;
    try {
      if (!this.restarted) {
        // A node restarted under the same NODE_ID: the calls it held before are taken back (re-created here).
        this.restarted = true;
        for (const sessionId of await this.d.directory.sessionsOf(this.d.nodeId)) {
          if (!this.d.calls.hasSession(sessionId)) await this.d.calls.adopt(sessionId, this.d.nodeId);
        }
      }
      await this.d.calls.checkOwnership();
      const [withSessions, withUsers] = await Promise.all([this.d.directory.nodesWithSessions(), this.d.directory.presenceNodes()]);
      const owners = [...new Set([...withSessions, ...withUsers])].filter((n) => n !== this.d.nodeId);
      if (owners.length === 0) return;
      const registry = await this.d.nodes.list();
      const byId = new Map(registry.map((n) => [n.nodeId, n]));
      const now = Date.now();
      for (const node of owners) {
        const entry = byId.get(node);
        // Silent channel: seen on this tick and the one before (a reconnecting node is not dead).
        const silent = entry?.alive && !(await this.d.rpc.listening(node));
        const silentBefore = this.silentSince.get(node);
        if (silent && silentBefore === undefined) this.silentSince.set(node, now);
        if (!silent) this.silentSince.delete(node);
        const dead = !entry || !entry.alive || (silent && silentBefore !== undefined && now - silentBefore >= SILENT_CONFIRM_MS);
        if (!dead) {
          this.orphanSince.delete(node);
          this.deadSince.delete(node);
          continue;
        }
        const deadSince = this.deadSince.get(node) ?? now;
        this.deadSince.set(node, deadSince);
        // Its users who have not come back (through the balancer, to a live node) by the grace: let go.
        if (withUsers.includes(node) && now - deadSince >= this.d.presenceGraceMs) await this.letUsersGo(node);
        const sessions = (await this.d.directory.sessionsOf(node)).sort();
        if (sessions.length === 0) {
          this.orphanSince.delete(node);
          await this.d.directory.forgetNode(node);
          continue;
        }
        const since = this.orphanSince.get(node) ?? now;
        this.orphanSince.set(node, since);
        const live = registry.filter((n) => n.alive && !n.draining && n.nodeId !== node);
        const plan = shareOut(sessions, live);
        const anyone = now - since >= TAKEOVER_FALLBACK_MS;
        for (const sessionId of sessions) {
          if (this.closed) return;
          if (!anyone && (plan.get(sessionId) ?? this.d.nodeId) !== this.d.nodeId) continue;
          await this.d.calls.adopt(sessionId, node).catch((err) => this.d.log.error({ err, sessionId, from: node }, 'takeover failed'));
        }
      }
    } catch (err) {
      this.d.log.warn({ err }, 'cluster watch failed');
    } finally {
      this.sweeping = false;
    }
  }
}

/** A node's load as placement sees it: calls (its registry count, or `calls`) per mediasoup worker. */
function callsPerWorker(n: LiveNode, calls = n.sessions): number {
  return calls / Math.max(1, n.workers);
}

/**
 * Which live node takes each session of a dead node: one after another to the
 * node with the fewest calls per worker (counting those already given). Every
 * node computes the same plan from the same registry, so each takes its share
 * at once without asking the others.
 */
export function shareOut(sessions: string[], live: LiveNode[]): Map<string, string> {
  const plan = new Map<string, string>();
  if (live.length === 0) return plan;
  const load = new Map(live.map((n) => [n.nodeId, n.sessions]));
  const nodes = [...live].sort((a, b) => a.nodeId.localeCompare(b.nodeId));
  for (const s of sessions) {
    let best = nodes[0]!;
    for (const n of nodes) if (callsPerWorker(n, load.get(n.nodeId)!) < callsPerWorker(best, load.get(best.nodeId)!)) best = n;
    plan.set(s, best.nodeId);
    load.set(best.nodeId, load.get(best.nodeId)! + 1);
  }
  return plan;
}
