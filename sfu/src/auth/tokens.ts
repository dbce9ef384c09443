/**
 * Signed access tokens (JWT, HS256, jose). Staff tokens last a working day;
 * booth device tokens a week (a booth re-enrolls with its device secret).
 * The signing key comes from AUTH_SECRET, else one random key kept in Redis
 * so every sfu node accepts every node's tokens.
 */
import { randomBytes } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { AppError, ErrorCode, Roles, type Role } from '@xiaowu/shared';

export interface Principal {
  role: Role;
  /** Agent / interpreter / supervisor username, or booth id. */
  userId: string;
  name: string;
}

const Claims = z.object({ sub: z.string().min(1).max(64), role: z.enum(Roles), name: z.string().max(64), iatMs: z.number().int().optional() });

const ISSUER = 'xiaowu-sfu';
const TTL = { staff: '12h', device: '7d' } as const;

/** Longest token life (a booth's device token): how long a revocation must be remembered. */
const MAX_TTL_S = 7 * 86_400;

export class TokenService {
  private constructor(
    private readonly key: Uint8Array,
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  static async create(redis: Redis, secret: string | undefined, prefix = '{xw}:'): Promise<TokenService> {
    if (secret) return new TokenService(new TextEncoder().encode(secret), redis, prefix);
    const k = `${prefix}auth:signing-key`;
    await redis.set(k, randomBytes(32).toString('base64'), 'NX');
    return new TokenService(Buffer.from((await redis.get(k))!, 'base64'), redis, prefix);
  }

  private revokedKey(p: Pick<Principal, 'role' | 'userId'>): string {
    return `${this.prefix}auth:revoked:${p.role}:${p.userId}`;
  }

  /**
   * Revokes every token of this user issued until now (logout, a lost
   * device, a supervisor's decision), on every node: verify refuses them from
   * now on; tokens issued later work.
   */
  async revokeAll(p: Pick<Principal, 'role' | 'userId'>, at = Date.now()): Promise<void> {
    await this.redis.set(this.revokedKey(p), String(at), 'EX', MAX_TTL_S);
  }

  async issue(p: Principal): Promise<{ token: string; expiresAt: number }> {
    const ttl = p.role === 'booth' ? TTL.device : TTL.staff;
    // iatMs: issue time to the millisecond, so a login right after a revocation is not caught by it.
    const token = await new SignJWT({ role: p.role, name: p.name, iatMs: Date.now() })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(p.userId)
      .setIssuer(ISSUER)
      .setIssuedAt()
      .setExpirationTime(ttl)
      .sign(this.key);
    const { exp } = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { exp: number };
    return { token, expiresAt: exp * 1000 };
  }

  /** The principal of a valid token; UNAUTHORIZED for a forged, expired or malformed one. */
  async verify(token: unknown): Promise<Principal> {
    if (typeof token !== 'string' || token.length > 4096) throw new AppError(ErrorCode.Unauthorized, 'missing token');
    let c: z.infer<typeof Claims> & { iat?: number };
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: ISSUER, algorithms: ['HS256'] });
      c = { ...Claims.parse(payload), iat: payload.iat };
    } catch (err) {
      const why = err instanceof joseErrors.JWTExpired ? 'token expired' : 'invalid token';
      throw new AppError(ErrorCode.Unauthorized, why);
    }
    const revokedAt = Number((await this.redis.get(this.revokedKey({ role: c.role, userId: c.sub }))) ?? 0);
    const issuedAt = c.iatMs ?? (c.iat ?? 0) * 1000;
    if (revokedAt && issuedAt <= revokedAt) throw new AppError(ErrorCode.Unauthorized, 'token revoked');
    return { role: c.role, userId: c.sub, name: c.name };
  }
}
