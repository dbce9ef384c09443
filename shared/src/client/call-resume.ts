/**
 * Keeping a call through a dropped connection, the same way in the booth and
 * the console: when the socket goes during a call the call stays on screen
 * (`reconnecting`); when it is back, 'session:resume' re-attaches it to the
 * running session; NOT_IN_SESSION (the server ended the call meanwhile), or
 * no connection within RECONNECT_GIVE_UP_MS, ends it locally as 'network'.
 */
import { ErrorCode } from '../errors';
import type { SessionInfo } from '../protocol';
import type { SignalingClient } from './signaling';

/** Longer than the server's grace period (RECONNECT_GRACE_S, 20 s by default): by then it has ended the call. */
export const RECONNECT_GIVE_UP_MS = 30_000;

export interface CallResumeHost {
  /** The running call's session, or undefined when not in a call. */
  session(): SessionInfo | undefined;
  /** Whether the host shows the call as reconnecting. */
  reconnecting(): boolean;
  /** Shows the call as reconnecting (no other change). */
  setReconnecting(): void;
  /** Re-attached: the session as the server has it now. */
  resumed(session: SessionInfo): void;
  /** The call is over (server ended it, or the connection did not come back in time). */
  giveUp(): void;
}

export class CallResume {
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly sig: SignalingClient,
    private readonly host: CallResumeHost,
  ) {}

  /** The socket dropped during a call: keep it; give up when it is not back in time. */
  lost(): void {
    if (this.host.reconnecting()) return;
    this.host.setReconnecting();
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.host.session() && this.host.reconnecting()) this.host.giveUp();
    }, RECONNECT_GIVE_UP_MS);
  }

  /** The call ended or was resumed: no more giving up. */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Back online during a call: 'session:resume' re-attaches this socket, or the call ended meanwhile. */
  async resume(): Promise<void> {
    const session = this.host.session();
    if (!session) return;
    const current = (): boolean => this.host.session()?.sessionId === session.sessionId;
    try {
      const info = await this.sig.request('session:resume', { sessionId: session.sessionId });
      if (!current()) return;
      this.stop();
      this.host.resumed(info);
    } catch (err) {
      if (!current()) return;
      if ((err as { code?: string }).code === ErrorCode.NotInSession) {
        this.host.giveUp();
        return;
      }
      // Lost again on the way (the next 'connect' asks again), or no answer: the give-up timer decides.
      console.warn('session:resume failed', err);
    }
  }
}
