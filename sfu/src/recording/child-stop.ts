import type { ChildProcess } from 'node:child_process';

/**
 * Ends an ffmpeg child the clean way: one SIGINT (ffmpeg then finishes its
 * output; a second one would abort the trailer), SIGKILL only after
 * `killAfterMs`. Resolves when the process has exited.
 */
export async function stopChild(ff: ChildProcess | undefined, killAfterMs: number): Promise<void> {
  if (!ff || ff.exitCode !== null || ff.signalCode !== null) return;
  const exited = new Promise((r) => ff.once('exit', r));
  ff.kill('SIGINT');
  const t = setTimeout(() => ff.kill('SIGKILL'), killAfterMs);
  await exited;
  clearTimeout(t);
}
