import type { Side } from '../../db/types.ts';
import { fontFor, newPdf, type PdfDocument } from '../../lib/pdf-document.ts';
import { ticketPng } from '../registrations/ticket.ts';
import type { BadgePerson } from './badges-queries.ts';

/*
 * Name badges and table cards as one PDF. Three layouts, as event printers sell them:
 * - `sheet`: A4 sheets of ten 90 × 55 mm badges (two across, five down), the size of the
 *   perforated badge-insert sheets and of most clip-on holders, with faint cut lines;
 * - `label`: one 90 × 55 mm badge per page, for a label printer's roll;
 * - `tent`: a table card, A4 landscape folded across the middle: the name on both faces.
 * A badge shows the name in the person's own script (a CJK font for Chinese), the organisation,
 * a colour band for the side, and the same QR ticket their confirmation email carries, so the
 * door scanner reads a badge like a ticket.
 */

export const BADGE_LAYOUTS = ['sheet', 'label', 'tent'] as const;
export type BadgeLayout = (typeof BADGE_LAYOUTS)[number];

const MM = 72 / 25.4;
const BADGE = { width: 90 * MM, height: 55 * MM };
const A4 = { width: 210 * MM, height: 297 * MM };
const SHEET = { columns: 2, rows: 5 };

/** The band colours: the same in every printing, distinct in greyscale too (light to dark). */
const SIDE_COLOURS: Record<Side, string> = {
  GD: '#c62828', HK: '#1565c0', MO: '#2e7d32', CN: '#ef6c00', OTHER: '#6a1b9a',
};

export type BadgeText = { event: string; side: (side: Side) => string };

/** The largest size, from `max` down to `min`, at which the text fits `lines` lines of `width`. */
function fitSize(doc: PdfDocument, text: string, width: number, max: number, min: number, lines = 1) {
  for (let size = max; size > min; size -= 1) {
    doc.fontSize(size);
    if (doc.widthOfString(text) <= width * lines * 0.92) return size;
  }
  return min;
}

async function drawBadge(doc: PdfDocument, cjk: boolean, person: BadgePerson, text: BadgeText, x: number, y: number) {
  const { width, height } = BADGE;
  const pad = 4 * MM;
  const band = 9 * MM;
  const side = person.side;
  doc.save().rect(x, y, width, band).fill(SIDE_COLOURS[side]).restore();
  doc.fillColor('#ffffff');
  const sideLabel = fontFor(doc, cjk, text.side(side), 'Helvetica-Bold');
  doc.fontSize(10).text(sideLabel, x + pad, y + band / 2 - 5, { width: width / 2, lineBreak: false });
  const eventTitle = fontFor(doc, cjk, text.event, 'Helvetica');
  doc.fontSize(6.5).text(eventTitle, x + width / 2, y + band / 2 - 3.5, {
    width: width / 2 - pad, align: 'right', height: 8, ellipsis: true,
  });

  const qr = height - band - 2 * pad;
  doc.image(await ticketPng(person.token_hash), x + width - pad - qr, y + band + pad, { width: qr, height: qr });

  const textWidth = width - 3 * pad - qr;
  doc.fillColor('#111111');
  const name = fontFor(doc, cjk, person.name, 'Helvetica-Bold', '—');
  const size = fitSize(doc, name, textWidth, 20, 9, 2);
  doc.fontSize(size).text(name, x + pad, y + band + pad, { width: textWidth, height: size * 2.4, ellipsis: true });
  if (person.organisation) {
    doc.fillColor('#444444');
    const organisation = fontFor(doc, cjk, person.organisation, 'Helvetica', '');
    doc.fontSize(8.5).text(organisation, x + pad, Math.max(doc.y + 3, y + band + pad + 30), {
      width: textWidth, height: 8.5 * 3.6, ellipsis: true,
    });
  }
}

/** A table card: A4 landscape folded across; the lower face upright, the upper face turned so it reads from across the table. */
function drawTent(doc: PdfDocument, cjk: boolean, person: BadgePerson) {
  const { width, height } = doc.page;
  const half = height / 2;
  const face = (top: number) => {
    const pad = 18 * MM;
    doc.save().rect(0, top + half - 6 * MM, width, 6 * MM).fill(SIDE_COLOURS[person.side]).restore();
    doc.fillColor('#111111');
    const name = fontFor(doc, cjk, person.name, 'Helvetica-Bold', '—');
    const size = fitSize(doc, name, width - 2 * pad, 60, 20);
    doc.fontSize(size).text(name, pad, top + half / 2 - size * 0.8, { width: width - 2 * pad, align: 'center', lineBreak: false });
    if (person.organisation) {
      doc.fillColor('#444444');
      const organisation = fontFor(doc, cjk, person.organisation, 'Helvetica', '');
      doc.fontSize(18).text(organisation, pad, top + half / 2 + size * 0.6, {
        width: width - 2 * pad, align: 'center', height: 24, ellipsis: true,
      });
    }
  };
  face(half);
  doc.save().rotate(180, { origin: [width / 2, half / 2] });
  face(0);
  doc.restore();
  doc.save().dash(4, { space: 4 }).strokeColor('#bbbbbb').lineWidth(0.5).moveTo(0, half).lineTo(width, half).stroke().undash().restore();
}

/** The badges of `people` in a layout, as a PDF file. */
export async function renderBadges(people: BadgePerson[], layout: BadgeLayout, text: BadgeText, title: string): Promise<Buffer> {
  const size: [number, number] = layout === 'label' ? [BADGE.width, BADGE.height] : [A4.width, A4.height];
  const { doc, done, cjk } = await newPdf({
    size, layout: layout === 'tent' ? 'landscape' : 'portrait', margin: 0, autoFirstPage: false, info: { Title: title },
  });
  if (layout === 'sheet') {
    const left = (A4.width - SHEET.columns * BADGE.width) / 2;
    const top = (A4.height - SHEET.rows * BADGE.height) / 2;
    const perPage = SHEET.columns * SHEET.rows;
    for (const [n, person] of people.entries()) {
      if (n % perPage === 0) doc.addPage();
      const slot = n % perPage;
      const x = left + (slot % SHEET.columns) * BADGE.width;
      const y = top + Math.floor(slot / SHEET.columns) * BADGE.height;
      doc.save().lineWidth(0.3).strokeColor('#cccccc').rect(x, y, BADGE.width, BADGE.height).stroke().restore();
      await drawBadge(doc, cjk, person, text, x, y);
    }
  } else {
    for (const person of people) {
      doc.addPage();
      if (layout === 'label') await drawBadge(doc, cjk, person, text, 0, 0);
      else drawTent(doc, cjk, person);
    }
  }
  if (people.length === 0) doc.addPage();
  doc.end();
  return done;
}
