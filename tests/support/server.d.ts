import { type RunningServer } from '@xiaowu/sfu';
import { SignalingClient } from '@xiaowu/shared/client';
import type { StaffAccount } from '../../sfu/src/auth/accounts';
export declare const TEST_PASSWORD = "correct horse battery";
export interface TestServer extends RunningServer {
    dataDir: string;
    /** A signaling client connected with a token; closed by `close()`. */
    client(token: string): Promise<SignalingClient>;
    /** Creates a staff account (password TEST_PASSWORD) and returns its token. */
    staff(a: Partial<StaffAccount> & {
        username: string;
    }): Promise<string>;
    /** Provisions a booth and returns its token and device secret. */
    booth(boothId: string, name?: string): Promise<{
        token: string;
        secret: string;
    }>;
    stats(): Promise<{
        counts: Record<string, number>;
        sessions: Array<{
            sessionId: string;
            parties: Array<{
                role: string;
                producers: string[];
            }>;
        }>;
    }>;
}
export declare function startTestServer(env?: Record<string, string>): Promise<TestServer>;
/** Resolves with the next occurrence of a server event. */
export declare function nextEvent<T>(c: SignalingClient, event: string, timeoutMs?: number): Promise<T>;
/** Resolves with the next occurrence of a server event that satisfies `match`. */
export declare function nextEventWhere<T>(c: SignalingClient, event: string, match: (v: T) => boolean, timeoutMs?: number): Promise<T>;
/** Polls until `fn` returns a truthy value. */
export declare function waitFor<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeoutMs?: number): Promise<T>;
