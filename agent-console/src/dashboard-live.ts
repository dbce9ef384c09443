/**
 * The supervisor area's one signaling connection, for the live dashboard
 * (监控大屏): on every connect (the first and each reconnect) it sends
 * `dashboard:watch` and keeps the ack's snapshot, then replaces it with each
 * `dashboard:snapshot` push. Nothing is polled. The tabs read it through
 * `useDashboardLive` (useSyncExternalStore); the 好差评与整改 list reloads
 * when the pushed follow-ups change.
 *
 * `start()` opens the socket and `stop()` closes it (SupervisorApp does both
 * in an effect: sign-out unmounts it, and StrictMode's mount-unmount-mount
 * gets a fresh socket on the second start).
 */
import { useSyncExternalStore } from 'react';
import { AppError, ErrorCode, type DashboardSnapshot } from '@xiaowu/shared';
import { SignalingClient } from '@xiaowu/shared/client';

export type LiveConnection = 'connecting' | 'online' | 'offline';

export interface DashboardLiveState {
  connection: LiveConnection;
  snapshot?: DashboardSnapshot;
  /** Server clock minus this browser's clock, from the last snapshot (ms): elapsed times are counted on the server's clock. */
  clockOffset: number;
  /** Why the server refused (the handshake or `dashboard:watch`), if it did. */
  error?: ErrorCode;
}

/** A refused watch is not retried; anything else (timeout, internal) is, after this long. */
const RETRY_MS = 5_000;

const codes = new Set<string>(Object.values(ErrorCode));

export class DashboardLive {
  private state: DashboardLiveState = { connection: 'connecting', clockOffset: 0 };
  private readonly listeners = new Set<() => void>();
  private sig: SignalingClient | undefined;
  private retry: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly token: () => string,
    /** The handshake was refused for the token (expired): back to sign-in. */
    private readonly onUnauthorized: () => void = () => undefined,
    private readonly url = '',
  ) {}

  readonly subscribe = (l: () => void): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };

  readonly getState = (): DashboardLiveState => this.state;

  /** The current socket (undefined before start() / after stop()); 静默监听 runs on it too (monitor-session.ts). */
  get signaling(): SignalingClient | undefined {
    return this.sig;
  }

  private set(patch: Partial<DashboardLiveState>): void {
    this.state = { ...this.state, ...patch };
    for (const l of this.listeners) l();
  }

  start(): void {
    if (this.sig) return;
    const sig = new SignalingClient(this.url, { token: this.token() });
    this.sig = sig;
    this.set({ connection: 'connecting' });
    const socket = sig.socket;
    socket.on('connect', () => {
      this.set({ connection: 'online', error: undefined });
      void this.watch(sig);
    });
    socket.on('disconnect', () => {
      clearTimeout(this.retry);
      if (this.sig === sig) this.set({ connection: 'offline' });
    });
    socket.on('connect_error', (err) => {
      if (this.sig !== sig) return;
      if (socket.active) {
        this.set({ connection: 'offline' });
        return;
      }
      // Refused by the server's auth middleware: not retried by socket.io.
      const code = (err as { data?: { code?: string } }).data?.code;
      const known = code && codes.has(code) ? (code as ErrorCode) : ErrorCode.Unauthorized;
      this.set({ connection: 'offline', error: known });
      if (known === ErrorCode.Unauthorized) this.onUnauthorized();
    });
    sig.on('dashboard:snapshot', (s) => {
      if (this.sig === sig) this.take(s);
    });
  }

  stop(): void {
    clearTimeout(this.retry);
    const sig = this.sig;
    this.sig = undefined;
    sig?.close();
  }

  private async watch(sig: SignalingClient): Promise<void> {
    clearTimeout(this.retry);
    try {
      const s = await sig.request('dashboard:watch', {});
      if (this.sig === sig) this.take(s);
    } catch (err) {
      if (this.sig !== sig) return;
      const code = err instanceof AppError ? err.code : ErrorCode.Internal;
      console.warn('dashboard:watch failed', err);
      this.set({ error: code });
      if (code !== ErrorCode.Forbidden && code !== ErrorCode.Unauthorized) {
        this.retry = setTimeout(() => {
          if (this.sig === sig && sig.socket.connected) void this.watch(sig);
        }, RETRY_MS);
      }
    }
  }

  /** Keeps the newest snapshot (the watch ack and a push may cross). */
  private take(s: DashboardSnapshot): void {
    const prev = this.state.snapshot;
    if (prev && s.at < prev.at) return;
    this.set({ snapshot: s, clockOffset: s.at - Date.now(), error: undefined });
  }
}

export function useDashboardLive(live: DashboardLive): DashboardLiveState {
  return useSyncExternalStore(live.subscribe, live.getState);
}
