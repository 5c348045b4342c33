import { sql } from 'kysely';
import type { Database, Executor } from '../../db/index.ts';
import { inArchivedYear } from '../../lib/archive.ts';
import { type FormErrors, Refusal } from '../../lib/errors.ts';
import { message } from '../../lib/i18n.ts';
import { slugFor } from '../../lib/slug.ts';
import { changedFields, recordAudit } from '../audit/service.ts';
import type { CurrentUser } from '../auth/service.ts';
import { itemInScope } from '../scope/scope.ts';
import type { Round, ScopedContest } from './queries.ts';
import type { CategoryRow, ContestDetails, CriterionRow, NewContest, TierRow } from './setup-schemas.ts';

/*
 * Setting a contest up: the contest, its categories, award tiers, rounds and criteria. Each
 * save replaces a whole list in one transaction; rows keep their ids (and with them the entries,
 * grants and scores that point at them) when they stay on the list. What cannot be saved is
 * refused as a form, before anything is written.
 */

/** Moves rows' unique keys out of the way so that a list can be renumbered or have codes swapped. */
const PARK = 1_000_000;

export async function createContest(db: Database, user: CurrentUser, input: NewContest): Promise<string> {
  return db.transaction().execute(async (trx) => {
    const item = await trx.selectFrom('items as i').innerJoin('periods as p', 'p.id', 'i.period_id')
      .where('i.id', '=', input.item_id).where((eb) => itemInScope(user, eb.ref('i.id'))).select(['i.id', 'p.ends_on']).executeTakeFirst();
    if (!item) throw Refusal.form({ item_id: 'manage.eventForm.errors.yourItem' });
    // An item of an archived year takes nothing new, and nothing moves into it.
    if (await inArchivedYear(trx, { item_id: item.id })) throw Refusal.form({ item_id: 'archive.refused' });
    const year = (input.entry_opens_at ?? new Date(`${item.ends_on}T00:00:00Z`)).getUTCFullYear();
    const slug = input.slug || slugFor(input.title, year, 'contest');
    if (slug === 'new') throw Refusal.form({ slug: 'contests.errors.slugReserved' });
    const clash = await trx.selectFrom('contests').select('id').where('slug', '=', slug).executeTakeFirst();
    if (clash) throw Refusal.form({ slug: 'contests.errors.slugTaken' });
    const row = {
      item_id: input.item_id, slug, kind: input.kind, title: input.title, description: input.description,
      entry_opens_at: input.entry_opens_at, entry_closes_at: input.entry_closes_at, blind: input.blind,
    };
    const contest = await trx.insertInto('contests').values(row).returning('id').executeTakeFirstOrThrow();
    await trx.insertInto('contest_rounds').values({ contest_id: contest.id, position: 1, name: input.first_round }).execute();
    await recordAudit(trx, user.id, 'create', 'contest', contest.id, changedFields({}, row), input.item_id);
    return slug;
  });
}

export async function updateContestDetails(db: Database, user: CurrentUser, contest: ScopedContest, details: ContestDetails) {
  await db.transaction().execute(async (trx) => {
    const current = await trx.selectFrom('contests').selectAll().where('id', '=', contest.id).forUpdate().executeTakeFirstOrThrow();
    if (details.kind !== current.kind) {
      const entry = await trx.selectFrom('entries').select('id').where('contest_id', '=', contest.id).executeTakeFirst();
      if (entry) throw Refusal.form({ kind: 'contests.errors.kindLocked' });
    }
    const diff = changedFields(current, details);
    if (Object.keys(diff).length === 0) return;
    await trx.updateTable('contests').set(details).where('id', '=', contest.id).execute();
    await recordAudit(trx, user.id, 'update', 'contest', contest.id, diff, contest.item_id);
  });
}

/** Splits a posted list against the stored one: rows to update (ids that belong here), to insert, to delete. */
function reconcile<T extends { id: number | null }>(posted: readonly T[], stored: readonly { id: number }[]) {
  const storedIds = new Set(stored.map((s) => s.id));
  const kept = new Set<number>();
  const rows = posted.map((row, index) => {
    const id: number | null = row.id;
    const keep = id !== null && storedIds.has(id) && !kept.has(id);
    if (keep) kept.add(id);
    return { row, index, id: keep ? id : null };
  });
  return { rows, removed: stored.filter((s) => !kept.has(s.id)).map((s) => s.id) };
}

