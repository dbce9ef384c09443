/**
 * Where every running session lives, in Redis, so that any node can reach it
 * and another node can take it over when its node dies.
 *
 *   {xw}:sess:<sessionId>   hash: node (owner), epoch (media incarnation), data (SessionRecord JSON)
 *   {xw}:node-sess:<node>   set of the sessions a node owns
 *   {xw}:in:<userRoom>      the session a user is a party of
 *   {xw}:session-nodes      nodes that own (or owned) sessions: what the takeover watch looks at
 *   {xw}:node-users:<node>  users connected to a node (room → user), and {xw}:presence-nodes, the nodes
 *                           with such a list: a dead node's users who never came back are let go
 *
 * Ownership is fenced: a node writes a session's record only while it still
 * owns it (the scripts compare `node`), and a takeover is one atomic claim
 * from the dead owner to the new one that also bumps the media epoch — so a
 * node that was wrongly thought dead learns it lost the session (its writes
 * fail) and drops its copy; two nodes never both own one session.
 */
import type { Redis } from 'ioredis';
import type { PartyInfo, SignVariant } from '@xiaowu/shared';

/** What a node needs to re-create a session it takes over (media excepted: the parties open theirs again). */
export interface SessionRecord {
  sessionId: string;
  callId: string;
  startedAt: number;
  boothId: string;
  boothName: string;
  matterId: string;
  matterName: string;
  /** Parties with their ids and user rooms (who is in the call). */
  parties: Array<PartyInfo & { room: string }>;
  /** Interpreters present at some point (for the rating and the case). */
  interpreterIds: string[];
  /** The interpreter ticket of the session (waiting, ringing or joined). */
  interpreterTicket?: string;
  signVariant?: SignVariant;
}

export interface Owned {
  sessionId: string;
  node: string;
  epoch: number;
}

// KEYS: sess, node-sess:me, session-nodes, in:<room>… ; ARGV: me, sessionId, data
const CREATE = `
redis.call('HSET', KEYS[1], 'node', ARGV[1], 'epoch', 0, 'data', ARGV[3])
redis.call('SADD', KEYS[2], ARGV[2])
redis.call('SADD', KEYS[3], ARGV[1])
for i = 4, #KEYS do redis.call('SET', KEYS[i], ARGV[2]) end
return 1`;

// KEYS: sess, in:<room to set>… then in:<room to clear>… ; ARGV: me, sessionId, data, nSet
const SAVE = `
if redis.call('HGET', KEYS[1], 'node') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'data', ARGV[3])
local n = tonumber(ARGV[4])
for i = 2, #KEYS do
  if i <= n + 1 then redis.call('SET', KEYS[i], ARGV[2])
  elseif redis.call('GET', KEYS[i]) == ARGV[2] then redis.call('DEL', KEYS[i]) end
end
return 1`;

// KEYS: sess, node-sess:me, in:<room>… ; ARGV: me, sessionId
const REMOVE = `
if redis.call('HGET', KEYS[1], 'node') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[2])
for i = 3, #KEYS do if redis.call('GET', KEYS[i]) == ARGV[2] then redis.call('DEL', KEYS[i]) end end
return 1`;

// KEYS: sess, node-sess:from, node-sess:to, session-nodes ; ARGV: from, to, sessionId → {epoch, data} or false
const CLAIM = `
if redis.call('HGET', KEYS[1], 'node') ~= ARGV[1] then
  redis.call('SREM', KEYS[2], ARGV[3])
  return false
end
redis.call('HSET', KEYS[1], 'node', ARGV[2])
local epoch = redis.call('HINCRBY', KEYS[1], 'epoch', 1)
redis.call('SREM', KEYS[2], ARGV[3])
redis.call('SADD', KEYS[3], ARGV[3])
redis.call('SADD', KEYS[4], ARGV[2])
return {epoch, redis.call('HGET', KEYS[1], 'data')}`;

// KEYS: sess ; ARGV: me → new epoch, or -1 when not the owner
const BUMP = `
if redis.call('HGET', KEYS[1], 'node') ~= ARGV[1] then return -1 end
return redis.call('HINCRBY', KEYS[1], 'epoch', 1)`;

export class SessionDirectory {
  constructor(
    private readonly redis: Redis,
    readonly nodeId: string,
    private readonly prefix = '{xw}:',
  ) {}

  private sess(id: string) {
    return `${this.prefix}sess:${id}`;
  }
  private nodeSess(node: string) {
    return `${this.prefix}node-sess:${node}`;
  }
  private inKey(room: string) {
    return `${this.prefix}in:${room}`;
  }
  private get sessionNodes() {
    return `${this.prefix}session-nodes`;
  }

