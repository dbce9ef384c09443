/**
 * The booth as a device: enrolled once with `/booth/#enroll=<boothId>.<secret>`
 * (the secret is kept in localStorage, the hash removed from the address bar),
 * then signed in with those credentials at every start. Tokens last 7 days;
 * the booth fetches a fresh one every day and whenever the server refuses one.
 */
import { apiRequest } from '@xiaowu/shared/client';
import { AppError, ErrorCode, type LoginResult } from '@xiaowu/shared';

export interface BoothCredentials {
  boothId: string;
  secret: string;
}

export interface BoothInfo {
  boothId: string;
  name: string;
  community: string;
  address: string;
}

export interface BoothSignIn extends LoginResult {
  booth?: BoothInfo;
}

const STORAGE_KEY = 'xiaowu.booth.credentials';

/** `#enroll=<boothId>.<secret>`: a booth id may contain dots, a secret (base64url) never does, so split on the last one. */
export function parseEnrollHash(hash: string): BoothCredentials | undefined {
  const m = /^#?enroll=(.+)$/.exec(hash);
  if (!m) return undefined;
  let value: string;
  try {
    value = decodeURIComponent(m[1]!);
  } catch {
    return undefined;
  }
  const dot = value.lastIndexOf('.');
  if (dot <= 0 || dot === value.length - 1) return undefined;
  return { boothId: value.slice(0, dot), secret: value.slice(dot + 1) };
}

/** Removes the enrollment hash from the address bar (and from history) without reloading. */
export function clearEnrollHash(): void {
  if (location.hash) history.replaceState(history.state, '', location.pathname + location.search);
}

export function loadCredentials(): BoothCredentials | undefined {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    if (!raw) return undefined;
    const c = JSON.parse(raw) as Partial<BoothCredentials>;
    return typeof c.boothId === 'string' && typeof c.secret === 'string' && c.boothId && c.secret ? { boothId: c.boothId, secret: c.secret } : undefined;
  } catch {
    return undefined;
  }
}

export function saveCredentials(c: BoothCredentials): void {
  localStorage.setItem(STORAGE_KEY, JSON.stringify({ boothId: c.boothId, secret: c.secret }));
}

/** POST /api/auth/booth: a device token and the booth's name. */
export async function signInBooth(c: BoothCredentials): Promise<BoothSignIn> {
  const res = await apiRequest<BoothSignIn>('/api/auth/booth', { body: { boothId: c.boothId, secret: c.secret } });
  if (typeof res?.token !== 'string') throw new AppError(ErrorCode.Internal, 'no token in the answer');
  return res;
}