const codes = (rows: readonly { code: string }[]) => rows.map((r) => r.code).join(', ');

export async function saveCategories(db: Database, user: CurrentUser, contest: ScopedContest, posted: CategoryRow[]) {
  await db.transaction().execute(async (trx) => {
    await lockContest(trx, contest.id);
    const stored = await trx.selectFrom('contest_categories').select(['id', 'code', 'name']).where('contest_id', '=', contest.id)
      .orderBy('id').execute();
    const { rows, removed } = reconcile(posted, stored);
    if (removed.length) {
      const used = await trx.selectFrom('entries as e').innerJoin('contest_categories as c', 'c.id', 'e.category_id')
        .where('e.category_id', 'in', removed).select('c.name').distinct().execute();
      if (used.length) {
        const names = used.map((u) => u.name).join(', ');
        throw Refusal.form({ _form: message('contests.errors.categoryInUse', { names }) });
      }
      await trx.deleteFrom('contest_categories').where('id', 'in', removed).execute();
    }
    await trx.updateTable('contest_categories').set({ code: sql`'parked-' || id` }).where('contest_id', '=', contest.id).execute();
    for (const { row, id } of rows) {
      const values = { code: row.code, name: row.name };
      if (id === null) await trx.insertInto('contest_categories').values({ ...values, contest_id: contest.id }).execute();
      else await trx.updateTable('contest_categories').set(values).where('id', '=', id).execute();
    }
    if (codes(stored) !== codes(posted) || stored.some((s, i) => s.name !== posted[i]?.name)) {
      await recordAudit(trx, user.id, 'update_categories', 'contest', contest.id,
        { categories: { from: stored.map((s) => `${s.code}: ${s.name}`), to: posted.map((p) => `${p.code}: ${p.name}`) } },
        contest.item_id);
    }
  });
}

export async function saveTiers(db: Database, user: CurrentUser, contest: ScopedContest, posted: TierRow[]) {
  await db.transaction().execute(async (trx) => {
    await lockContest(trx, contest.id);
    const stored = await trx.selectFrom('award_tiers as t').where('t.contest_id', '=', contest.id)
      .select(['t.id', 't.code', 't.name', 't.rank', 't.quota', 't.is_major',
        sql<number>`(select count(*) from award_grants g where g.tier_id = t.id)::int`.as('granted')])
      .orderBy('t.rank').execute();
    const { rows, removed } = reconcile(posted, stored);
    const errors: FormErrors = {};
    const granted = stored.filter((s) => removed.includes(s.id) && s.granted > 0);
    if (granted.length) {
      const names = granted.map((g) => g.name).join(', ');
      errors._form = message(granted.length === 1 ? 'contests.errors.tierGrantedOne' : 'contests.errors.tierGrantedMany', { names });
    }
    for (const { row, index, id } of rows) {
      const before = stored.find((s) => s.id === id);
      if (before && row.quota !== null && row.quota < before.granted) {
        errors[`tier_${index}_quota`] = message('contests.errors.quotaBelowGranted', { n: before.granted });
      }
    }
    if (Object.keys(errors).length) throw Refusal.form(errors);
    if (removed.length) await trx.deleteFrom('award_tiers').where('id', 'in', removed).execute();
    await trx.updateTable('award_tiers').set({ code: sql`'parked-' || id`, rank: sql`rank + ${PARK}` })
      .where('contest_id', '=', contest.id).execute();
    for (const { row, index, id } of rows) {
      const values = { code: row.code, name: row.name, quota: row.quota, is_major: row.is_major, rank: index + 1 };
      if (id === null) await trx.insertInto('award_tiers').values({ ...values, contest_id: contest.id }).execute();
      else await trx.updateTable('award_tiers').set(values).where('id', '=', id).execute();
    }
    const describe = (t: { code: string; quota: number | null; is_major: boolean }) =>
      `${t.code}${t.quota === null ? '' : ` ×${t.quota}`}${t.is_major ? ' (major)' : ''}`;
    const from = stored.map(describe);
    const to = posted.map(describe);
    if (from.join('|') !== to.join('|') || stored.some((s, i) => s.name !== posted[i]?.name)) {
      await recordAudit(trx, user.id, 'update_tiers', 'contest', contest.id, { tiers: { from, to } }, contest.item_id);
    }
  });
}

