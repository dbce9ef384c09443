/**
 * The walking skeleton end to end: a booth page and an agent page in Debian's
 * Chromium (fake camera + microphone) against the real sfu, real mediasoup
 * and real Redis. Media must really be decoded on both sides, bad messages
 * must not disturb the call, and hanging up must leave no mediasoup object behind.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readManifest, verifyRecording } from '../../sfu/src/recording/manifest';
import type { Browser, Page } from 'playwright-core';
import { ErrorCode, type CallOffer, type SessionInfo } from '@xiaowu/shared';
import { launchChromium, inboundFigures, type InboundFigures } from '../support/browser';
import { callState, openBooth, openConsole } from '../support/pages';
import { nextEvent, startTestServer, waitFor, type TestServer } from '../support/server';

const state = callState;

async function flowing(page: Page, since?: InboundFigures): Promise<InboundFigures> {
  return waitFor(async () => {
    const f = await inboundFigures(page);
    const base = since ?? { videoFramesDecoded: 0, audioBytesReceived: 0 };
    return f.videoFramesDecoded > base.videoFramesDecoded + 10 && f.audioBytesReceived > base.audioBytesReceived ? f : undefined;
  }, 'video frames decoded and audio received', 20_000);
}

describe('booth ↔ agent video call in a real browser', () => {
  let srv: TestServer;
  let browser: Browser;
  beforeAll(async () => {
    srv = await startTestServer({ RECORD_SEGMENT_S: '2' });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await srv?.close();
  });

  it('a resident picks a matter, reads its notice and waits; the skilled agent is offered the call, answers, and media flows both ways', async () => {
    // An agent without the skill, idle the longest: routing must never offer it this resident.
    const wrongSkill = await srv.client(await srv.staff({ username: 'agent-yibao', skills: ['yibao'] }));
    await wrongSkill.request('agent:setState', { state: 'available' });
    let wrongOffers = 0;
    wrongSkill.on('call:offer', () => wrongOffers++);

    await srv.staff({ username: 'agent-e2e', name: '测试坐席', skills: ['shebao'] });
    const agent = await openConsole(browser, srv, 'agent-e2e');

    const booth = await openBooth(browser, srv, 'booth-e2e', '测试社区晓屋');
    await state(booth, 'idle');
    expect(await booth.getByTestId('booth-name').textContent()).toContain('测试社区晓屋');
    // Browse by life-event theme (养老) and come back.
    await booth.getByTestId('theme-yanglao').click();
    await booth.getByTestId('department-matters').getByTestId('matter-shebao-retire-pension').waitFor();
    await booth.getByTestId('back-button').first().click();
    // Search by pinyin initials, open the one-time notice: every material is listed before the call.
    await booth.getByTestId('matter-search').fill('txsl');
    await booth.getByTestId('search-results').getByTestId('matter-shebao-retire-pension').click();
    await booth.getByTestId('notice').waitFor();
    const notice = await booth.getByTestId('notice').textContent();
    const matter = await srv.catalog.matter('shebao-retire-pension');
    for (const m of matter.materials) expect(notice).toContain(m.name);

    // Nobody with the skill is on duty yet: the booth says so instead of promising a time.
    await booth.getByTestId('call-button').click();
    await state(booth, 'waiting');
    await booth.locator('[data-testid="wait-estimate"][data-seconds=""]').waitFor();
    expect(await booth.getByTestId('queue-position').getAttribute('data-position')).toBe('1');

    // The skilled agent comes on duty and is rung with the resident's booth and matter.
    await agent.getByTestId('state-available').click();
    await agent.getByTestId('offer-panel').waitFor();
    expect(await agent.getByTestId('offer-booth').textContent()).toContain('测试社区晓屋');
    expect(await agent.getByTestId('offer-panel').textContent()).toContain(matter.name);
    await agent.getByTestId('answer-button').click();
    await state(agent, 'in-call');
    await state(booth, 'in-call');

    // Media really decoded on both sides, and still increasing a moment later.
    const booth1 = await flowing(booth);
    const agent1 = await flowing(agent);
    const booth2 = await flowing(booth, booth1);
    const agent2 = await flowing(agent, agent1);
    expect(booth2.videoFrameWidth).toBeGreaterThan(0);
    expect(agent2.videoFrameWidth).toBeGreaterThan(0);
    // …and visible to the user: the remote video element is playing.
    for (const page of [booth, agent]) {
      const w = await page.getByTestId('remote-video').evaluate((v: HTMLVideoElement) => v.videoWidth);
      expect(w).toBeGreaterThan(0);
    }
    // Each side: a send and a receive transport, camera + mic produced, the other's two consumed;
    // the recorder: a plain transport and a consumer per track.
    const expected = { routers: 1, transports: 8, producers: 4, consumers: 8 };
    const live = await waitFor(async () => {
      const s = await srv.stats();
      return Object.entries(expected).every(([k, v]) => s.counts[k] === v) ? s : undefined;
    }, 'server media objects of one call', 5_000).catch(async () => srv.stats());
    expect(live.counts).toMatchObject(expected);
    const victim = live.sessions[0]!;
    const victimProducer = victim.parties.find((p) => p.role === 'booth')!.producers[0]!;

    // A second, rogue pair of clients in their own session reaches for the first call.
    const rogueBooth = await srv.client((await srv.booth('booth-rogue')).token);
    const rogueAgent = await srv.client(await srv.staff({ username: 'agent-rogue', skills: ['minzheng'] }));
    await rogueAgent.request('agent:setState', { state: 'available' });
    const offer = nextEvent<CallOffer>(rogueAgent, 'call:offer');
    await rogueBooth.request('call:request', { matterId: 'minzheng-marriage-record' });
    const started = nextEvent<SessionInfo>(rogueBooth, 'call:started');
    await rogueAgent.request('call:answer', { callId: (await offer).callId });
    const rogueSession = await started;
    const recv = await rogueBooth.request('media:createTransport', { sessionId: rogueSession.sessionId, direction: 'recv' });
    const caps = await rogueBooth.request('media:routerCapabilities', { sessionId: rogueSession.sessionId });
    await expect(rogueBooth.request('media:consume', { transportId: recv.id, producerId: victimProducer, rtpCapabilities: caps as never })).rejects.toMatchObject({
      code: ErrorCode.NotFound,
    });
    await expect(rogueBooth.request('call:hangup', { sessionId: victim.sessionId })).rejects.toMatchObject({ code: ErrorCode.NotInSession });
    await expect(rogueBooth.request('media:routerCapabilities', { sessionId: victim.sessionId })).rejects.toMatchObject({ code: ErrorCode.NotInSession });
    await expect(rogueBooth.request('media:resumeConsumer', { consumerId: 'does-not-exist' })).rejects.toMatchObject({ code: ErrorCode.NotFound });
    await expect(
      rogueBooth.request('media:produce', { transportId: 12 as never, kind: 'video', source: 'camera', rtpParameters: { codecs: [] } as never }),
    ).rejects.toMatchObject({ code: ErrorCode.BadRequest });
    await rogueAgent.request('call:hangup', { sessionId: rogueSession.sessionId });

    // The booth was told the call is recorded.
    await booth.getByTestId('recording-indicator').waitFor();
    await agent.getByTestId('recording-indicator').waitFor();
    // The real call did not notice.
    await flowing(booth, booth2);
    await flowing(agent, agent2);
    expect((await srv.stats()).sessions.map((s) => s.sessionId)).toEqual([victim.sessionId]);

    // A call of some seconds (ffmpeg needs ~3–4 s to see the first keyframe and start writing video).
    await new Promise((r) => setTimeout(r, 6000));
    // Hang up from the booth, with its confirmation step.
    await booth.getByTestId('hangup-button').click();
    await booth.getByTestId('hangup-confirm').click();
    const hungUpAt = Date.now();
    await state(booth, 'ended');
    // The resident rates the service (好差评); a 不满意 opens a follow-up for a supervisor.
    await booth.getByTestId('rate-2').click();
    await booth.getByTestId('rate-reason').first().click();
    await booth.getByTestId('rate-submit').click();
    await booth.getByTestId('rate-done').waitFor();
    const rating = await waitFor(() => srv.feedback.rating(victim.sessionId), 'rating stored');
    expect(rating).toMatchObject({ level: 2, label: '不满意', agentId: 'agent-e2e', boothId: 'booth-e2e' });
    expect(rating.reasons.length).toBe(1);
    expect((await srv.feedback.followUps()).some((f) => f.kind === 'bad-rating' && f.ref === victim.sessionId)).toBe(true);
    await waitFor(async () => (await srv.stats()).counts.routers === 0, 'session router closed');
    expect((await srv.stats()).counts).toMatchObject({ routers: 0, transports: 0, producers: 0, consumers: 0 });

    // Every track was recorded into hashed, chained segments that play.
    await srv.calls.recordingDone.get(victim.sessionId);
    const dir = path.join(srv.dataDir, 'recordings', victim.sessionId);
    const report = verifyRecording(dir);
    expect(report.problems).toEqual([]);
    const tracks = new Set(readManifest(dir).map((e) => e.track));
    expect([...tracks].sort()).toEqual(['agent-agent-e2e-camera', 'agent-agent-e2e-mic', 'booth-booth-e2e-camera', 'booth-booth-e2e-mic']);
    expect(report.segments).toBeGreaterThan(4);
    const firstVideo = readManifest(dir).find((e) => e.track === 'booth-booth-e2e-camera')!;
    const probe = execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,nb_read_frames', '-of', 'json', path.join(dir, firstVideo.file)], { encoding: 'utf8' });
    const stream = (JSON.parse(probe) as { streams: Array<{ codec_name: string; nb_read_frames: string }> }).streams[0]!;
    expect(['vp8', 'h264']).toContain(stream.codec_name);
    expect(Number(stream.nb_read_frames)).toBeGreaterThan(10);
    // After the call: one playable file with all four tracks, as long as the call's media, video starting on a keyframe.
    const muxed = JSON.parse(fs.readFileSync(path.join(dir, 'playback', 'session.json'), 'utf8')) as { file: string; startedAt: number; tracks: Array<{ name: string }> };
    expect(muxed.tracks.map((t) => t.name).sort()).toEqual([...tracks].sort());
    const whole = JSON.parse(
      execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration:stream=codec_type', '-of', 'json', path.join(dir, muxed.file)], { encoding: 'utf8' }),
    ) as { format: { duration: string }; streams: Array<{ codec_type: string }> };
    expect(whole.streams.map((x) => x.codec_type).sort()).toEqual(['audio', 'audio', 'video', 'video']);
    const mediaSeconds = (hungUpAt - muxed.startedAt) / 1000;
    console.log(`[recording] muxed ${Number(whole.format.duration).toFixed(2)} s for ${mediaSeconds.toFixed(2)} s of media (first packet → hang-up)`);
    expect(Math.abs(Number(whole.format.duration) - mediaSeconds)).toBeLessThan(1);
    const firstFrame = JSON.parse(
      execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-read_intervals', '%+#1', '-show_entries', 'frame=key_frame', '-of', 'json', path.join(dir, muxed.file)], { encoding: 'utf8' }),
    ) as { frames: Array<{ key_frame: number }> };
    expect(firstFrame.frames[0]?.key_frame).toBe(1);
    // The resident's camera is recorded at its full frame rate (the recorder's feed has no bandwidth estimation holding it to a low layer).
    const cam = JSON.parse(
      execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames,width:format=duration', '-of', 'json', path.join(dir, 'playback', 'booth-booth-e2e-camera.webm')], { encoding: 'utf8' }),
    ) as { streams: Array<{ nb_read_frames: string; width: number }>; format: { duration: string } };
    const recordedFps = Number(cam.streams[0]!.nb_read_frames) / Number(cam.format.duration);
    console.log(`[recording] booth camera recorded at ${recordedFps.toFixed(1)} fps, ${cam.streams[0]!.width} px wide`);
    expect(recordedFps).toBeGreaterThan(12);
    // Supervisors (only) can open it, and each access is audited.
    const supervisor = await srv.staff({ username: 'sup-e2e', role: 'supervisor' });
    const seen = await fetch(`${srv.url}/api/recordings/${victim.sessionId}`, { headers: { authorization: `Bearer ${supervisor}` } });
    expect(((await seen.json()) as { data: { integrity: { problems: string[] } } }).data.integrity.problems).toEqual([]);
    const agentToken = await srv.tokens.issue({ role: 'agent', userId: 'agent-e2e', name: '测试坐席' });
    expect((await fetch(`${srv.url}/api/recordings/${victim.sessionId}`, { headers: { authorization: `Bearer ${agentToken.token}` } })).status).toBe(403);
    const seg = await fetch(`${srv.url}/api/recordings/${victim.sessionId}/files/${firstVideo.file}`, { headers: { authorization: `Bearer ${supervisor}` } });
    expect(seg.headers.get('content-type')).toBe('video/x-matroska');
    expect((await seg.arrayBuffer()).byteLength).toBe(firstVideo.bytes);
    // The review list: who was in the call, the matter, the case opened in it, the playable files.
    const asSupervisor = { headers: { authorization: `Bearer ${supervisor}` } };
    const listed = ((await (await fetch(`${srv.url}/api/recordings`, asSupervisor)).json()) as { data: Array<{ sessionId: string; matterId: string; parties: Array<{ role: string; userId: string; leftAt?: number }>; caseNos: string[]; playback?: { tracks: Array<{ name: string; file: string; offsetMs: number }> } }> }).data;
    const entry = listed.find((m) => m.sessionId === victim.sessionId)!;
    expect(entry.matterId).toBe('shebao-retire-pension');
    expect(entry.parties.map((p) => `${p.role}:${p.userId}`).sort()).toEqual(['agent:agent-e2e', 'booth:booth-e2e']);
    expect(entry.parties.every((p) => typeof p.leftAt === 'number')).toBe(true);
    expect(entry.caseNos).toHaveLength(1); // the booth opened the case when the call started
    expect(entry.playback!.tracks).toHaveLength(4);
    // A track plays with seeking (HTTP ranges); opening it is audited once, not per range.
    const webm = entry.playback!.tracks.find((t) => t.name === 'booth-booth-e2e-camera')!.file.split('/').pop()!;
    const part = await fetch(`${srv.url}/api/recordings/${victim.sessionId}/playback/${webm}`, { headers: { ...asSupervisor.headers, range: 'bytes=0-99' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-type')).toBe('video/webm');
    expect((await part.arrayBuffer()).byteLength).toBe(100);
    await fetch(`${srv.url}/api/recordings/${victim.sessionId}/playback/${webm}`, { headers: { ...asSupervisor.headers, range: 'bytes=100-199' } });
    const auditLog = (await srv.redis.xrange('{xw}:audit', '-', '+')).map(([, f]) => Object.fromEntries(Array.from({ length: f.length / 2 }, (_, i) => [f[2 * i], f[2 * i + 1]])) as Record<string, string>);
    expect(auditLog.filter((e) => e.action === 'recording-played' && e.sessionId === victim.sessionId)).toHaveLength(1);
    // The chain catches an altered and a missing segment.
    const entries = readManifest(dir);
    const altered = path.join(dir, entries[1]!.file);
    const bytes = fs.readFileSync(altered);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1);
    fs.writeFileSync(altered, bytes);
    fs.rmSync(path.join(dir, entries[2]!.file));
    const broken = verifyRecording(dir);
    expect(broken.ok).toBe(false);
    expect(broken.problems).toEqual([`${entries[1]!.file}: content altered (SHA-256 differs)`, `${entries[2]!.file}: missing`]);

    // The agent files the outcome (话后小结) and is available again.
    await agent.getByTestId('wrapup-form').waitFor();
    await agent.getByTestId('disposition-resolved').click();
    await agent.getByTestId('wrapup-submit').click();
    await agent.locator('[data-testid="agent-state"][data-state="available"]').waitFor();
    expect(wrongOffers).toBe(0);
  });
});
