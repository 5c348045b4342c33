import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadConfig } from '../config.ts';
import { openConfiguredDatabase } from '../db/open.ts';
import { API_SCOPES, createApiToken, DEFAULT_TOKEN_DAYS, MAX_TOKEN_DAYS } from '../modules/api/tokens.ts';
import { runMain } from './main.ts';

/*
 * Makes a personal API token for an existing account, for automation:
 *   npm run token:create -- --email organiser@example.org --scopes read,checkin [--expires 30] [--name "Door scanners"]
 * The token is printed on the last line of standard output, and nowhere else: only its hash is stored.
 */

const USAGE = `usage: npm run token:create -- --email EMAIL --scopes ${API_SCOPES.join(',')} [--expires DAYS] [--name NAME]\n`;

const args = z.object({
  email: z.email().transform((s) => s.toLowerCase()),
  scopes: z.string().transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean)).pipe(z.array(z.enum(API_SCOPES)).min(1)),
  expires: z.coerce.number().int().min(1).max(MAX_TOKEN_DAYS).default(DEFAULT_TOKEN_DAYS),
  name: z.string().min(1).max(100).optional(),
});

await runMain(async () => {
  const { values } = parseArgs({
    options: { email: { type: 'string' }, scopes: { type: 'string' }, expires: { type: 'string' }, name: { type: 'string' } },
  });
  const parsed = args.safeParse(values);
  if (!parsed.success) {
    process.stderr.write(USAGE);
    process.exit(2);
  }
  const { email, scopes, expires, name } = parsed.data;
  const handle = await openConfiguredDatabase(loadConfig());
  try {
    const user = await handle.db.selectFrom('users').select(['id', 'disabled_at']).where('email', '=', email).executeTakeFirst();
    if (!user || user.disabled_at) {
      process.stderr.write(`ipcoop: no active account ${email}\n`);
      process.exit(2);
    }
    const label = name ?? `Command line, ${new Date().toISOString().slice(0, 10)}`;
    const made = await createApiToken(handle.db, null, user.id, { name: label, scopes, days: expires });
    process.stdout.write(`ipcoop: token for ${email} (${scopes.join(', ')}), expires ${made.expiresAt.toISOString()}\n${made.token}\n`);
  } finally {
    await handle.close();
  }
});
