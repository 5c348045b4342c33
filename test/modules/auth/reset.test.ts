import type { KyselyPlugin } from 'kysely';
import t from 'tap';
import type { Database } from '../../../src/db/index.ts';
import { RESET_THROTTLE } from '../../../src/modules/auth/service.ts';
import { Agent } from '../../helpers/agent.ts';
import { build } from '../../helpers/app.ts';

/** Every statement the app runs through Kysely, as SQL, while capturing. */
class StatementLog implements KyselyPlugin {
  statements: string[] | null = null;
  #compile: ((args: Parameters<KyselyPlugin['transformQuery']>[0]) => string) | null = null;

  attach(db: Database) {
    const executor = db.getExecutor();
    this.#compile = ({ node, queryId }) => executor.compileQuery(node, queryId).sql;
  }

  transformQuery: KyselyPlugin['transformQuery'] = (args) => {
    this.statements?.push(this.#compile!(args));
    return args.node;
  };

  transformResult: KyselyPlugin['transformResult'] = async (args) => args.result;

  async capture<T>(run: () => Promise<T>): Promise<{ result: T; statements: string[] }> {
    const statements: string[] = [];
    this.statements = statements;
    try {
      return { result: await run(), statements };
    } finally {
      this.statements = null;
    }
  }
}

/** A page with what differs by request taken out: the CSRF token, and the address that was typed. */
const neutral = (body: string, email: string) => body.replaceAll(email, 'EMAIL').replace(/name="_csrf" value="[^"]+"/g, 'name="_csrf"');

t.test('a reset request does the same work and gives the same page whether or not the account exists', async (t) => {
  const log = new StatementLog();
  const { app, db } = await build(t, { plugins: [log] });
  log.attach(db);
  const visitor = new Agent(app);
  await visitor.get('/password/forgot');
  const lastId = async (table: 'mail_outbox' | 'user_tokens') =>
    (await db.selectFrom(table).select((eb) => eb.fn.max('id').as('id')).executeTakeFirst())?.id ?? 0;
  const mailBefore = await lastId('mail_outbox');
  const tokensBefore = await lastId('user_tokens');

  const known = await log.capture(() => visitor.post('/password/forgot', { email: 'judge4@ipcoop.test' }));
  const unknown = await log.capture(() => visitor.post('/password/forgot', { email: 'nobody-here@example.org' }));
  t.equal(known.result.statusCode, 200);
  t.equal(unknown.result.statusCode, 200);
  t.equal(neutral(known.result.body, 'judge4@ipcoop.test'), neutral(unknown.result.body, 'nobody-here@example.org'),
    'byte for byte the same page, but for the CSRF token and the address typed');
  t.equal(known.result.headers['content-type'], unknown.result.headers['content-type']);
  t.same(Object.keys(known.result.headers).sort(), Object.keys(unknown.result.headers).sort(), 'the same headers');

  t.ok(known.statements.some((s) => /insert into "mail_outbox"/.test(s)), 'the reset mail is queued');
  t.ok(known.statements.some((s) => /insert into "user_tokens"/.test(s)), 'a link is issued');
  t.same(unknown.statements.slice(0, -1), known.statements.slice(0, -1),
    'the same statements, in the same order: the count, the lookup, the link and the mail');
  t.match(known.statements.at(-1), /^release savepoint /, 'kept for the account');
  t.match(unknown.statements.at(-1), /^rollback to savepoint /, 'for no account, the link and the mail are undone (the count stays)');

  const mail = await db.selectFrom('mail_outbox').select(['id', 'to_address']).where('id', '>', mailBefore).execute();
  t.same(mail.map((m) => m.to_address), ['judge4@ipcoop.test'], 'only the account is mailed; nothing is kept for an unknown address');
  const tokens = await db.selectFrom('user_tokens as k').innerJoin('users as u', 'u.id', 'k.user_id').select('u.email')
    .where('k.id', '>', tokensBefore).execute();
  t.same(tokens.map((k) => k.email), ['judge4@ipcoop.test'], 'one new link, for the account');

  // A disabled account is answered like no account.
  await db.updateTable('users').set({ disabled_at: new Date() }).where('email', '=', 'judge5@ipcoop.test').execute();
  const disabled = await log.capture(() => visitor.post('/password/forgot', { email: 'judge5@ipcoop.test' }));
  t.same(disabled.statements, unknown.statements);
  t.equal(neutral(disabled.result.body, 'judge5@ipcoop.test'), neutral(known.result.body, 'judge4@ipcoop.test'));
  t.equal((await db.selectFrom('mail_outbox').select('id').where('to_address', '=', 'judge5@ipcoop.test').execute()).length, 0);
});

t.test('reset requests are limited per email address and per client address, the same with or without an account', async (t) => {
  const { app, db } = await build(t, { env: { TRUST_PROXY: '127.0.0.1' } });
  const ask = (email: string, ip: string) =>
    new Agent(app).post('/password/forgot', { email }, { 'x-forwarded-for': ip });
  const perEmail = RESET_THROTTLE.email.threshold;

  const answers = { known: [] as number[], unknown: [] as number[] };
  let knownRefusal = '';
  let unknownRefusal = '';
  for (let i = 0; i <= perEmail; i++) {
    // Each from its own address: only the email address's limit is in play.
    const known = await ask('judge4@ipcoop.test', `198.51.100.${i + 1}`);
    const unknown = await ask('nobody-here@example.org', `198.51.100.${i + 101}`);
    answers.known.push(known.statusCode);
    answers.unknown.push(unknown.statusCode);
    knownRefusal = neutral(known.body, 'judge4@ipcoop.test');
    unknownRefusal = neutral(unknown.body, 'nobody-here@example.org');
  }
  const expected = [...Array<number>(perEmail).fill(200), 429];
  t.same(answers, { known: expected, unknown: expected }, `${perEmail} an hour per email address, whether or not it has an account`);
  t.equal(knownRefusal, unknownRefusal, 'the refusal tells nothing about the account');
  t.match(knownRefusal, /id="f-email-error">Too many links have been asked for, for this address or from your network. Try again in 60 minutes.</,
    'a clear message beside the form');
  t.match(knownRefusal, /<form method="post" action="\/password\/forgot"/, 'with the form');
  t.equal((await db.selectFrom('mail_outbox').select('id').where('to_address', '=', 'judge4@ipcoop.test').execute()).length, perEmail,
    'no more mail than the limit');

  const perAddress = RESET_THROTTLE.ip.threshold;
  const fromOne: number[] = [];
  for (let i = 0; i <= perAddress; i++) fromOne.push((await ask(`someone-${i}@example.org`, '203.0.113.9')).statusCode);
  t.same(fromOne, [...Array<number>(perAddress).fill(200), 429], `${perAddress} an hour from one client address`);
  t.equal((await ask('judge3@ipcoop.test', '203.0.113.10')).statusCode, 200, 'another address may still ask');

  const rows = await db.selectFrom('login_throttle').select('key').where('key', 'like', 'reset-%').execute();
  t.ok(rows.length > 0, 'the counts are kept in the database, for every instance');
});
