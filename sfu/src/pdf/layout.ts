/**
 * A small flowing-text layout on pdf-lib for our A4 documents (notices,
 * receipts): CJK line wrapping by measured width, headings, bullet lists,
 * key–value rows, automatic page breaks, and QR codes drawn as vector squares.
 */
import { PDFDocument, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import QRCode from 'qrcode';
import { CJK_FONTS, cjkFontkit, fontBytes } from './fonts';

export const A4 = { width: 595.28, height: 841.89 };
const MARGIN = 56;
const INK = rgb(0.1, 0.1, 0.12);
const MUTED = rgb(0.38, 0.38, 0.42);

export class PdfLayout {
  private page!: PDFPage;
  private y = 0;

  private constructor(
    readonly doc: PDFDocument,
    private readonly regular: PDFFont,
    private readonly bold: PDFFont,
    private readonly footer: string,
  ) {}

  static async create(meta: { title: string; footer: string }): Promise<PdfLayout> {
    const doc = await PDFDocument.create();
    doc.registerFontkit(cjkFontkit);
    doc.setTitle(meta.title);
    doc.setProducer('政务晓屋');
    doc.setCreator('政务晓屋 sfu');
    const regular = await doc.embedFont(fontBytes(CJK_FONTS.regular), { subset: true });
    const bold = await doc.embedFont(fontBytes(CJK_FONTS.bold), { subset: true });
    const l = new PdfLayout(doc, regular, bold, meta.footer);
    l.newPage();
    return l;
  }

  private get width(): number {
    return A4.width - 2 * MARGIN;
  }

  private newPage(): void {
    this.page = this.doc.addPage([A4.width, A4.height]);
    this.y = A4.height - MARGIN;
  }

  private ensure(height: number): void {
    if (this.y - height < MARGIN + 24) this.newPage();
  }

  /** Splits text into lines no wider than `width` (CJK may break anywhere; Latin words stay whole). */
  wrap(text: string, font: PDFFont, size: number, width: number): string[] {
    const lines: string[] = [];
    for (const para of text.split('\n')) {
      let line = '';
      for (const token of para.match(/[A-Za-z0-9.,:;!?%/()\-]+|\s+|./gu) ?? []) {
        const next = line + token;
        if (font.widthOfTextAtSize(next, size) <= width || line === '') line = next;
        else {
          lines.push(line.trimEnd());
          line = token.trimStart();
        }
      }
      lines.push(line);
    }
    return lines;
  }

  private lines(text: string, opts: { size: number; bold?: boolean; indent?: number; color?: ReturnType<typeof rgb>; gap?: number }): void {
    const font = opts.bold ? this.bold : this.regular;
    const indent = opts.indent ?? 0;
    const lh = opts.size * 1.5;
    for (const line of this.wrap(text, font, opts.size, this.width - indent)) {
      this.ensure(lh);
      this.y -= lh;
      this.page.drawText(line, { x: MARGIN + indent, y: this.y + opts.size * 0.3, size: opts.size, font, color: opts.color ?? INK });
    }
    this.y -= opts.gap ?? 0;
  }

  title(text: string, sub?: string): void {
    this.lines(text, { size: 20, bold: true, gap: 4 });
    if (sub) this.lines(sub, { size: 10.5, color: MUTED, gap: 6 });
    this.rule();
  }

  heading(text: string): void {
    this.ensure(40);
    this.y -= 8;
    this.lines(text, { size: 13.5, bold: true, gap: 2 });
  }

  paragraph(text: string, opts: { muted?: boolean; size?: number } = {}): void {
    this.lines(text, { size: opts.size ?? 11, color: opts.muted ? MUTED : INK, gap: 3 });
  }

  /** Numbered or bulleted items; each item may carry muted detail lines. */
  list(items: Array<{ text: string; detail?: string[] }>, numbered = true): void {
    items.forEach((it, i) => {
      const mark = numbered ? `${i + 1}.` : '•';
      this.ensure(18);
      const y0 = this.y;
      this.page.drawText(mark, { x: MARGIN, y: y0 - 11 * 1.5 + 11 * 0.3, size: 11, font: this.regular, color: INK });
      this.lines(it.text, { size: 11, indent: 18 });
      for (const d of it.detail ?? []) this.lines(d, { size: 9.5, indent: 18, color: MUTED });
      this.y -= 3;
    });
  }

  /** Label : value rows. */
  rows(pairs: Array<[string, string]>): void {
    for (const [k, v] of pairs) {
      const lines = this.wrap(v, this.regular, 11, this.width - 110);
      this.ensure(16.5 * lines.length);
      this.y -= 16.5;
      this.page.drawText(k, { x: MARGIN, y: this.y + 3.3, size: 11, font: this.bold, color: MUTED });
      lines.forEach((line, i) => this.page.drawText(line, { x: MARGIN + 110, y: this.y + 3.3 - i * 16.5, size: 11, font: this.regular, color: INK }));
      this.y -= 16.5 * (lines.length - 1);
    }
    this.y -= 4;
  }

  rule(): void {
    this.y -= 6;
    this.page.drawLine({ start: { x: MARGIN, y: this.y }, end: { x: A4.width - MARGIN, y: this.y }, thickness: 0.8, color: MUTED });
    this.y -= 6;
  }

  /** A QR code (vector) with a caption beside it. */
  qr(url: string, caption: string, sizePt = 96): void {
    const qr = QRCode.create(url, { errorCorrectionLevel: 'M' });
    const n = qr.modules.size;
    const cell = sizePt / n;
    this.ensure(sizePt + 12);
    const top = this.y - 6;
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < n; c++) {
        if (qr.modules.get(r, c)) this.page.drawRectangle({ x: MARGIN + c * cell, y: top - (r + 1) * cell, width: cell, height: cell, color: rgb(0, 0, 0) });
      }
    }
    const capLines = this.wrap(caption, this.regular, 10, this.width - sizePt - 16);
    capLines.forEach((line, i) => this.page.drawText(line, { x: MARGIN + sizePt + 16, y: top - 14 - i * 15, size: 10, font: this.regular, color: MUTED }));
    this.y = top - sizePt - 6;
  }

  async save(): Promise<Uint8Array> {
    const pages = this.doc.getPages();
    pages.forEach((p, i) => {
      const text = `${this.footer}    第 ${i + 1} 页 / 共 ${pages.length} 页`;
      p.drawText(text, { x: MARGIN, y: MARGIN - 24, size: 8.5, font: this.regular, color: MUTED });
    });
    return this.doc.save();
  }
}
