/**
 * Issue 8: a call survives a real network cut, media included. The sfu
 * announces a UDP relay (tests/support/udp-relay.ts) in its ICE candidates, so
 * every browser's media goes through it; the booth's network is cut for 10 s —
 * its page offline with CDP (the websocket drops; Chromium does not apply that
 * to WebRTC) and its media ports dropped at the relay — then restored. While
 * cut, no video reaches either side; within 5 s of the restore both sides
 * decode video again, and the call, its session, its case and its recording
 * go on.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { DEMO_IDENTITY } from '../../booth-client/src/devices/id-card-reader';
import { api } from '../support/api';
import { KIOSK, inboundFigures, launchChromium, newPage } from '../support/browser';
import { callState, goAvailable, openConsole } from '../support/pages';
import { startTestServer, waitFor, type TestServer } from '../support/server';
import { startUdpRelay, type UdpRelay } from '../support/udp-relay';

const CUT_MS = 10_000;
const RESUME_LIMIT_MS = 5_000;
/** Frames decoded beyond a mark that count as video flowing (not one stray frame). */
const FLOWING_FRAMES = 10;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function framesDecoded(page: Page): Promise<number> {
  return (await inboundFigures(page)).videoFramesDecoded;
}

async function framesIncreasing(page: Page, since = 0): Promise<void> {
  await waitFor(async () => (await framesDecoded(page)) > since + FLOWING_FRAMES, 'video frames decoded', 20_000);
}

/** Records every call state the page shows from now on (to prove it never ended in between). */
async function recordStates(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __states: string[] };
    w.__states = [];
    const el = document.querySelector('[data-testid="call-state"]')!;
    w.__states.push(el.getAttribute('data-state') ?? '');
    new MutationObserver(() => w.__states.push(el.getAttribute('data-state') ?? '')).observe(el, { attributes: true, attributeFilter: ['data-state'] });
  });
}

async function statesSeen(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __states: string[] }).__states);
}

/** Records the ICE and connection states of the page's peer connections, with the time (ms since the epoch). */
async function recordIce(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __pcs: RTCPeerConnection[]; __ice: Array<{ t: number; pc: number; ice: string; conn: string }> };
    w.__ice = [];
    w.__pcs.forEach((pc, i) => {
      const note = () => w.__ice.push({ t: Date.now(), pc: i, ice: pc.iceConnectionState, conn: pc.connectionState });
      pc.addEventListener('iceconnectionstatechange', note);
      pc.addEventListener('connectionstatechange', note);
    });
  });
}

async function iceTimeline(page: Page, since: number): Promise<string> {
  const events = await page.evaluate(() => (window as unknown as { __ice: Array<{ t: number; pc: number; ice: string; conn: string }> }).__ice);
  return events.map((e) => `${((e.t - since) / 1000).toFixed(1)}s pc${e.pc} ${e.ice}/${e.conn}`).join(', ');
}

interface MediaPath {
  /** The selected candidate pair's local socket ("protocol address:port" of its host candidate). */
  local: string;
  /** Its remote candidate. */
  remote: string;
  /** What the sfu sees of the local socket (the relay's mapping: a peer-reflexive candidate), if not the socket itself. */
  mapped?: string;
}

/**
 * The page's live peer connections: their selected paths and the ports of
 * every local UDP socket (host candidate) they gathered. Through the relay the
 * selected local candidate is peer-reflexive (the relay's own socket, as the
 * sfu's STUN answers tell it), its related port is the page's socket.
 */
async function mediaPaths(page: Page): Promise<{ paths: MediaPath[]; localUdpPorts: number[] }> {
  return page.evaluate(async () => {
    const paths: MediaPath[] = [];
    const ports = new Set<number>();
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
      if (pc.connectionState === 'closed') continue;
      const stats = new Map<string, Record<string, unknown>>();
      (await pc.getStats()).forEach((s: Record<string, unknown>) => stats.set(s.id as string, s));
      const endpoint = (c: Record<string, unknown> | undefined) => (c ? `${String(c.protocol)} ${String(c.address)}:${String(c.port)}` : '?');
      for (const s of stats.values()) {
        if (s.type === 'local-candidate' && s.protocol === 'udp' && s.candidateType === 'host') ports.add(Number(s.port));
        if (s.type === 'transport' && s.selectedCandidatePairId) {
          const pair = stats.get(s.selectedCandidatePairId as string);
          const local = stats.get(pair?.localCandidateId as string);
          const remote = endpoint(stats.get(pair?.remoteCandidateId as string));
          if (!local || local.candidateType === 'host') paths.push({ local: endpoint(local), remote });
          else paths.push({ local: `${String(local.protocol)} ${String(local.relatedAddress)}:${String(local.relatedPort)}`, remote, mapped: endpoint(local) });
        }
      }
    }
    return { paths, localUdpPorts: [...ports] };
  });
}

