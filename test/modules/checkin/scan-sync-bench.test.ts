import t from 'tap';
import { SCAN_SYNC, scanSync } from '../../../bench/scan-sync.ts';
import { cloneTemplate } from '../../helpers/database.ts';

/* bench/scan-sync.ts in its smoke size on this run's database, so that it cannot rot unnoticed. */

t.test('phones syncing their kept scans: every scan logged, duplicates settled, a second sync changes nothing', async (t) => {
  const handle = await cloneTemplate();
  t.teardown(() => handle.close());
  const report = await scanSync({ ...SCAN_SYNC.smoke, handle });
  t.equal(report.requests, SCAN_SYNC.smoke.devices * Math.ceil(SCAN_SYNC.smoke.scans / SCAN_SYNC.smoke.batch), 'every batch was answered 200');
  t.equal(report.logged, SCAN_SYNC.smoke.devices * SCAN_SYNC.smoke.scans, 'every scan is in the log');
  t.equal(report.checkedIn, report.expectedCheckedIn, 'each person scanned is checked in once');
  t.equal(report.duplicates, report.expectedDuplicates, 'the scans of the overlap are duplicates');
  t.notOk(report.replayChanged, 'the same batches again change nothing');
  t.ok(report.ok && report.scansPerSecond > 0);
});
