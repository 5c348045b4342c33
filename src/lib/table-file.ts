import { CsvError, parse } from 'csv-parse/sync';
import type ExcelJS from 'exceljs';
import { type Message, message } from './i18n.ts';

/*
 * Reading a list that people keep in a spreadsheet: a CSV file (UTF-8, with or without its byte
 * order mark; UTF-16 as Excel's "Unicode text" writes it; or Big5 or GB18030 when the sender says
 * so) or an Excel workbook (.xlsx, its first sheet). What comes back is the header and the rows
 * as text, each row with the line (CSV) or row number (Excel) people see in their own program.
 * Nothing here knows what the columns mean.
 */

/** The largest file taken, and the most rows (besides the header). */
export const TABLE_FILE_MAX_BYTES = 5 * 1024 * 1024;
export const TABLE_FILE_MAX_ROWS = 10_000;
/** What an .xlsx may inflate to, all its parts together (a normal one is a few times its size). */
const XLSX_MAX_INFLATED = 80 * 1024 * 1024;

export const TEXT_ENCODINGS = ['auto', 'utf-8', 'big5', 'gb18030'] as const;
export type TextEncoding = (typeof TEXT_ENCODINGS)[number];

export type TableRow = { line: number; cells: string[]; formula?: boolean };
export type Table = { header: string[]; rows: TableRow[] };
export type TableResult = { ok: true; table: Table } | { ok: false; problem: Message; needsEncoding?: boolean };

const refuse = (problem: Message, needsEncoding = false): TableResult => ({ ok: false, problem, needsEncoding });

/** Reads a CSV or .xlsx file; `encoding` applies to CSV only ('auto': UTF-8 or UTF-16 by its mark). */
export async function readTableFile(bytes: Buffer, encoding: TextEncoding = 'auto'): Promise<TableResult> {
  if (bytes.length === 0) return refuse('common.tableFile.empty');
  if (bytes.length > TABLE_FILE_MAX_BYTES) return refuse(message('common.tableFile.tooLarge', { mb: TABLE_FILE_MAX_BYTES / 1024 / 1024 }));
  if (bytes.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]))) return readXlsx(bytes);
  // The old binary Excel format (and other OLE files): its cells are not readable here.
  if (bytes.subarray(0, 4).equals(Buffer.from([0xd0, 0xcf, 0x11, 0xe0]))) return refuse('common.tableFile.oldExcel');
  const text = decode(bytes, encoding);
  if (text === null) return refuse('common.tableFile.encoding', true);
  if (text.includes('\u0000')) return refuse('common.tableFile.notTable');
  return readCsv(text);
}

function decode(bytes: Buffer, encoding: TextEncoding): string | null {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  const label = encoding === 'auto' ? 'utf-8' : encoding;
  try {
    // fatal: a Big5 or GB18030 file read as UTF-8 is refused, not turned into replacement marks.
    return new TextDecoder(label, { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return null;
  }
}

/** The separator of the header line: a comma, or the semicolon or tab some locales' Excel writes. */
function separatorOf(text: string): string {
  const end = text.indexOf('\n');
  const first = end < 0 ? text : text.slice(0, end);
  const count = (c: string) => first.split(c).length - 1;
  return [',', ';', '\t'].reduce((best, c) => (count(c) > count(best) ? c : best), ',');
}

function readCsv(text: string): TableResult {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      delimiter: separatorOf(text), relax_column_count: true, skip_empty_lines: true, trim: true, info: true,
      // One more than is taken, to tell a file that is too long.
      to: TABLE_FILE_MAX_ROWS + 2, max_record_size: 64 * 1024,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (error) {
    if (error instanceof CsvError) {
      const line = (error as CsvError & { lines?: number }).lines;
      return refuse(message('common.tableFile.unreadable', { line: line ?? 1 }));
    }
    throw error;
  }
  const [head, ...rest] = records;
  if (!head) return refuse('common.tableFile.empty');
  if (rest.length > TABLE_FILE_MAX_ROWS) return refuse(message('common.tableFile.tooManyRows', { max: TABLE_FILE_MAX_ROWS }));
  // info.lines is the line on which the record ends; a record with a line break inside quotes
  // starts earlier, where people look for it: count back the breaks it holds.
  const startLine = (r: { record: string[]; info: { lines: number } }) =>
    r.info.lines - r.record.reduce((n, cell) => n + cell.split('\n').length - 1, 0);
  return {
    ok: true,
    table: { header: head.record, rows: rest.map((r) => ({ line: startLine(r), cells: r.record })) },
  };
}

/**
 * The uncompressed size of a zip's entries, from its central directory, before anything is
 * inflated; null when the directory cannot be read (or needs ZIP64, which no list of people does).
 */
export function zipInflatedSize(bytes: Buffer): number | null {
  const min = Math.max(0, bytes.length - 22 - 0xffff);
  let end = -1;
  for (let i = bytes.length - 22; i >= min; i--) {
    if (bytes.readUInt32LE(i) === 0x06054b50) {
      end = i;
      break;
    }
  }
  if (end < 0) return null;
  const entries = bytes.readUInt16LE(end + 10);
  let offset = bytes.readUInt32LE(end + 16);
  let total = 0;
  for (let n = 0; n < entries; n++) {
    if (offset + 46 > bytes.length || bytes.readUInt32LE(offset) !== 0x02014b50) return null;
    const size = bytes.readUInt32LE(offset + 24);
    if (size === 0xffffffff) return null;
    total += size;
    offset += 46 + bytes.readUInt16LE(offset + 28) + bytes.readUInt16LE(offset + 30) + bytes.readUInt16LE(offset + 32);
  }
  return total;
}

/** A cell as the text people see in it; formulas are flagged by the caller. */
function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value === 'object') {
    if ('richText' in value) return value.richText.map((r) => r.text).join('');
    if ('text' in value && typeof value.text === 'string') return value.text;
    if ('result' in value) return cellText(value.result ?? null);
    return '';
  }
  return String(value);
}

async function readXlsx(bytes: Buffer): Promise<TableResult> {
  const inflated = zipInflatedSize(bytes);
  if (inflated === null) return refuse('common.tableFile.notTable');
  if (inflated > XLSX_MAX_INFLATED) return refuse(message('common.tableFile.tooManyRows', { max: TABLE_FILE_MAX_ROWS }));
  // Loaded on first use, as for the exports.
  const { default: ExcelJS } = await import('exceljs');
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(bytes as unknown as ExcelJS.Buffer);
  } catch {
    return refuse('common.tableFile.notTable');
  }
  const sheet = workbook.worksheets[0];
  if (!sheet) return refuse('common.tableFile.empty');
  let header: string[] | null = null;
  const rows: TableRow[] = [];
  let tooMany = false;
  sheet.eachRow({ includeEmpty: false }, (row, number) => {
    if (tooMany) return;
    const values = Array.isArray(row.values) ? row.values.slice(1) : [];
    const cells = values.map((v) => cellText(v ?? null).trim());
    if (cells.every((c) => c === '')) return;
    if (!header) {
      header = cells;
      return;
    }
    if (rows.length === TABLE_FILE_MAX_ROWS) {
      tooMany = true;
      return;
    }
    const formula = values.some((v) => typeof v === 'object' && v !== null && ('formula' in v || 'sharedFormula' in v));
    rows.push({ line: number, cells, ...(formula ? { formula } : {}) });
  });
  if (tooMany) return refuse(message('common.tableFile.tooManyRows', { max: TABLE_FILE_MAX_ROWS }));
  if (!header) return refuse('common.tableFile.empty');
  return { ok: true, table: { header, rows } };
}
