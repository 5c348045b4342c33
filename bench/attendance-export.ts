import { sql } from 'kysely';
import type { DatabaseHandle } from '../src/db/index.ts';
import { signedInCookie } from './session.ts';
import { freshPostgres, isMain, listen, peakMemory } from './support.ts';

/*
 * A 100 000-row attendance export, CSV and XLSX, downloaded over HTTP from the running app:
 * rows per second and the peak resident memory of the process while it streams.
 *
 *   node --expose-gc --import tsx bench/attendance-export.ts          # PostgreSQL at BENCH_DATABASE_URL
 *   node --expose-gc --import tsx bench/attendance-export.ts --smoke  # 1 000 rows, for CI
 */

export type ExportReport = { format: 'csv' | 'xlsx'; rows: number; seconds: number; rowsPerSecond: number; bytes: number; baseRssMiB: number; peakRssMiB: number };

export async function attendanceExport(options: { rows: number; handle?: DatabaseHandle }): Promise<ExportReport[]> {
  const handle = options.handle ?? await freshPostgres();
  const { app, url } = await listen(handle);
  try {
    const template = await handle.db.selectFrom('events').selectAll().where('slug', '=', 'sme-seminar-2019').executeTakeFirstOrThrow();
    const slug = `export-bench-${Date.now()}`;
    const event = await handle.db.insertInto('events').values({
      item_id: template.item_id, slug, kind: 'seminar', title: 'Export bench', starts_at: template.starts_at, ends_at: template.ends_at,
      status: 'closed',
    }).returning('id').executeTakeFirstOrThrow();
    await sql`insert into registrations (event_id, name, email, organisation, side, status, answers, token_hash, checked_in_at)
      select ${event.id}, '參加者 Participant ' || g, 'export-' || g || '@bench.test', 'Organisation ' || (g % 500), 'HK', 'confirmed', '{}',
        md5('export' || g) || md5('bench' || g), case when g % 3 = 0 then now() else null end
      from generate_series(1, ${options.rows}) g`.execute(handle.db);

    const cookie = await signedInCookie(url, 'admin@ipcoop.test');
    const reports: ExportReport[] = [];
    for (const format of ['csv', 'xlsx'] as const) {
      const started = performance.now();
      const { result: bytes, peakRssMiB, baseRssMiB } = await peakMemory(async () => {
        const res = await fetch(`${url}/manage/events/${slug}/attendance.${format}`, { headers: { cookie } });
        if (res.status !== 200 || !res.body) throw new Error(`export answered ${res.status}`);
        let total = 0;
        for await (const chunk of res.body) total += (chunk as Uint8Array).byteLength;
        return total;
      });
      const seconds = (performance.now() - started) / 1000;
      reports.push({
        format, rows: options.rows, seconds: Number(seconds.toFixed(2)), rowsPerSecond: Math.round(options.rows / seconds), bytes,
        baseRssMiB: Math.round(baseRssMiB), peakRssMiB: Math.round(peakRssMiB),
      });
    }
    return reports;
  } finally {
    await app.close();
    if (!options.handle) await handle.close();
  }
}

if (isMain(import.meta)) {
  const smoke = process.argv.includes('--smoke');
  console.log(JSON.stringify(await attendanceExport({ rows: smoke ? 1_000 : 100_000 }), null, 2));
}
