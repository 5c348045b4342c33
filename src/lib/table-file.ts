import { isUtf8 } from 'node:buffer';
import { Readable } from 'node:stream';
import { crc32, createInflateRaw, inflateRawSync } from 'node:zlib';
import { CsvError, parse } from 'csv-parse';
import type ExcelJS from 'exceljs';
import { type Message, message } from './i18n.ts';

/*
 * Reading a list that people keep in a spreadsheet: a CSV file (UTF-8, with or without its byte
 * order mark; UTF-16 as Excel's "Unicode text" writes it; or Big5 or GB18030 when the sender says
 * so) or an Excel workbook (.xlsx, its first sheet). What comes back is the header and the rows
 * as text, each row with the line (CSV) or row number (Excel) people see in their own program.
 * The rows are read a piece of the file at a time, as they are asked for, so that a long list is
 * never held whole.
 * Nothing here knows what the columns mean.
 */

/** The largest file taken, and the most rows (besides the header). */
export const TABLE_FILE_MAX_BYTES = 5 * 1024 * 1024;
export const TABLE_FILE_MAX_ROWS = 10_000;
/** What an .xlsx may inflate to, all its parts together (a normal one is a few times its size). */
const XLSX_MAX_INFLATED = 80 * 1024 * 1024;
/** The bytes of a file read at a time. */
const CHUNK = 16 * 1024;

export const TEXT_ENCODINGS = ['auto', 'utf-8', 'big5', 'gb18030'] as const;
export type TextEncoding = (typeof TEXT_ENCODINGS)[number];

export type TableRow = { line: number; cells: string[]; formula?: boolean };
/** A file opened: its header, and its rows in batches (each what one piece of the file held), read as they are iterated (once). */
export type TableRows = { header: string[]; batches: AsyncIterable<TableRow[]> };
export type TableRefusal = { ok: false; problem: Message; needsEncoding?: boolean };
export type TableOpened = { ok: true; table: TableRows } | TableRefusal;

/**
 * Thrown by a file's rows when the file turns out unreadable further down (a CSV line that cannot
 * be read, more rows than are taken, a broken sheet): the whole file is refused for it.
 */
export class TableFileError extends Error {
  readonly problem: Message;
  constructor(problem: Message) {
    super('the file cannot be read');
    this.problem = problem;
  }
}

const refuse = (problem: Message, needsEncoding = false): TableRefusal => ({ ok: false, problem, needsEncoding });
const tooManyRows = () => message('common.tableFile.tooManyRows', { max: TABLE_FILE_MAX_ROWS });

/**
 * Opens a CSV or .xlsx file; `encoding` applies to CSV only ('auto': UTF-8 or UTF-16 by its mark).
 * What can be told of the whole file at once (its size, its kind, its encoding, its header) is
 * answered here; what lies further down comes with its rows, as a TableFileError.
 */
export async function openTableFile(bytes: Buffer, encoding: TextEncoding = 'auto'): Promise<TableOpened> {
  if (bytes.length === 0) return refuse('common.tableFile.empty');
  if (bytes.length > TABLE_FILE_MAX_BYTES) return refuse(message('common.tableFile.tooLarge', { mb: TABLE_FILE_MAX_BYTES / 1024 / 1024 }));
  if (bytes.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]))) return openXlsx(bytes);
  // The old binary Excel format (and other OLE files): its cells are not readable here.
  if (bytes.subarray(0, 4).equals(Buffer.from([0xd0, 0xcf, 0x11, 0xe0]))) return refuse('common.tableFile.oldExcel');
  const text = checkText(bytes, encoding);
  if (text === 'encoding') return refuse('common.tableFile.encoding', true);
  if (text === 'notTable') return refuse('common.tableFile.notTable');
  return withHeader(csvRows(bytes, encoding, separatorOf(text.firstLine)));
}

/** The first row is the header (none at all: the file is empty); the rest follow as they are read. */
async function withHeader(batches: AsyncGenerator<TableRow[]>): Promise<TableOpened> {
  let first: TableRow[] = [];
  try {
    while (first.length === 0) {
      const next = await batches.next();
      if (next.done) return refuse('common.tableFile.empty');
      first = next.value;
    }
  } catch (error) {
    if (error instanceof TableFileError) return refuse(error.problem);
    throw error;
  }
  const [header, ...rest] = first as [TableRow, ...TableRow[]];
  async function* all() {
    if (rest.length) yield rest;
    yield* batches;
  }
  return { ok: true, table: { header: header.cells, batches: all() } };
}

