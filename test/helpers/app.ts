import type { FastifyInstance } from 'fastify';
import type { KyselyPlugin } from 'kysely';
import { buildApp } from '../../src/app.ts';
import { type Config, loadConfig } from '../../src/config.ts';
import type { Database } from '../../src/db/index.ts';
import type { MailTransport } from '../../src/modules/mail/transport.ts';
import { cloneTemplate, DEMO_PASSWORD } from './database.ts';

type Tap = { teardown: (fn: () => unknown) => void };

export type TestContext = { app: FastifyInstance; db: Database; config: Config };

/**
 * An app on a private copy of the seeded database, closed when the test ends. `plugins` see every
 * statement the app runs (and those the test runs through the `db` returned); `logger`: pino
 * options (a `stream` to read what the app logs).
 */
export async function build(
  t: Tap,
  options: { env?: Record<string, string>; mailTransport?: MailTransport; plugins?: KyselyPlugin[]; logger?: Record<string, unknown> } = {},
): Promise<TestContext> {
  const handle = await cloneTemplate();
  const db = (options.plugins ?? []).reduce((wrapped, plugin) => wrapped.withPlugin(plugin), handle.db);
  const config = loadConfig({ DEMO_PASSWORD, LOG_LEVEL: 'silent', BASE_URL: 'http://ipcoop.test', ...options.env });
  const logger = options.logger ?? (process.env.TEST_LOG ? { level: 'error' } : false);
  const app = await buildApp({ config, db, logger, mailTransport: options.mailTransport });
  t.teardown(async () => {
    await app.close();
    await handle.close();
  });
  return { app, db, config };
}
