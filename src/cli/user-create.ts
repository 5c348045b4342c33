import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadConfig } from '../config.ts';
import { openConfiguredDatabase } from '../db/open.ts';
import { translator } from '../lib/i18n.ts';
import { hashPassword, passwordProblem } from '../modules/auth/passwords.ts';
import { recordAudit } from '../modules/audit/service.ts';
import { runMain } from './main.ts';

/*
 * Creates an account from the command line — how production gets its first administrator:
 *   npm run user:create -- --email admin@example.org --role admin [--name "…"] [--organisation HKIPD]
 * The password is asked for on a terminal, or read from standard input when piped.
 */

const args = z.object({
  email: z.email().transform((s) => s.toLowerCase()),
  role: z.enum(['admin', 'organiser', 'judge']),
  name: z.string().min(1).max(200).optional(),
  organisation: z.string().optional(),
});

async function readPassword(): Promise<string> {
  if (!process.stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  // Keep the password off the screen.
  (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => {
    if (/Password/.test(s)) process.stdout.write(s);
  };
  const password = await rl.question('Password: ');
  rl.close();
  process.stdout.write('\n');
  return password;
}

await runMain(async () => {
  const { values } = parseArgs({
    options: { email: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' }, organisation: { type: 'string' } },
  });
  const parsed = args.safeParse(values);
  if (!parsed.success) {
    process.stderr.write('usage: npm run user:create -- --email EMAIL --role admin|organiser|judge [--name NAME] [--organisation CODE]\n');
    process.exit(2);
  }
  const { email, role, name, organisation } = parsed.data;
  const password = await readPassword();
  const problem = await passwordProblem(password, email);
  if (problem) {
    // The command line speaks English, like its usage line.
    process.stderr.write(`ipcoop: ${translator('en')(problem)}\n`);
    process.exit(2);
  }
  const handle = await openConfiguredDatabase(loadConfig());
  try {
    const org = organisation
      ? await handle.db.selectFrom('organisations').select('id').where('code', '=', organisation).executeTakeFirst()
      : undefined;
    if (role === 'organiser' && !org) {
      process.stderr.write(
        `ipcoop: an organiser needs --organisation with an existing code${organisation ? ` (no "${organisation}")` : ''}\n`,
      );
      process.exit(2);
    }
    const existing = await handle.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst();
    if (existing) {
      process.stderr.write(`ipcoop: ${email} already has an account\n`);
      process.exit(2);
    }
    const passwordHash = await hashPassword(password);
    await handle.db.transaction().execute(async (trx) => {
      const user = await trx.insertInto('users').values({
        email, name: name ?? email.split('@')[0] ?? email, role, organisation_id: role === 'organiser' ? (org?.id ?? null) : null,
        password_hash: passwordHash,
      }).returning('id').executeTakeFirstOrThrow();
      await recordAudit(trx, null, 'create_from_cli', 'user', user.id, { email, role });
    });
    process.stdout.write(`ipcoop: created ${role} ${email}\n`);
  } finally {
    await handle.close();
  }
});
