import { type RawBuilder, sql } from 'kysely';
import type { Database } from '../src/db/index.ts';

/*
 * Ten programme years on top of the seeded data: the 2018-19 record's items, events, exchange
 * programmes and contests copied into eight more years (2017-18 and 2019-20 to 2025-26, dates
 * moved by whole years), beside the seeded 2026-27; then the people of ten years spread over them
 * — registrations (the busiest event, the current year's next seminar, holding `busiest`),
 * delegations with their members, contest entries with every judge's scores, and audit entries.
 * Everything is written by set-based SQL, as a restore would write it, and the counters the
 * schema keeps are brought in line afterwards.
 */

export type ScaleSize = {
  /** Years added beside the two seeded ones. */
  years: number;
  registrations: number;
  busiest: number;
  scores: number;
  delegationsPerProgramme: number;
  membersPerDelegation: number;
  auditEntries: number;
};

export const SCALE_SIZES = {
  full: {
    years: 8, registrations: 1_000_000, busiest: 100_000, scores: 500_000, delegationsPerProgramme: 30, membersPerDelegation: 8,
    auditEntries: 200_000,
  },
  smoke: {
    years: 1, registrations: 3_000, busiest: 1_000, scores: 2_000, delegationsPerProgramme: 2, membersPerDelegation: 3, auditEntries: 500,
  },
} satisfies Record<string, ScaleSize>;

export type ScaleData = {
  periods: string[]; events: number; registrations: number; delegations: number; members: number; entries: number; scores: number;
  auditEntries: number;
  /** The event holding `busiest` registrations. */
  busiestEvent: string;
  seconds: number;
};

const RECORD = '2018-19';

/** The years copied from the record, nearest first: 2019-20, 2017-18, 2020-21, … (never the seeded 2026-27). */
function yearsToAdd(count: number): number[] {
  const offsets = [1, -1, 2, 3, 4, 5, 6, 7, -2, -3, -4];
  return offsets.slice(0, count);
}

const slugOf = (start: number) => `${start}-${String((start + 1) % 100).padStart(2, '0')}`;

/** Copies the record's year `offset` years later (or earlier); its past years are closed. */
async function copyYear(db: Database, offset: number): Promise<string> {
  const start = 2018 + offset;
  const slug = slugOf(start);
  const suffix = `-y${start}`;
  const shift = sql.raw(`interval '${offset} years'`);
  await sql`
    with base as (select * from periods where slug = ${RECORD}),
    period as (
      insert into periods (slug, label, starts_on, ends_on, intro, translations)
      select ${slug}, ${`${start}-${start + 1}`}, (starts_on + ${shift})::date, (ends_on + ${shift})::date, intro, translations from base
      returning id
    ),
    items_added as (
      insert into items (period_id, number, title, is_new, status, narrative, translations)
      select period.id, i.number, i.title, i.is_new, i.status, i.narrative, i.translations
      from items i cross join period where i.period_id = (select id from base)
      returning id, number
    )
    insert into item_parties (item_id, organisation_id, is_lead)
    select a.id, ip.organisation_id, ip.is_lead
    from item_parties ip join items i on i.id = ip.item_id join items_added a on a.number = i.number
    where i.period_id = (select id from base)`.execute(db);
  // The record's objects and their copies, matched by item number.
  const pair = sql`items old join periods op on op.id = old.period_id and op.slug = ${RECORD}
    join items new on new.number = old.number join periods np on np.id = new.period_id and np.slug = ${slug}`;
  await sql`
    insert into events (item_id, slug, kind, title, description, starts_at, ends_at, timezone, city, venue, capacity,
      waitlist_enabled, status, translations)
    select new.id, e.slug || ${suffix}, e.kind, e.title, e.description, e.starts_at + ${shift}, e.ends_at + ${shift}, e.timezone,
      e.city, e.venue, null, e.waitlist_enabled, case when e.status = 'draft' then 'draft' else 'closed' end, e.translations
    from events e join ${pair} on e.item_id = old.id`.execute(db);
  await sql`
    insert into programmes (item_id, slug, title, description, starts_on, ends_on, capacity, public_registration, status, translations)
    select new.id, p.slug || ${suffix}, p.title, p.description, (p.starts_on + ${shift})::date, (p.ends_on + ${shift})::date, null,
      p.public_registration, 'completed', p.translations
    from programmes p join ${pair} on p.item_id = old.id`.execute(db);
  await sql`
    insert into contests (item_id, slug, kind, title, description, entry_opens_at, entry_closes_at, blind, status,
      results_published_at, translations)
    select new.id, c.slug || ${suffix}, c.kind, c.title, c.description, c.entry_opens_at + ${shift}, c.entry_closes_at + ${shift}, c.blind,
      'closed', c.results_published_at + ${shift}, c.translations
    from contests c join ${pair} on c.item_id = old.id`.execute(db);
  const contests = sql`contests oc join contests nc on nc.slug = oc.slug || ${suffix}`;
  await sql`insert into contest_categories (contest_id, code, name) select nc.id, k.code, k.name
    from contest_categories k join ${contests} on oc.id = k.contest_id`.execute(db);
  await sql`insert into contest_judges (contest_id, user_id) select nc.id, j.user_id
    from contest_judges j join ${contests} on oc.id = j.contest_id`.execute(db);
  await sql`insert into contest_rounds (contest_id, position, name, aggregation, normalise, status, tie_break)
    select nc.id, r.position, r.name, r.aggregation, r.normalise, 'closed', r.tie_break
    from contest_rounds r join ${contests} on oc.id = r.contest_id`.execute(db);
  await sql`insert into criteria (round_id, position, name, guidance, weight, max_score, step, translations)
    select nr.id, cr.position, cr.name, cr.guidance, cr.weight, cr.max_score, cr.step, cr.translations
    from criteria cr join contest_rounds r on r.id = cr.round_id join ${contests} on oc.id = r.contest_id
    join contest_rounds nr on nr.contest_id = nc.id and nr.position = r.position`.execute(db);
  return slug;
}

