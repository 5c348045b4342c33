import type { FastifyReply } from 'fastify';
import { formatFor } from '../../lib/format.ts';
import { type Locale, translator } from '../../lib/i18n.ts';
import { fontFor, newPdf, type PdfDocument } from '../../lib/pdf-document.ts';
import { qrPng } from '../../lib/qr.ts';
import type { AttendanceFacts, AwardFacts } from './queries.ts';

/*
 * Certificates as PDF files: one A4 landscape page each. Every certificate issued carries its code
 * and a QR code of its verification page (/certificates/:code), where anyone handed the paper can
 * check that it is genuine and has not been revoked.
 */

type LatinFont = 'Times-Roman' | 'Times-Bold' | 'Times-Italic' | 'Helvetica' | 'Helvetica-Bold';
type Line = { text: string; font: LatinFont; size: number; fallback?: string; gap: number; maxLines?: number };

export const verificationUrl = (baseUrl: string, code: string) => `${baseUrl}/certificates/${code}`;

/** The frame, the lines centred one under the other, and the verification corner. */
async function drawCertificate(
  doc: PdfDocument, cjk: boolean, lines: Line[], footer: { code: string; url: string; label: string } | null, reference: string,
) {
  const { width, height } = doc.page;
  doc.lineWidth(3).strokeColor('#1f3a5f').rect(28, 28, width - 56, height - 56).stroke();
  doc.lineWidth(0.8).rect(38, 38, width - 76, height - 76).stroke();
  const textWidth = width - 160;
  doc.fillColor('#1f3a5f');
  let y = 70;
  for (const line of lines) {
    const text = fontFor(doc, cjk, line.text, line.font, line.fallback ?? '');
    doc.fontSize(line.size);
    // A bounded number of lines each, so a long title never pushes the rest off the page.
    doc.text(text, 80, y, { width: textWidth, align: 'center', height: line.size * 1.35 * (line.maxLines ?? 2), ellipsis: true });
    y = doc.y + line.gap;
  }
  if (footer) {
    const size = 78;
    doc.image(await qrPng(footer.url), width - 70 - size, height - 70 - size, { width: size, height: size });
    doc.fontSize(8).fillColor('#555555');
    const label = fontFor(doc, cjk, footer.label, 'Helvetica');
    doc.text(label, 80, height - 96, { width: width - 250, align: 'left' });
    doc.font('Helvetica').text(footer.url, 80, doc.y + 2, { width: width - 250, align: 'left' });
  }
  const referenceText = fontFor(doc, cjk, reference, 'Helvetica');
  doc.fontSize(8).fillColor('#555555').text(referenceText, 80, height - 58, { width: width - 250, align: 'left' });
}

/** The certificate for one award grant (in English, as the contest's results are published). */
export async function renderAwardCertificate(
  facts: AwardFacts, verification: { code: string; url: string } | null, options: { compress?: boolean } = {},
): Promise<Buffer> {
  const { doc, done, cjk } = await newPdf({
    size: 'A4', layout: 'landscape', margin: 0, compress: options.compress ?? true,
    info: { Title: `${facts.tier}: ${facts.entry_title}`, Subject: facts.contest_title, Author: facts.organisers.join(', ') },
  });
  const published = facts.results_published_at ? formatFor('en').date(facts.results_published_at) : null;
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
  const footer = verification ? { ...verification, label: `Verify this certificate (code ${verification.code}):` } : null;
  await drawCertificate(doc, cjk, lines, footer, `${facts.reference} · certificate ${facts.grant_id}`);
  doc.end();
  return done;
}

/** An attendance certificate, in the language the participant registered in. */
export async function renderAttendanceCertificate(
  facts: AttendanceFacts, verification: { code: string; url: string }, options: { compress?: boolean } = {},
): Promise<Buffer> {
  const locale = facts.language as Locale;
  const t = translator(locale);
  const f = formatFor(locale);
  const { doc, done, cjk } = await newPdf({
    size: 'A4', layout: 'landscape', margin: 0, compress: options.compress ?? true,
    info: { Title: t('certificates.pdf.title'), Subject: facts.event_title, Author: facts.organisers.join(', ') },
  });
  const firstDay = f.date(facts.starts_at);
  const lastDay = f.date(facts.ends_at);
  const place = [facts.venue, facts.city].filter(Boolean).join(t('pages.common.listSeparator'));
  const when = firstDay === lastDay ? firstDay : t('certificates.pdf.dateRange', { from: firstDay, to: lastDay });
  const lines: Line[] = [];
  if (facts.organisers.length) lines.push({ text: facts.organisers.join(' · '), font: 'Helvetica', size: 12, gap: 16, maxLines: 3 });
  lines.push(
    { text: t('certificates.pdf.title'), font: 'Times-Bold', size: 36, gap: 22 },
    { text: t('certificates.pdf.certifies'), font: 'Times-Italic', size: 15, gap: 6 },
    { text: facts.name, font: 'Times-Bold', size: 28, fallback: t('certificates.pdf.participant'), gap: 10 },
    { text: t('certificates.pdf.attended'), font: 'Times-Italic', size: 15, gap: 6 },
    { text: facts.event_title, font: 'Times-Bold', size: 22, gap: 12 },
    {
      text: place ? t('certificates.pdf.heldAt', { when, place }) : t('certificates.pdf.held', { when }),
      font: 'Helvetica', size: 13, gap: 8,
    },
  );
  if (facts.hours !== null) {
    lines.push({ text: t('certificates.pdf.hours', { hours: f.number(facts.hours) }), font: 'Helvetica-Bold', size: 14, gap: 8 });
  }
  lines.push({ text: t('certificates.pdf.issued', { date: f.date(facts.issued_at) }), font: 'Helvetica', size: 10, gap: 6 });
  await drawCertificate(doc, cjk, lines, { ...verification, label: t('certificates.pdf.verify', { code: verification.code }) },
    t('certificates.pdf.reference', { code: verification.code }));
  doc.end();
  return done;
}

/** Sends a certificate as a PDF the browser shows. */
function sendPdf(reply: FastifyReply, pdf: Buffer, filename: string) {
  return reply
    .header('content-type', 'application/pdf')
    .header('content-disposition', `inline; filename="${filename.replace(/[^\w.-]+/g, '-')}"`)
    .header('x-content-type-options', 'nosniff')
    .header('cache-control', 'private, no-store')
    .send(pdf);
}

/** Sends an award certificate, with its verification code once it has one. */
export async function sendAwardCertificate(reply: FastifyReply, facts: AwardFacts, baseUrl: string) {
  const verification = facts.code ? { code: facts.code, url: verificationUrl(baseUrl, facts.code) } : null;
  return sendPdf(reply, await renderAwardCertificate(facts, verification), `certificate-${facts.reference}.pdf`);
}
