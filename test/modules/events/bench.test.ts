import t from 'tap';
import { attendanceExport } from '../../../bench/attendance-export.ts';
import { registrationRush } from '../../../bench/registration-rush.ts';
import { cloneTemplate } from '../../helpers/database.ts';

/* The benchmarks in their smoke mode: each runs for about a second, so they cannot rot unnoticed. */

t.test('the registration rush keeps the capacity, and the export streams every row', async (t) => {
  const handle = await cloneTemplate();
  t.teardown(() => handle.close());
  const rush = await registrationRush({ seconds: 1, amount: 20, connections: 5, capacity: 5, handle });
  t.equal(rush.requests, 20, 'every registration answered');
  t.equal(rush.confirmed + rush.waitlisted, 20);
  t.equal(rush.errors, 0);
  t.ok(rush.ok, 'confirmed count equals the capacity');
  t.equal(rush.confirmed, Math.min(5, rush.confirmed + rush.waitlisted));

  const [csv, xlsx] = await attendanceExport({ rows: 1_000, handle });
  t.equal(csv?.rows, 1_000);
  t.ok((csv?.bytes ?? 0) > 50_000, 'the CSV holds the rows');
  t.ok((xlsx?.bytes ?? 0) > 10_000, 'so does the XLSX');
});