  /** A new session on this node. */
  async create(rec: SessionRecord): Promise<void> {
    const rooms = rec.parties.map((p) => this.inKey(p.room));
    await this.redis.eval(CREATE, 3 + rooms.length, this.sess(rec.sessionId), this.nodeSess(this.nodeId), this.sessionNodes, ...rooms, this.nodeId, rec.sessionId, JSON.stringify(rec));
  }

  /** Saves the record (parties changed…); false when this node no longer owns the session. `left`: rooms of parties gone. */
  async save(rec: SessionRecord, left: string[] = []): Promise<boolean> {
    const set = rec.parties.map((p) => this.inKey(p.room));
    const clear = left.filter((r) => !rec.parties.some((p) => p.room === r)).map((r) => this.inKey(r));
    const r = await this.redis.eval(SAVE, 1 + set.length + clear.length, this.sess(rec.sessionId), ...set, ...clear, this.nodeId, rec.sessionId, JSON.stringify(rec), set.length);
    return r === 1;
  }

  /** The session ended (only its owner removes it). */
  async remove(sessionId: string, rooms: string[]): Promise<boolean> {
    const r = await this.redis.eval(REMOVE, 2 + rooms.length, this.sess(sessionId), this.nodeSess(this.nodeId), ...rooms.map((x) => this.inKey(x)), this.nodeId, sessionId);
    return r === 1;
  }

  /** Takes a session over from `from` (dead); undefined when another node was faster or it ended. */
  async claim(sessionId: string, from: string): Promise<{ epoch: number; record: SessionRecord } | undefined> {
    const r = (await this.redis.eval(CLAIM, 4, this.sess(sessionId), this.nodeSess(from), this.nodeSess(this.nodeId), this.sessionNodes, from, this.nodeId, sessionId)) as [number, string] | null;
    if (!r) return undefined;
    return { epoch: Number(r[0]), record: JSON.parse(r[1]) as SessionRecord };
  }

  /** A new media incarnation of an owned session (its worker died); -1 when not the owner any more. */
  async bumpEpoch(sessionId: string): Promise<number> {
    return Number(await this.redis.eval(BUMP, 1, this.sess(sessionId), this.nodeId));
  }

  async owner(sessionId: string): Promise<Owned | undefined> {
    const [node, epoch] = await this.redis.hmget(this.sess(sessionId), 'node', 'epoch');
    return node ? { sessionId, node, epoch: Number(epoch ?? 0) } : undefined;
  }

  /** The session a user (by room) is a party of, and its owner. */
  async whereIs(room: string): Promise<Owned | undefined> {
    const sessionId = await this.redis.get(this.inKey(room));
    return sessionId ? this.owner(sessionId) : undefined;
  }

  async record(sessionId: string): Promise<SessionRecord | undefined> {
    const raw = await this.redis.hget(this.sess(sessionId), 'data');
    return raw ? (JSON.parse(raw) as SessionRecord) : undefined;
  }

  /** Sessions owned by a node. */
  sessionsOf(node: string): Promise<string[]> {
    return this.redis.smembers(this.nodeSess(node));
  }

  /** Nodes that own sessions (or did: emptied ones are forgotten by `forgetNode`). */
  nodesWithSessions(): Promise<string[]> {
    return this.redis.smembers(this.sessionNodes);
  }

  /** A user has a connection on this node. */
  async userHere(room: string, user: unknown): Promise<void> {
    await this.redis.multi().hset(`${this.prefix}node-users:${this.nodeId}`, room, JSON.stringify(user)).sadd(`${this.prefix}presence-nodes`, this.nodeId).exec();
  }

  /** A user's last connection on this node went. */
  async userNotHere(room: string): Promise<void> {
    await this.redis.hdel(`${this.prefix}node-users:${this.nodeId}`, room);
  }

  /** Nodes with a list of connected users. */
  presenceNodes(): Promise<string[]> {
    return this.redis.smembers(`${this.prefix}presence-nodes`);
  }

  /** Takes a (dead) node's list of connected users: one caller gets it, the others nothing. */
  async takeUsers(node: string): Promise<unknown[]> {
    const key = `${this.prefix}node-users:${node}`;
    const r = await this.redis.multi().hgetall(key).del(key).srem(`${this.prefix}presence-nodes`, node).exec();
    const all = (r?.[0]?.[1] ?? {}) as Record<string, string>;
    return Object.values(all).map((x) => JSON.parse(x) as unknown);
  }

  async forgetNode(node: string): Promise<void> {
    // Only when it owns nothing (a node's set is emptied by claims and removals).
    if ((await this.redis.scard(this.nodeSess(node))) === 0) await this.redis.srem(this.sessionNodes, node);
  }
}
