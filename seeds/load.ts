import { type Insertable, sql, type Transaction } from 'kysely';
import type { DB } from '../src/db/types.ts';
import { JUDGES } from './demo.ts';
import { planJudging } from './judging.ts';
import { People, rngFor, unusedTokenHash } from './people.ts';
import { registrationRows } from './registrations.ts';
import type {
  ContestSpec, EventSpec, FigureSpec, ItemSpec, OrganisationSpec, PeriodSpec, ProgrammeSpec,
} from './specs.ts';
import { shift } from './time.ts';

/*
 * Writes seed specs to the database, a table at a time (one multi-row INSERT per table and
 * batch), resolving natural keys (organisation code, item number, slug, reference) to ids.
 */

export type Tx = Transaction<DB>;
type Lookup<K> = { get(key: K): number | undefined };

const BATCH = 1000;

function must<K>(map: Lookup<K>, key: K, what: string): number {
  const id = map.get(key);
  if (id === undefined) throw new Error(`seed refers to unknown ${what} ${String(key)}`);
  return id;
}

async function insertBatches<T>(rows: readonly T[], insert: (batch: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < rows.length; i += BATCH) await insert(rows.slice(i, i + BATCH));
}

export async function ensureOrganisations(tx: Tx, specs: readonly OrganisationSpec[]): Promise<Map<string, number>> {
  await tx.insertInto('organisations')
    .values(specs.map((o) => ({ code: o.code, name: o.name, side: o.side })))
    .onConflict((oc) => oc.column('code').doNothing())
    .execute();
  const rows = await tx.selectFrom('organisations').select(['id', 'code'])
    .where('code', 'in', specs.map((o) => o.code)).execute();
  return new Map(rows.map((r) => [r.code, r.id]));
}

/** The period's id, or null when a period with that slug already exists. */
export async function insertPeriod(tx: Tx, spec: PeriodSpec, orgs: Lookup<string>): Promise<number | null> {
  const row = await tx.insertInto('periods')
    .values({
      slug: spec.slug, label: spec.label, starts_on: spec.startsOn, ends_on: spec.endsOn, intro: spec.intro,
      published_at: spec.publishedAt, publisher_organisation_id: spec.publisher ? orgs.get(spec.publisher) ?? null : null,
    })
    .onConflict((oc) => oc.column('slug').doNothing())
    .returning('id')
    .executeTakeFirst();
  return row?.id ?? null;
}

export async function insertItems(
  tx: Tx, periodId: number, items: readonly ItemSpec[], orgs: Lookup<string>,
): Promise<Map<number, number>> {
  const rows = await tx.insertInto('items')
    .values(items.map((i) => ({
      period_id: periodId, number: i.number, title: i.title, is_new: i.isNew, status: i.status, narrative: i.narrative,
      continues_item_id: i.continues === undefined ? null : sql<number>`(select it.id from items it join periods pe on pe.id = it.period_id
        where pe.slug = '2018-19' and it.number = ${i.continues})`,
    })))
    .returning(['id', 'number'])
    .execute();
  const ids = new Map(rows.map((r) => [r.number, r.id]));
  const parties = items.flatMap((item) => {
    const itemId = must(ids, item.number, 'item');
    const party = (code: string, isLead: boolean) =>
      ({ item_id: itemId, organisation_id: must(orgs, code, 'organisation'), is_lead: isLead });
    const others = item.parties.with.filter((code) => !item.parties.lead.includes(code));
    return [...item.parties.lead.map((code) => party(code, true)), ...others.map((code) => party(code, false))];
  });
  if (parties.length) await tx.insertInto('item_parties').values(parties).execute();
  return ids;
}

export async function insertFigures(
  tx: Tx, items: Lookup<number>, figures: readonly FigureSpec[], recordedAt: string, recordedBy: number | null,
): Promise<void> {
  if (!figures.length) return;
  await tx.insertInto('figures')
    .values(figures.map((f) => ({
      item_id: must(items, f.item, 'item'), key: f.key, label: f.label, value: f.value, unit: f.unit,
      recorded_by: recordedBy, recorded_at: recordedAt,
    })))
    .execute();
}

