/**
 * What an uploaded file really is, decided by its content, never its name:
 * JPEG and PNG must fully decode (a truncated or corrupt image is refused) to
 * sensible dimensions; a PDF must parse, have a bounded page count, and its
 * compressed streams must not inflate past a budget (zip bombs).
 */
import zlib from 'node:zlib';
import sharp, { type Metadata } from 'sharp';
import { PDFDocument, PDFName, PDFRawStream } from 'pdf-lib';
import { AppError, ErrorCode } from '@xiaowu/shared';

export type DocumentKind = 'image/jpeg' | 'image/png' | 'application/pdf';

export interface ContentInfo {
  mime: DocumentKind;
  width?: number;
  height?: number;
  pages?: number;
}

export const LIMITS = {
  maxPixels: 50_000_000,
  minSide: 200,
  maxPdfPages: 50,
  /** Total bytes a PDF's compressed streams may inflate to. */
  maxPdfInflated: 200 * 1024 * 1024,
};

export function sniff(head: Uint8Array): DocumentKind | undefined {
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'image/jpeg';
  if (Buffer.from(head.subarray(0, 8)).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (Buffer.from(head.subarray(0, 5)).toString('latin1') === '%PDF-') return 'application/pdf';
  return undefined;
}

const refuse = (msg: string) => new AppError(ErrorCode.BadRequest, msg);

export async function checkContent(buf: Buffer): Promise<ContentInfo> {
  const mime = sniff(buf);
  if (!mime) {
    const what = buf.subarray(0, 2).toString('latin1') === 'MZ' ? 'a Windows program' : buf.subarray(0, 4).toString('latin1') === 'PK\u0003\u0004' ? 'a zip archive' : 'not an image or PDF';
    throw refuse(`file content is ${what}; only JPEG, PNG and PDF are accepted`);
  }
  if (mime === 'application/pdf') return { mime, pages: await checkPdf(buf) };
  let meta: Metadata;
  try {
    meta = await sharp(buf, { limitInputPixels: LIMITS.maxPixels }).metadata();
    // Decode every pixel: a truncated or corrupt image fails here, not later at review.
    await sharp(buf, { limitInputPixels: LIMITS.maxPixels, failOn: 'truncated' }).raw().toBuffer();
  } catch (err) {
    throw refuse(`the image is damaged or incomplete (${(err as Error).message.slice(0, 80)})`);
  }
  const { width = 0, height = 0 } = meta;
  if (Math.min(width, height) < LIMITS.minSide) throw refuse(`the image is too small to read (${width}×${height})`);
  return { mime, width, height };
}

async function checkPdf(buf: Buffer): Promise<number> {
  let doc: PDFDocument;
  try {
    doc = await PDFDocument.load(buf, { updateMetadata: false, throwOnInvalidObject: true });
  } catch (err) {
    throw refuse(`the PDF is damaged (${(err as Error).message.slice(0, 80)})`);
  }
  const pages = doc.getPageCount();
  if (pages < 1) throw refuse('the PDF has no pages');
  if (pages > LIMITS.maxPdfPages) throw refuse(`the PDF has ${pages} pages; at most ${LIMITS.maxPdfPages}`);
  let budget = LIMITS.maxPdfInflated;
  for (const [, obj] of doc.context.enumerateIndirectObjects()) {
    if (!(obj instanceof PDFRawStream)) continue;
    const filter = obj.dict.get(PDFName.of('Filter'));
    if (filter?.toString() !== '/FlateDecode') continue;
    try {
      budget -= zlib.inflateSync(obj.contents, { maxOutputLength: Math.max(1, budget) }).length;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) throw refuse('the PDF expands to an unreasonable size (compression bomb)');
      throw refuse('the PDF has a damaged stream');
    }
  }
  return pages;
}
