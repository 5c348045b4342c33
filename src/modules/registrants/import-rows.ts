import { z } from 'zod';
import type { ImportedPerson, Side } from '../../db/types.ts';
import { parseForm } from '../../lib/forms.ts';
import type { Message } from '../../lib/i18n.ts';
import type { TableRow } from '../../lib/table-file.ts';
import { personFields } from '../registrations/schemas.ts';

/*
 * From a list's table to the people it registers: its columns matched to the fields by their
 * headers (English or Chinese, any case, or as the organiser chose them), each row checked as
 * the registration form checks it, as it is read, and every problem reported with the row's line.
 */

export const IMPORT_FIELDS = ['name', 'email', 'organisation', 'side'] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number];

/** The headers each field is known by, compared without case, spaces, dashes or underscores. */
const HEADER_NAMES: Record<ImportField, readonly string[]> = {
  name: ['name', 'fullname', 'participant', '姓名', '名稱', '名称', '參加者', '参加者'],
  email: ['email', 'emailaddress', 'mail', '電郵', '电邮', '電郵地址', '电邮地址', '電子郵件', '电子邮件', '郵箱', '邮箱'],
  organisation: ['organisation', 'organization', 'company', 'institution', '機構', '机构', '單位', '单位', '公司'],
  side: ['side', 'region', 'from', '地區', '地区', '來自', '来自', '方面'],
};

const normalised = (header: string) => header.toLowerCase().replace(/[\s_\-.:：]/g, '');

/** The sides as people write them in a list: the codes, and their names in English and Chinese. */
const SIDE_NAMES: Record<string, Side> = {
  gd: 'GD', guangdong: 'GD', 廣東: 'GD', 广东: 'GD', 粵: 'GD', 粤: 'GD',
  hk: 'HK', hongkong: 'HK', 香港: 'HK',
  mo: 'MO', macao: 'MO', macau: 'MO', 澳門: 'MO', 澳门: 'MO',
  cn: 'CN', mainland: 'CN', mainlandchina: 'CN', 內地: 'CN', 内地: 'CN',
  other: 'OTHER', others: 'OTHER', 其他: 'OTHER',
};

/** Which column holds each field: the organiser's choice (a header as written), else the known names. */
export type ColumnChoice = Partial<Record<ImportField, string>>;
export type Columns = { ok: true; index: Record<ImportField, number> } | { ok: false; missing: ImportField[] };

export function matchColumns(header: readonly string[], chosen: ColumnChoice = {}): Columns {
  const keys = header.map(normalised);
  const index: Partial<Record<ImportField, number>> = {};
  const missing: ImportField[] = [];
  for (const field of IMPORT_FIELDS) {
    const choice = chosen[field];
    const at = choice ? header.indexOf(choice) : keys.findIndex((k) => HEADER_NAMES[field].includes(k));
    if (at < 0) missing.push(field);
    else index[field] = at;
  }
  return missing.length ? { ok: false, missing } : { ok: true, index: index as Record<ImportField, number> };
}

const rowSchema = z.object({ ...personFields });

export type RowProblem = { line: number; field: ImportField | 'row'; problem: Message };
/** A row whose address an earlier row of the file already has: reported, not taken twice. */
export type RepeatedRow = { line: number; email: string; firstLine: number };
export type RowVerdict =
  | { kind: 'person'; person: ImportedPerson }
  | { kind: 'problems'; problems: RowProblem[] }
  | { kind: 'repeat'; repeat: RepeatedRow };

/**
 * Checks a file's rows one at a time, in the file's order. It remembers each address it has taken
 * (and on which line), so that a later row with the same address is a repeat.
 */
export function rowChecker(index: Record<ImportField, number>): (row: TableRow) => RowVerdict {
  const seen = new Map<string, number>();
  return (row) => {
    if (row.formula) return { kind: 'problems', problems: [{ line: row.line, field: 'row', problem: 'manage.import.errors.formula' }] };
    const cell = (field: ImportField) => row.cells[index[field]] ?? '';
    const sideText = cell('side');
    const side = SIDE_NAMES[normalised(sideText)] ?? sideText;
    // Read as the registration form reads its fields: the same checks, the same messages.
    const parsed = parseForm(rowSchema, { name: cell('name'), email: cell('email'), organisation: cell('organisation'), side });
    if (!parsed.ok) {
      const problems = Object.entries(parsed.errors).map(([field, problem]) => ({ line: row.line, field: field as ImportField, problem }));
      return { kind: 'problems', problems };
    }
    const email = parsed.data.email.toLowerCase();
    const first = seen.get(email);
    if (first !== undefined) return { kind: 'repeat', repeat: { line: row.line, email, firstLine: first } };
    seen.set(email, row.line);
    const { name, organisation, side: chosenSide } = parsed.data;
    return { kind: 'person', person: { line: row.line, name, email: parsed.data.email, organisation, side: chosenSide } };
  };
}
