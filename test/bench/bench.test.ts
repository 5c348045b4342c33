import t from 'tap';
import { attendanceExport, EXPORT } from '../../bench/attendance-export.ts';
import { eventPage, PAGE } from '../../bench/event-page.ts';
import { IMPORT, importPreview } from '../../bench/import-preview.ts';
import { RANKING, ranking } from '../../bench/ranking.ts';
import { registrationRush, RUSH } from '../../bench/registration-rush.ts';
import { rows, table } from '../../bench/run.ts';
import { start } from '../../bench/start.ts';
import { SUMMARY, summaryPage } from '../../bench/summary.ts';
import { cloneTemplate, PGLITE_TEMPLATE, TEST_DATABASE_URL } from '../helpers/database.ts';

/*
 * Every benchmark of `npm run bench` in its smoke mode, on this run's database: each takes a
 * second or two, so that none can rot unnoticed, and each checks what it measured.
 */

t.test('the benchmarks run in their smoke sizes and check what they measure', async (t) => {
  const handle = await cloneTemplate();
  t.teardown(() => handle.close());
  const database = handle.kind;

  const rush = await registrationRush({ ...RUSH.smoke, handle });
  t.equal(rush.requests, RUSH.smoke.attempts, 'every registration was answered');
  t.equal(rush.errors + rush.unexpected, 0, 'every answer was a redirect to the registration');
  t.equal(rush.confirmed, RUSH.smoke.capacity, 'exactly the capacity is confirmed');
  t.equal(rush.counter, rush.confirmed, 'and the counter agrees with the rows');
  t.equal(rush.waitlisted, RUSH.smoke.attempts - RUSH.smoke.capacity, 'everyone else is on the waiting list');
  t.ok(rush.ok && rush.baseline.ok, 'so does the raw-SQL baseline');
  t.equal(rush.baseline.confirmed, RUSH.smoke.capacity);

  const page = await eventPage({ ...PAGE.smoke, handle });
  t.ok(page.page.requests > 0 && page.page.statuses['200'] === page.page.requests, 'the event page answered 200 every time');
  t.ok(page.baseline.perSecond > 0, 'the hello-world baseline ran');

  const rank = await ranking({ ...RANKING.smoke, handle });
  t.equal(rank.ranked, RANKING.smoke.entries, 'every entry is ranked');
  t.ok(rank.computeMs > 0 && rank.pageMs > 0);

  const summary = await summaryPage({ ...SUMMARY.smoke, handle });
  t.ok(summary.page.requests > 0 && summary.page.statuses['200'] === summary.page.requests, 'the summary answered 200 every time');
  t.ok(summary.baseline.requests > 0);

  const exp = await attendanceExport({ ...EXPORT.smoke, handle });
  t.equal(exp.rows, EXPORT.smoke.rows);
  t.ok(exp.csv.bytes > 50_000, 'the CSV holds the rows');
  t.ok(exp.xlsx.bytes > 10_000, 'so does the XLSX');
  t.ok(exp.baseline.bytes > 50_000, 'the baseline read them too');

  const imported = await importPreview({ ...IMPORT.smoke, handle });
  t.equal(imported.preview.rows, IMPORT.smoke.rows);
  t.ok(imported.preview.medianMs > 0 && imported.small.medianMs > 0, 'both files were previewed');
  t.equal(imported.oversized.status, 400, 'a file of ten times the row limit is refused');
  t.notOk(imported.oversized.staged, 'and nothing is staged for it');

  const rendered = table(rows({ database, peakRssMiB: 100, rush, page, ranking: rank, summary, export: exp, import: imported }));
  t.equal(rendered.split('\n').length, 2 + 8, 'the table has a row for each figure');
  t.match(rendered, /import preview: a CSV of 200 rows/);
  t.match(rendered, /registration rush: 40 attempts, capacity 20 \| (postgres|pglite) \|/);
});

// The server always starts on the embedded database, so once per run is enough.
t.test('the server restarts on an embedded database and answers', { skip: TEST_DATABASE_URL ? 'runs in the PGlite pass' : false }, async (t) => {
  const report = await start({ seed: false, template: PGLITE_TEMPLATE });
  t.equal(report.coldMs, null);
  t.ok(report.warmMs > 0 && report.baselineMs > 0);
  t.match(table(rows({ database: 'pglite', peakRssMiB: 0, start: report })), /warm restart, to the first 200 \| embedded/);
});
