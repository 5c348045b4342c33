import type { Paragraph } from 'docx';
import { GROUP_TITLE, paragraphText, SUMMARY_TITLE, type Summary } from '../summary/service.ts';

/** The summary in Markdown: title block, intro, then each item as a numbered heading. */
export function summaryAsMarkdown(summary: Summary): string {
  const escape = (s: string) => s.replace(/([\\`*_[\]<>#])/g, '\\$1');
  const blocks = [
    `# ${escape(SUMMARY_TITLE)} (${summary.period.label})`,
    `*${escape(GROUP_TITLE)}*`,
    ...summary.intro.paragraphs.map((p) => escape(paragraphText(p))),
  ];
  for (const item of summary.items) {
    blocks.push(`## ${item.number}. ${escape(item.title)}`, ...item.narrative.paragraphs.map((p) => escape(paragraphText(p))));
  }
  return `${blocks.join('\n\n')}\n`;
}

const A4 = { width: 11906, height: 16838 };
const MARGIN = 1134; // 2 cm in twentieths of a point

/** The summary as a Word document on A4, laid out like the published edition. */
export async function summaryAsDocx(summary: Summary): Promise<Buffer> {
  // Loaded on first use, like the other document libraries: memory only for servers that export.
  const { AlignmentType, Document, HeadingLevel, Packer, Paragraph, TextRun } = await import('docx');
  const body = (text: string) =>
    new Paragraph({
      children: [new TextRun({ text, font: 'Times New Roman', size: 24 })], alignment: AlignmentType.JUSTIFIED, spacing: { after: 200 },
    });
  const centred = (text: string, bold = false) =>
    new Paragraph({
      children: [new TextRun({ text, bold, font: 'Times New Roman', size: 26 })], alignment: AlignmentType.CENTER, spacing: { after: 240 },
    });

  const children: Paragraph[] = [
    centred(GROUP_TITLE, true),
    centred(SUMMARY_TITLE, true),
    centred(`(${summary.period.label})`),
    ...summary.intro.paragraphs.map((p) => body(paragraphText(p))),
  ];
  for (const item of summary.items) {
    children.push(new Paragraph({
      heading: HeadingLevel.HEADING_2,
      keepNext: true,
      spacing: { before: 240, after: 120 },
      children: [new TextRun({ text: `${item.number}. ${item.title}`, bold: true, font: 'Times New Roman', size: 24, color: '000000' })],
    }));
    children.push(...item.narrative.paragraphs.map((p) => body(paragraphText(p))));
  }
  const doc = new Document({
    title: `${SUMMARY_TITLE} (${summary.period.label})`,
    creator: 'ipcoop',
    sections: [{ properties: { page: { size: A4, margin: { top: MARGIN, bottom: MARGIN, left: MARGIN, right: MARGIN } } }, children }],
  });
  return Packer.toBuffer(doc);
}
