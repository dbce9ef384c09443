/** A second sfu as its own OS process (`node sfu/src/main.ts`), for the multi-node tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface ChildNode {
  url: string;
  process: ChildProcess;
  /** What the process has written so far (its log, for a failing test's message). */
  output(): string;
  stop(): Promise<void>;
}

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

export async function startChildNode(env: Record<string, string>): Promise<ChildNode> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xw-node-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'sfu/src/main.ts'], {
    cwd: root,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, DEMO_ACCOUNTS: 'false', MEDIASOUP_WORKERS: '1', RTC_PORT: '0', RECORDING: 'off', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`child sfu did not start:\n${out}`)), 30_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /health:\s+(http:\/\/127\.0\.0\.1:\d+)\/healthz/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => reject(new Error(`child sfu exited (${code}):\n${out}`)));
  });
  return {
    url,
    process: child,
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
