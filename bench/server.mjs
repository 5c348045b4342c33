// The app as the benchmarks serve it on PostgreSQL, in a process of its own and compiled, as
// `npm start` runs it (bench/support.ts `listen`): the database named by DATABASE_URL, a pool
// of POOL_SIZE, mail kept in the outbox, logging off. Prints its port.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../dist/src/app.js';
import { loadConfig } from '../dist/src/config.js';
import { openDatabase } from '../dist/src/db/index.js';
import { createMailTransport } from '../dist/src/modules/mail/transport.js';

const config = loadConfig({
  LOG_LEVEL: 'silent', BASE_URL: 'http://127.0.0.1', DATA_DIR: join(tmpdir(), 'ipcoop-bench'),
  DEMO_PASSWORD: process.env.DEMO_PASSWORD ?? '', DATABASE_URL: process.env.DATABASE_URL ?? '',
  RATE_LIMITS: process.env.RATE_LIMITS ?? 'on',
});
const handle = await openDatabase({ databaseUrl: config.databaseUrl, poolSize: Number(process.env.POOL_SIZE ?? 10) });
const app = await buildApp({ config, db: handle.db, logger: false, mailTransport: createMailTransport({ dataDir: config.dataDir, from: config.mailFrom }) });
await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ port: app.server.address().port })}\n`);
process.once('SIGTERM', () => void app.close().then(() => handle.close()).then(() => process.exit(0)));
