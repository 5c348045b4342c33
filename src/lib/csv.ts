import { Readable } from 'node:stream';

/*
 * The one CSV writer: RFC 4180 (CRLF line ends, fields quoted when they hold a comma, a quote
 * or a line break), UTF-8 with a byte-order mark so that Excel shows Chinese names, and text
 * cells that a spreadsheet would run as a formula neutralised. Rows are pulled from an
 * iterable as the reader takes them, so memory stays flat however many there are.
 */

export type Cell = string | number | boolean | Date | null | undefined;

const BOM = '\uFEFF';
// What Excel, LibreOffice and Google Sheets treat as the start of a formula (OWASP's list).
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;
/** Lines are gathered into chunks of about this size before they are handed on. */
const CHUNK_CHARS = 64 * 1024;

/** Text a spreadsheet would evaluate is prefixed with an apostrophe, which makes it plain text. */
export function neutraliseFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** A cell as text: numbers stay numbers (a negative amount is not a formula), text is neutralised. */
export function cellText(value: Cell): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return neutraliseFormula(value);
}

function csvField(value: Cell): string {
  const text = cellText(value);
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(cells: readonly Cell[]): string {
  return `${cells.map(csvField).join(',')}\r\n`;
}

/** The whole file as chunks of text: the BOM and header first, then the rows. */
export async function* csvChunks(header: readonly string[], rows: AsyncIterable<readonly Cell[]> | Iterable<readonly Cell[]>) {
  let chunk = BOM + csvLine(header);
  for await (const row of rows) {
    chunk += csvLine(row);
    if (chunk.length >= CHUNK_CHARS) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

/** A readable stream of the CSV file, for a reply or a file. */
export function csvStream(header: readonly string[], rows: AsyncIterable<readonly Cell[]> | Iterable<readonly Cell[]>): Readable {
  return Readable.from(csvChunks(header, rows), { objectMode: false, encoding: 'utf8' });
}