/** A file read as UTF-8 (the usual case): its bytes go to the parser as they are. */
const isUtf16 = (bytes: Buffer) => (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);
const readsAsUtf8 = (bytes: Buffer, encoding: TextEncoding) => (encoding === 'auto' || encoding === 'utf-8') && !isUtf16(bytes);

/** The file for the parser, a piece at a time: UTF-8 as it is, another encoding decoded (a character split between pieces kept whole). */
function* fileChunks(bytes: Buffer, encoding: TextEncoding): Generator<Buffer | string> {
  if (readsAsUtf8(bytes, encoding)) {
    for (let at = 0; at < bytes.length; at += CHUNK) yield bytes.subarray(at, at + CHUNK);
    return;
  }
  let decoder: TextDecoder;
  let start = 0;
  if (bytes[0] === 0xff && bytes[1] === 0xfe) [decoder, start] = [new TextDecoder('utf-16le'), 2];
  else if (bytes[0] === 0xfe && bytes[1] === 0xff) [decoder, start] = [new TextDecoder('utf-16be'), 2];
  // fatal: a Big5 or GB18030 file that is not one is refused, not turned into replacement marks.
  else decoder = new TextDecoder(encoding, { fatal: true });
  for (let at = start; at < bytes.length; at += CHUNK) yield decoder.decode(bytes.subarray(at, at + CHUNK), { stream: true });
  yield decoder.decode();
}

/**
 * The whole file checked before anything is read from it: a file in another encoding is asked
 * about (and one holding NUL characters refused) before any of its rows. UTF-8 is checked as it
 * is; other encodings are decoded a piece at a time, and let go.
 */
function checkText(bytes: Buffer, encoding: TextEncoding): { firstLine: string } | 'encoding' | 'notTable' {
  if (readsAsUtf8(bytes, encoding)) {
    // fatal, in effect: a Big5 or GB18030 file read as UTF-8 is refused, not turned into replacement marks.
    if (!isUtf8(bytes)) return 'encoding';
    if (bytes.includes(0)) return 'notTable';
    const end = bytes.indexOf(0x0a);
    return { firstLine: new TextDecoder().decode(end < 0 ? bytes : bytes.subarray(0, end)) };
  }
  let head = '';
  let firstLine: string | null = null;
  let nul = false;
  try {
    for (const chunk of fileChunks(bytes, encoding) as Generator<string>) {
      if (chunk.includes('\u0000')) nul = true;
      if (firstLine !== null) continue;
      const end = chunk.indexOf('\n');
      if (end < 0) head += chunk;
      else firstLine = head + chunk.slice(0, end);
    }
  } catch (error) {
    if (error instanceof TypeError) return 'encoding';
    throw error;
  }
  return nul ? 'notTable' : { firstLine: firstLine ?? head };
}

/** The separator of the header line: a comma, or the semicolon or tab some locales' Excel writes. */
function separatorOf(first: string): string {
  const count = (c: string) => first.split(c).length - 1;
  return [',', ';', '\t'].reduce((best, c) => (count(c) > count(best) ? c : best), ',');
}

/** The pieces of a file, then null for its end. */
function* thenEnd<T>(chunks: Iterable<T>): Generator<T | null> {
  yield* chunks;
  yield null;
}

/**
 * A CSV file's rows (the header first), in batches: the records of each piece of the file, taken
 * from the parser as it reads them. Records past the limit are not read: a file too long is refused
 * for that, whatever follows the row one too many.
 */