export async function insertEvents(
  tx: Tx, items: Lookup<number>, events: readonly EventSpec[], now: Date,
): Promise<void> {
  if (!events.length) return;
  const rows = await tx.insertInto('events')
    .values(events.map((e) => ({
      item_id: must(items, e.item, 'item'), slug: e.slug, kind: e.kind, title: e.title, description: e.description,
      starts_at: e.startsAt, ends_at: e.endsAt, city: e.city, venue: e.venue, capacity: e.capacity,
      registration_opens_at: e.registrationOpensAt, registration_closes_at: e.registrationClosesAt,
      waitlist_enabled: e.waitlist, status: e.status,
    })))
    .returning(['id', 'slug'])
    .execute();
  const ids = new Map(rows.map((r) => [r.slug, r.id]));

  const questions = events.flatMap((e) => (e.questions ?? []).map((q, i) => ({
    event_id: must(ids, e.slug, 'event'), position: i + 1, label: q.label, kind: q.kind, required: q.required,
    options: JSON.stringify(q.options),
  })));
  const questionRows = questions.length
    ? await tx.insertInto('event_questions').values(questions).returning(['id', 'event_id', 'position']).execute()
    : [];
  const questionIds = new Map(questionRows.map((r) => [`${r.event_id}:${r.position}`, r.id]));

  const registrations: Insertable<DB['registrations']>[] = [];
  const confirmed = new Map<number, number>();
  for (const event of events) {
    const eventId = must(ids, event.slug, 'event');
    const asked = (event.questions ?? []).map((q, i) => ({
      ...q, id: must(questionIds, `${eventId}:${i + 1}`, 'question'),
    }));
    const made = registrationRows(eventId, event, asked, unusedTokenHash, now);
    registrations.push(...made.rows);
    if (made.confirmed) confirmed.set(eventId, made.confirmed);
  }
  await insertBatches(registrations, (batch) => tx.insertInto('registrations').values(batch).execute());
  for (const [eventId, count] of confirmed) {
    await tx.updateTable('events').set({ confirmed_count: count }).where('id', '=', eventId).execute();
  }
}

export async function insertProgrammes(
  tx: Tx, items: Lookup<number>, orgs: Lookup<string>, programmes: readonly ProgrammeSpec[],
): Promise<void> {
  if (!programmes.length) return;
  const memberCount = (p: ProgrammeSpec) =>
    p.delegations.reduce((sum, d) => sum + d.members.reduce((n, g) => n + (g.count ?? 1), 0), 0);
  const rows = await tx.insertInto('programmes')
    .values(programmes.map((p) => ({
      item_id: must(items, p.item, 'item'), slug: p.slug, title: p.title, description: p.description,
      starts_on: p.startsOn, ends_on: p.endsOn, capacity: p.capacity, member_count: memberCount(p),
      public_registration: p.publicRegistration, edit_deadline: p.editDeadline, status: p.status,
    })))
    .returning(['id', 'slug'])
    .execute();
  const programmeIds = new Map(rows.map((r) => [r.slug, r.id]));
  // A programme is hosted by its item's parties.
  await tx.insertInto('programme_hosts')
    .columns(['programme_id', 'organisation_id'])
    .expression((eb) => eb.selectFrom('programmes as p').innerJoin('item_parties as ip', 'ip.item_id', 'p.item_id')
      .where('p.id', 'in', rows.map((r) => r.id)).select(['p.id', 'ip.organisation_id']))
    .execute();

  const plans = programmes.flatMap((p) => p.delegations.map((d, index) => {
    const people = new People(rngFor(`delegation:${p.slug}:${index}`));
    const members = d.members.flatMap((group) => Array.from({ length: group.count ?? 1 }, () => ({
      ...group, person: people.person(group.side, group.organisation),
    })));
    const head = members.find((m) => m.role === 'head');
    if (!head) throw new Error(`delegation "${d.name}" has no head`);
    const programmeId = must(programmeIds, p.slug, 'programme');
    return { programmeId, spec: d, members, head, tokenHash: unusedTokenHash() };
  }));
  const delegationRows = await tx.insertInto('delegations')
    .values(plans.map((d) => ({
      programme_id: d.programmeId, name: d.spec.name, leading_organisation_id: must(orgs, d.spec.lead, 'organisation'),
      from_side: d.spec.from, to_side: d.spec.to, contact_name: d.head.person.name, contact_email: d.head.person.email,
      status: d.spec.status, token_hash: d.tokenHash,
      created_at: d.spec.createdAt, updated_at: d.spec.createdAt,
    })))
    .returning(['id', 'token_hash'])
    .execute();
  const delegationIds = new Map(delegationRows.map((r) => [r.token_hash, r.id]));

  const members = plans.flatMap((d) => d.members.map((m, i) => ({
    delegation_id: must(delegationIds, d.tokenHash, 'delegation'),
    position: i + 1,
    name: m.person.name,
    title: m.title,
    organisation: m.organisation,
    role: m.role,
    is_minor: m.minor ?? false,
    guardian_consent_at: m.minor ? (d.spec.consentAt ?? d.spec.createdAt) : null,
  })));
  await insertBatches(members, (batch) => tx.insertInto('delegation_members').values(batch).execute());

  const visits = plans.flatMap((d) => d.spec.visits.map((v) => ({
    delegation_id: must(delegationIds, d.tokenHash, 'delegation'), visit_on: v.on, starts_at: v.at ?? null,
    host: v.host, host_organisation_id: v.hostCode ? must(orgs, v.hostCode, 'organisation') : null,
    place: v.place, purpose: v.purpose,
  })));
  if (visits.length) await tx.insertInto('delegation_visits').values(visits).execute();
}