async function setOffline(cdp: CDPSession, offline: boolean): Promise<void> {
  await cdp.send('Network.emulateNetworkConditions', { offline, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
}

/** Bytes recorded so far of the session's tracks whose names start with `prefix`. */
function recordedBytes(dir: string, prefix: string): number {
  if (!fs.existsSync(dir)) return 0;
  return fs
    .readdirSync(dir)
    .filter((f) => f.startsWith(prefix) && f.endsWith('.mkv'))
    .reduce((sum, f) => sum + fs.statSync(path.join(dir, f)).size, 0);
}

/**
 * The relay takes a free port P on 127.0.0.2 and the sfu's WebRtcServer then
 * listens on 127.0.0.1:P, announcing 127.0.0.2:P. Nothing listens on
 * 127.0.0.2:P for TCP, so the browsers' TCP candidates are refused and UDP,
 * through the relay, is the only media path.
 */
async function startRelayedServer(): Promise<{ srv: TestServer; relay: UdpRelay }> {
  for (let attempt = 1; ; attempt++) {
    const relay = await startUdpRelay({ listenIp: '127.0.0.2', targetIp: '127.0.0.1', port: 0 });
    try {
      const srv = await startTestServer({ RTC_PORT: String(relay.port), RTC_ANNOUNCED_ADDRESS: '127.0.0.2', RECORD_SEGMENT_S: '2' });
      return { srv, relay };
    } catch (err) {
      await relay.close();
      // The port was free on 127.0.0.2 but taken on 127.0.0.1 (UDP or TCP): take another.
      if (attempt === 3) throw err;
    }
  }
}

describe('a call survives a 10 s network cut, media included', () => {
  let srv: TestServer;
  let relay: UdpRelay;
  let browser: Browser;
  beforeAll(async () => {
    ({ srv, relay } = await startRelayedServer());
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await srv?.close();
    await relay?.close();
  });

  it('no video while cut; both sides decode video again within 5 s of the restore; same call, session, case and recording', async () => {
    // ── a call, media through the relay ─────────────────────────────────────
    await srv.staff({ username: 'agent-cut', name: '断网坐席', skills: ['shebao'] });
    const agent = await openConsole(browser, srv, 'agent-cut');
    await goAvailable(agent);
    const { token: boothToken, secret } = await srv.booth('booth-cut', '断网测试晓屋');
    const booth = await newPage(browser, `${srv.url}/booth/#enroll=booth-cut.${secret}`, KIOSK);
    const logs: string[] = [];
    for (const [who, page] of [['booth', booth], ['agent', agent]] as const) {
      page.on('console', (m) => {
        // The failed websocket attempts while offline are expected; anything else (a failed resume or ICE restart) is news.
        if ((m.type() === 'warning' || m.type() === 'error') && !m.text().includes('ERR_INTERNET_DISCONNECTED')) logs.push(`${new Date().toISOString().slice(11, 23)} [${who}] ${m.text()}`);
      });
    }
    await callState(booth, 'idle');
    await booth.getByTestId('consult-button').click();
    await callState(booth, 'waiting');
    await agent.getByTestId('answer-button').click();
    await callState(agent, 'in-call');
    await callState(booth, 'in-call');
    await framesIncreasing(booth);
    await framesIncreasing(agent);
    const sessions = (await srv.stats()).sessions;
    expect(sessions).toHaveLength(1);
    const sessionId = sessions[0]!.sessionId;

    // Both of the booth's transports (send, receive) go through the relay over UDP.
    const before = await mediaPaths(booth);
    expect(before.paths).toHaveLength(2);
    for (const p of before.paths) expect(p.remote).toBe(`udp 127.0.0.2:${relay.port}`);
    const boothPorts = before.paths.map((p) => Number(p.local.split(':').pop()));
    for (const p of boothPorts) {
      expect(before.localUdpPorts).toContain(p);
      expect(relay.clientPorts()).toContain(p);
    }
    console.log(`[media-cut] booth media paths: ${before.paths.map((p) => `${p.local} (seen as ${p.mapped ?? 'itself'}) -> ${p.remote}`).join('; ')}`);
    expect((await mediaPaths(agent)).paths.map((p) => p.remote)).toEqual([`udp 127.0.0.2:${relay.port}`, `udp 127.0.0.2:${relay.port}`]);

    // A case opened in the call (the booth read the ID card), and the call being recorded.
    const openCase = () => api(srv, 'POST', '/cases', { token: boothToken, body: { matterId: 'shebao-card-reissue', applicant: DEMO_IDENTITY } });
    const opened = await openCase();
    expect(opened.status).toBe(200);
    const caseNo = opened.body.data.caseNo as string;
    expect(opened.body.data.sessionId).toBe(sessionId);
    const recDir = path.join(srv.dataDir, 'recordings', sessionId);
    const boothCamera = 'booth-booth-cut-camera-';
    await waitFor(() => recordedBytes(recDir, boothCamera) > 0, 'the booth camera recorded', 20_000);

    await recordStates(booth);
    await recordStates(agent);
    await recordIce(booth);

    // ── the cut: signaling (CDP offline) and media (every UDP socket of the booth, at the relay) ──
    const cdp = await booth.context().newCDPSession(booth);
    await cdp.send('Network.enable');
    relay.block(before.localUdpPorts);
    await setOffline(cdp, true);
    const cutAt = Date.now();
    await booth.getByTestId('reconnecting').waitFor({ timeout: 8_000 });
    await agent.getByTestId('party-away').waitFor({ timeout: 8_000 });
    // The cut is real: once the jitter buffers have drained, no video frame is decoded on either side.
    await sleep(Math.max(0, 3_000 - (Date.now() - cutAt)));
    const frozen = { booth: await framesDecoded(booth), agent: await framesDecoded(agent), dropped: relay.dropped.toServer };
    await callState(booth, 'in-call');
    await callState(agent, 'in-call');
    await sleep(Math.max(0, CUT_MS - 1_000 - (Date.now() - cutAt)));
    expect(await framesDecoded(booth)).toBe(frozen.booth);
    expect(await framesDecoded(agent)).toBe(frozen.agent);
    expect(relay.dropped.toServer).toBeGreaterThan(frozen.dropped); // the booth kept trying
    const recordedAtRestore = recordedBytes(recDir, boothCamera);
    await sleep(Math.max(0, CUT_MS - (Date.now() - cutAt)));

    // ── the restore: time until each side decodes video again ─────────────
    relay.unblock();
    await setOffline(cdp, false);
    const restoredAt = Date.now();
    const since = () => Date.now() - restoredAt;
    const signalingBack = booth
      .getByTestId('reconnecting')
      .waitFor({ state: 'detached', timeout: 15_000 })
      .then(since, () => undefined);
    const resumedAfter: { booth?: number; agent?: number } = {};
    while (since() < RESUME_LIMIT_MS + 10_000 && (resumedAfter.booth === undefined || resumedAfter.agent === undefined)) {
      for (const side of ['booth', 'agent'] as const) {
        if (resumedAfter[side] === undefined && (await framesDecoded(side === 'booth' ? booth : agent)) > frozen[side] + FLOWING_FRAMES) resumedAfter[side] = since();
      }
      await sleep(100);
    }
    const recordingBack = await waitFor(() => recordedBytes(recDir, boothCamera) > recordedAtRestore + 20_000 && since(), 'the booth camera recorded after the restore', 15_000).catch(() => undefined);
    console.log(
      `[media-cut] cut ${((restoredAt - cutAt) / 1000).toFixed(1)} s; after the restore, video decoded again: booth ${resumedAfter.booth ?? 'never'} ms, agent ${resumedAfter.agent ?? 'never'} ms;` +
        ` booth signaling resumed ${(await signalingBack) ?? 'never'} ms; booth camera recorded again ${recordingBack ?? 'never'} ms` +
        `\n[media-cut] relay dropped ${relay.dropped.toServer} packets to the sfu, ${relay.dropped.toClient} to the booth; booth ICE/connection states since the cut: ${await iceTimeline(booth, cutAt)}` +
        (logs.length ? `\n[media-cut] page warnings:\n${logs.join('\n')}` : ''),
    );
    expect(resumedAfter.booth).toBeLessThan(RESUME_LIMIT_MS);
    expect(resumedAfter.agent).toBeLessThan(RESUME_LIMIT_MS);

    // ── the call went on: same session, never ended, case and recording continue ──
    await booth.getByTestId('reconnecting').waitFor({ state: 'detached', timeout: 12_000 });
    await agent.getByTestId('party-away').waitFor({ state: 'detached', timeout: 5_000 });
    await callState(booth, 'in-call');
    await callState(agent, 'in-call');
    expect(await statesSeen(booth)).not.toContain('ended');
    expect(await statesSeen(agent)).not.toContain('idle');
    expect((await srv.stats()).sessions.map((s) => s.sessionId)).toEqual([sessionId]);
    // The server still has the booth in this call: opening the case again gives the same one.
    const again = await openCase();
    expect(again.body.data.caseNo).toBe(caseNo);
    expect(again.body.data.sessionId).toBe(sessionId);
    // The recording goes on: the booth's camera is recorded again after the restore.
    expect(recordingBack).toBeDefined();
    await cdp.detach();
  }, 90_000);
});