/** Adds a round after the last one; it starts pending, without criteria. */
export async function addRound(db: Database, user: CurrentUser, contest: ScopedContest, name: string): Promise<number> {
  return db.transaction().execute(async (trx) => {
    await lockContest(trx, contest.id);
    const last = await trx.selectFrom('contest_rounds').select(({ fn }) => fn.max('position').as('position'))
      .where('contest_id', '=', contest.id).executeTakeFirst();
    const position = Number(last?.position ?? 0) + 1;
    const round = await trx.insertInto('contest_rounds').values({ contest_id: contest.id, position, name }).returning('id')
      .executeTakeFirstOrThrow();
    await recordAudit(trx, user.id, 'add_round', 'round', round.id, { name: { from: null, to: name }, position }, contest.item_id);
    return position;
  });
}

/**
 * Saves a round's name and criteria. Once any judge has scored the round, the scale is fixed:
 * names and guidance may still be corrected, but no criterion is added, removed or re-weighted.
 */
export async function saveCriteria(
  db: Database, user: CurrentUser, contest: ScopedContest, round: Round, roundName: string, posted: CriterionRow[],
) {
  await db.transaction().execute(async (trx) => {
    await trx.selectFrom('contest_rounds').select('id').where('id', '=', round.id).forUpdate().execute();
    const stored = await trx.selectFrom('criteria').select(['id', 'name', 'guidance', 'weight', 'max_score', 'step'])
      .where('round_id', '=', round.id).orderBy('position').execute();
    const { rows, removed } = reconcile(posted, stored);
    const scored = await trx.selectFrom('scores as s').innerJoin('assignments as a', 'a.id', 's.assignment_id')
      .where('a.round_id', '=', round.id).where('s.score', 'is not', null).select('s.assignment_id').executeTakeFirst();
    if (scored) {
      const sameScale = removed.length === 0 && rows.every(({ row, index, id }) => {
        const before = stored[index];
        return id !== null && before?.id === id && Number(before.weight) === row.weight
          && Number(before.max_score) === row.max_score && Number(before.step) === row.step;
      });
      if (!sameScale) throw Refusal.form({ _form: 'contests.errors.scaleFixed' });
    }
    if (removed.length) await trx.deleteFrom('criteria').where('id', 'in', removed).execute();
    await trx.updateTable('criteria').set({ position: sql`position + ${PARK}` }).where('round_id', '=', round.id).execute();
    for (const { row, index, id } of rows) {
      const values = {
        position: index + 1, name: row.name, guidance: row.guidance, weight: row.weight, max_score: row.max_score, step: row.step,
      };
      if (id === null) await trx.insertInto('criteria').values({ ...values, round_id: round.id }).execute();
      else await trx.updateTable('criteria').set(values).where('id', '=', id).execute();
    }
    if (roundName !== round.name) await trx.updateTable('contest_rounds').set({ name: roundName }).where('id', '=', round.id).execute();
    const describe = (c: { name: string; weight: number | string; max_score: number | string; step: number | string }) =>
      `${c.name} (weight ${Number(c.weight)}, 0–${Number(c.max_score)} by ${Number(c.step)})`;
    const from = stored.map(describe);
    const to = posted.map(describe);
    const diff: Record<string, { from: unknown; to: unknown }> = {};
    if (from.join('|') !== to.join('|')) diff.criteria = { from, to };
    if (roundName !== round.name) diff.name = { from: round.name, to: roundName };
    if (Object.keys(diff).length) await recordAudit(trx, user.id, 'update_criteria', 'round', round.id, diff, contest.item_id);
  });
}

async function lockContest(trx: Executor, contestId: number) {
  await trx.selectFrom('contests').select('id').where('id', '=', contestId).forUpdate().execute();
}
