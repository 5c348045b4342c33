import t from 'tap';
import { table, rows } from '../../bench/run.ts';
import { meetsGoal, SCALE, scale, scaleTable } from '../../bench/scale.ts';
import { cloneTemplate } from '../helpers/database.ts';

/*
 * The ten-year benchmark in its smoke size: one more year and a few thousand rows, every page
 * asked once at each size, so that a new route it cannot name, or a page that fails on more
 * years than the demo holds, is found here rather than in the next full run.
 */

t.test('every page answers on the demo data and again on more years', async (t) => {
  const handle = await cloneTemplate();
  t.teardown(() => handle.close());
  const report = await scale({ ...SCALE.smoke, handle });

  t.equal(report.data.periods.length, SCALE.smoke.size.years, 'the years were added');
  t.ok(report.data.registrations >= SCALE.smoke.size.registrations, `${report.data.registrations} registrations`);
  t.ok(report.data.scores >= SCALE.smoke.size.scores, `${report.data.scores} scores`);
  t.ok(report.figures.length > 100, `${report.figures.length} pages measured`);

  const paths = report.figures.map((f) => `${f.persona} ${f.path}`);
  for (const expected of ['anonymous /periods/2018-19', 'organiser /periods/2018-19', 'organiser /periods/2026-27',
    `organiser /manage/events/${report.data.busiestEvent}/checkin`, 'judge /judging', 'anonymous /periods/2026-27?x=1']) {
    t.ok(paths.includes(expected), `measured: ${expected}`);
  }
  // Every page answers at both sizes as it did: nothing fails because the data grew.
  const broken = report.figures.filter((f) => !f.demo || !f.scale || f.scale.status !== f.demo.status || f.scale.status >= 500);
  t.same(broken.map((f) => `${f.persona} ${f.path}`), [], 'every page answers the same at both sizes, never a 5xx');
  t.same(report.figures.filter((f) => f.scale!.status !== 200 && f.scale!.status !== 404).map((f) => `${f.persona} ${f.path}`), [],
    'every page is a 200 (or a 404 for a year with no published edition)');
  for (const f of report.figures.filter((x) => x.scale!.status === 404)) t.match(f.path, /\/published/, `${f.path}: no published edition`);

  t.same(report.skipped.filter((s) => !/secret|file|has no/.test(s.why)), [], 'only routes naming secrets, files or what the data lacks are left out');
  t.ok(report.figures.some((f) => meetsGoal(f) !== null), 'the goals judge the pages');
  const doc = scaleTable(report);
  t.match(doc, /\| `\/periods\/2018-19` \| organiser \|/);
  t.match(table(rows({ database: handle.kind, peakRssMiB: 0, scale: report })), /ten years of data: /);
});
