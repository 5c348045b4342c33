import t from 'tap';
import { buildApp } from '../../../src/app.ts';
import { loadConfig } from '../../../src/config.ts';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { DB } from '../../../src/db/types.ts';
import { build } from '../../helpers/app.ts';

t.test('healthz answers ok while the database answers', async (t) => {
  const { app } = await build(t);
  const res = await app.inject({ method: 'GET', url: '/healthz' });
  t.equal(res.statusCode, 200);
  t.same(res.json(), { status: 'ok' });
});

t.test('healthz answers 503 when the database does not answer', async (t) => {
  // A pool whose server is not there: every query fails as it would during an outage.
  const pool = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:1/gone', connectionTimeoutMillis: 500 });
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  const app = await buildApp({ config: loadConfig({ LOG_LEVEL: 'silent' }), db, logger: false });
  t.teardown(async () => {
    await app.close();
    await db.destroy();
  });
  const res = await app.inject({ method: 'GET', url: '/healthz' });
  t.equal(res.statusCode, 503);
  t.same(res.json(), { status: 'unavailable' });

  const page = await app.inject({ method: 'GET', url: '/periods/2018-19' });
  t.equal(page.statusCode, 503, 'pages answer 503, not 500, while the database is away');
  t.equal(page.headers['retry-after'], '5');
  t.match(page.body, /The service is busy or briefly unavailable/);
  t.notMatch(page.body, /ECONNREFUSED|127\.0\.0\.1/, 'no internals');
});
