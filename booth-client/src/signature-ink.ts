/**
 * The signature pad's stroke model, apart from the canvas (pure, so it is
 * unit-tested in node): points in CSS px with their line width, when ink
 * counts as a signature, the speed-dependent width, and the box the PNG is
 * trimmed to. Drawing is in SignaturePad.tsx.
 */

/** One sampled point, in CSS px of the pad; `w` is the line width there. */
export interface InkPoint {
  x: number;
  y: number;
  w: number;
}
export type InkStroke = InkPoint[];

/** A stroke at least this long (CSS px) makes a signature; shorter ones (taps, specks) do not. */
export const MIN_SIGNATURE_LENGTH = 12;
/** Line width range in CSS px: slow strokes get the wide end, fast ones the narrow end. */
export const INK_MAX_WIDTH = 6;
export const INK_MIN_WIDTH = 2.6;
/** Speed (px/ms) at and above which the line is thinnest. */
const FAST = 3;
/** Margin around the ink in the exported PNG, CSS px. */
export const PNG_MARGIN = 12;

export function strokeLength(stroke: readonly InkPoint[]): number {
  let len = 0;
  for (let i = 1; i < stroke.length; i++) len += Math.hypot(stroke[i]!.x - stroke[i - 1]!.x, stroke[i]!.y - stroke[i - 1]!.y);
  return len;
}

/** Whether the strokes make a signature (one stroke with real length; dots alone do not). */
export function hasSignature(strokes: readonly (readonly InkPoint[])[]): boolean {
  return strokes.some((s) => strokeLength(s) >= MIN_SIGNATURE_LENGTH);
}

/** Line width for the next point from the pointer's speed, eased from the previous width. */
export function nextWidth(prevWidth: number, distance: number, ms: number): number {
  const speed = ms > 0 ? distance / ms : FAST;
  const target = INK_MAX_WIDTH - (INK_MAX_WIDTH - INK_MIN_WIDTH) * Math.min(speed / FAST, 1);
  return prevWidth * 0.65 + target * 0.35;
}

export interface InkBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * The ink's bounding box (line widths included) plus `margin`, kept inside
 * the pad (`width` × `height`): what the PNG shows. Undefined without ink.
 */
export function inkBounds(strokes: readonly (readonly InkPoint[])[], width: number, height: number, margin = PNG_MARGIN): InkBox | undefined {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const s of strokes) {
    for (const p of s) {
      const r = p.w / 2;
      x0 = Math.min(x0, p.x - r);
      y0 = Math.min(y0, p.y - r);
      x1 = Math.max(x1, p.x + r);
      y1 = Math.max(y1, p.y + r);
    }
  }
  if (x0 > x1) return undefined;
  const left = Math.max(0, Math.floor(x0 - margin));
  const top = Math.max(0, Math.floor(y0 - margin));
  const right = Math.min(width, Math.ceil(x1 + margin));
  const bottom = Math.min(height, Math.ceil(y1 + margin));
  if (right <= left || bottom <= top) return undefined;
  return { x: left, y: top, width: right - left, height: bottom - top };
}
