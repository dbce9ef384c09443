/**
 * Sign-in of the agent console: POST /api/auth/login, the token kept in
 * sessionStorage (gone with the tab), one AgentDesk (one connection) per
 * signed-in session. A token the server refuses at connect signs the agent out.
 * Supervisors sign in at the same page and get the supervisor area (no desk;
 * one signaling connection for the live dashboard; a refused token signs it out).
 */
import { apiRequest } from '@xiaowu/shared/client';
import { AppError, ErrorCode, type LoginResult, type Role } from '@xiaowu/shared';
import type { MessageKey } from '@xiaowu/shared/i18n';
import { AgentDesk } from './agent-desk';

export interface StaffUser {
  role: Role;
  userId: string;
  name: string;
  skills: string[];
  tags: string[];
}

export interface AgentLogin extends LoginResult {
  user: StaffUser;
}

export type AuthState =
  | { kind: 'signed-out'; message?: MessageKey }
  | { kind: 'signed-in'; login: AgentLogin; desk: AgentDesk }
  | { kind: 'supervisor'; login: AgentLogin };

/** Accounts that work at the agent desk: agents and sign-language interpreters. */
const DESK_ROLES: ReadonlySet<Role> = new Set<Role>(['agent', 'interpreter']);
/** Accounts that may sign in at this console: the desk's, and supervisors (supervisor area). */
const CONSOLE_ROLES: ReadonlySet<Role> = new Set<Role>([...DESK_ROLES, 'supervisor']);

const STORAGE_KEY = 'xiaowu.agent.login';
/** A stored token this close to expiry is not reused. */
const MIN_VALIDITY_MS = 60_000;

function readStored(): AgentLogin | undefined {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    if (!raw) return undefined;
    const l = JSON.parse(raw) as AgentLogin;
    if (typeof l.token !== 'string' || typeof l.expiresAt !== 'number' || !l.user || !CONSOLE_ROLES.has(l.user.role)) return undefined;
    return l.expiresAt - Date.now() > MIN_VALIDITY_MS ? l : undefined;
  } catch {
    return undefined;
  }
}

export class AgentAuth {
  private state: AuthState = { kind: 'signed-out' };
  private readonly listeners = new Set<() => void>();

  constructor() {
    const stored = readStored();
    if (stored) this.open(stored);
    else sessionStorage.removeItem(STORAGE_KEY);
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getState = (): AuthState => this.state;

  private set(state: AuthState): void {
    this.state = state;
    for (const l of this.listeners) l();
  }

  /** 「登录」: rejects with an AppError (UNAUTHORIZED, RATE_LIMITED, FORBIDDEN for an account of another kind…). */
  async login(username: string, password: string): Promise<void> {
    const res = await apiRequest<AgentLogin>('/api/auth/login', { body: { username, password } });
    if (!res.user || !CONSOLE_ROLES.has(res.user.role)) throw new AppError(ErrorCode.Forbidden, `${res.user?.role} is not an agent, interpreter or supervisor`);
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(res));
    this.open(res);
  }

  /** 「退出登录」, or the server refused the token (then `message` says why). */
  logout(message?: MessageKey): void {
    // 「退出登录」 ends the token on the server too (every node; a copied token stops working). A refused token needs no call.
    const token = this.state.kind === 'signed-in' || this.state.kind === 'supervisor' ? this.state.login.token : undefined;
    if (token && message !== 'agent.login.expired') void apiRequest('/api/auth/logout', { body: {}, token }).catch(() => undefined);
    sessionStorage.removeItem(STORAGE_KEY);
    if (this.state.kind === 'signed-in') this.state.desk.close();
    this.set({ kind: 'signed-out', message });
  }

  private open(login: AgentLogin): void {
    if (login.user.role === 'supervisor') {
      this.set({ kind: 'supervisor', login });
      return;
    }
    const desk = new AgentDesk(login.token, login.user, { onUnauthorized: () => this.logout('agent.login.expired') });
    this.set({ kind: 'signed-in', login, desk });
  }
}
