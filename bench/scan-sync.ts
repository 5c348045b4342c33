import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import type { DatabaseHandle } from '../src/db/index.ts';
import { hashToken, newToken } from '../src/lib/tokens.ts';
import { createMailTransport } from '../src/modules/mail/transport.ts';
import { ticketCode } from '../src/modules/registrations/ticket.ts';
import { DEMO_PASSWORD, isMain, percentile, round, standaloneDatabase } from './support.ts';

/*
 * Phones back online after the door: `devices` scanners each send the `scans` they kept while
 * offline to POST /manage/events/:slug/scan/sync, in batches of `batch` as the scanner does, all
 * devices at once. Neighbouring devices scanned `overlap` of the same people, so the server also
 * settles duplicates (one check-in, the earliest; the other scan logged). Afterwards the check-ins
 * and the log are counted; then every batch is sent again, which must change nothing.
 *
 * The app runs in this process on both databases: the work measured is the database's (one
 * transaction per batch, rows locked in id order).
 *
 *   node --expose-gc --import tsx bench/scan-sync.ts [--smoke] [--pglite]
 */

export type ScanSyncOptions = { devices: number; scans: number; overlap: number; batch: number; handle: DatabaseHandle };

export type ScanSyncReport = {
  devices: number; scansPerDevice: number; batch: number; requests: number;
  syncMs: number; scansPerSecond: number; batchP50Ms: number; batchMaxMs: number;
  replayMs: number; checkedIn: number; expectedCheckedIn: number; logged: number; duplicates: number; expectedDuplicates: number;
  replayChanged: boolean; ok: boolean;
};

export const SCAN_SYNC = {
  full: { devices: 4, scans: 250, overlap: 50, batch: 200 },
  smoke: { devices: 2, scans: 20, overlap: 5, batch: 10 },
} as const;

async function doorEvent(handle: DatabaseHandle, people: number) {
  // An item HKIPD is party to, so that its organiser reaches the event.
  const template = await handle.db.selectFrom('events').where('slug', '=', 'sme-seminar-2019')
    .select(['item_id', 'starts_at', 'ends_at']).executeTakeFirstOrThrow();
  const event = await handle.db.insertInto('events').values({
    item_id: template.item_id, slug: `door-${Date.now()}`, kind: 'forum', title: 'Scan sync', starts_at: template.starts_at,
    ends_at: template.ends_at, capacity: people, status: 'published',
  }).returning(['id', 'slug']).executeTakeFirstOrThrow();
  const codes: string[] = [];
  for (let from = 0; from < people; from += 500) {
    const rows = Array.from({ length: Math.min(500, people - from) }, (_, i) => {
      const tokenHash = hashToken(newToken());
      codes.push(ticketCode(tokenHash));
      return {
        event_id: event.id, name: `Guest ${from + i}`, email: `guest${from + i}@door.test`, organisation: 'Door Ltd', side: 'HK' as const,
        status: 'confirmed' as const, answers: '{}', token_hash: tokenHash,
      };
    });
    await handle.db.insertInto('registrations').values(rows).execute();
  }
  return { ...event, codes };
}

