import { sql } from 'kysely';
import type { DatabaseHandle } from '../src/db/index.ts';
import { createApiToken } from '../src/modules/api/tokens.ts';
import { EVENT_SLUG, pageLoad } from './event-page.ts';
import { isMain, listen, type LoadResult, percentile, round, standaloneDatabase } from './support.ts';

/*
 * The JSON API: paging through an event's 100 000 registrations by cursor, 500 a page, as a
 * site mirroring its registrations would; and the API's read of an event (JSON, with its counts
 * and questions) against the public HTML page of the same event, both under the same load in
 * the same run.
 *
 *   node --expose-gc --import tsx bench/api.ts [--smoke] [--pglite]
 */

export type ApiReport = {
  paging: { rows: number; pages: number; seconds: number; rowsPerSecond: number; pageP50Ms: number; pageP99Ms: number;
    firstPageMs: number; lastPageMs: number };
  eventRead: { api: LoadResult; html: LoadResult };
};

export async function apiBench(options: { rows: number; pageSize: number; seconds: number; connections: number; inProcess?: boolean;
  handle: DatabaseHandle }): Promise<ApiReport> {
  const { handle } = options;
  const template = await handle.db.selectFrom('events').selectAll().where('slug', '=', EVENT_SLUG).executeTakeFirstOrThrow();
  const slug = `api-bench-${Date.now()}`;
  const event = await handle.db.insertInto('events').values({
    item_id: template.item_id, slug, kind: 'seminar', title: 'API bench', starts_at: template.starts_at, ends_at: template.ends_at,
    status: 'closed',
  }).returning('id').executeTakeFirstOrThrow();
  await sql`insert into registrations (event_id, name, email, organisation, side, status, answers, token_hash, checked_in_at)
    select ${event.id}, '參加者 Participant ' || g, 'api-' || g || '@bench.test', 'Organisation ' || (g % 500), 'HK', 'confirmed', '{}',
      md5('api' || g || ${slug}) || md5('bench' || g), case when g % 3 = 0 then now() else null end
    from generate_series(1, ${options.rows}) g`.execute(handle.db);
  await sql`analyze registrations`.execute(handle.db);
  const admin = await handle.db.selectFrom('users').select('id').where('email', '=', 'admin@ipcoop.test').executeTakeFirstOrThrow();
  const { token } = await createApiToken(handle.db, null, admin.id, { name: 'bench', scopes: ['read'], days: 1 });
  const authorization = `Bearer ${token}`;

  const { url, close } = await listen(handle);
  try {
    const latencies: number[] = [];
    let rows = 0;
    let cursor: string | null = null;
    const started = performance.now();
    do {
      const at = performance.now();
      const res = await fetch(`${url}/api/v1/events/${slug}/registrations?limit=${options.pageSize}${cursor ? `&cursor=${cursor}` : ''}`,
        { headers: { authorization } });
      if (res.status !== 200) throw new Error(`a page answered ${res.status}`);
      const body = await res.json() as { data: unknown[]; next_cursor: string | null };
      latencies.push(performance.now() - at);
      rows += body.data.length;
      cursor = body.next_cursor;
    } while (cursor);
    const seconds = (performance.now() - started) / 1000;
    if (rows !== options.rows) throw new Error(`paged ${rows} rows of ${options.rows}`);

    const load = { seconds: options.seconds, connections: options.connections, inProcess: options.inProcess ?? false };
    const api = await pageLoad(url, `/api/v1/events/${EVENT_SLUG}`, { ...load, headers: { authorization } });
    const html = await pageLoad(url, `/events/${EVENT_SLUG}`, load);
    return {
      paging: {
        rows, pages: latencies.length, seconds: round(seconds, 2), rowsPerSecond: Math.round(rows / seconds),
        pageP50Ms: round(percentile(latencies, 50), 1), pageP99Ms: round(percentile(latencies, 99), 1),
        firstPageMs: round(latencies[0] ?? 0, 1), lastPageMs: round(latencies.at(-1) ?? 0, 1),
      },
      eventRead: { api, html },
    };
  } finally {
    await close();
  }
}

export const API = {
  full: { rows: 100_000, pageSize: 500, seconds: 10, connections: 10 },
  smoke: { rows: 2_000, pageSize: 500, seconds: 1, connections: 2, inProcess: true },
};

if (isMain(import.meta)) {
  const handle = await standaloneDatabase();
  try {
    console.log(JSON.stringify(await apiBench({ ...(process.argv.includes('--smoke') ? API.smoke : API.full), handle }), null, 2));
  } finally {
    await handle.close();
  }
}
