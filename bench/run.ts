/**
 * `npm run bench [-- --quick]`: runs the benchmarks, prints a table and writes
 * bench/results/<time>.json with the machine's core count and the git commit.
 * Not part of `npm test`: figures are printed, never asserted.
 * `--soak` adds the soak (bench/soak.ts: 50 WebRTC calls for 10 minutes; with
 * --quick 10 calls for 1 minute); `--soak-only` runs the soak alone.
 * Call start: real Chromium for a subset (30 calls; --quick 5) and WebRTC bots
 * for the bulk (bench/call-start-bots.ts: 100 calls; --quick 20).
 */
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchDispatch } from './dispatch';
import { benchService } from './service';
import { benchCallStart } from './call-start';
import { benchCallStartBots, botCallStartRows, defaultBotCallStartOptions } from './call-start-bots';
import { benchSfuCapacity, capacityRows, defaultCapacityOptions } from './sfu-capacity';
import { benchDashboardRender, dashboardRows } from './dashboard-render';
import { benchSoak, defaultSoakOptions, printSoak, soakRows } from './soak';

const quick = process.argv.includes('--quick');
const here = path.dirname(fileURLToPath(import.meta.url));
const commit = (() => {
  try {
    return execSync('git rev-parse --short HEAD', { cwd: here }).toString().trim();
  } catch {
    return 'unknown';
  }
})();

const soakOnly = process.argv.includes('--soak-only');
const withSoak = soakOnly || process.argv.includes('--soak');
if (soakOnly) {
  const soak = await benchSoak(defaultSoakOptions(quick));
  const result = { at: new Date().toISOString(), commit, cores: os.cpus().length, node: process.version, quick, soak };
  fs.mkdirSync(path.join(here, 'results'), { recursive: true });
  const file = path.join(here, 'results', `${result.at.replace(/[:.]/g, '-')}-soak.json`);
  fs.writeFileSync(file, JSON.stringify(result, null, 2));
  console.log(`\nsoak @ ${commit}, ${result.cores} cores${quick ? ' (quick)' : ''}`);
  printSoak(soak);
  console.log(`\nwritten to ${path.relative(process.cwd(), file)}`);
  process.exit(0);
}

const dispatch = quick ? await benchDispatch(2_000, 200) : await benchDispatch(10_000, 1_000);

const service = await benchService(quick);
const callStart = await benchCallStart(quick ? 5 : 30);
const callStartBots = await benchCallStartBots(defaultBotCallStartOptions(quick));
const sfuCapacity = await benchSfuCapacity(defaultCapacityOptions(quick));
const dashboardRender = await benchDashboardRender(quick ? 2 : 5);
const soak = withSoak ? await benchSoak(defaultSoakOptions(quick)) : undefined;

const result = { at: new Date().toISOString(), commit, cores: os.cpus().length, node: process.version, quick, dispatch, service, callStart, callStartBots, sfuCapacity, dashboardRender, ...(soak ? { soak } : {}) };
fs.mkdirSync(path.join(here, 'results'), { recursive: true });
const file = path.join(here, 'results', `${result.at.replace(/[:.]/g, '-')}.json`);
fs.writeFileSync(file, JSON.stringify(result, null, 2));

const f = (n: number) => n.toFixed(2);
console.log(`\nbench @ ${commit}, ${result.cores} cores${quick ? ' (quick)' : ''}`);
console.log('| figure | value |');
console.log('|---|---|');
console.log(`| queue dispatch, ${dispatch.waiting} waiting / ${dispatch.agents} agents: p50 / p95 / p99 / max | ${f(dispatch.p50Ms)} / ${f(dispatch.p95Ms)} / ${f(dispatch.p99Ms)} / ${f(dispatch.maxMs)} ms |`);
console.log(`| enqueue throughput | ${Math.round(dispatch.enqueuePerSec)} residents/s |`);
console.log(`| document upload (${service.uploadFileMB.toFixed(1)} MB JPEG scans, 1 MB chunks, SHA-256 + full decode) | ${f(service.uploadMBps)} MB/s |`);
console.log(`| receipt PDF (受理回执): first in process / then (median) | ${Math.round(service.receiptColdMs)} / ${Math.round(service.receiptMs)} ms |`);
console.log(`| ${service.dossierPages}-page dossier PDF: time / peak RSS | ${Math.round(service.dossierMs)} ms / ${Math.round(service.dossierPeakRssMB)} MB |`);
const st = (x: { p50: number; p95: number; p99: number }) => `${Math.round(x.p50)} / ${Math.round(x.p95)} / ${Math.round(x.p99)} ms`;
console.log(`| call start in Chromium, ${callStart.calls} calls, answer → booth shows the call: p50 / p95 / p99 | ${st(callStart.signalingMs)} |`);
console.log(`| answer → first decoded frame at the booth | ${st(callStart.boothFirstFrameMs)} |`);
console.log(`| answer → first decoded frame at the agent | ${st(callStart.agentFirstFrameMs)} |`);
for (const row of botCallStartRows(callStartBots)) console.log(row);
for (const row of capacityRows(sfuCapacity)) console.log(row);
for (const row of dashboardRows(dashboardRender)) console.log(row);
if (soak) for (const row of soakRows(soak)) console.log(row);
console.log(`\nwritten to ${path.relative(process.cwd(), file)}`);
// Handles the closed servers and bots may still hold (timers of their clients) are not the bench's business.
process.exit(0);
