/**
 * Sign-language variants (手语种类) in the interpreter pool, against a real sfu:
 * the session is offered first to an available interpreter who signs the
 * resident's variant (staff tag `sign:<variant>`), then — at once when none of
 * them is free, or after the offer timeout / a decline — to any interpreter.
 * The variant travels with the offer, and a later request in the same session
 * (e.g. the agent's invitation) asks for the same variant.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, type CallOffer, type SessionInfo } from '@xiaowu/shared';
import type { SignalingClient } from '@xiaowu/shared/client';
import { nextEvent, nextEventWhere, startTestServer, waitFor, type TestServer } from '../support/server';

/** Sends a raw event (bypassing the typed client) and returns the ack. */
function raw(c: SignalingClient, event: string, ...args: unknown[]): Promise<{ ok: boolean; error?: { code: string } }> {
  const emit = c.socket.emit as unknown as (...a: unknown[]) => void;
  return new Promise((resolve) => emit.call(c.socket, event, ...args, resolve));
}

/** No offer reaches `c` within `ms`. */
async function noOffer(c: SignalingClient, ms: number): Promise<void> {
  const offer = await nextEvent<CallOffer>(c, 'call:offer', ms).catch(() => undefined);
  expect(offer, 'no offer expected').toBeUndefined();
}

const OFFER_TIMEOUT_S = 5;

describe('sign-language variants in the interpreter pool', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer({ RECORDING: 'off', OFFER_TIMEOUT_S: String(OFFER_TIMEOUT_S) });
  });
  afterAll(async () => srv?.close());

  /** A booth in a consult call with a fresh agent; `needs` as sent by the booth. */
  async function callWith(name: string, needs?: { sign: boolean; signVariant?: string }): Promise<{ booth: SignalingClient; agent: SignalingClient; session: SessionInfo }> {
    const agent = await srv.client(await srv.staff({ username: `agent-${name}`, name: `坐席${name}` }));
    const booth = await srv.client((await srv.booth(`booth-${name}`)).token);
    const offered = nextEvent<CallOffer>(agent, 'call:offer');
    await agent.request('agent:setState', { state: 'available' });
    await booth.request('call:request', { matterId: 'consult', ...(needs ? { needs: needs as { sign: boolean } } : {}) });
    const offer = await offered;
    expect(offer.signVariant).toBe(needs?.sign ? (needs.signVariant ?? 'csl') : undefined);
    const session = await agent.request('call:answer', { callId: offer.callId });
    return { booth, agent, session };
  }

  /** Takes interpreters out of the pool (offline, once their call is over) so the next test has its own. */
  async function retire(...cs: SignalingClient[]): Promise<void> {
    for (const c of cs) {
      await waitFor(async () => (await c.request('agent:setState', { state: 'offline' }).catch(() => undefined))?.state === 'offline', 'interpreter offline');
    }
  }

  async function interpreter(username: string, tags: string[]): Promise<SignalingClient> {
    const c = await srv.client(await srv.staff({ username, name: username, role: 'interpreter', tags }));
    await c.request('agent:setState', { state: 'available' });
    return c;
  }

  it('refuses unknown variants', async () => {
    const booth = await srv.client((await srv.booth('booth-bad-variant')).token);
    expect((await raw(booth, 'call:request', { matterId: 'consult', needs: { sign: true, signVariant: 'klingon' } })).error?.code).toBe(ErrorCode.BadRequest);
    expect((await raw(booth, 'interp:request', { sessionId: 's-1', variant: 'xx' })).error?.code).toBe(ErrorCode.BadRequest);
  });

  it('offers the session first to an interpreter of the asked variant, even when another has been idle longer; a later request asks for the same', async () => {
    // The national-sign-language interpreter has waited longest: without variants it would be rung first.
    const csl = await interpreter('interp-csl-1', ['sign:csl']);
    const bj = await interpreter('interp-bj-1', ['sign:csl', 'sign:bj']);
    const toBj = nextEvent<CallOffer>(bj, 'call:offer', 10_000);
    const cslQuiet = noOffer(csl, 1500);
    const { agent, session } = await callWith('v1', { sign: true, signVariant: 'bj' });
    const offer = await toBj;
    expect(offer).toMatchObject({ skill: 'interpreter', signVariant: 'bj', boothId: 'booth-v1' });
    await cslQuiet;
    await bj.request('call:answer', { callId: offer.callId });

    // The interpreter leaves; the agent invites again without naming a variant: 北京 again, and bj is the one free for it.
    const left = nextEventWhere<{ state: string }>(agent, 'interp:status', (e) => e.state === 'left');
    await bj.request('call:hangup', { sessionId: session.sessionId });
    await left;
    const bj2 = await interpreter('interp-bj-2', ['sign:bj']);
    const again = nextEvent<CallOffer>(bj2, 'call:offer');
    const cslStillQuiet = noOffer(csl, 1500);
    await agent.request('interp:request', { sessionId: session.sessionId });
    expect((await again).signVariant).toBe('bj');
    await cslStillQuiet;
    // Declined: the first round is over, any interpreter may take it now.
    const toCsl = nextEvent<CallOffer>(csl, 'call:offer');
    await bj2.request('call:decline', { callId: (await again).callId });
    const fallback = await toCsl;
    expect(fallback).toMatchObject({ callId: (await again).callId, signVariant: 'bj' });
    await csl.request('call:answer', { callId: fallback.callId });
    await agent.request('call:hangup', { sessionId: session.sessionId });
    await retire(csl, bj, bj2);
  });

  it('goes to any available interpreter at once when none free signs the variant', async () => {
    const csl = await interpreter('interp-csl-2', ['sign:csl']);
    const { booth, session } = await callWith('v2');
    const offered = nextEvent<CallOffer>(csl, 'call:offer');
    // In the call, the resident picks 上海手语: nobody free signs it.
    await booth.request('interp:request', { sessionId: session.sessionId, variant: 'sh' });
    const offer = await offered;
    expect(offer.signVariant).toBe('sh');
    await csl.request('call:decline', { callId: offer.callId });
    await booth.request('call:hangup', { sessionId: session.sessionId });
    await retire(csl);
  });

  it('falls back to any interpreter when the variant’s interpreter lets the offer time out', async () => {
    const csl = await interpreter('interp-csl-3', ['sign:csl']);
    const sh = await interpreter('interp-sh-3', ['sign:csl', 'sign:sh']);
    const toSh = nextEvent<CallOffer>(sh, 'call:offer', 10_000);
    const { booth, session } = await callWith('v3', { sign: true, signVariant: 'sh' });
    // Rung when the agent answered: the 上海手语 interpreter first…
    const first = await toSh;
    expect(first.signVariant).toBe('sh');
    // …who does not answer: after the offer timeout, the other interpreter.
    const missed = nextEventWhere<{ callId: string; reason: string }>(sh, 'call:offerWithdrawn', (w) => w.callId === first.callId, (OFFER_TIMEOUT_S + 3) * 1000);
    const second = await nextEvent<CallOffer>(csl, 'call:offer', (OFFER_TIMEOUT_S + 3) * 1000);
    expect((await missed).reason).toBe('missed');
    expect(second).toMatchObject({ callId: first.callId, signVariant: 'sh' });
    const joined = await csl.request('call:answer', { callId: second.callId });
    expect(joined.sessionId).toBe(session.sessionId);
    expect(joined.parties.filter((p) => p.role === 'interpreter').map((p) => p.userId)).toEqual(['interp-csl-3']);
    await booth.request('call:hangup', { sessionId: session.sessionId });
    await retire(csl, sh);
  });
});