/** An organiser's session over HTTP, with the CSRF token of its pages. */
async function signIn(url: string) {
  const cookies = new Map<string, string>();
  const keep = (res: Response) => {
    for (const c of res.headers.getSetCookie()) {
      const [pair = ''] = c.split(';');
      const eq = pair.indexOf('=');
      cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
  };
  const header = () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const page = await fetch(`${url}/login`);
  keep(page);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
  const body = new URLSearchParams({ _csrf: csrf, email: 'organiser@hkipd.test', password: DEMO_PASSWORD });
  const login = await fetch(`${url}/login`, { method: 'POST', body, headers: { cookie: header() }, redirect: 'manual' });
  keep(login);
  if (login.status !== 303) throw new Error(`sign-in failed: ${login.status}`);
  return { cookie: header(), csrf };
}

export async function scanSync(options: ScanSyncOptions): Promise<ScanSyncReport> {
  const { handle, devices, scans, overlap, batch } = options;
  const step = scans - overlap;
  const people = step * (devices - 1) + scans;
  const event = await doorEvent(handle, people);
  const config = loadConfig({
    LOG_LEVEL: 'silent', BASE_URL: 'http://127.0.0.1', DATA_DIR: join(tmpdir(), 'ipcoop-bench'), DEMO_PASSWORD, RATE_LIMITS: 'off',
  });
  const mailTransport = createMailTransport({ dataDir: config.dataDir, from: config.mailFrom });
  const app = await buildApp({ config, db: handle.db, logger: false, mailTransport });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  try {
    const session = await signIn(url);
    // Each device's queue, oldest first; its scans a second apart, the devices staggered, so that
    // who was first differs from person to person.
    const start = Date.now() - 3_600_000;
    const queues = Array.from({ length: devices }, (_, d) => Array.from({ length: scans }, (_, i) => ({
      id: randomUUID(), action: 'in', code: event.codes[d * step + i], at: new Date(start + i * 1000 + ((d * 7919) % 5000)).toISOString(),
    })));
    const latencies: number[] = [];
    const send = async (device: number, scansOf: unknown[]) => {
      const began = performance.now();
      const res = await fetch(`${url}/manage/events/${event.slug}/scan/sync`, {
        method: 'POST', body: JSON.stringify({ device: `Door ${device + 1}`, scans: scansOf }),
        headers: { 'content-type': 'application/json', accept: 'application/json', 'x-csrf-token': session.csrf, cookie: session.cookie },
      });
      await res.arrayBuffer();
      latencies.push(performance.now() - began);
      if (res.status !== 200) throw new Error(`sync answered ${res.status}`);
    };
    const syncAll = async () => {
      const began = performance.now();
      await Promise.all(queues.map(async (queue, d) => {
        for (let from = 0; from < queue.length; from += batch) await send(d, queue.slice(from, from + batch));
      }));
      return performance.now() - began;
    };
    const syncMs = await syncAll();
    const firstLatencies = [...latencies];
    const counted = async () => handle.db.selectFrom('checkins').where('event_id', '=', event.id).select([
      sql<number>`count(*)::int`.as('logged'),
      sql<number>`count(*) filter (where outcome = 'duplicate')::int`.as('duplicates'),
      sql<number>`(select count(*) from registrations r where r.event_id = ${event.id} and r.checked_in_at is not null)::int`.as('checkedIn'),
    ]).executeTakeFirstOrThrow();
    const after = await counted();
    const replayMs = await syncAll();
    const replayed = await counted();
    const total = devices * scans;
    const expectedDuplicates = overlap * (devices - 1);
    const report: ScanSyncReport = {
      devices, scansPerDevice: scans, batch, requests: firstLatencies.length,
      syncMs: round(syncMs), scansPerSecond: round(total / (syncMs / 1000)),
      batchP50Ms: percentile(firstLatencies, 50), batchMaxMs: percentile(firstLatencies, 100), replayMs: round(replayMs),
      checkedIn: after.checkedIn, expectedCheckedIn: people, logged: after.logged, duplicates: after.duplicates, expectedDuplicates,
      replayChanged: JSON.stringify(after) !== JSON.stringify(replayed), ok: false,
    };
    report.ok = report.checkedIn === people && report.logged === total && report.duplicates === expectedDuplicates && !report.replayChanged;
    return report;
  } finally {
    await app.close();
  }
}

if (isMain(import.meta)) {
  const handle = await standaloneDatabase();
  try {
    const report = await scanSync({ ...(process.argv.includes('--smoke') ? SCAN_SYNC.smoke : SCAN_SYNC.full), handle });
    console.log(JSON.stringify({ database: handle.kind, ...report }, null, 2));
    if (!report.ok) process.exitCode = 1;
  } finally {
    await handle.close();
  }
}
