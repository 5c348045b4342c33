import { parseArgs } from 'node:util';
import { seed } from '../../seeds/index.ts';
import { loadConfig } from '../config.ts';
import { openConfiguredDatabase } from '../db/open.ts';
import { runMain } from './main.ts';

await runMain(async () => {
  const { values } = parseArgs({ options: { 'no-demo': { type: 'boolean', default: false } } });
  const config = loadConfig();
  const handle = await openConfiguredDatabase(config);
  try {
    const result = await seed(handle.db, { demoPassword: config.demoPassword, demo: !values['no-demo'] });
    process.stdout.write(`ipcoop: 2018-19 record ${result.record ? 'loaded' : 'already present'}; `
      + `demo data ${result.demo ? 'loaded' : 'not loaded or already present'}\n`);
  } finally {
    await handle.close();
  }
});
