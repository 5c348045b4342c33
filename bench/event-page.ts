import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import type { DatabaseHandle } from '../src/db/index.ts';
import { isMain, listen, load, type LoadResult, standaloneDatabase } from './support.ts';

/*
 * The public event page, GET /events/:slug, as fast as `connections` connections can fetch it,
 * against the baseline of a hello-world Fastify route served by the same process in the same run:
 * what the stack itself allows before the app does anything.
 *
 *   node --expose-gc --import tsx bench/event-page.ts [--smoke] [--pglite]
 */

export type PageOptions = { seconds: number; connections: number; inProcess?: boolean; handle: DatabaseHandle };
/** `floor`: the app's /healthz (its plugins and hooks, one `select 1`), to show where the rest goes. */
export type PageReport = { path: string; page: LoadResult; baseline: LoadResult; floor: LoadResult };

export const EVENT_SLUG = 'sme-seminar-2019';

/** A bare Fastify route answering "hello world", beside the app in this process. */
export async function helloWorld(options: { seconds: number; connections: number; inProcess?: boolean }): Promise<LoadResult> {
  const hello = Fastify({ logger: false });
  hello.get('/', async () => 'hello world');
  await hello.listen({ port: 0, host: '127.0.0.1' });
  try {
    const { port } = hello.server.address() as AddressInfo;
    return await load({ url: `http://127.0.0.1:${port}/`, connections: options.connections, seconds: options.seconds, inProcess: options.inProcess ?? false });
  } finally {
    await hello.close();
  }
}

/** GETs `path` of the running app for `seconds`; every answer must be a 200. */
export async function pageLoad(
  url: string, path: string, options: { seconds: number; connections: number; inProcess?: boolean; headers?: Record<string, string> },
) {
  const first = await fetch(`${url}${path}`, { headers: options.headers ?? {} });
  if (first.status !== 200) throw new Error(`${path} answered ${first.status}`);
  await first.arrayBuffer();
  const result = await load({ url: `${url}${path}`, connections: options.connections, seconds: options.seconds, inProcess: options.inProcess ?? false, ...(options.headers ? { headers: options.headers } : {}) });
  const other = Object.entries(result.statuses).filter(([code]) => code !== '200');
  if (other.length > 0 || result.errors > 0) throw new Error(`${path} answered ${JSON.stringify(result.statuses)} with ${result.errors} errors`);
  return result;
}

export async function eventPage(options: PageOptions): Promise<PageReport> {
  const { url, close } = await listen(options.handle);
  const path = `/events/${EVENT_SLUG}`;
  let page: LoadResult;
  let floor: LoadResult;
  try {
    page = await pageLoad(url, path, options);
    floor = await pageLoad(url, '/healthz', options);
  } finally {
    await close();
  }
  // Last: at tens of thousands of answers a second it leaves the heap larger than the app would.
  const baseline = await helloWorld(options);
  return { path, page, baseline, floor };
}

export const PAGE = { full: { seconds: 10, connections: 10 }, smoke: { seconds: 1, connections: 2, inProcess: true } };

if (isMain(import.meta)) {
  const handle = await standaloneDatabase();
  try {
    console.log(JSON.stringify(await eventPage({ ...(process.argv.includes('--smoke') ? PAGE.smoke : PAGE.full), handle }), null, 2));
  } finally {
    await handle.close();
  }
}
