import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { languageLinks } from './language.ts';

/*
 * Rendered public pages, kept in each server's memory and served again only while nothing they
 * show has changed. Each page names a version: change counters read from the database *before*
 * the page's data (migrations/2026-11-26T07-00_page-versions.ts), which triggers move in the
 * same transaction as every write the page could show. Reading the counters first means a page
 * is never older than the version it is stored under; a write committed after that read moves
 * the counters, so the next request renders afresh. Exact, and the same on every instance.
 *
 * Only what is the same for every anonymous visitor is cached: signed-in pages (navigation,
 * drill-down links) are rendered every time. A page is keyed by its route's parameters, its
 * language and the query parameters it declares it reads (`PageParams`); other parameters are
 * ignored. The one per-visitor part of an anonymous page, its CSRF token, is left as a slot in the
 * stored copy and filled in on the way out.
 */

/**
 * A stored page: encoded as UTF-8 once, not on every response (for a 40 KB summary that encoding
 * was a fifth of the server's CPU), and split where the CSRF token goes.
 */
type Entry = { version: string; parts: Buffer[]; until: number; type?: string };

export type PageRender = (
  | { template: string; data: Record<string, unknown> }
  /** A file rather than a page (a calendar feed): sent as it is, with its content type. */
  | { body: string; type: string }
) & {
  /** When the page changes with the clock alone (a registration window opening or closing). */
  until?: Date | null;
};

/** A bounded map, least recently used first out. */
export class PageCache {
  readonly #entries = new Map<string, Entry>();
  readonly #rendering = new Map<string, Promise<Entry>>();
  // Random per process, so that no stored text can contain it by accident or design.
  readonly slot = `csrf-${randomBytes(12).toString('hex')}`;
  readonly reads = new SharedReads();
  hits = 0;
  misses = 0;

  readonly capacity: number;

  constructor(capacity = 500) {
    this.capacity = capacity;
  }

  get(key: string, version: string, now: number): Entry | undefined {
    const entry = this.#entries.get(key);
    if (!entry || entry.version !== version || now >= entry.until) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry;
  }

