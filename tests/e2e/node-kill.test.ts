/**
 * Issue 8 in real browsers: two sfu processes on one Redis behind a load
 * balancer, recording on (shared DATA_DIR). The node holding a live call is
 * killed (SIGKILL). The other node takes the session over; the booth and the
 * console — one of them reconnecting its socket through the balancer — open
 * their media there by themselves, and video decodes again on both sides
 * within 5 s. The call goes on, then ends normally; its recording holds both
 * nodes' parts in one intact manifest chain.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { Accounts } from '../../sfu/src/auth/accounts';
import { readManifest, verifyRecording } from '../../sfu/src/recording/manifest';
import { launchChromium, pcCount, videoBack } from '../support/browser';
import { callState, goAvailable, openBooth, openConsole } from '../support/pages';
import { TEST_PASSWORD, waitFor, type TestServer } from '../support/server';
import { startTestRedis } from '../support/redis';
import { startChildNode, type ChildNode } from '../support/child-node';
import { startTcpBalancer, type TcpBalancer } from '../support/tcp-lb';

describe('an sfu node killed under a browser call', () => {
  let redis: Awaited<ReturnType<typeof startTestRedis>>;
  const nodes: ChildNode[] = [];
  let lb: TcpBalancer;
  let browser: Browser;
  let dataDir: string;
  beforeAll(async () => {
    redis = await startTestRedis();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xw-shared-'));
    const env = { REDIS_URL: redis.url, RECORDING: 'on', DATA_DIR: dataDir };
    nodes.push(await startChildNode({ ...env, NODE_ID: 'node-1' }), await startChildNode({ ...env, NODE_ID: 'node-2' }));
    lb = await startTcpBalancer(nodes.map((n) => n.url));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await lb?.close();
    for (const n of nodes) await n.stop();
    await redis?.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('the other node takes the call over; both apps reopen their media; video decodes again within 5 s; one intact recording', async () => {
    const accounts = new Accounts(redis.redis);
    await accounts.createStaff({ username: 'agent-nk', name: '吴坐席', role: 'agent', skills: ['tuiyi'], tags: [] }, TEST_PASSWORD);
    // The pages come through the balancer, as in production.
    const site = {
      url: lb.url,
      booth: async (boothId: string, name = `${boothId} 晓屋`) => ({ secret: await accounts.provisionBooth({ boothId, name, community: '测试社区', address: '' }), token: '' }),
    } as unknown as TestServer;
    const agent = await openConsole(browser, site, 'agent-nk');
    await goAvailable(agent);
    const booth = await openBooth(browser, site, 'booth-nk', '节点容灾晓屋');
    for (const [n, p] of [['booth', booth], ['agent', agent]] as const) p.on('console', (m) => process.env.XW_DEBUG && console.log(`[${n}] ${m.text()}`));
    await callState(booth, 'idle');
    await booth.getByTestId('consult-button').click();
    await callState(booth, 'waiting');
    await agent.getByTestId('answer-button').click();
    await callState(booth, 'in-call');
    await videoBack(booth, 0, 20_000);
    await videoBack(agent, 0, 20_000);
    const [sessionKey] = await redis.redis.keys('{xw}:sess:*');
    const sessionId = sessionKey!.slice('{xw}:sess:'.length);
    const owner = await redis.redis.hget(sessionKey!, 'node');
    const victim = nodes.find((n) => n.url && owner === (n === nodes[0] ? 'node-1' : 'node-2'))!;
    const survivor = nodes.find((n) => n !== victim)!;
    // Let the first node record a couple of seconds.
    await new Promise((r) => setTimeout(r, 2500));
    const before = await Promise.all([pcCount(booth), pcCount(agent)]);

    const t0 = Date.now();
    victim.process.kill('SIGKILL');
    await Promise.all([videoBack(booth, before[0], 10_000), videoBack(agent, before[1], 10_000)]).catch((err) => {
      throw new Error(`${(err as Error).message}\n--- surviving node's log:\n${survivor.output().slice(-6000)}`);
    });
    const ms = Date.now() - t0;
    console.log(`node ${owner} killed mid-call: video decoding again on both sides after ${ms} ms`);
    expect(ms).toBeLessThan(5_000);

    // Same call, same screens, now on the other node.
    await callState(booth, 'in-call');
    expect(await agent.getByTestId('hangup-button').count()).toBe(1);
    expect(await redis.redis.hget(sessionKey!, 'node')).toBe(owner === 'node-1' ? 'node-2' : 'node-1');
    expect(survivor.process.exitCode).toBeNull();
    // Recorded on the second node too: its booth camera track has media on disk (its recorder starts on the first keyframe).
    const dir = path.join(dataDir, 'recordings', sessionId);
    const secondPart = () => fs.readdirSync(dir).filter((f) => /^booth-booth-nk-camera-m1-\d{5}\.mkv$/.test(f)).reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0);
    await waitFor(() => secondPart() > 50_000, "the booth camera recorded by the second node", 20_000);

    await booth.getByTestId('hangup-button').click();
    await booth.getByTestId('hangup-confirm').click();
    await callState(booth, 'ended');
    // The recording: both nodes' tracks in one chain, every segment vouched for.
    await waitFor(() => fs.existsSync(path.join(dir, 'closed.json')), 'recording closed', 30_000);
    const tracks = new Set(readManifest(dir).map((e) => e.track));
    expect([...tracks].some((t) => t.startsWith('booth-booth-nk-camera') && !t.includes('-m'))).toBe(true);
    expect([...tracks].some((t) => t.startsWith('booth-booth-nk-camera') && t.endsWith('-m1'))).toBe(true);
    const report = verifyRecording(dir);
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(await redis.redis.keys('{xw}:sess:*')).toEqual([]);
  });
});