const count = async (db: Database, table: string) =>
  Number((await sql<{ n: string }>`select count(*) as n from ${sql.table(table)}`.execute(db)).rows[0]!.n);

export async function growToScale(db: Database, size: ScaleSize): Promise<ScaleData> {
  const started = performance.now();
  const periods: string[] = [];
  for (const offset of yearsToAdd(size.years)) periods.push(await copyYear(db, offset));
  const label = Date.now().toString(36);

  // The busiest event: the current year's next one.
  const busiest = (await sql<{ id: number; slug: string }>`select e.id, e.slug from events e join items i on i.id = e.item_id
    join periods p on p.id = i.period_id where p.slug = '2026-27' and e.status = 'published'
    order by e.starts_at > now() desc, e.starts_at limit 1`.execute(db)).rows[0];
  if (!busiest) throw new Error('the demo data has no published event in 2026-27');
  // Room for them where an event has a limit (the schema holds the confirmed count to it).
  await sql`update events set capacity = greatest(capacity, ${size.busiest + 1000}) where capacity is not null`.execute(db);
  const people = (from: number, to: number, events: RawBuilder<unknown>) => sql`
    with ev as (select id, starts_at, row_number() over (order by id) - 1 as k, count(*) over () as n from (${events}) x)
    insert into registrations (event_id, name, email, organisation, side, status, answers, token_hash, language, checked_in_at,
      cancelled_at, created_at)
    select ev.id,
      (array['陳大文', 'Chan Tai-man', '李小明', 'Wong Mei-ling', '张志强', 'Leung Ka-wai'])[1 + g % 6] || ' ' || g,
      'p' || g || '-' || ${label} || '@scale.test', '機構 Organisation ' || (g % 2000), (array['HK', 'GD', 'MO', 'OTHER'])[1 + g % 4],
      case when g % 20 = 0 then 'cancelled' when g % 50 = 1 then 'waitlisted' else 'confirmed' end, '{}',
      md5(${label} || g) || md5('r' || g), (array['en', 'zh-Hant', 'zh-Hans'])[1 + g % 3],
      case when ev.starts_at < now() and g % 10 < 7 and g % 20 <> 0 and g % 50 <> 1 then ev.starts_at + interval '10 minutes' end,
      case when g % 20 = 0 then ev.starts_at - interval '2 days' end,
      ev.starts_at - interval '30 days' + (g % 1000) * interval '1 minute'
    from generate_series(${from}::int, ${to}::int) g join ev on ev.k = g % ev.n`;
  await people(1, size.busiest, sql`select id, starts_at from events where id = ${busiest.id}`).execute(db);
  await people(size.busiest + 1, size.registrations, sql`select id, starts_at from events where id <> ${busiest.id}`).execute(db);
  await sql`update events e set confirmed_count = coalesce((select count(*) from registrations r
    where r.event_id = e.id and r.status in ('confirmed', 'unconfirmed')), 0)`.execute(db);

  // Delegations and their members, on every programme of the added years.
  const added = sql`select p.id from programmes p join items i on i.id = p.item_id join periods y on y.id = i.period_id
    where y.slug in (${sql.join(periods)})`;
  await sql`
    insert into delegations (programme_id, name, from_side, to_side, contact_name, contact_email, status, language)
    select p.id, 'Delegation ' || g, case when g % 2 = 0 then 'HK' else 'GD' end, case when g % 2 = 0 then 'GD' else 'HK' end,
      'Leader ' || g, 'leader' || g || '-' || p.id || '-' || ${label} || '@scale.test', 'completed', 'en'
    from (${added}) p cross join generate_series(1, ${size.delegationsPerProgramme}::int) g`.execute(db);
  await sql`
    insert into delegation_members (delegation_id, position, name, organisation, role)
    select d.id, g, 'Member ' || g || ' of ' || d.id, 'Organisation ' || (d.id % 300), case when g = 1 then 'head' else 'member' end
    from delegations d join (${added}) p on p.id = d.programme_id cross join generate_series(1, ${size.membersPerDelegation}::int) g`
    .execute(db);
  await sql`update programmes p set member_count = (select count(*) from delegation_members m join delegations d on d.id = m.delegation_id
    where d.programme_id = p.id and d.status <> 'withdrawn')`.execute(db);

  // Entries of every added contest, each judged in the first round by every judge on every criterion.
  const contests = (await sql<{ id: number; round_id: number; category_id: number | null; per_entry: string }>`
    select c.id, r.id as round_id, (select min(k.id) from contest_categories k where k.contest_id = c.id) as category_id,
      (select count(*) from contest_judges j where j.contest_id = c.id)
        * (select count(*) from criteria cr where cr.round_id = r.id) as per_entry
    from contests c join contest_rounds r on r.contest_id = c.id and r.position = 1
    join items i on i.id = c.item_id join periods y on y.id = i.period_id
    where y.slug in (${sql.join(periods)})`.execute(db)).rows.filter((c) => Number(c.per_entry) > 0);
  const perContest = Math.ceil(size.scores / Math.max(1, contests.reduce((sum, c) => sum + Number(c.per_entry), 0)));
  for (const c of contests) {
    await sql`
      insert into entries (contest_id, category_id, reference, title, applicant_name, applicant_type, side, contact_email, status,
        details, language)
      select ${c.id}, ${c.category_id}, 'S-' || lpad(g::text, 5, '0'), 'Patent portfolio ' || g, 'Applicant ' || g,
        (array['enterprise', 'higher_education', 'rd_centre', 'individual'])[1 + g % 4], (array['HK', 'GD', 'MO'])[1 + g % 3],
        'entrant' || g || '-' || ${c.id} || '-' || ${label} || '@scale.test', 'submitted', '{}', 'en'
      from generate_series(1, ${perContest}::int) g`.execute(db);
    await sql`insert into round_entries (round_id, entry_id) select ${c.round_id}, id from entries where contest_id = ${c.id}`.execute(db);
    await sql`insert into assignments (round_id, entry_id, judge_id, status, submitted_at)
      select ${c.round_id}, e.id, j.user_id, 'submitted', now() - interval '1 year'
      from entries e cross join contest_judges j where e.contest_id = ${c.id} and j.contest_id = ${c.id}`.execute(db);
    await sql`insert into scores (assignment_id, criterion_id, score)
      select a.id, cr.id, least(cr.max_score, round(((a.id * 7 + cr.id * 13) % 100) / 100.0 * cr.max_score))
      from assignments a join criteria cr on cr.round_id = a.round_id where a.round_id = ${c.round_id}`.execute(db);
  }

  // Ten years of the audit log, spread over the added years' items.
  await sql`
    with it as (select i.id, row_number() over (order by i.id) - 1 as k, count(*) over () as n
      from items i join periods y on y.id = i.period_id where y.slug in (${sql.join(periods)}))
    insert into audit_log (at, actor_user_id, action, entity, entity_id, changes, item_id)
    select now() - (g % 3650) * interval '1 day', null, 'update', 'registration', g::text, '{}', it.id
    from generate_series(1, ${size.auditEntries}::int) g join it on it.k = g % it.n`.execute(db);
  // As after any bulk load: vacuumed and analysed now, rather than by autovacuum while the pages are timed.
  await sql`vacuum analyze`.execute(db);

  return {
    periods, events: await count(db, 'events'), registrations: await count(db, 'registrations'), delegations: await count(db, 'delegations'),
    members: await count(db, 'delegation_members'), entries: await count(db, 'entries'), scores: await count(db, 'scores'),
    auditEntries: await count(db, 'audit_log'), busiestEvent: busiest.slug, seconds: Math.round((performance.now() - started) / 100) / 10,
  };
}