  set(key: string, entry: Entry): void {
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    if (this.#entries.size > this.capacity) this.#entries.delete(this.#entries.keys().next().value as string);
  }

  /**
   * The page for a key at a version, rendered by one request while the others asking for it
   * wait: after a change, a popular page is rendered once, not once per request in flight.
   * (Any request that read this version may take this rendering: its data was read after the
   * version, and a write committed before the later request arrived would have moved it.)
   */
  renderOnce(key: string, version: string, render: () => Promise<Entry>): Promise<Entry> {
    const id = `${version} ${key}`;
    let pending = this.#rendering.get(id);
    if (!pending) {
      pending = render().then((entry) => { this.set(key, entry); return entry; }).finally(() => this.#rendering.delete(id));
      this.#rendering.set(id, pending);
    }
    return pending;
  }

  get size(): number {
    return this.#entries.size;
  }
}

/**
 * Reads of one version, shared between the requests waiting for it. A request never takes the
 * answer of a read that began before it arrived — a write committed in between would be missed —
 * but every request arriving while a read is under way shares the *next* one, which begins after
 * all of them. Under load that is one round trip to the database for many requests, and each
 * still sees every write committed before it arrived.
 */
export class SharedReads {
  readonly #reads = new Map<string, { running: Promise<string | null>; next: Promise<string | null> | null }>();

  read(key: string, fetch: () => Promise<string | null>): Promise<string | null> {
    const state = this.#reads.get(key);
    if (!state) {
      const running = fetch().finally(() => {
        const current = this.#reads.get(key);
        if (current?.running === running && !current.next) this.#reads.delete(key);
      });
      this.#reads.set(key, { running, next: null });
      return running;
    }
    state.next ??= state.running.then(() => undefined, () => undefined).then(() => {
      this.#reads.delete(key);
      return this.read(key, fetch);
    });
    return state.next;
  }
}

/**
 * Query parameters a cached page reads, each with what its value means to the page (null: as if
 * absent). Any other parameter (`?x=1`, `?utm_source=…`) is ignored: it neither makes a new page
 * nor skips the cache, so no one can make the server render afresh by varying the address.
 */
export type PageParams = Readonly<Record<string, (value: string) => string | null>>;

/** A page's cache key and its address with the parameters it reads alone, or null when it is not the same for every anonymous visitor. */
function keyOf(request: FastifyRequest, reply: FastifyReply, params: PageParams): { key: string; url: string } | null {
  // A page carrying a notice for this visitor ("Your registration is cancelled.") is theirs alone.
  if (request.method !== 'GET' || request.user || reply.locals?.notice) return null;
  const route = request.routeOptions.url;
  if (!route) return null;
  // The route's pattern and its decoded parameters: `/periods/%32018-19` is the page `/periods/2018-19`.
  const values = request.params as Record<string, string | undefined>;
  const path = route.includes(':') ? route.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(values[name] ?? '')) : route;
  // Every cached page pays for this on every request: plain strings, no URLSearchParams.
  let search = '';
  for (const name in params) {
    const raw = (request.query as Record<string, unknown>)[name];
    const value = typeof raw === 'string' ? params[name]!(raw) : null;
    if (value !== null) search += `${search ? '&' : '?'}${encodeURIComponent(name)}=${encodeURIComponent(value)}`;
  }
  const url = path + search;
  return { key: `${request.locale} ${url}`, url };
}

/** What a public page is cached under: a name for its version, and how to read it (null: no such page). */
export type PageVersion = { name: string; read: () => Promise<string | null> };

/**
 * Sends a public page: from the cache while its version (counters read before the page's data)
 * is unchanged, else rendered by `render` — which may throw as a route does — and stored.
 */
export async function sendPublicPage(
  request: FastifyRequest, reply: FastifyReply, version: PageVersion, render: () => Promise<PageRender>,
  params: PageParams = {},
): Promise<FastifyReply> {
  const cache = request.server.pageCache;
  const page = keyOf(request, reply, params);
  const key = page?.key;
  const current = key ? await cache.reads.read(version.name, version.read) : null;
  const cached = key && current ? cache.get(key, current, Date.now()) : undefined;
  if (cached) {
    cache.hits++;
    return sendEntry(reply, cached);
  }
  if (!page || !key || !current) {
    const rendered = await render();
    return 'body' in rendered ? reply.type(rendered.type).send(rendered.body) : reply.view(rendered.template, rendered.data);
  }
  const entry = await cache.renderOnce(key, current, async () => {
    const rendered = await render();
    cache.misses++;
    if ('body' in rendered) {
      return { version: current, parts: [Buffer.from(rendered.body)], until: rendered.until?.getTime() ?? Infinity, type: rendered.type };
    }
    // The stored page links to itself in the other languages by its own address, not by the
    // address (and stray parameters) of the request that happened to render it.
    const languages = languageLinks(page.url, request.locale);
    const html: string = await reply.viewAsync(rendered.template, { ...rendered.data, languages, csrf: () => cache.slot });
    const parts = html.split(cache.slot).map((part) => Buffer.from(part));
    return { version: current, parts, until: rendered.until?.getTime() ?? Infinity };
  });
  return sendEntry(reply, entry);
}

/** The stored page, with this visitor's CSRF token where the form needs one. */
function sendEntry(reply: FastifyReply, entry: Entry): FastifyReply {
  const [first, ...rest] = entry.parts;
  let body = first!;
  if (rest.length) {
    const token = Buffer.from(reply.generateCsrf());
    body = Buffer.concat([first!, ...rest.flatMap((part) => [token, part])]);
  }
  return reply.type(entry.type ?? 'text/html; charset=utf-8').send(body);
}
