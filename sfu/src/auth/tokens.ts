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

const Claims = z.object({ sub: z.string().min(1).max(64), role: z.enum(Roles), name: z.string().max(64) });

const ISSUER = 'xiaowu-sfu';
const TTL = { staff: '12h', device: '7d' } as const;

export class TokenService {
  private constructor(private readonly key: Uint8Array) {}

  static async create(redis: Redis, secret: string | undefined, prefix = '{xw}:'): Promise<TokenService> {
    if (secret) return new TokenService(new TextEncoder().encode(secret));
    const k = `${prefix}auth:signing-key`;
    await redis.set(k, randomBytes(32).toString('base64'), 'NX');
    return new TokenService(Buffer.from((await redis.get(k))!, 'base64'));
  }

  async issue(p: Principal): Promise<{ token: string; expiresAt: number }> {
    const ttl = p.role === 'booth' ? TTL.device : TTL.staff;
    const token = await new SignJWT({ role: p.role, name: p.name })
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
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: ISSUER, algorithms: ['HS256'] });
      const c = Claims.parse(payload);
      return { role: c.role, userId: c.sub, name: c.name };
    } catch (err) {
      const why = err instanceof joseErrors.JWTExpired ? 'token expired' : 'invalid token';
      throw new AppError(ErrorCode.Unauthorized, why);
    }
  }
}
