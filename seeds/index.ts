import { hash } from '@node-rs/argon2';
import type { Database } from '../src/db/index.ts';
import { CONTESTS_2018_19 } from './contests.ts';
import { DEMO_USERS, type DemoUser, JUDGES, currentYear } from './demo.ts';
import {
  type Tx, ensureOrganisations, insertContests, insertEvents, insertFigures, insertItems, insertJudging, insertPeriod,
  insertProgrammes,
} from './load.ts';
import { EVENTS, FIGURES, FIGURES_RECORDED_AT, ITEMS, ORGANISATIONS, PERIOD, PROGRAMMES } from './record-2018-19.ts';
import { insertCertificateSettings } from './certificates.ts';
import { insertSurveys } from './surveys.ts';
import { insertTranslations } from './translations-2018-19.ts';

/*
 * Loads the 2018-19 record and, unless told not to, the demo data. Each part is keyed by
 * something unique (organisation code, period slug, user e-mail, contest slug) and skipped
 * when already there, so seeding twice creates nothing the second time.
 */

export type SeedOptions = { demoPassword: string; now?: Date; demo?: boolean };

/** Which parts this run created. */
export type SeedResult = { record: boolean; demo: boolean };

export async function seed(db: Database, options: SeedOptions): Promise<SeedResult> {
  const now = options.now ?? new Date();
  const record = await db.transaction().execute((tx) => seedRecord(tx, now));
  if (options.demo === false) return { record, demo: false };

  // Hashing is slow by design: do it before the transaction, and only for accounts not there yet.
  const accounts = [...DEMO_USERS, ...JUDGES];
  const existing = await db.selectFrom('users').select('email')
    .where('email', 'in', accounts.map((u) => u.email)).execute();
  const missing = accounts.filter((u) => !existing.some((e) => e.email === u.email));
  const hashes = await Promise.all(missing.map(() => hash(options.demoPassword)));
  const demo = await db.transaction().execute((tx) =>
    seedDemo(tx, now, missing.map((user, i) => ({ user, passwordHash: hashes[i] ?? null }))));
  return { record, demo };
}

async function seedRecord(tx: Tx, now: Date): Promise<boolean> {
  const organisations = await ensureOrganisations(tx, ORGANISATIONS);
  const periodId = await insertPeriod(tx, PERIOD, organisations);
  if (periodId === null) return false;
  const items = await insertItems(tx, periodId, ITEMS, organisations);
  await insertFigures(tx, items, FIGURES, FIGURES_RECORDED_AT, null);
  await insertEvents(tx, items, EVENTS, now);
  await insertProgrammes(tx, items, organisations, PROGRAMMES);
  await insertContests(tx, items, organisations, CONTESTS_2018_19);
  await insertTranslations(tx, periodId);
  return true;
}

async function seedDemo(
  tx: Tx, now: Date, newUsers: { user: DemoUser; passwordHash: string | null }[],
): Promise<boolean> {
  const organisations = await ensureOrganisations(tx, ORGANISATIONS);
  let created = false;
  if (newUsers.length) {
    const rows = await tx.insertInto('users')
      .values(newUsers.map(({ user, passwordHash }) => ({
        email: user.email, name: user.name, role: user.role, password_hash: passwordHash,
        organisation_id: user.organisation === null ? null : (organisations.get(user.organisation) ?? null),
      })))
      .onConflict((oc) => oc.column('email').doNothing())
      .returning('id')
      .execute();
    created = rows.length > 0;
  }
  const judges = await tx.selectFrom('users').select(['id', 'email'])
    .where('email', 'in', JUDGES.map((j) => j.email)).execute();
  const judgeIds = JUDGES.flatMap((j) => judges.filter((u) => u.email === j.email).map((u) => u.id));

  // The record's contests were judged too; their judges are demo accounts, so they come with the demo.
  if (await insertJudging(tx, CONTESTS_2018_19, judgeIds)) created = true;

  const year = currentYear(now);
  const periodId = await insertPeriod(tx, year.period, organisations);
  if (periodId === null) return created;
  const items = await insertItems(tx, periodId, year.items, organisations);
  await insertFigures(tx, items, year.figures, now.toISOString(), null);
  await insertEvents(tx, items, year.events, now);
  await insertSurveys(tx, year.period.slug, now);
  await insertCertificateSettings(tx, year.period.slug);
  await insertProgrammes(tx, items, organisations, year.programmes);
  await insertContests(tx, items, organisations, year.contests);
  await insertJudging(tx, year.contests, judgeIds);
  return true;
}