/** Contests with their entries, rounds and criteria, finalists and (once judged) the winners. */
export async function insertContests(
  tx: Tx, items: Lookup<number>, orgs: Lookup<string>, contests: readonly ContestSpec[],
): Promise<void> {
  if (!contests.length) return;
  const contestRows = await tx.insertInto('contests')
    .values(contests.map((c) => ({
      item_id: must(items, c.item, 'item'), slug: c.slug, kind: c.kind, title: c.title, description: c.description,
      entry_opens_at: c.entryOpensAt, entry_closes_at: c.entryClosesAt, blind: c.blind, status: c.status,
      results_published_at: c.resultsPublishedAt,
    })))
    .returning(['id', 'slug'])
    .execute();
  const contestIds = new Map(contestRows.map((r) => [r.slug, r.id]));
  const idOf = (c: ContestSpec) => must(contestIds, c.slug, 'contest');

  const categories = contests.flatMap((c) =>
    c.categories.map((k) => ({ contest_id: idOf(c), code: k.code, name: k.name })));
  const categoryRows = categories.length
    ? await tx.insertInto('contest_categories').values(categories).returning(['id', 'contest_id', 'code']).execute()
    : [];
  const categoryIds = new Map(categoryRows.map((r) => [`${r.contest_id}:${r.code}`, r.id]));

  const roundRows = await tx.insertInto('contest_rounds')
    .values(contests.flatMap((c) => c.rounds.map((r, i) => ({
      contest_id: idOf(c), position: i + 1, name: r.name, status: r.status,
    }))))
    .returning(['id', 'contest_id', 'position'])
    .execute();
  const roundIds = new Map(roundRows.map((r) => [`${r.contest_id}:${r.position}`, r.id]));

  await tx.insertInto('criteria')
    .values(contests.flatMap((c) => c.rounds.flatMap((r, i) => r.criteria.map((k, j) => ({
      round_id: must(roundIds, `${idOf(c)}:${i + 1}`, 'round'), position: j + 1, name: k.name, guidance: k.guidance,
      weight: k.weight, max_score: k.max, step: k.step,
    })))))
    .execute();

  const entries = contests.flatMap((c) => c.entries.map((e) => ({
    contest_id: idOf(c),
    category_id: e.category === null ? null : must(categoryIds, `${idOf(c)}:${e.category}`, 'category'),
    reference: e.reference, title: e.title, applicant_name: e.applicantName, applicant_type: e.applicantType,
    organisation_id: e.organisationCode ? must(orgs, e.organisationCode, 'organisation') : null,
    side: e.side, summary: e.summary, details: JSON.stringify(e.details), contact_email: e.contactEmail,
    token_hash: unusedTokenHash(), status: e.status, created_at: e.createdAt, updated_at: e.createdAt,
  })));
  const entryIds = new Map<string, number>();
  await insertBatches(entries, async (batch) => {
    const rows = await tx.insertInto('entries').values(batch).returning(['id', 'contest_id', 'reference']).execute();
    for (const r of rows) entryIds.set(`${r.contest_id}:${r.reference}`, r.id);
  });

  const tierRows = await tx.insertInto('award_tiers')
    .values(contests.flatMap((c) => c.tiers.map((t) => ({
      contest_id: idOf(c), code: t.code, name: t.name, rank: t.rank, quota: t.quota, is_major: t.isMajor,
    }))))
    .returning(['id', 'contest_id', 'code'])
    .execute();
  const tierIds = new Map(tierRows.map((r) => [`${r.contest_id}:${r.code}`, r.id]));

  const roundEntries: { round_id: number; entry_id: number }[] = [];
  const grants: { tier_id: number; entry_id: number; granted_at: string }[] = [];
  for (const contest of contests) {
    const contestId = idOf(contest);
    // Drawn for the demo judges even when they are not seeded: finalists and winners never depend on them.
    const plan = planJudging(contest, JUDGES.length);
    plan.roundEntries.forEach((references, r) => {
      for (const reference of references) {
        roundEntries.push({
          round_id: must(roundIds, `${contestId}:${r + 1}`, 'round'),
          entry_id: must(entryIds, `${contestId}:${reference}`, 'entry'),
        });
      }
    });
    const grantedAt = contest.resultsPublishedAt ? shift(contest.resultsPublishedAt, -3600_000) : undefined;
    for (const winner of plan.winners) {
      if (!grantedAt) break;
      grants.push({
        tier_id: must(tierIds, `${contestId}:${winner.tier}`, 'award tier'),
        entry_id: must(entryIds, `${contestId}:${winner.reference}`, 'entry'),
        granted_at: grantedAt,
      });
    }
  }
  await insertBatches(roundEntries, (batch) => tx.insertInto('round_entries').values(batch).execute());
  await insertBatches(grants, (batch) => tx.insertInto('award_grants').values(batch).execute());
}

