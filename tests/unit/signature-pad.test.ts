/**
 * The signature pad's stroke model (pure: no DOM or canvas needed): when ink
 * counts as a signature, the speed-dependent line width, and the box the PNG
 * is trimmed to. Drawing and the PNG itself are covered in the browser (e2e).
 */
import { describe, expect, it } from 'vitest';
import {
  INK_MAX_WIDTH,
  INK_MIN_WIDTH,
  MIN_SIGNATURE_LENGTH,
  PNG_MARGIN,
  hasSignature,
  inkBounds,
  nextWidth,
  strokeLength,
  type InkPoint,
} from '../../booth-client/src/signature-ink';

const p = (x: number, y: number, w = 4): InkPoint => ({ x, y, w });

describe('signature pad stroke model', () => {
  it('measures a stroke along its points', () => {
    expect(strokeLength([])).toBe(0);
    expect(strokeLength([p(0, 0)])).toBe(0);
    expect(strokeLength([p(0, 0), p(3, 4), p(3, 10)])).toBe(11);
  });

  it('is empty until one stroke has real length: taps and specks are not a signature', () => {
    expect(hasSignature([])).toBe(false);
    expect(hasSignature([[p(10, 10)]])).toBe(false);
    expect(hasSignature([[p(10, 10)], [p(50, 50), p(52, 51)], [p(80, 80)]])).toBe(false);
    expect(hasSignature([[p(10, 10)], [p(50, 50), p(50 + MIN_SIGNATURE_LENGTH, 50)]])).toBe(true);
  });

  it('draws thinner when faster, within the width range, easing from the last width', () => {
    const slow = nextWidth(INK_MAX_WIDTH, 1, 100);
    const fast = nextWidth(INK_MAX_WIDTH, 100, 10);
    expect(fast).toBeLessThan(slow);
    let w = INK_MAX_WIDTH;
    for (let i = 0; i < 50; i++) w = nextWidth(w, 100, 1);
    expect(w).toBeGreaterThanOrEqual(INK_MIN_WIDTH - 1e-9);
    expect(w).toBeCloseTo(INK_MIN_WIDTH, 3);
    for (let i = 0; i < 50; i++) w = nextWidth(w, 0, 50);
    expect(w).toBeCloseTo(INK_MAX_WIDTH, 3);
    // no time between two samples: treated as fast, never NaN or infinite
    expect(Number.isFinite(nextWidth(4, 10, 0))).toBe(true);
  });

  it('trims the PNG to the ink (line width included) plus the margin, inside the pad', () => {
    expect(inkBounds([], 800, 300)).toBeUndefined();
    const box = inkBounds([[p(100, 100, 6), p(300, 150, 6)], [p(200, 200, 4)]], 800, 300);
    expect(box).toEqual({
      x: 100 - 3 - PNG_MARGIN,
      y: 100 - 3 - PNG_MARGIN,
      width: 300 + 3 + PNG_MARGIN - (100 - 3 - PNG_MARGIN),
      height: 200 + 2 + PNG_MARGIN - (100 - 3 - PNG_MARGIN),
    });
    // ink at the edges (or dragged past them) is cut at the pad's border
    expect(inkBounds([[p(-20, 5), p(820, 310)]], 800, 300)).toEqual({ x: 0, y: 0, width: 800, height: 300 });
    // whole pixels
    const odd = inkBounds([[p(10.4, 10.6, 3), p(40.2, 20.3, 3)]], 800, 300)!;
    for (const v of Object.values(odd)) expect(Number.isInteger(v)).toBe(true);
  });
});
