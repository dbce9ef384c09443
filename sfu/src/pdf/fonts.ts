/**
 * CJK fonts for pdf-lib. pdf-lib's own @pdf-lib/fontkit (unmaintained)
 * produces blank TrueType subsets and refuses CID-keyed CFF fonts such as
 * Noto Sans CJK (pdf-lib issue 1232), while text extraction still looks
 * right. We register the maintained upstream fontkit 2.x instead, through a
 * small adapter: pdf-lib wants `subset.encodeStream()` (fontkit 1 API) and a
 * single font where the Noto file is a collection (.ttc).
 */
import fs from 'node:fs';
import * as fontkit from 'fontkit';
import { EventEmitter } from 'node:events';
import type { PDFDocument } from 'pdf-lib';

type Fontkit = Parameters<PDFDocument['registerFontkit']>[0];

/** Debian's fonts-noto-cjk; Simplified Chinese faces of the collections. */
export const CJK_FONTS = {
  regular: { file: '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc', postscriptName: 'NotoSansCJKsc-Regular' },
  bold: { file: '/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc', postscriptName: 'NotoSansCJKsc-Bold' },
} as const;

type AnyFont = { createSubset(): { encode(): Uint8Array; includeGlyph(g: unknown): number } } & Record<string, unknown>;

function withEncodeStream(font: AnyFont): AnyFont {
  const createSubset = font.createSubset.bind(font);
  font.createSubset = () => {
    const subset = createSubset() as ReturnType<AnyFont['createSubset']> & { encodeStream?: () => EventEmitter };
    subset.encodeStream = () => {
      const stream = new EventEmitter();
      setImmediate(() => {
        try {
          stream.emit('data', subset.encode());
          stream.emit('end');
        } catch (err) {
          stream.emit('error', err);
        }
      });
      return stream;
    };
    return subset;
  };
  return font;
}

/** Which face of a collection each loaded font file is to give. */
const faces = new WeakMap<Uint8Array, string>();

/** The pdf-lib Fontkit to register: picks the face recorded by `fontBytes`. */
/** Parsed faces, kept: parsing the 16 MB Noto collection costs ~0.4 s per document otherwise. */
const parsed = new WeakMap<Uint8Array, AnyFont>();

export const cjkFontkit: Fontkit = {
  create(data: Uint8Array) {
    let f = parsed.get(data);
    if (!f) {
      f = withEncodeStream(fontkit.create(Buffer.from(data.buffer, data.byteOffset, data.byteLength), faces.get(data)) as unknown as AnyFont);
      parsed.set(data, f);
    }
    return f as never;
  },
} as Fontkit;

const cache = new Map<string, Uint8Array>();
/** The font file's bytes (read once per process), tagged with the face to use. */
export function fontBytes(font: { file: string; postscriptName: string }): Uint8Array {
  let b = cache.get(font.file);
  if (!b) {
    b = new Uint8Array(fs.readFileSync(font.file));
    faces.set(b, font.postscriptName);
    cache.set(font.file, b);
  }
  return b;
}
