import { once } from 'node:events';
import { PassThrough, type Readable } from 'node:stream';
import type ExcelJS from 'exceljs';
import { type Cell, neutraliseFormula } from './csv.ts';

/*
 * Streaming XLSX, the spreadsheet twin of the CSV writer: rows go through exceljs's streaming
 * WorkbookWriter (no shared strings, so nothing accumulates) straight into the reply, and the
 * producer waits whenever the reader falls behind, so memory stays flat however many rows.
 * Text cells are neutralised against formula injection just as in CSV.
 */

export type XlsxColumn = { header: string; width?: number };

function xlsxCell(value: Cell): ExcelJS.CellValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return neutraliseFormula(value);
  return value;
}

export async function xlsxStream(
  sheetName: string,
  columns: readonly XlsxColumn[],
  rows: AsyncIterable<readonly Cell[]> | Iterable<readonly Cell[]>,
): Promise<Readable> {
  // Loaded on first use: exceljs is about 19 MiB of memory that most servers never need.
  const { default: ExcelJS } = await import('exceljs');
  const out = new PassThrough({ highWaterMark: 256 * 1024 });
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  const sheet = workbook.addWorksheet(sheetName.slice(0, 31), { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = columns.map((c) => ({ header: c.header, width: c.width ?? 18 }));
  sheet.getRow(1).font = { bold: true };
  sheet.getRow(1).commit();

  const write = async () => {
    let sinceCheck = 0;
    for await (const row of rows) {
      sheet.addRow(row.map(xlsxCell)).commit();
      if (++sinceCheck >= 500) {
        sinceCheck = 0;
        // Wait for the reader rather than buffer the file in memory.
        if (out.writableNeedDrain) await once(out, 'drain');
      }
    }
    sheet.commit();
    await workbook.commit();
  };
  write().catch((error: unknown) => out.destroy(error instanceof Error ? error : new Error(String(error))));
  return out;
}
