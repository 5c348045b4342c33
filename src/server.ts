import closeWithGrace from 'close-with-grace';
import { seed } from '../seeds/index.ts';
import { buildApp } from './app.ts';
import { runMain } from './cli/main.ts';
import { loadConfig, withSessionSecret } from './config.ts';
import type { DatabaseHandle } from './db/index.ts';
import { openConfiguredDatabase } from './db/open.ts';

/** Demo data goes into a fresh embedded database by default, never into PostgreSQL unless asked. */
async function seedIfFresh(handle: DatabaseHandle, mode: 'auto' | 'yes' | 'no', demoPassword: string) {
  if (mode === 'no' || (mode === 'auto' && handle.kind !== 'pglite')) return false;
  const anyPeriod = await handle.db.selectFrom('periods').select('id').limit(1).executeTakeFirst();
  if (anyPeriod && mode === 'auto') return false;
  await seed(handle.db, { demoPassword });
  return true;
}

await runMain(async () => {
  const configured = loadConfig();
  const handle = await openConfiguredDatabase(configured);
  // The secret that signs cookies: SESSION_SECRET, or for the embedded database one kept in DATA_DIR.
  const config = await withSessionSecret(configured).catch(async (error: unknown) => {
    await handle.close();
    throw error;
  });
  const seeded = await seedIfFresh(handle, config.seedDemo, config.demoPassword);
  // This process delivers mail from the outbox and erases personal data past its retention.
  const app = await buildApp({ config, db: handle.db, runMailWorker: true });
  if (seeded) app.log.info('loaded the 2018-19 programme and demo data');

  // Requests already accepted are answered (new ones get 503); closing the app then stops the
  // workers (the message in hand is sent and recorded), then the database connections close.
  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an error');
    else app.log.info({ signal }, 'shutting down');
    await app.close();
    await handle.close();
  });

  await app.listen({ port: config.port, host: config.host });
  app.log.info({ node: process.version }, `ipcoop (${handle.kind}) serving ${config.baseUrl} on Node.js ${process.version}`);
});
