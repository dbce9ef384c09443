/**
 * Accounts: staff (agents, interpreters, supervisors) with passwords, and
 * booths as devices with provisioned secrets. Both live in Redis; secrets are
 * stored only as scrypt hashes.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { AppError, ErrorCode, type Role } from '@xiaowu/shared';
import { hashPassword, verifyPassword } from './passwords';
import type { Principal } from './tokens';

export interface StaffAccount {
  username: string;
  name: string;
  role: Exclude<Role, 'booth'>;
  /** Routing skills (department / matter skills; 'consult' for general enquiries). */
  skills: string[];
  /** Capabilities a resident may need: 'sign', 'lang:yue' … */
  tags: string[];
}

export interface BoothDevice {
  boothId: string;
  name: string;
  community: string;
  address: string;
  /** Minutes of a round trip from the community to the service hall (the figures' travel time saved); absent = the default. */
  travelMinutes?: number;
}

const LOGIN_LIMIT = 10; // failed attempts per username per minute

export class Accounts {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = '{xw}:',
  ) {}

  private k(...parts: string[]) {
    return this.prefix + parts.join(':');
  }

  async createStaff(a: StaffAccount, password: string): Promise<void> {
    if (password.length < 8) throw new AppError(ErrorCode.BadRequest, 'password too short (8 characters at least)');
    await this.redis
      .multi()
      .hset(this.k('acct', a.username), {
        username: a.username,
        name: a.name,
        role: a.role,
        skills: JSON.stringify(a.skills),
        tags: JSON.stringify(a.tags),
        passwordHash: await hashPassword(password),
      })
      .sadd(this.k('accts'), a.username)
      .exec();
  }

  async staff(username: string): Promise<StaffAccount | undefined> {
    const h = await this.redis.hgetall(this.k('acct', username));
    if (!h.username) return undefined;
    return { username: h.username, name: h.name!, role: h.role as StaffAccount['role'], skills: JSON.parse(h.skills ?? '[]'), tags: JSON.parse(h.tags ?? '[]') };
  }

  async listStaff(): Promise<StaffAccount[]> {
    const names = await this.redis.smembers(this.k('accts'));
    return (await Promise.all(names.map((n) => this.staff(n)))).filter((a): a is StaffAccount => !!a);
  }

  async staffCount(): Promise<number> {
    return this.redis.scard(this.k('accts'));
  }

  /** Checks a password; wrong answers are counted and limited per username. */
  async login(username: string, password: string): Promise<Principal> {
    const rl = this.k('rl', 'login', username);
    const fails = Number(await this.redis.get(rl));
    if (fails >= LOGIN_LIMIT) throw new AppError(ErrorCode.RateLimited, 'too many failed logins; wait a minute');
    const stored = await this.redis.hget(this.k('acct', username), 'passwordHash');
    // Hash even for unknown users so timing does not reveal which usernames exist.
    const ok = await verifyPassword(password, stored ?? (await this.dummyHash()));
    if (!stored || !ok) {
      await this.redis.multi().incr(rl).expire(rl, 60).exec();
      throw new AppError(ErrorCode.Unauthorized, 'wrong username or password');
    }
    const a = (await this.staff(username))!;
    return { role: a.role, userId: a.username, name: a.name };
  }

  /** Registers a booth and returns its new device secret (shown once). */
  async provisionBooth(d: BoothDevice): Promise<string> {
    const secret = randomBytes(18).toString('base64url');
    await this.redis
      .multi()
      .hset(this.k('dev', d.boothId), { ...d, ...(d.travelMinutes === undefined ? {} : { travelMinutes: String(d.travelMinutes) }), secretHash: await hashPassword(secret) })
      .sadd(this.k('devs'), d.boothId)
      .exec();
    return secret;
  }

  async booth(boothId: string): Promise<BoothDevice | undefined> {
    const h = await this.redis.hgetall(this.k('dev', boothId));
    return h.boothId ? { boothId: h.boothId, name: h.name!, community: h.community ?? '', address: h.address ?? '', ...(h.travelMinutes ? { travelMinutes: Number(h.travelMinutes) } : {}) } : undefined;
  }

  /** Registers a new booth (CONFLICT-like INVALID_STATE when the id is taken); returns its device secret (shown once). */
  async registerBooth(d: BoothDevice): Promise<string> {
    if (await this.redis.exists(this.k('dev', d.boothId))) throw new AppError(ErrorCode.InvalidState, `booth ${d.boothId} is already registered`);
    return this.provisionBooth(d);
  }

  /** Changes a booth's name, community, address or travel estimate. */
  async updateBooth(boothId: string, patch: Partial<Omit<BoothDevice, 'boothId'>>): Promise<BoothDevice> {
    if (!(await this.booth(boothId))) throw new AppError(ErrorCode.NotFound, 'no such booth');
    const fields = Object.fromEntries(Object.entries(patch).flatMap(([k, v]) => (v === undefined ? [] : [[k, String(v)]])));
    if (Object.keys(fields).length) await this.redis.hset(this.k('dev', boothId), fields);
    return (await this.booth(boothId))!;
  }

  /** A new device secret for a booth (the old one stops working at once); returns it (shown once). */
  async rotateBoothSecret(boothId: string): Promise<string> {
    if (!(await this.booth(boothId))) throw new AppError(ErrorCode.NotFound, 'no such booth');
    const secret = randomBytes(18).toString('base64url');
    await this.redis.hset(this.k('dev', boothId), 'secretHash', await hashPassword(secret));
    return secret;
  }

  /** Every registered booth (the supervisors' fleet view), sorted by id. */
  async listBooths(): Promise<BoothDevice[]> {
    const ids = (await this.redis.smembers(this.k('devs'))).sort();
    const pipe = this.redis.pipeline();
    for (const id of ids) pipe.hmget(this.k('dev', id), 'boothId', 'name', 'community', 'address', 'travelMinutes');
    const rows = ((await pipe.exec()) ?? []).map(([, v]) => v as Array<string | null>);
    return rows
      .filter((r) => r[0])
      .map(([boothId, name, community, address, travel]) => ({ boothId: boothId!, name: name ?? boothId!, community: community ?? '', address: address ?? '', ...(travel ? { travelMinutes: Number(travel) } : {}) }));
  }

  async authenticateBooth(boothId: string, secret: string): Promise<Principal> {
    const rl = this.k('rl', 'dev', boothId);
    if (Number(await this.redis.get(rl)) >= LOGIN_LIMIT) throw new AppError(ErrorCode.RateLimited, 'too many failed attempts');
    const stored = await this.redis.hget(this.k('dev', boothId), 'secretHash');
    const ok = await verifyPassword(secret, stored ?? (await this.dummyHash()));
    if (!stored || !ok) {
      await this.redis.multi().incr(rl).expire(rl, 60).exec();
      throw new AppError(ErrorCode.Unauthorized, 'unknown booth or wrong device secret');
    }
    const d = (await this.booth(boothId))!;
    return { role: 'booth', userId: d.boothId, name: d.name };
  }

  private dummy?: Promise<string>;
  private dummyHash(): Promise<string> {
    return (this.dummy ??= hashPassword(randomBytes(8).toString('hex')));
  }
}
