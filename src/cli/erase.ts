import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import { openConfiguredDatabase } from '../db/open.ts';
import { erasePersonalData } from '../modules/privacy/service.ts';
import { runMain } from './main.ts';

/*
 * Erases participants' personal data in every period whose retention has run out — what the
 * server does by itself every few hours — now, by hand:
 *   npx tsx src/cli/erase.ts [--as-of 2030-01-01]
 * `--as-of` erases as if it were that day (to erase early, set the period's rule instead).
 */

await runMain(async () => {
  const { values } = parseArgs({ options: { 'as-of': { type: 'string' } } });
  const asOf = values['as-of'];
  const now = asOf === undefined ? new Date() : new Date(`${asOf}T12:00:00+08:00`);
  if (asOf !== undefined && (!/^\d{4}-\d{2}-\d{2}$/.test(asOf) || Number.isNaN(now.getTime()))) {
    process.stderr.write('usage: npx tsx src/cli/erase.ts [--as-of YYYY-MM-DD]\n');
    process.exit(2);
  }
  const handle = await openConfiguredDatabase(loadConfig());
  try {
    const erased = await erasePersonalData(handle.db, now);
    if (erased.length === 0) process.stdout.write('ipcoop: no period is due for erasure\n');
    for (const e of erased) {
      process.stdout.write(`ipcoop: ${e.period}: erased ${e.registrations} registrations, ${e.delegations} delegations, `
        + `${e.members} delegation members, ${e.entries} contest entries, ${e.invitations} invitations, ${e.imports} imported lists, `
        + `${e.optOuts} mailing opt-outs, ${e.unsubscribeLinks} unsubscribe links, ${e.messages} messages, `
        + `${e.auditEntries} audit entries\n`);
    }
  } finally {
    await handle.close();
  }
});
