import { existsSync } from 'node:fs';
import type { FastifyReply } from 'fastify';
import { format } from '../../lib/format.ts';
import type { CertificateFacts } from './queries.ts';

/*
 * Award certificates: one A4 landscape page per grant, drawn with the PDF built-in fonts. Those
 * fonts only know the WinAnsi characters, so a line with Chinese (or other) characters is drawn
 * with a CJK system font when the machine has one, and otherwise with the Latin part of it (the
 * romanised name that usually stands beside the Chinese one), never with missing glyphs.
 */

const WIN_ANSI_CHAR = /[\u0020-\u007e\u00a0-\u00ff\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201a\u201c-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]/u;
const drawableByBuiltIn = (text: string) => [...text].every((ch) => WIN_ANSI_CHAR.test(ch));

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

type Line = {
  text: string; font: 'Times-Roman' | 'Times-Bold' | 'Times-Italic' | 'Helvetica' | 'Helvetica-Bold'; size: number;
  fallback?: string; gap: number; maxLines?: number;
};

/** The certificate for one award grant, as a PDF file. */
export async function renderCertificate(facts: CertificateFacts, options: { compress?: boolean } = {}): Promise<Buffer> {
  // Loaded on first use: pdfkit is about 8 MiB of memory that most servers never need.
  const { default: PDFDocument } = await import('pdfkit');
  const doc = new PDFDocument({
    size: 'A4', layout: 'landscape', margin: 0, compress: options.compress ?? true,
    info: { Title: `${facts.tier}: ${facts.entry_title}`, Subject: facts.contest_title, Author: facts.organisers.join(', ') },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const { width, height } = doc.page;
  doc.lineWidth(3).strokeColor('#1f3a5f').rect(28, 28, width - 56, height - 56).stroke();
  doc.lineWidth(0.8).rect(38, 38, width - 76, height - 76).stroke();

  const cjk = systemCjkFont();
  if (cjk) doc.registerFont('cjk', cjk.path, cjk.family);
  const published = facts.results_published_at ? format.date(facts.results_published_at) : null;
  const lines: Line[] = [
    { text: facts.contest_title, font: 'Helvetica', size: 16, gap: 18 },
    { text: 'Certificate of Award', font: 'Times-Bold', size: 38, gap: 22 },
    { text: 'This certifies that', font: 'Times-Italic', size: 15, gap: 6 },
    { text: facts.applicant_name, font: 'Times-Bold', size: 26, fallback: `the entrant of ${facts.reference}`, gap: 10 },
    { text: 'has been awarded the', font: 'Times-Italic', size: 15, gap: 6 },
    { text: facts.tier, font: 'Times-Bold', size: 30, gap: 10 },
    { text: 'for the entry', font: 'Times-Italic', size: 15, gap: 6 },
    { text: facts.entry_title, font: 'Times-Roman', size: 20, fallback: facts.reference, gap: 26 },
  ];
  if (published) lines.push({ text: `Results published ${published}`, font: 'Helvetica', size: 12, gap: 6 });
  if (facts.organisers.length) {
    lines.push({ text: `Organised by ${facts.organisers.join(', ')}`, font: 'Helvetica', size: 11, gap: 6, maxLines: 4 });
  }

  const textWidth = width - 160;
  doc.fillColor('#1f3a5f');
  let y = 70;
  for (const line of lines) {
    const drawable = drawableByBuiltIn(line.text);
    const text = drawable || cjk ? line.text : romanised(line.text, line.fallback ?? '');
    doc.font(drawable || !cjk ? line.font : 'cjk').fontSize(line.size);
    // A bounded number of lines each, so a long title never pushes the rest off the page.
    doc.text(text, 80, y, { width: textWidth, align: 'center', height: line.size * 1.25 * (line.maxLines ?? 2), ellipsis: true });
    y = doc.y + line.gap;
  }
  doc.font('Helvetica').fontSize(9).fillColor('#555555')
    .text(`${facts.reference} · certificate ${facts.grant_id}`, 80, height - 70, { width: textWidth, align: 'center' });
  doc.end();
  return done;
}

/** Sends a grant's certificate as a PDF the browser shows, named after the entry. */
export async function sendCertificate(reply: FastifyReply, facts: CertificateFacts) {
  const pdf = await renderCertificate(facts);
  return reply
    .header('content-type', 'application/pdf')
    .header('content-disposition', `inline; filename="certificate-${facts.reference.replace(/[^\w.-]+/g, '-')}.pdf"`)
    .header('x-content-type-options', 'nosniff')
    .header('cache-control', 'private, no-store')
    .send(pdf);
}