async function* csvRows(bytes: Buffer, encoding: TextEncoding, delimiter: string): AsyncGenerator<TableRow[]> {
  let rows: TableRow[] = [];
  const parser = parse({
    delimiter, bom: true, relax_column_count: true, skip_empty_lines: true, trim: true, max_record_size: 64 * 1024,
    // Each record is kept as its row, and the parser's account of where it stands let go at once.
    // context.lines is the line on which the record ends; a record with a line break inside quotes
    // starts earlier, where people look for it: count back the breaks it holds.
    on_record: (cells: string[], context: { lines: number }) => {
      let breaks = 0;
      for (const cell of cells) for (let at = cell.indexOf('\n'); at >= 0; at = cell.indexOf('\n', at + 1)) breaks++;
      rows.push({ line: context.lines - breaks, cells });
      return null;
    },
  });
  // Its failures come back to each write; the event would otherwise have no listener.
  parser.on('error', () => undefined);
  const send = (chunk: Buffer | string | null) =>
    new Promise<Error | null | undefined>((resolve) => (chunk === null ? parser.end(resolve) : parser.write(chunk, resolve)));
  // The header is the first record; the rows after it are counted against the limit.
  let taken = -1;
  try {
    for (const chunk of thenEnd(fileChunks(bytes, encoding))) {
      const failure = await send(chunk);
      taken += rows.length;
      if (taken > TABLE_FILE_MAX_ROWS) throw new TableFileError(tooManyRows());
      if (failure instanceof CsvError) {
        const line = (failure as CsvError & { lines?: number }).lines;
        throw new TableFileError(message('common.tableFile.unreadable', { line: line ?? 1 }));
      }
      if (failure) throw failure;
      if (rows.length) {
        const batch = rows;
        rows = [];
        yield batch;
      }
    }
  } finally {
    parser.destroy();
  }
}

type ZipEntry = { name: string; flags: number; method: number; crc: number; compressedSize: number; size: number; offset: number };

/** A zip's entries, from its central directory; null when it cannot be read (or needs ZIP64, which no list of people does). */
function zipDirectory(bytes: Buffer): ZipEntry[] | null {
  const min = Math.max(0, bytes.length - 22 - 0xffff);
  let end = -1;
  for (let i = bytes.length - 22; i >= min; i--) {
    if (bytes.readUInt32LE(i) === 0x06054b50) {
      end = i;
      break;
    }
  }
  if (end < 0) return null;
  const count = bytes.readUInt16LE(end + 10);
  let offset = bytes.readUInt32LE(end + 16);
  const entries: ZipEntry[] = [];
  for (let n = 0; n < count; n++) {
    if (offset + 46 > bytes.length || bytes.readUInt32LE(offset) !== 0x02014b50) return null;
    const size = bytes.readUInt32LE(offset + 24);
    if (size === 0xffffffff) return null;
    const nameLength = bytes.readUInt16LE(offset + 28);
    entries.push({
      name: bytes.toString('utf8', offset + 46, offset + 46 + nameLength), flags: bytes.readUInt16LE(offset + 8),
      method: bytes.readUInt16LE(offset + 10), crc: bytes.readUInt32LE(offset + 16), compressedSize: bytes.readUInt32LE(offset + 20), size,
      offset: bytes.readUInt32LE(offset + 42),
    });
    offset += 46 + nameLength + bytes.readUInt16LE(offset + 30) + bytes.readUInt16LE(offset + 32);
  }
  return entries;
}

/** The uncompressed size of a zip's entries, from its central directory, before anything is inflated; null when unreadable. */
export function zipInflatedSize(bytes: Buffer): number | null {
  return zipDirectory(bytes)?.reduce((total, e) => total + e.size, 0) ?? null;
}

/** An entry's stored bytes (as compressed), or null when they are not where the directory says, or are encrypted. */
function storedBytes(bytes: Buffer, entry: ZipEntry): Buffer | null {
  const at = entry.offset;
  if (entry.flags & 1 || (entry.method !== 0 && entry.method !== 8)) return null;
  if (at + 30 > bytes.length || bytes.readUInt32LE(at) !== 0x04034b50) return null;
  const start = at + 30 + bytes.readUInt16LE(at + 26) + bytes.readUInt16LE(at + 28);
  return start + entry.compressedSize > bytes.length ? null : bytes.subarray(start, start + entry.compressedSize);
}

/**
 * The last bytes of an entry that inflates, whole, to the size the directory gives; null if it
 * does not. Checked before the workbook reader streams the entry: a stream that broke inside the
 * reader would leave it waiting for ever. Inflated a piece at a time and let go.
 */
