/**
 * What case documents need beyond PdfLayout's flowing text: page breaks,
 * images in the flow (signatures), a page per scanned image, and whole PDFs
 * appended. PdfLayout keeps its cursor, page and fonts private; until it
 * exposes them (suggested: `pageBreak()`, `image(img, box)`, `font`), this file
 * reaches them through a checked cast, so a refactor of layout.ts fails loudly
 * here instead of drawing in the wrong place.
 */
import { PDFDocument, rgb, type PDFFont, type PDFImage, type PDFPage } from 'pdf-lib';
import { A4, type PdfLayout } from './layout';

/** Mirrors layout.ts (page margin; the footer sits in the bottom margin). */
export const MARGIN = 56;
const FOOTER_SPACE = 24;
const MUTED = rgb(0.38, 0.38, 0.42);

interface Internals {
  page: PDFPage;
  y: number;
  regular: PDFFont;
  bold: PDFFont;
  newPage(): void;
  ensure(height: number): void;
}

function inner(l: PdfLayout): Internals {
  const i = l as unknown as Internals;
  if (typeof i.newPage !== 'function' || typeof i.ensure !== 'function' || typeof i.y !== 'number' || !i.page || !i.regular || !i.bold) {
    throw new Error('PdfLayout internals changed: update sfu/src/pdf/layout-ext.ts');
  }
  return i;
}

export function layoutFont(l: PdfLayout, bold = false): PDFFont {
  const i = inner(l);
  return bold ? i.bold : i.regular;
}

/** Continue on a new page. */
export function pageBreak(l: PdfLayout): void {
  inner(l).newPage();
}

/** An image in the text flow, scaled down (never up) to fit `maxWidth` × `maxHeight` points, with an optional label on its left. */
export function flowImage(l: PdfLayout, img: PDFImage, opts: { maxWidth: number; maxHeight: number; label?: string; labelWidth?: number }): void {
  const i = inner(l);
  const labelWidth = opts.label ? (opts.labelWidth ?? 110) : 0;
  const s = Math.min(opts.maxWidth / img.width, opts.maxHeight / img.height, 1);
  const [w, h] = [img.width * s, img.height * s];
  i.ensure(h + 10);
  i.y -= h + 6;
  if (opts.label) i.page.drawText(opts.label, { x: MARGIN, y: i.y + h - 11, size: 11, font: i.bold, color: MUTED });
  i.page.drawImage(img, { x: MARGIN + labelWidth, y: i.y, width: w, height: h });
  i.y -= 4;
}

/** A new page with a caption line and one image scaled (up or down) to fill the rest of the page. */
export function imagePage(l: PdfLayout, img: PDFImage, caption: string): void {
  const i = inner(l);
  i.newPage();
  l.paragraph(caption, { muted: true, size: 9.5 });
  const top = i.y - 6;
  const bottom = MARGIN + FOOTER_SPACE;
  const boxW = A4.width - 2 * MARGIN;
  const boxH = top - bottom;
  const s = Math.min(boxW / img.width, boxH / img.height);
  const [w, h] = [img.width * s, img.height * s];
  i.page.drawImage(img, { x: MARGIN + (boxW - w) / 2, y: top - h, width: w, height: h });
  i.y = top - h - 4;
}

/**
 * Appends every page of `pdf` after the pages so far, each stamped with a
 * small caption at its top edge. Returns the number of pages added. The
 * current page is then marked full, so the next flowing text starts a new
 * page after the appended ones.
 */
export async function appendPdf(l: PdfLayout, pdf: Uint8Array, caption: string): Promise<number> {
  const i = inner(l);
  const src = await PDFDocument.load(pdf, { updateMetadata: false });
  const pages = await l.doc.copyPages(src, src.getPageIndices());
  for (const p of pages) {
    l.doc.addPage(p);
    const { x, y, height } = p.getMediaBox();
    p.drawText(caption, { x: x + 12, y: y + height - 12, size: 7, font: i.regular, color: MUTED });
  }
  i.y = 0;
  return pages.length;
}
