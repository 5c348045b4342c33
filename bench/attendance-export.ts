import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { sql } from 'kysely';
import pg from 'pg';
import type { DatabaseHandle } from '../src/db/index.ts';
import { signedInCookie } from './session.ts';
import { connectionUrl, isMain, listen, peakMemory, round, standaloneDatabase } from './support.ts';

/*
 * A `rows`-row attendance export, CSV and XLSX, downloaded over HTTP from the running app:
 * rows per second and the growth of the server's resident memory while it streams. The
 * baseline reads the same rows straight from the database: `COPY (…) TO STDOUT` through
 * pg-copy-streams when that package is installed, else a server-side cursor fetched 1 000
 * rows at a time (on PGlite always the cursor).
 *
 *   node --expose-gc --import tsx bench/attendance-export.ts [--smoke] [--pglite]
 */

export type ExportFormat = { format: 'csv' | 'xlsx'; rows: number; seconds: number; rowsPerSecond: number; bytes: number; baseRssMiB: number; peakRssMiB: number; growthMiB: number };
export type ExportReport = { rows: number; csv: ExportFormat; xlsx: ExportFormat; baseline: { method: 'copy' | 'cursor'; seconds: number; rowsPerSecond: number; bytes: number } };

const SELECT_ROWS = (eventId: number) => `SELECT id, name, email, organisation, side, status, answers, created_at, checked_in_at
  FROM registrations WHERE event_id = ${Number(eventId)} AND status IN ('confirmed', 'waitlisted') ORDER BY status, id`;

type CopyToFactory = (text: string) => NodeJS.ReadableStream & { on: (...args: never[]) => unknown };

async function copyStreams(): Promise<CopyToFactory | null> {
  try {
    const name = 'pg-copy-streams';
    const module = await import(name) as { to?: CopyToFactory; default?: { to: CopyToFactory } };
    return module.to ?? module.default?.to ?? null;
  } catch {
    return null;
  }
}

async function rawRead(handle: DatabaseHandle, eventId: number, rows: number): Promise<ExportReport['baseline']> {
  const started = performance.now();
  let bytes = 0;
  let method: 'copy' | 'cursor' = 'cursor';
  const count = new Writable({ write(chunk: Buffer, _enc, done) { bytes += chunk.length; done(); } });
  if (handle.kind === 'postgres') {
    const client = new pg.Client({ connectionString: await connectionUrl(handle) });
    await client.connect();
    try {
      const copyTo = await copyStreams();
      if (copyTo) {
        method = 'copy';
        await pipeline(client.query(copyTo(`COPY (${SELECT_ROWS(eventId)}) TO STDOUT WITH (FORMAT csv, HEADER)`) as never) as unknown as NodeJS.ReadableStream, count);
      } else {
        await client.query('BEGIN');
        await client.query(`DECLARE export_rows NO SCROLL CURSOR FOR ${SELECT_ROWS(eventId)}`);
        for (;;) {
          const { rows: batch } = await client.query<Record<string, unknown>>('FETCH 1000 FROM export_rows');
          for (const r of batch) bytes += Object.values(r).join(',').length + 1;
          if (batch.length < 1000) break;
        }
        await client.query('COMMIT');
      }
    } finally {
      await client.end();
    }
  } else {
    await handle.db.transaction().execute(async (trx) => {
      await sql.raw(`DECLARE export_rows NO SCROLL CURSOR FOR ${SELECT_ROWS(eventId)}`).execute(trx);
      for (;;) {
        const { rows: batch } = await sql.raw<Record<string, unknown>>('FETCH 1000 FROM export_rows').execute(trx);
        for (const r of batch) bytes += Object.values(r).join(',').length + 1;
        if (batch.length < 1000) break;
      }
    });
  }
  const seconds = (performance.now() - started) / 1000;
  return { method, seconds: round(seconds, 2), rowsPerSecond: Math.round(rows / seconds), bytes };
}

export async function attendanceExport(options: { rows: number; handle: DatabaseHandle }): Promise<ExportReport> {
  const { handle } = options;
  const template = await handle.db.selectFrom('events').selectAll().where('slug', '=', 'sme-seminar-2019').executeTakeFirstOrThrow();
  const slug = `export-bench-${Date.now()}`;
  const event = await handle.db.insertInto('events').values({
    item_id: template.item_id, slug, kind: 'seminar', title: 'Export bench', starts_at: template.starts_at, ends_at: template.ends_at,
    status: 'closed',
  }).returning('id').executeTakeFirstOrThrow();
  await sql`insert into registrations (event_id, name, email, organisation, side, status, answers, token_hash, checked_in_at)
    select ${event.id}, '參加者 Participant ' || g, 'export-' || g || '@bench.test', 'Organisation ' || (g % 500), 'HK', 'confirmed', '{}',
      md5('export' || g || ${slug}) || md5('bench' || g), case when g % 3 = 0 then now() else null end
    from generate_series(1, ${options.rows}) g`.execute(handle.db);
  await sql`analyze registrations`.execute(handle.db);

  const baseline = await rawRead(handle, event.id, options.rows);
  const { url, close } = await listen(handle);
  try {
    const cookie = await signedInCookie(url, 'admin@ipcoop.test');
    const measure = async (format: 'csv' | 'xlsx'): Promise<ExportFormat> => {
      const started = performance.now();
      const { result: bytes, peakRssMiB, baseRssMiB } = await peakMemory(async () => {
        const res = await fetch(`${url}/manage/events/${slug}/attendance.${format}`, { headers: { cookie } });
        if (res.status !== 200 || !res.body) throw new Error(`export answered ${res.status}`);
        let total = 0;
        for await (const chunk of res.body) total += (chunk as Uint8Array).byteLength;
        return total;
      });
      const seconds = (performance.now() - started) / 1000;
      return {
        format, rows: options.rows, seconds: round(seconds, 2), rowsPerSecond: Math.round(options.rows / seconds), bytes,
        baseRssMiB: Math.round(baseRssMiB), peakRssMiB: Math.round(peakRssMiB), growthMiB: Math.round(peakRssMiB - baseRssMiB),
      };
    };
    const csv = await measure('csv');
    const xlsx = await measure('xlsx');
    return { rows: options.rows, csv, xlsx, baseline };
  } finally {
    await close();
  }
}

export const EXPORT = { full: { rows: 100_000 }, smoke: { rows: 1_000 } };

if (isMain(import.meta)) {
  const handle = await standaloneDatabase();
  try {
    console.log(JSON.stringify(await attendanceExport({ ...(process.argv.includes('--smoke') ? EXPORT.smoke : EXPORT.full), handle }), null, 2));
  } finally {
    await handle.close();
  }
}
