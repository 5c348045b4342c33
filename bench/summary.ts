import { sql } from 'kysely';
import type { DatabaseHandle } from '../src/db/index.ts';
import { EVENT_SLUG, pageLoad } from './event-page.ts';
import { isMain, listen, type LoadResult, round, standaloneDatabase } from './support.ts';

/*
 * The yearly summary, GET /periods/2018-19, with `registrations` registrations and `checkIns`
 * check-ins spread over the year's events, against the baseline of the event page measured in
 * the same run on the same data.
 *
 *   node --expose-gc --import tsx bench/summary.ts [--smoke] [--pglite]
 */

export type SummaryOptions = {
  registrations: number; checkIns: number; seconds: number; connections: number; inProcess?: boolean; handle: DatabaseHandle;
};
export type SummaryReport = { registrations: number; checkIns: number; loadSeconds: number; page: LoadResult; baseline: LoadResult };

export const PERIOD_SLUG = '2018-19';

/** Adds registrations (confirmed, every n-th checked in) spread evenly over the period's events. */
export async function loadRegistrations(handle: DatabaseHandle, registrations: number, checkIns: number, periodSlug = PERIOD_SLUG) {
  const every = Math.max(1, Math.floor(registrations / Math.max(1, checkIns)));
  const label = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  await sql`
    with ev as (
      select e.id, row_number() over (order by e.id) - 1 as k, count(*) over () as n
      from events e join items i on i.id = e.item_id join periods p on p.id = i.period_id
      where p.slug = ${periodSlug}
    )
    insert into registrations (event_id, name, email, organisation, side, status, answers, token_hash, checked_in_at, created_at)
    select ev.id, 'Participant ' || g, 'summary-' || ${label} || '-' || g || '@bench.test', 'Organisation ' || (g % 300),
      (array['HK', 'GD', 'MO', 'OTHER'])[1 + g % 4], 'confirmed', '{}', md5(${label} || g) || md5('s' || g),
      case when g % ${every} = 0 and g / ${every} <= ${checkIns} then p.starts_on::timestamptz + interval '1 day' else null end,
      p.starts_on::timestamptz
    from generate_series(1, ${registrations}) g
    join ev on ev.k = g % ev.n
    cross join periods p where p.slug = ${periodSlug}`.execute(handle.db);
  await sql`analyze registrations`.execute(handle.db);
}

export async function summaryPage(options: SummaryOptions): Promise<SummaryReport> {
  const started = performance.now();
  await loadRegistrations(options.handle, options.registrations, options.checkIns);
  const loadSeconds = round((performance.now() - started) / 1000, 1);
  const { url, close } = await listen(options.handle);
  try {
    const page = await pageLoad(url, `/periods/${PERIOD_SLUG}`, options);
    const baseline = await pageLoad(url, `/events/${EVENT_SLUG}`, options);
    return { registrations: options.registrations, checkIns: options.checkIns, loadSeconds, page, baseline };
  } finally {
    await close();
  }
}

export const SUMMARY = {
  full: { registrations: 100_000, checkIns: 20_000, seconds: 10, connections: 10 },
  smoke: { registrations: 500, checkIns: 100, seconds: 1, connections: 2, inProcess: true },
};

if (isMain(import.meta)) {
  const handle = await standaloneDatabase();
  try {
    console.log(JSON.stringify(await summaryPage({ ...(process.argv.includes('--smoke') ? SUMMARY.smoke : SUMMARY.full), handle }), null, 2));
  } finally {
    await handle.close();
  }
}