/**
 * The judges, their assignments and scores behind contests already in the database. Skips a
 * contest that has judges, so running it again adds nothing.
 */
export async function insertJudging(
  tx: Tx, contests: readonly ContestSpec[], judgeIds: readonly number[],
): Promise<boolean> {
  let added = false;
  for (const contest of contests) {
    const row = await tx.selectFrom('contests').select('id').where('slug', '=', contest.slug).executeTakeFirst();
    if (!row) continue;
    const judged = await tx.selectFrom('contest_judges').select('user_id')
      .where('contest_id', '=', row.id).executeTakeFirst();
    if (judged) continue;
    added = true;
    await tx.insertInto('contest_judges')
      .values(judgeIds.map((userId) => ({ contest_id: row.id, user_id: userId })))
      .execute();

    const plan = planJudging(contest, judgeIds.length);
    if (!plan.assignments.length) continue;
    const rounds = await tx.selectFrom('contest_rounds').select(['id', 'position'])
      .where('contest_id', '=', row.id).execute();
    const roundIds = new Map(rounds.map((r) => [r.position, r.id]));
    const criteria = await tx.selectFrom('criteria').select(['id', 'round_id', 'position'])
      .where('round_id', 'in', rounds.map((r) => r.id)).execute();
    const criterionIds = new Map(criteria.map((c) => [`${c.round_id}:${c.position}`, c.id]));
    const entries = await tx.selectFrom('entries').select(['id', 'reference'])
      .where('contest_id', '=', row.id).execute();
    const entryIds = new Map(entries.map((e) => [e.reference, e.id]));

    const keyed = plan.assignments.map((a) => ({
      plan: a,
      round_id: must(roundIds, a.round + 1, 'round'),
      entry_id: must(entryIds, a.reference, 'entry'),
      judge_id: judgeIds[a.judge] ?? 0,
    }));
    const assignmentIds = new Map<string, number>();
    await insertBatches(keyed, async (batch) => {
      const rows = await tx.insertInto('assignments')
        .values(batch.map((a) => ({
          round_id: a.round_id, entry_id: a.entry_id, judge_id: a.judge_id, status: a.plan.status,
          conflict_reason: a.plan.conflictReason, submitted_at: a.plan.submittedAt, created_at: a.plan.createdAt,
        })))
        .returning(['id', 'round_id', 'entry_id', 'judge_id'])
        .execute();
      for (const r of rows) assignmentIds.set(`${r.round_id}:${r.entry_id}:${r.judge_id}`, r.id);
    });

    const scores = keyed.flatMap((a) => a.plan.scores.flatMap((score, i) => score === null ? [] : [{
      assignment_id: must(assignmentIds, `${a.round_id}:${a.entry_id}:${a.judge_id}`, 'assignment'),
      criterion_id: must(criterionIds, `${a.round_id}:${i + 1}`, 'criterion'),
      score,
      updated_at: a.plan.submittedAt ?? a.plan.createdAt,
    }]));
    await insertBatches(scores, (batch) => tx.insertInto('scores').values(batch).execute());
  }
  return added;
}
