/**
 * Start-up of the kiosk, outside React: enrollment or sign-in with the stored
 * device credentials, then one signaling connection for the life of the page.
 * A kiosk has nobody to press "reload", so every failure that may pass
 * (network, server restarting, rate limit) is retried by itself.
 */
import { SignalingClient } from '@xiaowu/shared/client';
import { AppError, ErrorCode } from '@xiaowu/shared';
import { errorKey, type MessageKey } from '@xiaowu/shared/i18n';
import { BoothCall } from './booth-call';
import { loadBoothDevices } from './devices/devices';
import { HealthMonitor, appVersion } from './devices/health';
import {
  clearEnrollHash,
  loadCredentials,
  parseEnrollHash,
  saveCredentials,
  signInBooth,
  type BoothCredentials,
  type BoothInfo,
} from './booth-auth';

export type BootState =
  | { kind: 'starting'; enrolling: boolean }
  /** No credentials on this device. */
  | { kind: 'not-enrolled' }
  /** The server refused the credentials (wrong enrollment link, or the device was removed). */
  | { kind: 'rejected'; enrolling: boolean }
  /** The server could not be reached (or asked us to slow down): retried at `retryAt`. */
  | { kind: 'unreachable'; enrolling: boolean; error: MessageKey; retryAt: number }
  /** `health`: the device checks and `booth:heartbeat` loop (started and stopped by the app). */
  | { kind: 'ready'; boothId: string; boothName: string; call: BoothCall; health: HealthMonitor };

/** Fresh token every day (they last 7). */
const REFRESH_MS = 24 * 3600 * 1000;
/** A device that was refused is asked about again now and then (it may be re-provisioned). */
const REJECTED_RETRY_MS = 5 * 60_000;

export interface BoothBootOptions {
  /** The end screen went back to the start on its own: reset per-resident settings (language). */
  onAutoReturn?: () => void;
}

export class BoothBoot {
  private state: BootState = { kind: 'starting', enrolling: false };
  private readonly listeners = new Set<() => void>();
  private credentials: BoothCredentials | undefined;
  private enrolling = false;
  private failures = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private call: BoothCall | undefined;

  constructor(private readonly options: BoothBootOptions = {}) {}

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getState = (): BootState => this.state;

  private set(state: BootState): void {
    this.state = state;
    for (const l of this.listeners) l();
  }

  /** Reads `#enroll=…` (then removes it from the address bar) or the stored credentials, and signs in. */
  start(): void {
    const fromHash = location.hash.startsWith('#enroll=') ? parseEnrollHash(location.hash) : undefined;
    if (location.hash.startsWith('#enroll=')) clearEnrollHash(); // the secret must not stay in the address bar or history
    this.enrolling = fromHash !== undefined;
    this.credentials = fromHash ?? loadCredentials();
    if (!this.credentials) {
      this.set({ kind: 'not-enrolled' });
      return;
    }
    void this.signIn();
  }

  /** 「立即重试」 on the error screens. */
  retryNow(): void {
    if (this.state.kind !== 'unreachable' && this.state.kind !== 'rejected') return;
    clearTimeout(this.retryTimer);
    void this.signIn();
  }

  private async signIn(): Promise<void> {
    const credentials = this.credentials!;
    this.set({ kind: 'starting', enrolling: this.enrolling });
    try {
      const res = await signInBooth(credentials);
      if (this.enrolling) saveCredentials(credentials);
      this.enrolling = false;
      this.failures = 0;
      this.scheduleRefresh();
      // The kiosk's document camera, ID-card reader and receipt printer (per-kiosk setting).
      const devices = loadBoothDevices();
      const sig = new SignalingClient('', { token: res.token });
      const call = new BoothCall(sig, {
        onAutoReturn: this.options.onAutoReturn,
        reauthenticate: () => this.token(),
        devices,
      });
      // The supervisors' dashboard: alive, what is on screen, the devices' health.
      const health = new HealthMonitor({
        sig,
        devices,
        media: () => {
          const s = call.getState();
          // Waiting (camera open, the queue) or in a call (captures too): the devices are the call's.
          return { busy: s.phase === 'waiting' || s.phase === 'in-call', stream: s.localStream };
        },
        appVersion: appVersion(),
      });
      this.call = call;
      this.set({ kind: 'ready', boothId: credentials.boothId, boothName: boothName(res.booth, credentials.boothId), call, health });
    } catch (err) {
      console.error('booth sign-in failed', err);
      const code = err instanceof AppError ? err.code : undefined;
      if (code === ErrorCode.Unauthorized || code === ErrorCode.BadRequest) {
        this.set({ kind: 'rejected', enrolling: this.enrolling });
        // A bad enrollment link is not retried: staff are standing at the booth and will try another.
        if (!this.enrolling) this.retryTimer = setTimeout(() => void this.signIn(), REJECTED_RETRY_MS);
        return;
      }
      this.failures++;
      const delay = code === ErrorCode.RateLimited ? 60_000 : Math.min(60_000, 5_000 * 2 ** Math.min(this.failures - 1, 4));
      this.set({ kind: 'unreachable', enrolling: this.enrolling, error: errorKey(err), retryAt: Date.now() + delay });
      this.retryTimer = setTimeout(() => void this.signIn(), delay);
    }
  }

  /** A fresh token (for reconnecting after the old one expired). */
  private async token(): Promise<string> {
    const res = await signInBooth(this.credentials!);
    this.scheduleRefresh();
    return res.token;
  }

  /** Renews the token before it expires, so a reconnect days later still gets in. */
  private scheduleRefresh(delay = REFRESH_MS): void {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => {
      this.token().then(
        (token) => this.call?.setToken(token),
        (err) => {
          console.warn('booth token refresh failed; trying again in 5 minutes', err);
          this.scheduleRefresh(5 * 60_000);
        },
      );
    }, delay);
  }
}

function boothName(booth: BoothInfo | undefined, boothId: string): string {
  return booth?.name || boothId;
}