async function inflatedTail(stored: Buffer, entry: ZipEntry): Promise<Buffer | null> {
  if (entry.method === 0) return stored.length === entry.size ? stored.subarray(-TAIL) : null;
  const inflate = createInflateRaw();
  let size = 0;
  let tail = Buffer.alloc(0);
  try {
    inflate.end(stored);
    for await (const chunk of inflate as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > entry.size) return null;
      tail = Buffer.concat([tail, chunk.subarray(-TAIL)]).subarray(-TAIL);
    }
  } catch {
    return null;
  }
  return size === entry.size ? tail : null;
}
const TAIL = 32;

/** The most a part read whole (the workbook and its relations, a few kilobytes) may hold. */
const PART_MAX = 4 * 1024 * 1024;

/** A small part's text, or null when it is missing, too large or broken. */
function wholePart(bytes: Buffer, entry: ZipEntry | undefined): string | null {
  if (!entry || entry.size === 0 || entry.size > PART_MAX) return null;
  const stored = storedBytes(bytes, entry);
  if (!stored) return null;
  try {
    const text = entry.method === 0 ? stored : inflateRawSync(stored, { maxOutputLength: entry.size });
    return text.length === entry.size ? text.toString('utf8') : null;
  } catch {
    return null;
  }
}

const XML_SPACE = new Set([' ', '\t', '\r', '\n']);
const unescapeXml = (text: string) =>
  text.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&quot;', '"').replaceAll('&apos;', "'").replaceAll('&amp;', '&');

/**
 * The attributes of every `<name …>` element of a small XML part, in order. Read by hand, one
 * character after another, each looked at a bounded number of times.
 */
function elementsOf(xml: string, name: string): Map<string, string>[] {
  const found: Map<string, string>[] = [];
  const open = `<${name}`;
  const skipSpace = (from: number) => {
    let i = from;
    while (i < xml.length && XML_SPACE.has(xml[i]!)) i++;
    return i;
  };
  let at = xml.indexOf(open);
  while (at >= 0) {
    let i = at + open.length;
    const next = xml[i];
    if (next !== undefined && (XML_SPACE.has(next) || next === '/' || next === '>')) {
      const attributes = new Map<string, string>();
      for (;;) {
        i = skipSpace(i);
        const start = i;
        while (i < xml.length && xml[i] !== '=' && xml[i] !== '>' && xml[i] !== '/' && !XML_SPACE.has(xml[i]!)) i++;
        const key = xml.slice(start, i);
        i = skipSpace(i);
        if (key === '' || xml[i] !== '=') break;
        i = skipSpace(i + 1);
        const quote = xml[i];
        const close = quote === '"' || quote === "'" ? xml.indexOf(quote, i + 1) : -1;
        if (close < 0) break;
        attributes.set(key, unescapeXml(xml.slice(i + 1, close)));
        i = close + 1;
      }
      found.push(attributes);
    }
    at = xml.indexOf(open, i);
  }
  return found;
}

/** Where a sheet of the workbook is kept (the part its relation names), or null if that cannot be told. */
function sheetPart(sheet: Map<string, string>, relations: string): string | null {
  const id = sheet.get('r:id');
  const target = elementsOf(relations, 'Relationship').find((r) => r.get('Id') === id)?.get('Target')?.trim();
  if (!target) return null;
  return target.startsWith('/') ? target.slice(1) : `xl/${target}`;
}

/** A zip entry's local header and data, with its sizes written in (the reader then needs no directory). */
function zipEntry(name: string, method: number, crc: number, size: number, data: Buffer): Buffer[] {
  const path = Buffer.from(name, 'utf8');
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(20, 4);
  header.writeUInt16LE(0x0800, 6);
  header.writeUInt16LE(method, 8);
  header.writeUInt32LE(crc, 14);
  header.writeUInt32LE(data.length, 18);
  header.writeUInt32LE(size, 22);
  header.writeUInt16LE(path.length, 26);
  return [header, path, data];
}

/** The end of a zip with no directory: where the reader stops. */
const ZIP_END = Buffer.from([0x50, 0x4b, 0x05, 0x06, ...new Array<number>(18).fill(0)]);
const NO_STRINGS = Buffer.from('<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>');

/**
 * A workbook is read by ExcelJS's streaming reader, which reads a zip front to back and, when a
 * sheet comes before the shared strings (as Excel writes them), copies the sheet to a temporary
 * file. So the reader is given a zip of its own, made of the original's parts (as they are,
 * compressed) in the order it needs them: the workbook's relations, the workbook, its styles (which
 * tell dates), its shared strings, then the first sheet alone. Each part is checked to inflate
 * whole first.
 */
