/**
 * 监控大屏 render time in real Chromium: the real DashboardView
 * (agent-console/src/DashboardView.tsx, production React build, the console's
 * stylesheets) given a generated snapshot of 1,000 booths (10 % offline, with
 * device health), 200 agents, 40 interpreters, 150 calls, 30 queues, 20
 * ratings and 200 follow-ups, at a 1920×1080 wall-screen viewport.
 *
 * Per run (a fresh page each, so every first render is cold): the time from
 * just before `root.render` to the first frame after the commit
 * (useLayoutEffect → requestAnimationFrame → the task after that frame), and
 * the time to apply the next snapshot (one booth goes offline, one rating
 * arrives) the same way. Budget: 1,000 ms for the first render.
 *
 * The page is bundled with Vite's build() into a temporary directory under
 * node_modules/.cache, served from 127.0.0.1 on a free port, and everything
 * is removed afterwards. `node --import tsx bench/dashboard-render.ts
 * [--quick]` runs it alone and writes bench/results/<time>-dashboard-render.json;
 * bench/run.ts runs it with the others.
 */
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import type { DashboardSnapshot, DeviceStatus, LiveAgent, LiveBooth, LiveFollowUp, LiveQueue, LiveRating, LiveSession } from '@xiaowu/shared';

export const DASHBOARD_BUDGET_MS = 1000;

export interface Spread {
  min: number;
  median: number;
  max: number;
  samples: number[];
}

