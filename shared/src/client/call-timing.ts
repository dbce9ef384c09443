/**
 * Call-start timing marks for the call-start bench (bench/call-start.ts): the
 * clients mark each stage of starting a call's media (answer, camera, device,
 * transports, produce, consume, resume, ICE/DTLS connected, first RTP). Only
 * active when the page has a `window.__callTiming` sink (the bench installs
 * one); otherwise a single property lookup per mark.
 */
export interface CallTimingMark {
  stage: string;
  /** Wall-clock ms with sub-ms precision (performance.timeOrigin + performance.now()). */
  at: number;
}

interface CallTimingSink {
  marks: CallTimingMark[];
}

function sink(): CallTimingSink | undefined {
  return (globalThis as { __callTiming?: CallTimingSink }).__callTiming;
}

/** Whether a bench is listening (to skip work done only for marks). */
export function callTimingActive(): boolean {
  return sink() !== undefined;
}

/** Records `stage` now; the first mark of a stage per call is the one the bench reads. */
export function markCall(stage: string): void {
  const s = sink();
  if (s) s.marks.push({ stage, at: performance.timeOrigin + performance.now() });
}