async function openXlsx(bytes: Buffer): Promise<TableOpened> {
  const entries = zipDirectory(bytes);
  if (entries === null) return refuse('common.tableFile.notTable');
  if (entries.reduce((total, e) => total + e.size, 0) > XLSX_MAX_INFLATED) return refuse(tooManyRows());
  const byName = new Map(entries.map((e) => [e.name, e]));
  const workbook = wholePart(bytes, byName.get('xl/workbook.xml'));
  const relations = wholePart(bytes, byName.get('xl/_rels/workbook.xml.rels'));
  if (workbook === null || relations === null) return refuse('common.tableFile.notTable');
  // The first sheet is the first tab, as Excel shows them.
  const first = elementsOf(workbook, 'sheet')[0];
  if (!first) return refuse('common.tableFile.empty');
  const part = sheetPart(first, relations);
  const sheet = part === null ? undefined : byName.get(part);
  if (!sheet) return refuse('common.tableFile.notTable');
  const parts: [string, ZipEntry | undefined][] = [
    ['xl/_rels/workbook.xml.rels', byName.get('xl/_rels/workbook.xml.rels')], ['xl/workbook.xml', byName.get('xl/workbook.xml')],
    ['xl/styles.xml', byName.get('xl/styles.xml')], ['xl/sharedStrings.xml', byName.get('xl/sharedStrings.xml')],
    ['xl/worksheets/sheet1.xml', sheet],
  ];
  const zip: Buffer[] = [];
  for (const [name, entry] of parts) {
    if (!entry || entry.size === 0) {
      // Without shared strings (all text written in its cells), an empty table of them keeps the reader from the temporary file.
      if (name === 'xl/sharedStrings.xml') zip.push(...zipEntry(name, 0, crc32(NO_STRINGS), NO_STRINGS.length, NO_STRINGS));
      else if (name !== 'xl/styles.xml') return refuse('common.tableFile.notTable');
      continue;
    }
    const stored = storedBytes(bytes, entry);
    const tail = stored && (await inflatedTail(stored, entry));
    if (!tail) return refuse('common.tableFile.notTable');
    // The XML reader takes a sheet cut short for a whole one: it must end where a sheet ends.
    if (entry === sheet && !tail.toString('latin1').trimEnd().endsWith('worksheet>')) return refuse('common.tableFile.notTable');
    zip.push(...zipEntry(name, entry.method, entry.crc, entry.size, stored));
  }
  zip.push(ZIP_END);
  return withHeader(xlsxRows(zip));
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

/** The first sheet's rows that hold anything (the first is the header), in batches. */
async function* xlsxRows(zip: Buffer[]): AsyncGenerator<TableRow[]> {
  // Loaded on first use, as for the exports.
  const { default: ExcelJS } = await import('exceljs');
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.from(zip, { objectMode: false }), {
    worksheets: 'emit', sharedStrings: 'cache', styles: 'cache', hyperlinks: 'ignore', entries: 'ignore',
  });
  let batch: TableRow[] = [];
  // The header is the first row that holds anything; the rows after it are counted against the limit.
  let taken = -1;
  let last = 0;
  try {
    for await (const sheet of reader) {
      for await (const row of sheet) {
        // A row without its number (which the format allows) follows the one before.
        const line = Number.isFinite(row.number) ? row.number : last + 1;
        last = line;
        const values = Array.isArray(row.values) ? row.values.slice(1) : [];
        const cells = values.map((v) => cellText(v ?? null).trim());
        if (cells.every((c) => c === '')) continue;
        if (++taken > TABLE_FILE_MAX_ROWS) throw new TableFileError(tooManyRows());
        const formula = taken > 0 && values.some((v) => typeof v === 'object' && v !== null && ('formula' in v || 'sharedFormula' in v));
        batch.push({ line, cells, ...(formula ? { formula } : {}) });
        if (batch.length === XLSX_BATCH) {
          yield batch;
          batch = [];
        }
      }
    }
  } catch (error) {
    if (error instanceof TableFileError) throw error;
    throw new TableFileError('common.tableFile.notTable');
  }
  if (batch.length) yield batch;
}
const XLSX_BATCH = 200;
