import { loadConfig } from '../config.ts';
import { openConfiguredDatabase } from '../db/open.ts';
import { runMain } from './main.ts';

await runMain(async () => {
  const handle = await openConfiguredDatabase(loadConfig());
  await handle.close();
  process.stdout.write(`ipcoop: ${handle.kind} database is at the latest schema\n`);
});