export interface DashboardRenderResult {
  runs: number;
  booths: number;
  offline: number;
  agents: number;
  interpreters: number;
  sessions: number;
  queues: number;
  ratings: number;
  followUps: number;
  /** before root.render → first frame after the commit (ms) */
  firstRenderMs: Spread;
  /** before root.render → commit (layout effects), without style / layout / paint */
  firstCommitMs: Spread;
  /** next snapshot (a booth offline, a rating added) → first frame after its commit */
  updateMs: Spread;
  /** next snapshot → its commit */
  updateCommitMs: Spread;
  budgetMs: number;
  /** median first render ÷ budget */
  budgetRatio: number;
  /** DOM elements of the rendered dashboard */
  domNodes: number;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');

// ── the snapshot ─────────────────────────────────────────────────────────────

/** Deterministic pseudo-random numbers (mulberry32), so that runs compare. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad = (n: number, w = 4) => String(n).padStart(w, '0');

export function generateSnapshot(now = Date.now()): DashboardSnapshot {
  const r = rng(20261125);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const status = (): DeviceStatus => {
    const x = r();
    return x < 0.9 ? 'ok' : x < 0.94 ? 'missing' : x < 0.97 ? 'error' : 'unknown';
  };
  const districts = ['大兴区', '朝阳区', '海淀区', '丰台区', '通州区'];
  const towns = ['黄村镇', '西红门镇', '旧宫镇', '亦庄镇', '瀛海镇', '魏善庄镇', '庞各庄镇', '礼贤镇'];
  const skills = Array.from({ length: 30 }, (_, i) => `skill-${pad(i + 1, 2)}`);

  // 1,000 booths: every 10th offline (2 of those never seen), the rest heard from in the last 20 s.
  const booths: LiveBooth[] = Array.from({ length: 1000 }, (_, i) => {
    const online = i % 10 !== 3;
    const never = !online && i % 100 < 20 && i % 50 === 3;
    const seen = online ? now - Math.floor(r() * 20_000) : never ? null : now - 60_000 - Math.floor(r() * 86_400_000);
    const town = pick(towns);
    return {
      boothId: `booth-${pad(i + 1)}`,
      name: `${town}第${i + 1}社区晓屋`,
      community: `${pick(districts)}${town}`,
      address: `${town}兴华大街${(i % 300) + 1}号社区服务站一层`,
      online,
      lastSeen: seen,
      health:
        seen === null
          ? undefined
          : {
              camera: { status: status() },
              microphone: { status: status(), level: Math.round(r() * 100) / 100 },
              docCamera: { status: status() },
              printer: { status: status(), ...(r() < 0.05 ? { detail: '缺纸' } : {}) },
              idReader: { status: status() },
              checkedAt: seen,
            },
      screen: online ? 'home' : undefined,
      inCall: false,
    };
  });
  const onlineBooths = booths.filter((b) => b.online);

  const surnames = ['王', '李', '张', '刘', '陈', '杨', '赵', '黄', '周', '吴'];
  const given = ['伟', '芳', '娜', '敏', '静', '丽', '强', '磊', '军', '洋', '勇', '艳', '杰', '娟', '涛'];
  const person = () => `${pick(surnames)}${pick(given)}${pick(given)}`;

  // 200 agents (150 of them in a call) and 40 interpreters.
  const agentStates = ['available', 'wrap-up', 'away', 'offered', 'offline'] as const;
  const agents: LiveAgent[] = Array.from({ length: 200 }, (_, i) => ({
    agentId: `agent-${pad(i + 1, 3)}`,
    name: person(),
    kind: 'agent',
    state: i < 150 ? 'in-call' : pick(agentStates),
    since: now - Math.floor(r() * 3_600_000),
    skills: [pick(skills), pick(skills)],
  }));
  const interpreters: LiveAgent[] = Array.from({ length: 40 }, (_, i) => ({
    agentId: `interp-${pad(i + 1, 2)}`,
    name: person(),
    kind: 'interpreter',
    state: i < 12 ? 'available' : i < 30 ? 'in-call' : pick(agentStates),
    since: now - Math.floor(r() * 3_600_000),
    skills: ['sign:csl'],
  }));

  const matters = ['城乡居民养老保险参保登记', '居住证签注', '残疾人证补办', '医保异地就医备案', '灵活就业社保缴费', '生育登记', '老年人优待证办理'];
  const sessions: LiveSession[] = Array.from({ length: 150 }, (_, i) => {
    const b = onlineBooths[i * 5]!;
    b.inCall = true;
    b.screen = 'call';
    const a = agents[i]!;
    const parties: LiveSession['parties'] = [
      { role: 'booth', userId: b.boothId, name: b.name },
      { role: 'agent', userId: a.agentId, name: a.name },
    ];
    if (i < 18) parties.push({ role: 'interpreter', userId: interpreters[12 + i]!.agentId, name: interpreters[12 + i]!.name });
    return { sessionId: `s-${pad(i + 1)}-${Math.floor(r() * 1e9).toString(36)}`, boothId: b.boothId, boothName: b.name, matterName: pick(matters), startedAt: a.since, parties, node: `sfu-${(i % 3) + 1}` };
  });

  const queues: LiveQueue[] = skills.map((skill) => {
    const waiting = Math.floor(r() * 6);
    return { skill, waiting, longestWaitSec: waiting ? Math.floor(r() * 600) : 0 };
  });

  const labels = { 5: '非常满意', 4: '满意', 3: '基本满意', 2: '不满意', 1: '非常不满意' } as const;
  const ratings: LiveRating[] = Array.from({ length: 20 }, (_, i) => {
    const level = (i % 7 === 3 ? 1 : i % 5 === 2 ? 2 : 3 + Math.floor(r() * 3)) as LiveRating['level'];
    return {
      sessionId: `rated-${pad(i + 1)}`,
      boothId: pick(booths).boothId,
      agentId: pick(agents).agentId,
      matterId: 'm-1',
      level,
      label: labels[level],
      reasons: level <= 2 ? ['等待时间长'] : ['服务热情', '讲解清楚'],
      comment: level <= 2 ? '等了很久才接通' : '',
      at: now - i * 180_000,
      stage: i % 6 === 5 ? 'completion' : 'service',
      ...(i % 6 === 5 ? { caseNo: `2026112500${pad(i, 4)}` } : {}),
    };
  });

  const day = 86_400_000;
  const followUps: LiveFollowUp[] = Array.from({ length: 200 }, (_, i) => {
    const resolved = i % 10 < 3;
    const createdAt = now - Math.floor(r() * 30 * day);
    const dueAt = createdAt + 21 * day;
    return {
      id: `fu-${pad(i + 1)}`,
      kind: i % 4 === 0 ? 'cant-get-done' : 'bad-rating',
      ref: i % 4 === 0 ? `cgd-${i}` : `rated-${i}`,
      summary: i % 4 === 0 ? '办不成事：想办理老年人优待证，不知道要带什么材料' : '不满意：等待时间长',
      createdAt,
      dueAt,
      state: resolved ? 'resolved' : 'open',
      overdue: !resolved && dueAt < now,
      ...(resolved ? { calledBack: true, resolution: '已回访，群众表示理解', resolvedBy: 'sup-1', resolvedAt: createdAt + 2 * day } : {}),
    };
  });

  return {
    at: now,
    queues,
    agents: [...agents, ...interpreters],
    sessions,
    booths,
    interpretersAvailable: interpreters.filter((a) => a.state === 'available').length,
    ratings,
    followUps,
  };
}

/** The next push: one more booth offline, one more rating (the oldest drops out). A fresh object, as from the socket. */
export function nextSnapshot(s: DashboardSnapshot): DashboardSnapshot {
  const n = structuredClone(s);
  n.at = s.at + 500;
  const b = n.booths.find((x) => x.online && !x.inCall)!;
  b.online = false;
  b.screen = undefined;
  n.ratings = [
    { sessionId: 'rated-new', boothId: n.booths[0]!.boothId, agentId: n.agents[0]!.agentId, matterId: 'm-1', level: 1, label: '非常不满意', reasons: ['没有办成'], comment: '材料说了三次都不一样', at: n.at, stage: 'service' },
    ...n.ratings.slice(0, 19),
  ];
  return n;
}

// ── the page ─────────────────────────────────────────────────────────────────

/** The page's entry: the real component, measured by a layout effect around it. Plain TS (no JSX), so that no build setup is needed for it. */
function entrySource(): string {
  const src = (f: string) => JSON.stringify(path.join(repo, 'agent-console', 'src', f));
  return `
import { createElement as h, useLayoutEffect } from 'react';
import { createRoot } from 'react-dom/client';
import { initI18n } from '@xiaowu/shared/i18n';
import { DashboardView } from ${src('DashboardView.tsx')};
import ${src('styles.css')};
import ${src('supervisor.css')};

initI18n('zh-CN');
const el = document.getElementById('root');
let root;

function Probe(props) {
  useLayoutEffect(() => props.onCommit());
  return props.children;
}

/** before render → commit, → the next animation frame, → the task after that frame (painted). */
function measure(render) {
  return new Promise((resolve) => {
    let done = false;
    let t0 = 0;
    const onCommit = () => {
      if (done) return;
      done = true;
      const commit = performance.now() - t0;
      requestAnimationFrame(() => {
        const ch = new MessageChannel();
        ch.port1.onmessage = () => resolve({ commitMs: commit, frameMs: performance.now() - t0 });
        ch.port2.postMessage(0);
      });
    };
    t0 = performance.now();
    render(onCommit);
  });
}

window.__bench = {
  mount: (snapshot) => measure((onCommit) => {
    root = createRoot(el);
    root.render(h(Probe, { onCommit }, h(DashboardView, { snapshot })));
  }),
  update: (snapshot) => measure((onCommit) => root.render(h(Probe, { onCommit }, h(DashboardView, { snapshot })))),
  count: () => ({
    booths: document.querySelectorAll('[data-testid="dash-booth"]').length,
    offline: document.querySelectorAll('[data-testid="dash-booth"][data-online="false"]').length,
    agents: document.querySelectorAll('[data-testid="dash-agent"]').length,
    sessions: document.querySelectorAll('[data-testid="dash-session"]').length,
    ratings: document.querySelectorAll('[data-testid="dash-rating"]').length,
    newRating: document.querySelectorAll('[data-testid="dash-rating"][data-session-id="rated-new"]').length,
    followUps: document.querySelectorAll('[data-testid="dash-followup"]').length,
    nodes: el.getElementsByTagName('*').length,
  }),
};
window.__ready = true;
`;
}

async function bundle(dir: string): Promise<string> {
  const [{ build }, { default: react }] = await Promise.all([import('vite'), import('@vitejs/plugin-react')]);
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>监控大屏 bench</title></head><body><div id="root"></div><script type="module" src="./main.ts"></script></body></html>\n');
  fs.writeFileSync(path.join(dir, 'main.ts'), entrySource());
  const outDir = path.join(dir, 'dist');
  await build({
    root: dir,
    configFile: false,
    logLevel: 'error',
    mode: 'production',
    plugins: [react()],
    build: { outDir, emptyOutDir: true, reportCompressedSize: false, chunkSizeWarningLimit: 10_000 },
  });
  return outDir;
}

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.woff2': 'font/woff2' };

function serve(root: string): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = path.join(root, rel === '/' ? 'index.html' : rel);
    if (!file.startsWith(root) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const spread = (xs: number[]): Spread => {
  const s = [...xs].sort((a, b) => a - b);
  const median = s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  return { min: s[0]!, median, max: s.at(-1)!, samples: xs.map((x) => Math.round(x * 10) / 10) };
};

interface PageBench {
  mount(s: DashboardSnapshot): Promise<{ commitMs: number; frameMs: number }>;
  update(s: DashboardSnapshot): Promise<{ commitMs: number; frameMs: number }>;
  count(): Record<'booths' | 'offline' | 'agents' | 'sessions' | 'ratings' | 'newRating' | 'followUps' | 'nodes', number>;
}

export async function benchDashboardRender(runs: number): Promise<DashboardRenderResult> {
  const cache = path.join(repo, 'node_modules', '.cache');
  fs.mkdirSync(cache, { recursive: true });
  const dir = fs.mkdtempSync(path.join(cache, 'bench-dashboard-'));
  let server: http.Server | undefined;
  let browser: Awaited<ReturnType<typeof chromium.launch>> | undefined;
  try {
    const outDir = await bundle(dir);
    server = await serve(outDir);
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    });
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
    const snap = generateSnapshot();
    const next = nextSnapshot(snap);
    const first: number[] = [];
    const commit: number[] = [];
    const update: number[] = [];
    const updateCommit: number[] = [];
    let domNodes = 0;
    for (let i = 0; i < runs; i++) {
      const page = await context.newPage();
      page.on('pageerror', (e) => console.error(`[dashboard bench page] ${e.message}`));
      await page.goto(url);
      await page.waitForFunction(() => (globalThis as unknown as { __ready?: boolean }).__ready === true);
      const m = await page.evaluate((s) => (globalThis as unknown as { __bench: PageBench }).__bench.mount(s), snap);
      const c1 = await page.evaluate(() => (globalThis as unknown as { __bench: PageBench }).__bench.count());
      if (c1.booths !== snap.booths.length || c1.agents !== snap.agents.length || c1.sessions !== snap.sessions.length || c1.followUps !== snap.followUps.length)
        throw new Error(`the dashboard did not render everything: ${JSON.stringify(c1)}`);
      const u = await page.evaluate((s) => (globalThis as unknown as { __bench: PageBench }).__bench.update(s), next);
      const c2 = await page.evaluate(() => (globalThis as unknown as { __bench: PageBench }).__bench.count());
      if (c2.offline !== c1.offline + 1 || c2.newRating !== 1) throw new Error(`the update was not applied: ${JSON.stringify(c2)}`);
      first.push(m.frameMs);
      commit.push(m.commitMs);
      update.push(u.frameMs);
      updateCommit.push(u.commitMs);
      domNodes = c2.nodes;
      await page.close();
    }
    const firstRenderMs = spread(first);
    return {
      runs,
      booths: snap.booths.length,
      offline: snap.booths.filter((b) => !b.online).length,
      agents: snap.agents.filter((a) => a.kind === 'agent').length,
      interpreters: snap.agents.filter((a) => a.kind === 'interpreter').length,
      sessions: snap.sessions.length,
      queues: snap.queues.length,
      ratings: snap.ratings.length,
      followUps: snap.followUps.length,
      firstRenderMs,
      firstCommitMs: spread(commit),
      updateMs: spread(update),
      updateCommitMs: spread(updateCommit),
      budgetMs: DASHBOARD_BUDGET_MS,
      budgetRatio: firstRenderMs.median / DASHBOARD_BUDGET_MS,
      domNodes,
    };
  } finally {
    await browser?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The table rows bench/run.ts prints. */
export function dashboardRows(r: DashboardRenderResult): string[] {
  const f = (s: Spread) => `${Math.round(s.min)} / ${Math.round(s.median)} / ${Math.round(s.max)} ms`;
  return [
    `| 监控大屏 first render in Chromium (${r.booths} booths, ${r.agents} agents + ${r.interpreters} interpreters, ${r.sessions} calls, ${r.followUps} follow-ups; ${r.runs} runs): min / median / max | ${f(r.firstRenderMs)} (${(r.budgetRatio * 100).toFixed(0)} % of the ${r.budgetMs}-ms budget) |`,
    `| 监控大屏 next snapshot (a booth offline, a rating added) → frame: min / median / max | ${f(r.updateMs)} |`,
  ];
}

// ── CLI ──────────────────────────────────────────────────────────────────────

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const quick = process.argv.includes('--quick');
  const r = await benchDashboardRender(quick ? 2 : 5);
  const commit = (() => {
    try {
      return execSync('git rev-parse --short HEAD', { cwd: here }).toString().trim();
    } catch {
      return 'unknown';
    }
  })();
  const result = { at: new Date().toISOString(), commit, cores: os.cpus().length, node: process.version, quick, dashboardRender: r };
  fs.mkdirSync(path.join(here, 'results'), { recursive: true });
  const file = path.join(here, 'results', `${result.at.replace(/[:.]/g, '-')}-dashboard-render.json`);
  fs.writeFileSync(file, JSON.stringify(result, null, 2));
  const f = (s: Spread) => `${s.min.toFixed(1)} / ${s.median.toFixed(1)} / ${s.max.toFixed(1)} ms`;
  console.log(`\nbench @ ${commit}, ${result.cores} cores${quick ? ' (quick)' : ''}: 监控大屏, ${r.booths} booths (${r.offline} offline), ${r.agents} agents, ${r.interpreters} interpreters, ${r.sessions} calls, ${r.queues} queues, ${r.ratings} ratings, ${r.followUps} follow-ups; ${r.domNodes} DOM elements`);
  console.log(`first render → frame  min / median / max: ${f(r.firstRenderMs)}  (median ${(r.budgetRatio * 100).toFixed(1)} % of the ${r.budgetMs}-ms budget, ratio ${r.budgetRatio.toFixed(3)})`);
  console.log(`first render → commit min / median / max: ${f(r.firstCommitMs)}`);
  console.log(`update → frame        min / median / max: ${f(r.updateMs)}`);
  console.log(`update → commit       min / median / max: ${f(r.updateCommitMs)}`);
  console.log(`\nwritten to ${path.relative(process.cwd(), file)}`);
  process.exit(0);
}
