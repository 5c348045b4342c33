import { existsSync } from 'node:fs';

/*
 * What the PDFs the site draws (certificates, badges) share: pdfkit loaded on first use, the
 * finished file as one Buffer, and fonts. The PDF built-in fonts only know the WinAnsi characters,
 * so text with Chinese (or other) characters is drawn with a CJK system font when the machine has
 * one (Debian's fonts-noto-cjk), and otherwise with the Latin part of it (the romanised name that
 * usually stands beside the Chinese one), never with missing glyphs. pdfkit embeds only the
 * glyphs a document uses, so a page with a few Chinese names stays a few dozen kilobytes.
 */

const WIN_ANSI_CHAR = /[\u0020-\u007e\u00a0-\u00ff\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201a\u201c-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]/u;
export const drawableByBuiltIn = (text: string) => [...text].every((ch) => WIN_ANSI_CHAR.test(ch));

/** CJK fonts that Debian and Ubuntu packages install; the first present is used. */
const CJK_FONTS = [
  { path: '/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc', family: 'NotoSerifCJKtc-Regular' },
  { path: '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc', family: 'NotoSansCJKtc-Regular' },
  { path: '/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc', family: 'WenQuanYiZenHei' },
  { path: '/usr/share/fonts/truetype/arphic/uming.ttc', family: 'AR-PL-UMing-TW' },
];
let cjkFont: (typeof CJK_FONTS)[number] | null | undefined;
export const systemCjkFont = () => (cjkFont === undefined ? (cjkFont = CJK_FONTS.find((f) => existsSync(f.path)) ?? null) : cjkFont);

/** Whether a parenthesised text's first bracket closes at its end, as in "(Chan Tai Man)". */
function wrappedWhole(text: string) {
  if (!text.startsWith('(') || !text.endsWith(')')) return false;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    depth += text[i] === '(' ? 1 : text[i] === ')' ? -1 : 0;
    if (depth === 0 && i < text.length - 1) return false;
  }
  return true;
}

/** The part of a text the built-in fonts can draw: "陳大文 (Chan Tai Man)" gives "Chan Tai Man"; nothing left gives the fallback. */
export function romanised(text: string, fallback: string) {
  if (drawableByBuiltIn(text)) return text;
  let kept = [...text.normalize('NFKC')].filter((ch) => WIN_ANSI_CHAR.test(ch)).join('')
    .replace(/\(\s*\)/g, '').replace(/\s+/g, ' ').trim();
  if (wrappedWhole(kept)) kept = kept.slice(1, -1).trim();
  return /[\p{L}\p{N}]/u.test(kept) ? kept : fallback;
}

export type PdfDocument = PDFKit.PDFDocument;

/**
 * A new pdfkit document, with the CJK font registered as 'cjk' when the machine has one, and the
 * promise of its bytes once `doc.end()` is called.
 */
export async function newPdf(options: PDFKit.PDFDocumentOptions): Promise<{ doc: PdfDocument; done: Promise<Buffer>; cjk: boolean }> {
  // Loaded on first use: pdfkit is about 8 MiB of memory that most servers never need.
  const { default: PDFDocument } = await import('pdfkit');
  const doc = new PDFDocument(options);
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const font = systemCjkFont();
  if (font) doc.registerFont('cjk', font.path, font.family);
  return { doc, done, cjk: font !== null };
}

/**
 * Sets the font for a text: the built-in `latin` font when it can draw it, else the CJK font.
 * Returns the text to draw: as it is, or its romanised part when the machine has no CJK font.
 */
export function fontFor(doc: PdfDocument, cjk: boolean, text: string, latin: string, fallback = ''): string {
  if (drawableByBuiltIn(text)) {
    doc.font(latin);
    return text;
  }
  if (cjk) {
    doc.font('cjk');
    return text;
  }
  doc.font(latin);
  return romanised(text, fallback);
}
