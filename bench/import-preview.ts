import { sql } from 'kysely';
import type { DatabaseHandle } from '../src/db/index.ts';
import { TABLE_FILE_MAX_ROWS } from '../src/lib/table-file.ts';
import { multipartBody, signIn } from './long-inputs.ts';
import { DEMO_PASSWORD, isMain, listen, percentile, round, rss, standaloneDatabase } from './support.ts';

/*
 * Importing a list into an event: an organiser uploads a CSV of `rows` people (names in English
 * and Chinese) to POST /manage/events/:slug/import and gets the checked preview back. Each round
 * is a fresh upload of the whole file; the figures are the median and worst answer time and the
 * server's resident memory during the rounds, against the same figures for a file of a tenth of
 * the size (memory that stays flat does not grow with the file). A file of ten times the limit is
 * sent last: it must be refused at once, with nothing staged.
 *
 *   node --expose-gc --import tsx bench/import-preview.ts [--smoke] [--pglite]
 */

export type ImportOptions = { rows: number; rounds: number; handle: DatabaseHandle };
export type UploadTimes = { rows: number; bytes: number; medianMs: number; worstMs: number; peakGrowthMiB: number };
export type ImportReport = {
  event: string; rounds: number; preview: UploadTimes; small: UploadTimes;
  /** The file of ten times the row limit: its answer's status and time, and whether anything was staged. */
  oversized: { rows: number; status: number; ms: number; staged: boolean };
};

const SURNAMES = ['陳', '李', '張', 'Wong', 'Chan', 'Leung', '黃', '林'];
const GIVEN = ['大文', '小明', 'Tai-man', 'Mei-ling', '志強', 'Ka-wai', '嘉欣', 'Siu-ming'];
const SIDES = ['HK', 'GD', 'MO', 'OTHER'];

/** A CSV of `rows` people, with the contract's header. */
export function peopleCsv(rows: number, label: string): Buffer {
  const lines = ['name,email,organisation,side'];
  for (let i = 0; i < rows; i++) {
    const name = `${SURNAMES[i % SURNAMES.length]}${GIVEN[(i >> 3) % GIVEN.length]} ${i}`;
    lines.push(`"${name}",import-${label}-${i}@bench.test,"Organisation ${i % 500}, Ltd",${SIDES[i % SIDES.length]}`);
  }
  return Buffer.from(`${lines.join('\r\n')}\r\n`);
}

export async function importPreview(options: ImportOptions): Promise<ImportReport> {
  const { db } = options.handle;
  const event = (await sql<{ slug: string }>`select e.slug from events e where e.status = 'published' and e.item_id in (
      select ip.item_id from item_parties ip join organisations o on o.id = ip.organisation_id where o.code = 'HKIPD')
    order by e.starts_at desc limit 1`.execute(db)).rows[0];
  if (!event) throw new Error('no event of HKIPD to import into');
  const path = `/manage/events/${event.slug}/import`;
  // The young generation held at V8's starting size (16 MiB semispaces): left free, the first
  // request that allocates hard enough doubles it, 64 MiB of resident memory whatever that request
  // holds (1 500 views of the import form do the same), and the window would measure V8 resizing
  // itself rather than what an import keeps.
  const { url, close } = await listen(options.handle, { nodeArgs: ['--max-semi-space-size=16'] });
  try {
    const sessions = await signIn(async (r) => {
      const res = await fetch(`${url}${r.path}`, {
        method: r.method, headers: r.headers, redirect: 'manual', ...(r.payload ? { body: new Uint8Array(r.payload) } : {}),
      });
      const body = await res.text();
      return { status: res.status, body, headers: Object.fromEntries(res.headers), setCookie: res.headers.getSetCookie() };
    }, DEMO_PASSWORD);
    const upload = async (file: Buffer) => {
      const { contentType, payload } = multipartBody({ _csrf: sessions.csrf, encoding: 'auto' },
        [{ field: 'file', filename: 'people.csv', contentType: 'text/csv', content: file }]);
      const started = performance.now();
      const res = await fetch(`${url}${path}`, {
        method: 'POST', redirect: 'manual', body: new Uint8Array(payload),
        headers: { 'content-type': contentType, cookie: sessions.cookie.organiser },
      });
      const body = await res.text();
      return { status: res.status, body, ms: performance.now() - started };
    };
    const measure = async (rows: number): Promise<UploadTimes> => {
      const file = peopleCsv(rows, `${rows}-${Date.now().toString(36)}`);
      const times: number[] = [];
      const { peakRssMiB, baseRssMiB } = await rss.window(async () => {
        for (let round = 0; round < options.rounds; round++) {
          const answer = await upload(file);
          if (answer.status !== 200 || !answer.body.includes('/import/confirm')) {
            throw new Error(`the preview of ${rows} rows answered ${answer.status}`);
          }
          times.push(answer.ms);
        }
      });
      return {
        rows, bytes: file.length, medianMs: round(percentile(times, 50), 1), worstMs: round(Math.max(...times), 1),
        peakGrowthMiB: round(peakRssMiB - baseRssMiB, 1),
      };
    };
    const small = await measure(Math.max(1, Math.round(options.rows / 10)));
    const preview = await measure(options.rows);
    const stagedBefore = await stagedCount(options.handle);
    const oversizedRows = TABLE_FILE_MAX_ROWS * 10;
    const tooMany = await upload(peopleCsv(oversizedRows, 'oversized'));
    const staged = (await stagedCount(options.handle)) !== stagedBefore;
    return {
      event: event.slug, rounds: options.rounds, preview, small,
      oversized: { rows: oversizedRows, status: tooMany.status, ms: round(tooMany.ms, 1), staged },
    };
  } finally {
    await close();
  }
}

const stagedCount = async (handle: DatabaseHandle) =>
  Number((await sql<{ n: string }>`select count(*) as n from registration_imports`.execute(handle.db)).rows[0]!.n);

export const IMPORT = { full: { rows: 10_000, rounds: 5 }, smoke: { rows: 200, rounds: 1 } };

if (isMain(import.meta)) {
  const handle = await standaloneDatabase();
  try {
    console.log(JSON.stringify(await importPreview({ ...(process.argv.includes('--smoke') ? IMPORT.smoke : IMPORT.full), handle }), null, 2));
  } finally {
    await handle.close();
  }
}
