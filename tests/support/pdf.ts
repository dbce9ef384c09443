/** What a reader of a PDF sees: its text (pdftotext) and whether its glyphs have ink (pdftoppm). */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function pdfText(pdf: Uint8Array): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xw-pdf-'));
  try {
    fs.writeFileSync(path.join(dir, 'a.pdf'), pdf);
    return execFileSync('pdftotext', ['-layout', path.join(dir, 'a.pdf'), '-'], { encoding: 'utf8' });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Share of dark pixels in a horizontal band of page `page` (fractions of the
 * page height from the top), rendered at 72 dpi in grey. Blank glyphs (a
 * broken font subset) give ~0 even when pdftotext finds the words.
 */
export function inkRatio(pdf: Uint8Array, page: number, band: [number, number]): number {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xw-pdf-'));
  try {
    fs.writeFileSync(path.join(dir, 'a.pdf'), pdf);
    execFileSync('pdftoppm', ['-gray', '-r', '72', '-f', String(page), '-l', String(page), path.join(dir, 'a.pdf'), path.join(dir, 'p')]);
    const file = fs.readdirSync(dir).find((f) => f.endsWith('.pgm'))!;
    const buf = fs.readFileSync(path.join(dir, file));
    // Binary PGM: "P5\n<w> <h>\n<max>\n" then w*h bytes.
    const header = buf.subarray(0, 40).toString('latin1').split(/\s+/);
    const [w, h] = [Number(header[1]), Number(header[2])];
    const offset = buf.length - w * h;
    const [y0, y1] = [Math.floor(band[0] * h), Math.floor(band[1] * h)];
    let dark = 0;
    for (let y = y0; y < y1; y++) for (let x = 0; x < w; x++) if (buf[offset + y * w + x]! < 128) dark++;
    return dark / ((y1 - y0) * w);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
