/**
 * A hand-written signature on the kiosk's touch screen: a real canvas with
 * pointer events (finger, pen or mouse), smooth strokes (quadratic curves
 * through the midpoints of the sampled points, a little thinner when the
 * finger moves fast, like ink), a backing store at the screen's pixel
 * density, and a baseline with 「请在此处签名」 while nothing is written.
 *
 * The strokes are kept in CSS pixels, so a resize (or a change of pixel
 * density) just draws them again. `toPng()` draws only the ink — black on a
 * transparent background, no baseline or hint — cut to the ink's bounding
 * box plus a small margin. A tap leaves a dot but is not a signature:
 * `isEmpty()` stays true until one stroke has real length.
 */
import { forwardRef, useCallback, useEffect, useImperativeHandle, useLayoutEffect, useRef } from 'react';
import type { PointerEvent as ReactPointerEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { INK_MAX_WIDTH, INK_MIN_WIDTH, hasSignature, inkBounds, nextWidth, type InkPoint, type InkStroke } from './signature-ink';

export interface SignaturePadHandle {
  clear(): void;
  isEmpty(): boolean;
  /** The signature as a PNG (transparent background, black ink), trimmed to the ink's bounding box plus a small margin; rejects when empty. */
  toPng(): Promise<Blob>;
}

export interface SignaturePadProps {
  /** CSS height of the pad in px (the width fills its container). */
  height?: number;
  /** After every change of the ink (a stroke finished, cleared): whether it is still empty. */
  onChange?(empty: boolean): void;
  'data-testid'?: string;
  /** Accessible name of the pad (default: 「签名区：请用手指在框内写下您的姓名」). */
  label?: string;
}

/** Points closer than this to the previous one are skipped (finger jitter). */
const MIN_STEP = 1.5;
/** The PNG's pixels per CSS px: sharp in the PDFs whatever the kiosk's density. */
const PNG_SCALE = 2;
const SCREEN_INK = '#0d1b2a';
const PNG_INK = '#000000';

const mid = (a: InkPoint, b: InkPoint) => ({ x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 });

/**
 * Draws the curve pieces `from`…`to - 1` of a stroke. Piece k (1 ≤ k ≤ n-2)
 * runs from the midpoint before point k to the midpoint after it, with point
 * k as control; it needs point k+1, so a stroke still being drawn has n-2
 * pieces ready. A finished stroke adds its tail (last midpoint → last point),
 * or is a dot when it has one point.
 */
function drawPieces(ctx: CanvasRenderingContext2D, s: InkStroke, from: number, to: number): void {
  for (let k = Math.max(1, from); k < to && k <= s.length - 2; k++) {
    const start = k === 1 ? s[0]! : mid(s[k - 1]!, s[k]!);
    const end = mid(s[k]!, s[k + 1]!);
    ctx.lineWidth = s[k]!.w;
    ctx.beginPath();
    ctx.moveTo(start.x, start.y);
    ctx.quadraticCurveTo(s[k]!.x, s[k]!.y, end.x, end.y);
    ctx.stroke();
  }
}

function drawTail(ctx: CanvasRenderingContext2D, s: InkStroke): void {
  const n = s.length;
  if (n === 0) return;
  const last = s[n - 1]!;
  if (n === 1) {
    ctx.beginPath();
    ctx.arc(last.x, last.y, last.w / 2, 0, Math.PI * 2);
    ctx.fill();
    return;
  }
  const start = n === 2 ? s[0]! : mid(s[n - 2]!, last);
  ctx.lineWidth = last.w;
  ctx.beginPath();
  ctx.moveTo(start.x, start.y);
  ctx.lineTo(last.x, last.y);
  ctx.stroke();
}

function inkStyle(ctx: CanvasRenderingContext2D, color: string): void {
  ctx.strokeStyle = color;
  ctx.fillStyle = color;
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
}

function drawStroke(ctx: CanvasRenderingContext2D, s: InkStroke, finished: boolean): void {
  drawPieces(ctx, s, 1, s.length - 1);
  if (finished) drawTail(ctx, s);
}

// ── the component ────────────────────────────────────────────────────────────

interface Active {
  pointerId: number;
  stroke: InkStroke;
  /** Pieces 1…drawn-1 are on the canvas. */
  drawn: number;
  lastTime: number;
}

export const SignaturePad = forwardRef<SignaturePadHandle, SignaturePadProps>(function SignaturePad(
  { height = 360, onChange, 'data-testid': testId = 'signature-pad', label },
  ref,
) {
  const { t } = useTranslation();
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const strokes = useRef<InkStroke[]>([]);
  const active = useRef<Active | undefined>(undefined);
  /** CSS size and density the backing store was made for. */
  const size = useRef({ width: 0, height: 0, dpr: 1 });
  const onChangeRef = useRef(onChange);
  onChangeRef.current = onChange;
  const hint = t('boothDocs.sign.hint');
  const hintRef = useRef(hint);
  hintRef.current = hint;

  const context = useCallback((): CanvasRenderingContext2D | null => {
    const ctx = canvasRef.current?.getContext('2d') ?? null;
    if (ctx) {
      ctx.setTransform(size.current.dpr, 0, 0, size.current.dpr, 0, 0);
      inkStyle(ctx, SCREEN_INK);
    }
    return ctx;
  }, []);

  /** Everything again: guide (baseline, and the hint while nothing is written), then the ink. */
  const redraw = useCallback(() => {
    const canvas = canvasRef.current;
    const ctx = context();
    if (!canvas || !ctx) return;
    const { width: w, height: h } = size.current;
    ctx.clearRect(0, 0, w, h);
    const baseY = Math.round(h * 0.74) + 0.5;
    const left = Math.round(w * 0.06);
    const right = Math.round(w * 0.94);
    ctx.save();
    ctx.strokeStyle = '#9aa8be';
    ctx.lineWidth = 2;
    ctx.setLineDash([14, 10]);
    ctx.beginPath();
    ctx.moveTo(left, baseY);
    ctx.lineTo(right, baseY);
    ctx.stroke();
    ctx.setLineDash([]);
    // 「✕」 where the signature starts, as on paper forms.
    const m = Math.max(10, Math.round(h * 0.045));
    ctx.lineWidth = 3;
    ctx.beginPath();
    ctx.moveTo(left, baseY - 14 - m);
    ctx.lineTo(left + m, baseY - 14);
    ctx.moveTo(left + m, baseY - 14 - m);
    ctx.lineTo(left, baseY - 14);
    ctx.stroke();
    if (strokes.current.length === 0 && !active.current) {
      const family = getComputedStyle(canvas).fontFamily || 'sans-serif';
      ctx.fillStyle = '#8a97aa';
      ctx.textAlign = 'center';
      ctx.textBaseline = 'alphabetic';
      ctx.font = `600 ${Math.max(24, Math.round(h * 0.12))}px ${family}`;
      ctx.fillText(hintRef.current, w / 2, baseY - Math.round(h * 0.12), w * 0.84);
    }
    ctx.restore();
    for (const s of strokes.current) drawStroke(ctx, s, true);
    const a = active.current;
    if (a) {
      drawStroke(ctx, a.stroke, false);
      a.drawn = Math.max(1, a.stroke.length - 1);
    }
  }, [context]);

  /** Sizes the backing store to the canvas's CSS box × devicePixelRatio (if changed) and redraws. */
  const fit = useCallback(() => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    const w = canvas.clientWidth;
    const h = canvas.clientHeight;
    const dpr = window.devicePixelRatio || 1;
    const s = size.current;
    if (w !== s.width || h !== s.height || dpr !== s.dpr) {
      size.current = { width: w, height: h, dpr };
      canvas.width = Math.max(1, Math.round(w * dpr));
      canvas.height = Math.max(1, Math.round(h * dpr));
    }
    redraw();
  }, [redraw]);

  useLayoutEffect(() => {
    fit();
    const canvas = canvasRef.current;
    if (!canvas) return;
    canvas.dataset.empty = String(!hasSignature(strokes.current));
    const ro = new ResizeObserver(() => fit());
    ro.observe(canvas);
    // A change of pixel density (zoom, another screen) does not always resize the box.
    window.addEventListener('resize', fit);
    return () => {
      ro.disconnect();
      window.removeEventListener('resize', fit);
    };
  }, [fit]);

  // The hint follows the language.
  useEffect(() => redraw(), [hint, redraw]);

  const changed = () => {
    const empty = !hasSignature(strokes.current);
    // Also on the element, for tests and the console: data-empty="true" | "false".
    if (canvasRef.current) canvasRef.current.dataset.empty = String(empty);
    onChangeRef.current?.(empty);
  };

  const pointOf = (e: { clientX: number; clientY: number }, rect: DOMRect) => {
    const canvas = canvasRef.current!;
    const sx = rect.width > 0 ? canvas.clientWidth / rect.width : 1;
    const sy = rect.height > 0 ? canvas.clientHeight / rect.height : 1;
    return { x: (e.clientX - rect.left) * sx, y: (e.clientY - rect.top) * sy };
  };

  const onPointerDown = (e: ReactPointerEvent<HTMLCanvasElement>) => {
    // One finger at a time (a palm or a second finger does not draw); mouse: the main button only.
    if (active.current || (e.pointerType === 'mouse' && e.button !== 0)) return;
    e.preventDefault();
    const canvas = e.currentTarget;
    try {
      canvas.setPointerCapture(e.pointerId);
    } catch {
      // not capturable (already released): draw anyway
    }
    const { x, y } = pointOf(e, canvas.getBoundingClientRect());
    const first = !strokes.current.length;
    active.current = { pointerId: e.pointerId, stroke: [{ x, y, w: (INK_MAX_WIDTH + INK_MIN_WIDTH) / 2 + 1 }], drawn: 1, lastTime: e.timeStamp };
    // The hint goes as soon as the pen touches down.
    if (first) redraw();
  };

  const onPointerMove = (e: ReactPointerEvent<HTMLCanvasElement>) => {
    const a = active.current;
    if (!a || a.pointerId !== e.pointerId) return;
    e.preventDefault();
    const rect = e.currentTarget.getBoundingClientRect();
    const native = e.nativeEvent;
    const samples = typeof native.getCoalescedEvents === 'function' ? native.getCoalescedEvents() : [];
    for (const ev of samples.length > 0 ? samples : [native]) {
      const { x, y } = pointOf(ev, rect);
      const prev = a.stroke[a.stroke.length - 1]!;
      const d = Math.hypot(x - prev.x, y - prev.y);
      if (d < MIN_STEP) continue;
      a.stroke.push({ x, y, w: nextWidth(prev.w, d, ev.timeStamp - a.lastTime) });
      a.lastTime = ev.timeStamp;
    }
    const ctx = context();
    if (!ctx) return;
    const ready = a.stroke.length - 1;
    drawPieces(ctx, a.stroke, a.drawn, ready);
    a.drawn = Math.max(a.drawn, ready);
  };

  const end = (e: ReactPointerEvent<HTMLCanvasElement>) => {
    const a = active.current;
    if (!a || a.pointerId !== e.pointerId) return;
    active.current = undefined;
    const ctx = context();
    if (ctx) {
      drawPieces(ctx, a.stroke, a.drawn, a.stroke.length - 1);
      drawTail(ctx, a.stroke);
    }
    strokes.current.push(a.stroke);
    changed();
  };

  useImperativeHandle(
    ref,
    () => ({
      clear() {
        const had = strokes.current.length > 0 || active.current !== undefined;
        strokes.current = [];
        active.current = undefined;
        redraw();
        if (had) changed();
      },
      isEmpty() {
        return !hasSignature(strokes.current);
      },
      toPng() {
        if (!hasSignature(strokes.current)) return Promise.reject(new Error('the signature pad is empty'));
        const box = inkBounds(strokes.current, size.current.width, size.current.height);
        if (!box) return Promise.reject(new Error('the signature pad is empty'));
        const out = document.createElement('canvas');
        out.width = Math.round(box.width * PNG_SCALE);
        out.height = Math.round(box.height * PNG_SCALE);
        const ctx = out.getContext('2d');
        if (!ctx) return Promise.reject(new Error('no 2D canvas to draw the signature'));
        ctx.setTransform(PNG_SCALE, 0, 0, PNG_SCALE, -box.x * PNG_SCALE, -box.y * PNG_SCALE);
        inkStyle(ctx, PNG_INK);
        for (const s of strokes.current) drawStroke(ctx, s, true);
        return new Promise<Blob>((resolve, reject) =>
          out.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('the signature could not be encoded as PNG'))), 'image/png'),
        );
      },
    }),
    [redraw],
  );

  return (
    <canvas
      ref={canvasRef}
      className="signature-pad"
      data-testid={testId}
      role="img"
      aria-label={label ?? t('boothDocs.sign.label')}
      style={{ height: `${height}px`, touchAction: 'none' }}
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={end}
      onPointerCancel={end}
      onLostPointerCapture={end}
    />
  );
});
