import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { Test } from 'tap';
import type { LightMyRequestResponse } from 'fastify';
import {
  formPayload, LANGUAGES, LONG_TEXTS, longInputCases, longInputForms, rowCounts, type Send, signIn,
} from '../../bench/long-inputs.ts';
import { startSession } from '../../src/modules/auth/service.ts';
import { hashToken, newToken } from '../../src/lib/tokens.ts';
import { Agent } from '../helpers/agent.ts';
import { build } from '../helpers/app.ts';
import { DEMO_PASSWORD } from '../helpers/database.ts';

/*
 * The hostile-input battery. Every POST route the app registers (found in app.routeAccess, so a
 * new form is covered or the test fails) takes a realistic valid body — read from the form on
 * the page the route belongs to — and is posted a battery of mutations of it: fields missing,
 * unexpected fields, over-long values, control characters and invalid UTF-8, markup, SQL
 * metacharacters, wrong types and repeated keys, wrong content types, an oversized body and a
 * missing or forged CSRF token. Then every page is read, and read again with hostile query
 * parameters.
 *
 * For every answer: never a 5xx; a refusal (4xx) stores nothing — the row counts of every table
 * and the rows of the tables the route edits are unchanged — and an HTML form refused with 400
 * says what is wrong; an input that stays valid may be accepted (303, or 200 where the form
 * answers in place), and markup is never sent back live, in the answer or, once stored, on any
 * page or in any email that shows it. Where the form says a field is required, or bounds it
 * (maxlength, a number, a date, a choice), the mutation must be refused.
 *
 * No route is skipped: the file works on its own copy of the database. Routes that destroy by
 * design (withdraw, delete, sign out, end sessions, publish) act on rows of their own, and the
 * forms whose state others change come before them.
 *
 * A second battery sends long inputs in every language (bench/long-inputs.ts: English, Traditional
 * and Simplified Chinese, a phrase repeated, 64 K of one character, right-to-left text and combining
 * marks, NUL bytes, lone surrogates; 16 KB and more) through the public forms, the entry upload's
 * file name and the organisers' forms, in each page language: each is refused with a 4xx, the
 * message beside its field, and nothing stored. How fast they are refused is for the benchmark.
 */

type Persona = 'anonymous' | 'organiser' | 'admin' | 'judge' | 'account';
const emails: Record<Exclude<Persona, 'anonymous'>, string> = {
  organiser: 'organiser@hkipd.test',
  admin: 'admin@ipcoop.test',
  judge: 'judge1@ipcoop.test',
  // Account forms change the password and end sessions: a user the other forms do not use.
  account: 'judge3@ipcoop.test',
};

type Kind = 'text' | 'email' | 'password' | 'number' | 'date' | 'datetime-local' | 'time' | 'select' | 'checkbox'
  | 'radio' | 'hidden' | 'textarea' | 'file' | 'url' | 'tel' | 'search';
type Field = { name: string; kind: Kind; value: string; required: boolean; optional: boolean; maxlength?: number; options?: string[] };
type Body = Record<string, string | string[]>;

type Fixture = {
  route: string;
  url: string;
  persona: Persona;
  /** The page whose form posts to `url`; its inputs give the valid body. */
  page?: string;
  /** Values laid over (or instead of) the form's. */
  base?: Body;
  /** Tables the route edits in place (`table` or `table where …`): their rows must not change on a refusal. */
  watch?: string[];
  /** A fresh session for every request (routes that end the session they are given). */
  freshSession?: boolean;
  /**
   * RFC 8058's one-click unsubscribe: mail software posts it with no page of ours before it, so
   * it takes no CSRF token (the token in its address is the authority) and takes multipart too.
   */
  oneClick?: boolean;
};

// Closes an attribute and opens an element, and opens a script: escaped, both stay text.
const MARKUP = '"><img src=x onerror=alert(1)><script>alert(1)</script>';
const LIVE_MARKUP = /<script>alert\(1\)<\/script>|<img src=x onerror=alert\(1\)>/i;
const SQL_META = ["' OR 1=1 --", "'; DROP TABLE registrations; --"];
const CONTROL = 'Ada\u0000\u0007\u001b[31m\u2028Love\u0085lace';
const LONG = 'x'.repeat(100_000);
const HOSTILE_QUERY = ['q', 'item', 'next', 'done', 'saved', 'side', 'status', 'tier', 'minors', 'contact', 'page', 'sort', 'entity', 'user']
  .map((k, i) => `${k}=${['A%00%FF%FE', encodeURIComponent(MARKUP), encodeURIComponent("' OR 1=1 --"), '999999999999999999999', '-1', '1e309'][i % 6]}`)
  .concat(['q=1&q=2', 'next=%2F%2Fevil.example', 'done=%3Cscript%3Ealert(1)%3C%2Fscript%3E']).join('&');
const TYPED: Kind[] = ['number', 'date', 'datetime-local', 'time', 'select'];
const TEXTUAL: Kind[] = ['text', 'email', 'password', 'textarea', 'url', 'tel', 'search'];

// ---------------------------------------------------------------------------------------------
// Reading forms out of pages.

const decode = (s: string) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

function attrs(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of tag.matchAll(/([A-Za-z_:][-\w:.]*)(?:\s*=\s*"([^"]*)")?/g)) out[m[1]!.toLowerCase()] = decode(m[2] ?? '');
  return out;
}

function findForm(html: string, action: string): { multipart: boolean; fields: Field[]; button?: [string, string] } | null {
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
    const a = attrs(m[1]!);
    if ((a.action ?? '').split('?')[0] !== action) continue;
    const inner = m[2]!;
    const optionalIds = new Set([...inner.matchAll(/<label for="([^"]+)">(?:(?!<\/label>)[\s\S])*\(optional\)/g)].map((x) => x[1]));
    const fields: Field[] = [];
    const field = (tagAttrs: Record<string, string>, kind: Kind, value: string, options?: string[]) => {
      if (!tagAttrs.name || tagAttrs.name === '_csrf') return;
      fields.push({
        name: tagAttrs.name, kind, value, options,
        required: 'required' in tagAttrs, optional: optionalIds.has(tagAttrs.id ?? ''),
        maxlength: tagAttrs.maxlength ? Number(tagAttrs.maxlength) : undefined,
      });
    };
    // In document order, so the body reads like the browser's.
    for (const el of inner.matchAll(/<(input|select|textarea|button)\b([^>]*)>(?:([\s\S]*?)<\/\1>)?/g)) {
      const tag = el[1]!;
      const at = attrs(el[2]!);
      if (tag === 'input') {
        const type = (at.type ?? 'text').toLowerCase() as Kind | 'submit';
        if (type === 'submit' || (type as string) === 'button') continue;
        if (type === 'checkbox' && !('checked' in at) && !('required' in at)) continue;
        if (type === 'radio') {
          if (fields.some((f) => f.name === at.name)) {
            if ('checked' in at) fields.find((f) => f.name === at.name)!.value = at.value ?? 'on';
            continue;
          }
        }
        field(at, type, at.value ?? (type === 'checkbox' ? 'on' : ''));
      } else if (tag === 'select') {
        const opts = [...(el[3] ?? '').matchAll(/<option\b([^>]*)>/g)].map((o) => attrs(o[1]!));
        const values = opts.map((o) => o.value ?? '');
        const selected = opts.find((o) => 'selected' in o)?.value ?? values.find((v) => v !== '') ?? '';
        if ('multiple' in at) { if (selected) field(at, 'select', selected, values); continue; }
        field(at, 'select', selected, values);
      } else if (tag === 'textarea') {
        field(at, 'textarea', decode(el[3] ?? ''));
      } else if (tag === 'button' && at.name && (at.type ?? 'submit') === 'submit' && !fields.some((f) => f.kind === 'hidden' && f.name === '__button')) {
        fields.push({ name: '__button', kind: 'hidden', value: `${at.name}=${at.value ?? ''}`, required: false, optional: true });
      }
    }
    const buttonField = fields.find((f) => f.name === '__button');
    const button = buttonField ? buttonField.value.split('=') as [string, string] : undefined;
    return { multipart: /multipart/i.test(a.enctype ?? ''), fields: fields.filter((f) => f.name !== '__button'), button };
  }
  return null;
}

let serial = 0;
/** A valid value for an empty field the person would have to fill in. */
function fill(f: Field): string {
  if (f.value !== '' || f.kind === 'hidden') return f.value;
  const n = `${process.pid}${++serial}`;
  const name = f.name.toLowerCase();
  if (f.kind === 'email' || /email/.test(name)) return `hostile.${n}@example.org`;
  if (f.kind === 'password' || /password/.test(name)) return 'a-long-enough-passphrase-2026';
  if (f.kind === 'number') return '5';
  if (f.kind === 'date') return '2027-03-01';
  if (f.kind === 'datetime-local') return '2027-03-01T10:00';
  if (f.kind === 'time') return '10:00';
  if (f.kind === 'url') return 'https://example.org/';
  if (f.kind === 'tel' || /phone/.test(name)) return '+852 5555 0100';
  if (f.kind === 'checkbox') return 'on';
  if (/name/.test(name)) return 'Ada Lovelace';
  if (f.kind === 'textarea') return 'A few sentences of ordinary text.';
  return `Ordinary text ${n}`;
}

// ---------------------------------------------------------------------------------------------
// Bodies on the wire.

const urlencoded = (csrf: string | null, body: Body) => {
  const p = new URLSearchParams();
  if (csrf !== null) p.append('_csrf', csrf);
  for (const [k, v] of Object.entries(body)) for (const item of [v].flat()) p.append(k, item);
  return p.toString();
};

const BOUNDARY = '----hostile-boundary-7MA4YWxkTrZu0gW';
function multipart(csrf: string | null, body: Body, raw?: Buffer): Buffer {
  const parts: Buffer[] = [];
  const add = (name: string, value: string | Buffer) => parts.push(
    Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n`), Buffer.from(value), Buffer.from('\r\n'));
  if (csrf !== null) add('_csrf', csrf);
  for (const [k, v] of Object.entries(body)) for (const item of [v].flat()) add(k, item);
  if (raw) add('raw_bytes', raw);
  parts.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(parts);
}

type Mutation = {
  category: string;
  label: string;
  /** What answers are right: 'refused' (4xx only), or 'either' (4xx, or 303 as valid input). */
  expect: 'refused' | 'either' | 403 | 413 | 415;
  body?: Body;
  /** A body sent as is, with its content type. */
  raw?: { contentType: string; payload: string | Buffer };
  /** Markup that, once stored, must show escaped wherever it is shown. */
  marks?: boolean;
  /** The one field the mutation changes. */
  field?: string;
  /**
   * The value goes into all these fields at once; the fields the form refuses it in (a field
   * error beside them) get their valid value back and the rest are sent again, so every field
   * that takes the value stores it.
   */
  spread?: { fields: string[]; value: (name: string) => string | string[] };
};

const encoder = (multipartForm: boolean, csrf: string) => (body: Body, token: string | null = csrf) => multipartForm
  ? { contentType: `multipart/form-data; boundary=${BOUNDARY}`, payload: multipart(token, body) }
  : { contentType: 'application/x-www-form-urlencoded', payload: urlencoded(token, body) };

function mutations(fields: Field[], base: Body, multipartForm: boolean, csrf: string, oneClick = false): Mutation[] {
  const out: Mutation[] = [];
  const names = Object.keys(base);
  const fieldOf = (name: string) => fields.find((f) => f.name === name);
  const withValue = (name: string, value: string | string[]) => ({ ...base, [name]: value });
  const encode = encoder(multipartForm, csrf);

  // The fields of the second and later rows of a repeating group (members, visits) are sent
  // valid; those of the first row take the battery.
  const rowOf = (n: string) => /^[a-z]+_\d+_|^[a-z]+_[a-z]+_\d+$/.test(n) ? /\d+/.exec(n) : null;
  const firstRow = new Map<string, number>();
  for (const n of names) {
    const row = rowOf(n);
    if (row) firstRow.set(n.replace(/\d+/, '#'), Math.min(Number(row[0]), firstRow.get(n.replace(/\d+/, '#')) ?? Infinity));
  }
  const battered = names.filter((n) => !rowOf(n) || Number(rowOf(n)![0]) === firstRow.get(n.replace(/\d+/, '#')));
  for (const [i, name] of battered.entries()) {
    const f = fieldOf(name);
    const scalar = !Array.isArray(base[name]);
    const { [name]: _dropped, ...rest } = base;
    out.push({ category: 'missing fields', label: `without ${name}`, expect: f?.required ? 'refused' : 'either', body: rest });
    if (!scalar) continue;
    const textual = !f || TEXTUAL.includes(f.kind);
    out.push({
      category: 'over-long values', label: `${name} of 100 000 characters`,
      expect: f?.maxlength || TYPED.includes(f?.kind as Kind) || f?.kind === 'email' ? 'refused' : 'either',
      body: withValue(name, LONG),
    });
    out.push({ category: 'control characters', label: `control characters in ${name}`, expect: 'either', body: withValue(name, CONTROL) });
    if (i < 3 || (f && TYPED.includes(f.kind))) {
      out.push({ category: 'repeated keys', label: `${name} twice`, expect: 'either', body: withValue(name, [String(base[name]), String(base[name])]) });
    }
    if (textual || f?.kind === 'hidden') {
      out.push({ category: 'markup', label: `markup in ${name}`, expect: 'either', body: withValue(name, MARKUP), marks: true, field: name });
    }
    if (f && TYPED.includes(f.kind)) {
      out.push({ category: 'wrong types', label: `text in ${f.kind} ${name}`, expect: 'refused', body: withValue(name, 'not-a-value') });
      if (f.kind === 'number') out.push({ category: 'wrong types', label: `1e309 in ${name}`, expect: 'refused', body: withValue(name, '1e309') });
      if (f.kind === 'date') out.push({ category: 'wrong types', label: `30 February in ${name}`, expect: 'refused', body: withValue(name, '2027-02-30') });
    } else if (f?.kind === 'hidden' || f?.kind === 'checkbox' || f?.kind === 'radio') {
      out.push({ category: 'wrong types', label: `text in ${f.kind} ${name}`, expect: 'either', body: withValue(name, 'not-a-value') });
    }
  }
  const scalars = battered.filter((n) => !Array.isArray(base[n]));
  const texts = scalars.filter((n) => !fieldOf(n) || TEXTUAL.includes(fieldOf(n)!.kind) || fieldOf(n)!.kind === 'hidden');
  if (scalars.length) {
    out.push({ category: 'control characters', label: 'control characters', expect: 'either', spread: { fields: scalars, value: () => CONTROL } });
    out.push({ category: 'repeated keys', label: 'every field twice', expect: 'either', spread: { fields: scalars, value: (n) => [String(base[n]), 'a second value'] } });
  }
  if (texts.length) {
    for (const m of SQL_META) out.push({ category: 'SQL metacharacters', label: m, expect: 'either', spread: { fields: texts, value: (n) => `${String(base[n])}${m}` } });
    for (const m of SQL_META) out.push({ category: 'SQL metacharacters', label: m, expect: 'either', spread: { fields: texts, value: () => m } });
  }
  out.push({ category: 'missing fields', label: 'nothing but the token', expect: names.length && fields.some((f) => f.required) ? 'refused' : 'either', body: {} });
  out.push({ category: 'extra fields', label: 'unknown and prototype-shaped fields', expect: 'either', body: { ...base, unexpected: 'x', __proto__x: 'y', constructor: 'z', 'toString': 'w', 'a[b]': 'c' } });

  // Invalid UTF-8, sent as raw bytes and as percent-escapes.
  const rawInvalid = Buffer.from([0xff, 0xfe, 0xc0, 0x80, 0xed, 0xa0, 0x80]);
  const textNames = names.filter((n) => !Array.isArray(base[n]));
  if (multipartForm) {
    const body: Body = { ...base };
    const payload = multipart(csrf, body, rawInvalid);
    out.push({ category: 'invalid UTF-8', label: 'raw invalid bytes in a multipart part', expect: 'either', raw: { contentType: `multipart/form-data; boundary=${BOUNDARY}`, payload } });
    {
      const parts = Object.entries(base).map(([k, v]) => [k, textNames.includes(k) ? Buffer.concat([Buffer.from('A'), rawInvalid]) : String(v)] as const);
      const bufs: Buffer[] = [Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${csrf}\r\n`)];
      for (const [k, v] of parts) bufs.push(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n`), Buffer.from(v), Buffer.from('\r\n'));
      bufs.push(Buffer.from(`--${BOUNDARY}--\r\n`));
      out.push({ category: 'invalid UTF-8', label: 'invalid bytes in every field (multipart)', expect: 'either', raw: { contentType: `multipart/form-data; boundary=${BOUNDARY}`, payload: Buffer.concat(bufs) } });
    }
  } else {
    const p = urlencoded(csrf, { ...base, ...Object.fromEntries(textNames.map((n) => [n, '@@BYTES@@'])) });
    out.push({ category: 'invalid UTF-8', label: '%FF%FE in every field', expect: 'either', raw: { contentType: 'application/x-www-form-urlencoded', payload: p.replaceAll('%40%40BYTES%40%40', 'A%FF%FE%C0%80%ED%A0%80%00') } });
    const raw = Buffer.concat([Buffer.from(urlencoded(csrf, base)), Buffer.from('&raw='), rawInvalid]);
    out.push({ category: 'invalid UTF-8', label: 'raw invalid bytes in a urlencoded body', expect: 'either', raw: { contentType: 'application/x-www-form-urlencoded', payload: raw } });
  }

  // The wrong content types.
  out.push({ category: 'wrong content types', label: 'JSON', expect: 'either', raw: { contentType: 'application/json', payload: JSON.stringify({ _csrf: csrf, ...base }) } });
  out.push({ category: 'wrong content types', label: 'JSON with arrays and objects for strings', expect: 'either', raw: {
    contentType: 'application/json',
    payload: JSON.stringify({ _csrf: csrf, ...Object.fromEntries(names.map((n, i) => [n, i % 2 ? { $ne: null } : [1, 2]])) }),
  } });
  out.push({ category: 'wrong content types', label: 'text/plain', expect: 'refused', raw: { contentType: 'text/plain', payload: urlencoded(csrf, base) } });
  out.push({ category: 'wrong content types', label: 'no content type', expect: 'refused', raw: { contentType: '', payload: urlencoded(csrf, base) } });
  out.push({ category: 'wrong content types', label: 'XML', expect: 'refused', raw: { contentType: 'application/xml', payload: '<a/>' } });
  if (multipartForm) {
    out.push({ category: 'wrong content types', label: 'urlencoded where multipart is expected', expect: 'either', raw: { contentType: 'application/x-www-form-urlencoded', payload: urlencoded(csrf, base) } });
    out.push({ category: 'wrong content types', label: 'multipart without its boundary', expect: 'refused', raw: { contentType: 'multipart/form-data', payload: multipart(csrf, base) } });
    out.push({ category: 'wrong content types', label: 'a multipart body cut short', expect: 'refused', raw: { contentType: `multipart/form-data; boundary=${BOUNDARY}`, payload: multipart(csrf, base).subarray(0, -30) } });
    out.push({ category: 'wrong content types', label: 'a multipart body that is not multipart', expect: 'refused', raw: { contentType: `multipart/form-data; boundary=${BOUNDARY}`, payload: 'garbage' } });
  } else {
    out.push({ category: 'wrong content types', label: 'multipart where urlencoded is expected', expect: oneClick ? 'either' : 415, raw: { contentType: `multipart/form-data; boundary=${BOUNDARY}`, payload: multipart(csrf, base) } });
  }

  // Size and origin.
  if (multipartForm) {
    // Multipart bodies are bounded per part: a text part over its size is cut, and then too long.
    const target = textNames.find((n) => TEXTUAL.includes(fieldOf(n)?.kind ?? 'text')) ?? 'padding';
    out.push({ category: 'oversized bodies', label: `a ${target} part of 300 KiB`, expect: 'refused', raw: { contentType: `multipart/form-data; boundary=${BOUNDARY}`, payload: multipart(csrf, { ...base, [target]: 'x'.repeat(300 * 1024) }) } });
  } else {
    out.push({ category: 'oversized bodies', label: 'a body over the limit', expect: 413, raw: { contentType: 'application/x-www-form-urlencoded', payload: urlencoded(csrf, { ...base, padding: 'x'.repeat(300 * 1024) }) } });
  }
  const forged = oneClick ? 'either' : 403;
  out.push({ category: 'CSRF', label: 'no token', expect: forged, raw: encode(base, null) });
  out.push({ category: 'CSRF', label: 'a forged token', expect: forged, raw: encode(base, 'forged-token') });
  out.push({ category: 'CSRF', label: 'an empty token', expect: forged, raw: encode(base, '') });
  return out.map((m) => m.raw || m.body === undefined ? m : { ...m, raw: encode(m.body) });
}

// ---------------------------------------------------------------------------------------------

/**
 * One share of the forms (the `part`-th of `of` runs of fixtures, in their order), so that files
 * run side by side; each on its own copy of the database, each sweeping every page afterwards.
 */
export type Share = { part: number; of: number };

/** The forms battery over one share of the POST routes, then every page swept. */
export const formsBattery = (share: Share) => async (t: Test) => {
  const started = Date.now();
  const { app, db } = await build(t);

  // Fixtures: rows the token-addressed and id-addressed forms act on.
  const one = async <T>(q: string) => ((await sql.raw(q).execute(db)).rows[0] ?? {}) as T;
  const userId = async (email: string) => (await one<{ id: number }>(`select id from users where email = '${email}'`)).id;
  const event = 'sme-seminar-2026-27';
  const otherEvent = 'ip-commercialisation-workshop-2026-27';
  const editedEvent = 'gba-ip-symposium-2026-27';
  const eventId = (await one<{ id: number }>(`select id from events where slug = '${event}'`)).id;
  const registrationId = (await one<{ id: number }>(`select id from registrations where event_id = ${eventId} and status = 'confirmed' order by id limit 1`)).id;
  const registrationToken = newToken();
  await sql`update registrations set token_hash = ${hashToken(registrationToken)} where id = ${registrationId}`.execute(db);
  const deletedToken = newToken();
  await sql`update registrations set token_hash = ${hashToken(deletedToken)}
    where id = (select id from registrations where event_id = ${eventId} and status = 'confirmed' and id <> ${registrationId} order by id limit 1)`.execute(db);
  const checkinId = (await one<{ id: number }>(`select id from registrations where event_id = ${eventId} and status = 'confirmed' order by id desc limit 1`)).id;

  const programme = (await one<{ id: number; slug: string }>(`select id, slug from programmes where status = 'open' and public_registration order by id limit 1`));
  const delegation = (await one<{ id: number }>(`select id from delegations where programme_id = ${programme.id} and status = 'proposed' order by id limit 1`)).id;
  const delegationToken = newToken();
  await sql`update delegations set token_hash = ${hashToken(delegationToken)} where id = ${delegation}`.execute(db);
  const withdrawn = (await one<{ id: number }>(`select id from delegations where programme_id = ${programme.id} and id <> ${delegation} order by id limit 1`)).id ?? 999999;
  const withdrawnToken = newToken();
  await sql`update delegations set token_hash = ${hashToken(withdrawnToken)} where id = ${withdrawn}`.execute(db);
  const member = (await one<{ id: number }>(`select id from delegation_members where delegation_id = ${delegation} order by is_minor desc, id limit 1`)).id;
  const invitationToken = newToken();
  await sql`insert into delegation_invitations (programme_id, email, token_hash, created_by, expires_at)
    values (${programme.id}, 'leader@example.org', ${hashToken(invitationToken)}, ${await userId('organiser@hkipd.test')}, now() + interval '7 days')`.execute(db);

  const openContest = (await one<{ slug: string; id: number }>(`select id, slug from contests where status = 'open' order by id limit 1`));
  const judgingContest = (await one<{ slug: string; id: number }>(`select id, slug from contests where status = 'judging' order by id limit 1`));
  const entryToken = newToken();
  const entry = (await one<{ id: number }>(`select id from entries where contest_id = ${openContest.id} and status = 'submitted' order by id limit 1`)).id;
  if (entry) await sql`update entries set token_hash = ${hashToken(entryToken)} where id = ${entry}`.execute(db);
  const judge = await userId(emails.judge);
  const assignments = (await sql<{ id: number; status: string }>`select a.id, a.status from assignments a join contest_rounds r on r.id = a.round_id
    where a.judge_id = ${judge} and r.status = 'open' order by a.id`.execute(db)).rows;
  const toDeclare = assignments.find((a) => a.status === 'assigned')?.id ?? assignments[0]?.id ?? 999999;
  const toScore = assignments.find((a) => a.status === 'draft')?.id ?? assignments.filter((a) => a.status === 'assigned')[1]?.id ?? toDeclare;
  await sql`update assignments set status = 'draft' where id = ${toScore} and status = 'assigned'`.execute(db);
  const submitted = (await one<{ id: number }>(`select a.id from assignments a join contest_rounds r on r.id = a.round_id
    where r.contest_id = ${judgingContest.id} and a.status = 'submitted' order by a.id limit 1`)).id ?? 999999;

  const resetToken = newToken();
  const invitedToken = newToken();
  const invited = (await sql<{ id: number }>`insert into users (email, name, role, password_hash)
    values ('invited.judge@example.org', 'Invited Judge', 'judge', null) returning id`.execute(db)).rows[0]!.id;
  await sql`insert into user_tokens (user_id, purpose, token_hash, expires_at) values
    (${await userId('judge5@ipcoop.test')}, 'password_reset', ${hashToken(resetToken)}, now() + interval '1 hour'),
    (${invited}, 'invitation', ${hashToken(invitedToken)}, now() + interval '7 days')`.execute(db);
  const item = (await one<{ id: number }>(`select i.id from items i join item_parties ip on ip.item_id = i.id join organisations o on o.id = ip.organisation_id
    join periods p on p.id = i.period_id where o.code = 'HKIPD' order by p.starts_on desc, i.number limit 1`)).id;
  const period = (await one<{ slug: string }>(`select slug from periods order by starts_on desc limit 1`)).slug;
  const mail = (await sql<{ id: number }>`insert into mail_outbox (message_id, to_address, subject, text_body, status, last_error)
      values ('<hostile@ipcoop.test>', 'x@example.org', 'Subject', 'Body', 'failed', 'refused') returning id`.execute(db)).rows[0]!.id;
  const job = (await sql<{ id: number }>`insert into jobs (kind, payload, item_id, run_at, status, attempts, last_error)
      values ('event-reminder', '{}', ${item}, now(), 'failed', 5, 'refused') returning id`.execute(db)).rows[0]!.id;
  const managedUser = await userId('judge4@ipcoop.test');
  // Webhook endpoints of the organiser's organisation (one to delete), with a delivered message.
  const hooks = (await sql<{ id: number }>`insert into webhook_endpoints (organisation_id, url, event_types, secret)
      select organisation_id, 'https://hooks.example.org/' || n, '{checkin.created}', 'whsec_aG9zdGlsZS1pbnB1dC1zZWNyZXQtMzItYnl0ZXMhISE='
      from users, generate_series(1, 2) n where email = ${emails.organiser} order by n returning id`.execute(db)).rows.map((r) => r.id);
  const hookEvent = (await sql<{ id: number }>`insert into webhook_events (message_id, type, payload)
      values ('msg_hostile', 'checkin.created', '{}') returning id`.execute(db)).rows[0]!.id;
  const hookDelivery = (await sql<{ id: number }>`insert into webhook_deliveries (endpoint_id, event_id, status)
      values (${hooks[0]}, ${hookEvent}, 'delivered') returning id`.execute(db)).rows[0]!.id;
  const hook = `/manage/webhooks/${hooks[0]}`;
  const accountUser = await userId(emails.account);

  // An event held already that gives certificates, every person checked in holding one (the reissue and revoke forms).
  const held = await one<{ id: number; slug: string }>(`select e.id, e.slug from events e where e.ends_at < now() and e.status = 'closed'
    and exists (select 1 from registrations r where r.event_id = e.id and r.checked_in_at is not null) order by e.ends_at desc limit 1`);
  await sql`update events set certificates_enabled = true, cpd_hours = 3 where id = ${held.id}`.execute(db);
  await sql`insert into certificates (code, kind, registration_id, name, hours, mailed_at)
    select substr(md5('certificate ' || id), 1, 22), 'attendance', id, name, 3, now() from registrations
    where event_id = ${held.id} and checked_in_at is not null`.execute(db);
  const certified = (await one<{ id: number }>(`select id from registrations where event_id = ${held.id} and checked_in_at is not null order by id limit 1`)).id;
  const certificates = `/manage/events/${held.slug}/certificates`;

  // A registration of the event for the registrants' pages, other than the one the desk checks in.
  const managed = (await one<{ id: number }>(`select id from registrations where event_id = ${eventId} and status = 'confirmed'
    and checked_in_at is null and id <> ${checkinId} order by id limit 1`)).id;
  const registrants = `/manage/events/${event}/registrations`;
  // A personal API token of the account, for its revoke form.
  const apiToken = (await sql<{ id: number }>`insert into api_tokens (user_id, name, token_hash, scopes, expires_at)
      values (${accountUser}, 'hostile', ${'h'.repeat(64)}, '["read"]', now() + interval '30 days') returning id`.execute(db)).rows[0]!.id;
  const managedWatch = [`registrations where event_id = ${eventId}`, 'events'];
  // Registration modes: two registrations awaiting approval, and an invitation-only event with two invitees.
  const [toApprove, toDecline] = (await sql<{ id: number }>`insert into registrations (event_id, name, email, side, status, token_hash)
    select ${eventId}, 'Awaiting ' || n, 'awaiting' || n || '@example.org', 'HK', 'awaiting', md5('awaiting ' || n)
    from generate_series(1, 2) n order by n returning id`.execute(db)).rows.map((r) => r.id);
  const inviteOnly = (await one<{ id: number; slug: string }>(`insert into events (item_id, slug, kind, title, starts_at, ends_at, capacity,
    status, registration_mode) select item_id, 'hostile-invitation-only', kind, title, starts_at, ends_at, 50, 'published', 'invitation'
    from events where id = ${eventId} returning id, slug`));
  const [inviteeToken, declinerToken] = [newToken(), newToken()];
  await sql`insert into event_invitations (event_id, name, email, side, token_hash) values
    (${inviteOnly.id}, 'Invitee', 'invitee@example.org', 'HK', ${hashToken(inviteeToken)}),
    (${inviteOnly.id}, 'Decliner', 'decliner@example.org', 'MO', ${hashToken(declinerToken)})`.execute(db);
  const invitations = `/manage/events/${inviteOnly.slug}/invitations`;
  const inviteWatch = ['event_invitations', `registrations where event_id = ${inviteOnly.id}`];

  // The account persona's own passkey and single sign-on identity, for their rename, remove and unlink forms.
  const account = (await one<{ id: number }>(`select id from users where email = 'judge3@ipcoop.test'`)).id;
  const passkey = (await one<{ id: number }>(`insert into passkeys (user_id, credential_id, public_key, device_type, backed_up, name)
    values (${account}, 'hostile-input', 'AA', 'singleDevice', false, 'Key') returning id`)).id;
  const identity = (await one<{ id: number }>(`insert into oidc_identities (user_id, provider, issuer, subject, email)
    values (${account}, 'gov', 'https://id.example.test', 'hostile-input', 'judge3@ipcoop.test') returning id`)).id;

  const cs = `/manage/contests/${judgingContest.slug}`;
  // A mailing of the event, with one recipient's unsubscribe link.
  const unsubscribeToken = newToken();
  const mailing = (await one<{ id: number }>(`insert into mailings (event_id, audience, subject, body)
    values (${eventId}, 'confirmed', 'Subject', 'Body') returning id`)).id;
  await sql`insert into mail_unsubscribe_links (token_hash, mailing_id, email, list_kind, owner_id)
    values (${hashToken(unsubscribeToken)}, ${mailing}, 'x@example.org', 'event', ${eventId})`.execute(db);
  // The email template editor, and the fields its preview and test buttons send.
  const templates = `/manage/events/${event}/emails/templates`;
  const templateForm = { subject_en: 'Hello {{name}}', body_en: 'Dear {{name}},\n\nSee you at {{title}}.', preview_language: 'en' };
  const fixtures: Fixture[] = [
    { route: '/manage/events/:slug/badges.pdf', url: `/manage/events/${event}/badges.pdf`, persona: 'organiser', page: `/manage/events/${event}/badges`, watch: [`registrations where event_id = ${eventId}`] },
    { route: '/manage/events/:slug/certificates/settings', url: `${certificates}/settings`, persona: 'organiser', page: certificates, watch: ['events'] },
    { route: '/manage/events/:slug/certificates/issue', url: `${certificates}/issue`, persona: 'organiser', page: certificates, watch: ['certificates'] },
    { route: '/manage/events/:slug/certificates/:id/reissue', url: `${certificates}/${certified}/reissue`, persona: 'organiser', page: certificates, watch: ['certificates'] },
    { route: '/manage/events/:slug/certificates/:id/revoke', url: `${certificates}/${certified}/revoke`, persona: 'organiser', page: certificates, watch: ['certificates'] },
    { route: '/contests/:slug/entries', url: `/contests/${openContest.slug}/entries`, persona: 'anonymous', page: `/contests/${openContest.slug}` },
    { route: '/entries/:token', url: `/entries/${entryToken}`, persona: 'anonymous', page: `/entries/${entryToken}`, watch: ['entries'] },
    { route: '/entries/:token/confirm', url: `/entries/${entryToken}/confirm`, persona: 'anonymous', page: `/entries/${entryToken}`, watch: ['entries'] },
    { route: '/manage/events/new', url: '/manage/events/new', persona: 'organiser', page: '/manage/events/new', watch: ['events'] },
    { route: '/manage/events/:slug/edit', url: `/manage/events/${editedEvent}/edit`, persona: 'organiser', page: `/manage/events/${editedEvent}/edit`, watch: ['events', 'event_questions'] },
    { route: '/manage/events/:slug/status', url: `/manage/events/${otherEvent}/status`, persona: 'organiser', page: `/manage/events/${otherEvent}`, watch: ['events'] },
    { route: '/events/:slug/register', url: `/events/${event}/register`, persona: 'anonymous', page: `/events/${event}`, watch: ['events'] },
    { route: '/registrations/:token/cancel', url: `/registrations/${registrationToken}/cancel`, persona: 'anonymous', page: `/registrations/${registrationToken}/cancel`, watch: [`registrations where event_id = ${eventId}`, 'events'] },
    { route: '/registrations/:token/confirm', url: `/registrations/${registrationToken}/confirm`, persona: 'anonymous', page: `/registrations/${registrationToken}`, watch: [`registrations where event_id = ${eventId}`, 'events'] },
    { route: '/registrations/:token/delete', url: `/registrations/${deletedToken}/delete`, persona: 'anonymous', page: `/registrations/${deletedToken}/delete`, watch: [`registrations where event_id = ${eventId}`, 'events'] },
    { route: '/manage/events/:slug/checkin/:id', url: `/manage/events/${event}/checkin/${checkinId}`, persona: 'organiser', page: `/manage/events/${event}/checkin`, watch: [`registrations where event_id = ${eventId}`] },
    { route: '/manage/events/:slug/checkin', url: `/manage/events/${event}/checkin`, persona: 'organiser', page: `/manage/events/${event}/checkin`, watch: [`registrations where event_id = ${eventId}`] },
    { route: '/manage/events/:slug/walk-in', url: `/manage/events/${event}/walk-in`, persona: 'organiser', page: `/manage/events/${event}/checkin`, watch: [`registrations where event_id = ${eventId}`, 'events'] },
    { route: '/manage/events/:slug/email', url: `/manage/events/${otherEvent}/email`, persona: 'organiser', page: `/manage/events/${otherEvent}/email` },
    { route: '/manage/programmes/:id/invitations', url: `/manage/programmes/${programme.id}/invitations`, persona: 'organiser', page: `/manage/programmes/${programme.id}` },
    { route: '/programmes/:slug/register', url: `/programmes/${programme.slug}/register`, persona: 'anonymous', page: `/programmes/${programme.slug}/register`, watch: ['programmes'] },
    { route: '/delegation-invitations/:token', url: `/delegation-invitations/${invitationToken}`, persona: 'anonymous', page: `/delegation-invitations/${invitationToken}`, watch: ['programmes', 'delegation_invitations'] },
    { route: '/delegations/:token', url: `/delegations/${delegationToken}`, persona: 'anonymous', page: `/delegations/${delegationToken}`, watch: ['delegations', 'delegation_members', 'delegation_visits', 'programmes'] },
    { route: '/delegations/:token/withdraw', url: `/delegations/${withdrawnToken}/withdraw`, persona: 'anonymous', page: `/delegations/${withdrawnToken}`, watch: ['delegations', 'programmes'] },
    { route: '/delegations/:token/confirm', url: `/delegations/${delegationToken}/confirm`, persona: 'anonymous', page: `/delegations/${delegationToken}`, watch: ['delegations', 'programmes'] },
    { route: '/manage/delegations/:id/withdraw', url: `/manage/delegations/${withdrawn}/withdraw`, persona: 'organiser', page: `/manage/delegations/${withdrawn}`, watch: ['delegations', 'programmes'] },
    { route: '/manage/programmes/new', url: '/manage/programmes/new', persona: 'organiser', page: '/manage/programmes/new' },
    { route: '/manage/programmes/:id/edit', url: `/manage/programmes/${programme.id}/edit`, persona: 'organiser', page: `/manage/programmes/${programme.id}/edit`, watch: ['programmes'] },
    { route: '/manage/programmes/:id/status', url: `/manage/programmes/${programme.id}/status`, persona: 'organiser', page: `/manage/programmes/${programme.id}`, watch: ['programmes'] },
    { route: '/manage/delegations/:id/confirm', url: `/manage/delegations/${delegation}/confirm`, persona: 'organiser', page: `/manage/delegations/${delegation}`, watch: ['delegations'] },
    { route: '/manage/delegations/:id/check-in', url: `/manage/delegations/${delegation}/check-in`, persona: 'organiser', page: `/manage/delegations/${delegation}`, watch: ['delegation_members'] },
    { route: '/manage/delegations/:id/members/:memberId/check-in', url: `/manage/delegations/${delegation}/members/${member}/check-in`, persona: 'organiser', page: `/manage/delegations/${delegation}`, watch: ['delegation_members'] },
    { route: '/manage/delegations/:id/members/:memberId/consent', url: `/manage/delegations/${delegation}/members/${member}/consent`, persona: 'organiser', page: `/manage/delegations/${delegation}`, watch: ['delegation_members'] },
    { route: '/manage/contests/new', url: '/manage/contests/new', persona: 'organiser', page: '/manage/contests/new' },
    { route: '/manage/contests/:slug/details', url: `/manage/contests/${openContest.slug}/details`, persona: 'organiser', page: `/manage/contests/${openContest.slug}/setup`, watch: ['contests'] },
    { route: '/manage/contests/:slug/categories', url: `/manage/contests/${openContest.slug}/categories`, persona: 'organiser', page: `/manage/contests/${openContest.slug}/setup`, watch: ['contest_categories'] },
    { route: '/manage/contests/:slug/tiers', url: `/manage/contests/${openContest.slug}/tiers`, persona: 'organiser', page: `/manage/contests/${openContest.slug}/setup`, watch: ['award_tiers'] },
    { route: '/manage/contests/:slug/rounds', url: `/manage/contests/${openContest.slug}/rounds`, persona: 'organiser', page: `/manage/contests/${openContest.slug}/setup`, watch: ['contest_rounds'] },
    { route: '/manage/contests/:slug/rounds/:position/criteria', url: `/manage/contests/${openContest.slug}/rounds/1/criteria`, persona: 'organiser', page: `/manage/contests/${openContest.slug}/setup`, watch: ['criteria'] },
    { route: '/manage/contests/:slug/settings', url: `/manage/contests/${openContest.slug}/settings`, persona: 'organiser', page: `/manage/contests/${openContest.slug}`, watch: ['contests'] },
    { route: '/manage/contests/:slug/judges', url: `/manage/contests/${openContest.slug}/judges`, persona: 'organiser', page: `/manage/contests/${openContest.slug}`, watch: ['contest_judges'] },
    { route: '/manage/contests/:slug/rounds/:position/settings', url: `/manage/contests/${openContest.slug}/rounds/1/settings`, persona: 'organiser', page: `/manage/contests/${openContest.slug}/rounds/1`, watch: ['contest_rounds', 'criteria'] },
    { route: '/manage/contests/:slug/rounds/:position/open', url: `/manage/contests/${openContest.slug}/rounds/1/open`, persona: 'organiser', page: `/manage/contests/${openContest.slug}/rounds/1`, watch: ['contest_rounds'] },
    { route: '/manage/contests/:slug/rounds/:position/close', url: `${cs}/rounds/1/close`, persona: 'organiser', page: `${cs}/rounds/1`, watch: ['contest_rounds'] },
    { route: '/manage/contests/:slug/rounds/:position/reopen', url: `${cs}/rounds/1/reopen`, persona: 'organiser', page: `${cs}/rounds/1`, watch: ['contest_rounds'] },
    { route: '/manage/contests/:slug/rounds/:position/open-scores', url: `${cs}/rounds/1/open-scores`, persona: 'organiser', page: `${cs}/rounds/1`, watch: ['contest_rounds'] },
    { route: '/manage/contests/:slug/rounds/:position/hide-scores', url: `${cs}/rounds/1/hide-scores`, persona: 'organiser', page: `${cs}/rounds/1`, watch: ['contest_rounds'] },
    { route: '/manage/contests/:slug/rounds/:position/remind', url: `${cs}/rounds/1/remind`, persona: 'organiser', page: `${cs}/rounds/1`, watch: ['round_judge_notices', 'mail_outbox'] },
    { route: '/manage/contests/:slug/rounds/:position/assign', url: `${cs}/rounds/1/assign`, persona: 'organiser', page: `${cs}/rounds/1`, watch: ['assignments'] },
    { route: '/manage/contests/:slug/rounds/:position/auto-assign', url: `${cs}/rounds/1/auto-assign`, persona: 'organiser', page: `${cs}/rounds/1`, watch: ['assignments'] },
    { route: '/manage/contests/:slug/assignments/:assignmentId/reopen', url: `${cs}/assignments/${submitted}/reopen`, persona: 'organiser', page: `${cs}/rounds/1`, watch: ['assignments'] },
    { route: '/manage/contests/:slug/rounds/:position/advance', url: `${cs}/rounds/1/advance`, persona: 'organiser', page: `${cs}/rounds/1`, watch: ['round_entries', 'contest_rounds'] },
    { route: '/manage/contests/:slug/awards/allocate', url: `${cs}/awards/allocate`, persona: 'organiser', page: `${cs}/awards`, watch: ['award_grants'] },
    { route: '/manage/contests/:slug/awards/adjust', url: `${cs}/awards/adjust`, persona: 'organiser', page: `${cs}/awards`, watch: ['award_grants'] },
    { route: '/manage/contests/:slug/publish', url: `${cs}/publish`, persona: 'organiser', page: `${cs}/awards`, watch: ['contests'] },
    { route: '/login', url: '/login', persona: 'anonymous', page: '/login', base: { email: 'judge4@ipcoop.test', password: DEMO_PASSWORD } },
    { route: '/logout', url: '/logout', persona: 'organiser', page: '/manage', freshSession: true },
    { route: '/password/reset/:token', url: `/password/reset/${resetToken}`, persona: 'anonymous', page: `/password/reset/${resetToken}`, watch: ['users', 'user_tokens'] },
    { route: '/password/forgot', url: '/password/forgot', persona: 'anonymous', page: '/password/forgot', base: { email: 'judge2@ipcoop.test' } },
    { route: '/invitations/:token', url: `/invitations/${invitedToken}`, persona: 'anonymous', page: `/invitations/${invitedToken}`, watch: ['users', 'user_tokens'] },
    { route: '/account/password', url: '/account/password', persona: 'account', page: '/account', freshSession: true, watch: ['users'], base: { current: DEMO_PASSWORD } },
    { route: '/account/sessions/:id/end', url: '/account/sessions/@@OTHER_SESSION@@/end', persona: 'account', page: '/account', freshSession: true },
    { route: '/account/sessions/end-others', url: '/account/sessions/end-others', persona: 'account', page: '/account', freshSession: true },
    { route: '/login/code', url: '/login/code', persona: 'anonymous', base: { code: '123456' } },
    { route: '/account/two-factor', url: '/account/two-factor', persona: 'account', page: '/account/two-factor', watch: ['users', 'recovery_codes'] },
    { route: '/account/two-factor/recovery-codes', url: '/account/two-factor/recovery-codes', persona: 'account', watch: ['users', 'recovery_codes'], base: { code: '123456' } },
    { route: '/account/two-factor/disable', url: '/account/two-factor/disable', persona: 'account', watch: ['users', 'recovery_codes'], base: { code: '', password: DEMO_PASSWORD } },
    { route: '/account/confirm', url: '/account/confirm', persona: 'account', page: '/account/confirm', base: { password: DEMO_PASSWORD } },
    { route: '/account/confirm/passkey', url: '/account/confirm/passkey', persona: 'account', base: { response: '{}', next: '/account' } },
    { route: '/account/confirm/passkey/options', url: '/account/confirm/passkey/options', persona: 'account' },
    { route: '/account/passkeys/options', url: '/account/passkeys/options', persona: 'account' },
    { route: '/account/passkeys', url: '/account/passkeys', persona: 'account', page: '/account/passkeys', watch: ['passkeys'] },
    { route: '/account/passkeys/:id/rename', url: `/account/passkeys/${passkey}/rename`, persona: 'account', page: '/account/passkeys', base: { name: 'Key' } },
    { route: '/account/passkeys/:id/remove', url: `/account/passkeys/${passkey}/remove`, persona: 'account' },
    { route: '/account/sso/:provider/link', url: '/account/sso/gov/link', persona: 'account' },
    { route: '/account/sso/identities/:id/unlink', url: `/account/sso/identities/${identity}/unlink`, persona: 'account' },
    { route: '/manage/items/:id/preview', url: `/manage/items/${item}/preview`, persona: 'organiser', page: `/manage/items/${item}`, watch: ['items'], base: { narrative: 'Some {{items}} text.' } },
    { route: '/manage/items/:id/figures', url: `/manage/items/${item}/figures`, persona: 'organiser', page: `/manage/items/${item}`, watch: ['figures'] },
    { route: '/manage/items/:id', url: `/manage/items/${item}`, persona: 'organiser', page: `/manage/items/${item}`, watch: ['items'] },
    { route: '/manage/items/:id/translations', url: `/manage/items/${item}/translations`, persona: 'organiser', page: `/manage/items/${item}`, watch: ['items'] },
    { route: '/manage/translations/:kind/:ref', url: `/manage/translations/event/${editedEvent}`, persona: 'organiser', page: `/manage/translations/event/${editedEvent}`, watch: ['events'] },
    { route: '/manage/outbox/:id/resend', url: `/manage/outbox/${mail}/resend`, persona: 'organiser', page: '/manage/outbox', watch: ['mail_outbox'] },
    { route: '/manage/scheduled/:id/retry', url: `/manage/scheduled/${job}/retry`, persona: 'organiser', page: '/manage/scheduled', watch: ['jobs'] },
    { route: '/manage/webhooks', url: '/manage/webhooks', persona: 'organiser', page: '/manage/webhooks/new', watch: ['webhook_endpoints'] },
    { route: '/manage/webhooks/:id', url: hook, persona: 'organiser', page: hook, watch: ['webhook_endpoints'] },
    { route: '/manage/webhooks/:id/secret', url: `${hook}/secret`, persona: 'organiser', page: hook, watch: ['webhook_endpoints'] },
    { route: '/manage/webhooks/:id/rotate', url: `${hook}/rotate`, persona: 'organiser', page: hook },
    { route: '/manage/webhooks/:id/deliveries/:deliveryId/redeliver', url: `${hook}/deliveries/${hookDelivery}/redeliver`, persona: 'organiser', page: hook },
    { route: '/manage/webhooks/:id/delete', url: `/manage/webhooks/${hooks[1]}/delete`, persona: 'organiser', page: `/manage/webhooks/${hooks[1]}` },
    { route: '/manage/periods/:slug/publish', url: `/manage/periods/${period}/publish`, persona: 'organiser', page: `/periods/${period}`, watch: ['summary_editions'] },
    { route: '/manage/periods/:slug/retention', url: `/manage/periods/${period}/retention`, persona: 'admin', page: `/manage/periods/${period}/retention`, watch: ['periods'] },
    { route: '/manage/users/invite', url: '/manage/users/invite', persona: 'admin', page: '/manage/users' },
    { route: '/manage/users/:id', url: `/manage/users/${managedUser}`, persona: 'admin', page: '/manage/users', watch: ['users'] },
    { route: '/judging/assignments/:id/declaration', url: `/judging/assignments/${toDeclare}/declaration`, persona: 'judge', page: `/judging/assignments/${toDeclare}`, watch: [`assignments where id = ${toDeclare}`] },
    { route: '/judging/assignments/:id', url: `/judging/assignments/${toScore}`, persona: 'judge', page: `/judging/assignments/${toScore}`, watch: [`assignments where id = ${toScore}`, `scores where assignment_id = ${toScore}`] },
    { route: '/account/tokens', url: '/account/tokens', persona: 'account', page: '/account/tokens', watch: ['api_tokens'] },
    { route: '/account/tokens/:id/revoke', url: `/account/tokens/${apiToken}/revoke`, persona: 'account', page: '/account/tokens', watch: ['api_tokens'] },
    { route: '/login/oidc/:provider', url: '/login/oidc/none', persona: 'anonymous' },
    { route: '/login/passkey', url: '/login/passkey', persona: 'anonymous', page: '/login', base: { response: '{}' } },
    { route: '/login/passkey/options', url: '/login/passkey/options', persona: 'anonymous' },
    { route: '/manage/events/:slug/scan/sync', url: `/manage/events/${event}/scan/sync`, persona: 'organiser', watch: managedWatch },
    { route: '/manage/events/:slug/survey', url: `/manage/events/${event}/survey`, persona: 'organiser', page: `/manage/events/${event}/survey`, watch: ['surveys', 'survey_questions'] },
    { route: '/manage/events/:slug/survey/send', url: `/manage/events/${event}/survey/send`, persona: 'organiser', page: `/manage/events/${event}/survey`, watch: ['survey_responses'] },
    { route: '/surveys/:token', url: `/surveys/${'x'.repeat(43)}`, persona: 'anonymous', watch: ['survey_responses', 'survey_answers'] },
    { route: '/manage/sign-in-policy', url: '/manage/sign-in-policy', persona: 'admin', page: '/manage/sign-in-policy', watch: ['sign_in_policy'] },
    { route: '/manage/tokens/:id/revoke', url: `/manage/tokens/${apiToken}/revoke`, persona: 'admin', page: '/manage/tokens', watch: ['api_tokens'] },
    { route: '/manage/users/:id/factors/reset', url: `/manage/users/${managedUser}/factors/reset`, persona: 'admin', page: `/manage/users/${managedUser}/factors` },
    { route: '/manage/periods/:slug/publisher', url: `/manage/periods/${period}/publisher`, persona: 'admin', page: `/periods/${period}`, watch: ['periods'] },
    { route: '/manage/events/:slug/registrations/bulk', url: `${registrants}/bulk`, persona: 'organiser', page: registrants, watch: managedWatch },
    { route: '/manage/events/:slug/registrations/:id', url: `${registrants}/${managed}`, persona: 'organiser', page: `${registrants}/${managed}`, watch: managedWatch },
    { route: '/manage/events/:slug/registrations/:id/cancel', url: `${registrants}/${managed}/cancel`, persona: 'organiser', page: `${registrants}/${managed}`, watch: managedWatch },
    { route: '/manage/events/:slug/registrations/:id/promote', url: `${registrants}/${managed}/promote`, persona: 'organiser', page: `${registrants}/${managed}`, watch: managedWatch },
    { route: '/manage/events/:slug/registrations/:id/resend', url: `${registrants}/${managed}/resend`, persona: 'organiser', page: `${registrants}/${managed}`, watch: managedWatch },
    { route: '/manage/events/:slug/registrations/:id/no-show', url: `${registrants}/${managed}/no-show`, persona: 'organiser', page: `${registrants}/${managed}`, watch: managedWatch },
    { route: '/manage/events/:slug/import', url: `/manage/events/${event}/import`, persona: 'organiser', page: `/manage/events/${event}/import`, watch: managedWatch },
    { route: '/manage/events/:slug/import/confirm', url: `/manage/events/${event}/import/confirm`, persona: 'organiser', watch: managedWatch, base: { import: '00000000-0000-4000-8000-000000000000' } },
    { route: '/manage/events/:slug/registrations/:id/approve', url: `${registrants}/${toApprove}/approve`, persona: 'organiser', page: `${registrants}/${toApprove}`, watch: managedWatch },
    { route: '/manage/events/:slug/registrations/:id/decline', url: `${registrants}/${toDecline}/decline`, persona: 'organiser', page: `${registrants}/${toDecline}`, watch: managedWatch },
    // The invitees answer before the reminder, which gives whoever has not answered a new link.
    { route: '/event-invitations/:token/register', url: `/event-invitations/${inviteeToken}/register`, persona: 'anonymous', page: `/event-invitations/${inviteeToken}`, watch: inviteWatch },
    { route: '/event-invitations/:token/decline', url: `/event-invitations/${declinerToken}/decline`, persona: 'anonymous', page: `/event-invitations/${declinerToken}`, watch: inviteWatch },
    { route: '/manage/events/:slug/invitations', url: invitations, persona: 'organiser', page: invitations, watch: inviteWatch },
    { route: '/manage/events/:slug/invitations/remind', url: `${invitations}/remind`, persona: 'organiser', page: invitations, watch: inviteWatch },
    { route: '/manage/programmes/:id/email', url: `/manage/programmes/${programme.id}/email`, persona: 'organiser', page: `/manage/programmes/${programme.id}/email` },
    { route: '/manage/contests/:slug/email', url: `${cs}/email`, persona: 'organiser', page: `${cs}/email` },
    // Email templates: the editor's own form; its preview and test buttons post the same fields elsewhere (formaction).
    { route: '/manage/events/:slug/emails/templates/:kind', url: `${templates}/confirmation`, persona: 'organiser', page: `${templates}/confirmation`, watch: ['mail_templates'] },
    { route: '/manage/events/:slug/emails/templates/:kind/preview', url: `${templates}/confirmation/preview`, persona: 'organiser', base: templateForm, watch: ['mail_templates'] },
    { route: '/manage/events/:slug/emails/templates/:kind/test', url: `${templates}/confirmation/test`, persona: 'organiser', base: templateForm, watch: ['mail_templates'] },
    { route: '/manage/events/:slug/emails/templates/:kind/reset', url: `${templates}/waitlisted/reset`, persona: 'organiser', watch: ['mail_templates'] },
    { route: '/manage/programmes/:id/emails/templates/:kind', url: `/manage/programmes/${programme.id}/emails/templates/invitation`, persona: 'organiser', page: `/manage/programmes/${programme.id}/emails/templates/invitation`, watch: ['mail_templates'] },
    { route: '/manage/programmes/:id/emails/templates/:kind/preview', url: `/manage/programmes/${programme.id}/emails/templates/invitation/preview`, persona: 'organiser', base: templateForm },
    { route: '/manage/programmes/:id/emails/templates/:kind/test', url: `/manage/programmes/${programme.id}/emails/templates/invitation/test`, persona: 'organiser', base: templateForm },
    { route: '/manage/programmes/:id/emails/templates/:kind/reset', url: `/manage/programmes/${programme.id}/emails/templates/invitation/reset`, persona: 'organiser', watch: ['mail_templates'] },
    { route: '/manage/contests/:slug/emails/templates/:kind', url: `${cs}/emails/templates/results`, persona: 'organiser', page: `${cs}/emails/templates/results`, watch: ['mail_templates'] },
    { route: '/manage/contests/:slug/emails/templates/:kind/preview', url: `${cs}/emails/templates/results/preview`, persona: 'organiser', base: templateForm },
    { route: '/manage/contests/:slug/emails/templates/:kind/test', url: `${cs}/emails/templates/results/test`, persona: 'organiser', base: templateForm },
    { route: '/manage/contests/:slug/emails/templates/:kind/reset', url: `${cs}/emails/templates/results/reset`, persona: 'organiser', watch: ['mail_templates'] },
    { route: '/unsubscribe/:token', url: `/unsubscribe/${unsubscribeToken}`, persona: 'anonymous', page: `/unsubscribe/${unsubscribeToken}`, watch: ['mail_opt_outs'], oneClick: true },
    // Last, as archiving the year refuses its other forms: archived (once its summary is published as it reads), then taken out again.
    { route: '/manage/periods/:slug/archive', url: `/manage/periods/${period}/archive`, persona: 'admin', page: `/manage/periods/${period}/archive`, watch: ['periods', 'period_archive_pages'] },
    { route: '/manage/periods/:slug/unarchive', url: `/manage/periods/${period}/unarchive`, persona: 'admin', page: `/manage/periods/${period}`, watch: ['periods', 'period_archive_pages'] },
  ];

  // Every POST route is in the battery: a new form is covered or this fails.
  // The JSON API takes no forms: its bad input (problem+json, nothing written) is tried in modules/api/api.test.ts.
  const posts = app.routeAccess.filter((r) => r.method === 'POST' && r.access !== 'token').map((r) => r.url).sort();
  t.same([...new Set(fixtures.map((f) => f.route))].sort(), [...new Set(posts)], 'a fixture for every POST route');

  // The CSRF token and its cookie, from an anonymous page; sessions made directly.
  const anon = new Agent(app);
  await anon.get('/login');
  const csrf = anon.csrf;
  const csrfCookie = anon.cookieHeader;
  const sessions = new Map<Persona, string>();
  const ids = new Map<Persona, number>();
  for (const [p, email] of Object.entries(emails) as [Exclude<Persona, 'anonymous'>, string][]) ids.set(p, await userId(email));
  const cookieFor = async (persona: Persona, fresh = false) => {
    if (persona === 'anonymous') return csrfCookie;
    if (fresh || !sessions.has(persona)) sessions.set(persona, await startSession(db, ids.get(persona)!, '127.0.0.1', 'hostile'));
    return `${csrfCookie}; ipcoop_session=${sessions.get(persona)}`;
  };

  // The row count of every table, kept by triggers installed on this copy: each statement that
  // inserts or deletes rows logs how many (append-only, so concurrent writers never wait on one
  // another), and a snapshot sums the log instead of counting every table's rows.
  const tables = (await sql<{ name: string }>`select table_name as name from information_schema.tables
    where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`.execute(db)).rows.map((r) => r.name)
    // Sessions are made by this test and by a valid sign-in; refused sign-ins are recorded by design.
    .filter((n) => !/^kysely_|^sessions$|^login_throttle$/.test(n));
  for (const statement of [
    'create table hostile_row_changes (t text not null, d bigint not null)',
    `create function hostile_log_inserts() returns trigger language plpgsql as $$
      begin insert into hostile_row_changes select TG_TABLE_NAME, count(*) from new_rows; return null; end $$`,
    `create function hostile_log_deletes() returns trigger language plpgsql as $$
      begin insert into hostile_row_changes select TG_TABLE_NAME, -count(*) from old_rows; return null; end $$`,
    ...tables.flatMap((n) => [
      `create trigger hostile_inserts after insert on "${n}" referencing new table as new_rows
        for each statement execute function hostile_log_inserts()`,
      `create trigger hostile_deletes after delete on "${n}" referencing old table as old_rows
        for each statement execute function hostile_log_deletes()`,
    ]),
  ]) await sql.raw(statement).execute(db);
  const countsQuery = `select coalesce(json_object_agg(t, n), '{}') as counts
    from (select t, sum(d)::int as n from hostile_row_changes group by t having sum(d) <> 0 order by t) x`;
  // A request that wrote nothing assigned no transaction id: the next id still to be handed out
  // is unchanged, and the last snapshot still holds (a cheap test before the counting).
  let snapshotMs = 0;
  let last: { xmax: string; watch: string; counts: Record<string, number>; rows: Record<string, string> } | null = null;
  const snapshot = async (watch: string[] = []) => {
    const t0 = Date.now();
    const { xmax } = (await sql<{ xmax: string }>`select pg_snapshot_xmax(pg_current_snapshot())::text as xmax`.execute(db)).rows[0]!;
    if (last && last.xmax === xmax && last.watch === watch.join()) {
      snapshotMs += Date.now() - t0;
      return last;
    }
    const counts = ((await sql.raw(countsQuery).execute(db)).rows[0] as { counts: Record<string, number> }).counts;
    const rows: Record<string, string> = {};
    for (const w of watch) {
      const [table, where] = w.split(' where ');
      const r = (await sql.raw(`select md5(coalesce(string_agg(x::text, '|' order by x::text), '')) as h from "${table}" x ${where ? `where ${where}` : ''}`).execute(db)).rows[0] as { h: string };
      rows[w] = r.h;
    }
    snapshotMs += Date.now() - t0;
    last = { xmax, watch: watch.join(), counts, rows };
    return last;
  };

  // The log sees what the counting saw: a row written shows, and its removal cancels it.
  const quiet = await snapshot();
  await sql`insert into audit_log (action, entity, entity_id, changes) values ('probe', 'probe', '0', '{}')`.execute(db);
  const probed = await snapshot();
  t.same(probed.counts, { ...quiet.counts, audit_log: (quiet.counts.audit_log ?? 0) + 1 }, 'a row written is counted');
  await sql`delete from audit_log where action = 'probe'`.execute(db);
  t.same((await snapshot()).counts, quiet.counts, 'and its removal cancels it');

  const perCategory = new Map<string, number>();
  const categoryMs = new Map<string, number>();
  let tried = 0;
  let accepted = 0;
  const failures: string[] = [];
  const check = (ok: boolean, message: string) => {
    if (!ok) failures.push(message);
  };

  const at = (part: number) => Math.floor(fixtures.length * part / share.of);
  const mine = fixtures.slice(at(share.part), at(share.part + 1));
  for (const fx of mine) {
    const pageCookie = await cookieFor(fx.persona);
    let url = fx.url;
    if (url.includes('@@OTHER_SESSION@@')) {
      await startSession(db, accountUser, '10.9.9.9', 'other device');
      const other = (await one<{ id: string }>(`select id from sessions where user_id = ${accountUser} and user_agent = 'other device' order by created_at desc limit 1`)).id;
      url = url.replace('@@OTHER_SESSION@@', encodeURIComponent(other));
    }
    let form: ReturnType<typeof findForm> = null;
    if (fx.page) {
      const page = await app.inject({ method: 'GET', url: fx.page, headers: { cookie: pageCookie } });
      form = findForm(page.body, url);
    }
    const fields = form?.fields ?? [];
    const base: Body = {};
    for (const f of fields) {
      const v = fill(f);
      if (f.name in base) base[f.name] = [...[base[f.name]!].flat(), v];
      else base[f.name] = v;
    }
    if (form?.button) base[form.button[0]] = form.button[1];
    Object.assign(base, fx.base ?? {});
    const battery = mutations(fields, base, form?.multipart ?? false, csrf, fx.oneClick);
    if (process.env.HOSTILE_DEBUG) t.comment(`${fx.route}: form ${form ? 'found' : 'not found'} on ${fx.page}, ${fields.length} fields${form?.multipart ? ' (multipart)' : ''}: ${JSON.stringify(base).slice(0, 300)}`);

    let state: Awaited<ReturnType<typeof snapshot>> | null = null;
    const fixtureStarted = Date.now();
    const encode = encoder(form?.multipart ?? false, csrf);
    let inputs = 0;
    const markedFields: string[] = [];
    const send = async (m: Mutation, raw: NonNullable<Mutation['raw']>, label: string) => {
      const cookie = await cookieFor(fx.persona, fx.freshSession);
      const before = state ?? await snapshot(fx.watch);
      const requestStarted = Date.now();
      const res: LightMyRequestResponse = await app.inject({
        method: 'POST', url,
        headers: {
          cookie,
          ...(raw.contentType ? { 'content-type': raw.contentType } : {}),
          // Sign-in throttling is per address: each attempt from its own, so every mutation reaches the form.
          'x-forwarded-for': `10.${(tried >> 16) & 255}.${(tried >> 8) & 255}.${tried & 255}`,
        },
        payload: raw.payload,
      });
      tried++;
      inputs++;
      perCategory.set(m.category, (perCategory.get(m.category) ?? 0) + 1);
      categoryMs.set(m.category, (categoryMs.get(m.category) ?? 0) + Date.now() - requestStarted);
      label = `POST ${fx.route} (${m.category}: ${label}) → ${res.statusCode}`;
      const status = res.statusCode;
      check(status < 500, `${label}: no server error`);
      if (typeof m.expect === 'number') check(status === m.expect, `${label}: expected ${m.expect}`);
      else if (m.expect === 'refused') check(status >= 400 && status < 500, `${label}: refused`);
      else check((status >= 400 && status < 500) || status === 303 || status === 200, `${label}: refused or accepted`);
      if (status === 303 || status === 200) {
        accepted++;
        if (m.marks && m.field) markedFields.push(m.field);
        if (process.env.HOSTILE_DEBUG && m.marks) t.comment(`markup accepted: ${label}`);
      }
      const html = /text\/html/.test(String(res.headers['content-type']));
      check(!(html && LIVE_MARKUP.test(res.body)), `${label}: markup is never sent back live`);
      const after = await snapshot(fx.watch);
      state = after;
      if (status >= 400 && status < 500) {
        check(JSON.stringify(after.counts) === JSON.stringify(before.counts),
          `${label}: nothing stored (${tables.filter((n) => (after.counts[n] ?? 0) !== (before.counts[n] ?? 0)).join(', ')})`);
        for (const w of fx.watch ?? []) check(after.rows[w] === before.rows[w], `${label}: ${w} unchanged`);
        if (status === 400 && html) {
          // The form again, with the problem beside the field; or, for a body that is not the
          // form at all, a page saying what was wrong with it.
          const errorPage = res.body.includes('class="error-page"');
          check(errorPage
            ? /<p class="lead">[^<]+<\/p>/.test(res.body)
            : /field__error|error-summary|notice--warn|role="alert"/.test(res.body), `${label}: says what is wrong`);
        }
      }
      return res;
    };
    for (const m of battery) {
      if (!m.spread) {
        await send(m, m.raw!, m.label);
        continue;
      }
      let remaining = m.spread.fields;
      for (let attempt = 0; attempt < 4 && remaining.length; attempt++) {
        const body: Body = { ...base };
        for (const n of remaining) body[n] = m.spread.value(n);
        const res = await send(m, encode(body), `${m.label} in ${remaining.length} fields`);
        if (res.statusCode !== 400) break;
        const refused = remaining.filter((n) => res.body.includes(`id="f-${n}-error"`) || res.body.includes(`href="#f-${n}"`));
        if (!refused.length) break;
        remaining = remaining.filter((n) => !refused.includes(n));
      }
    }
    // Later inputs overwrite what earlier ones stored: the fields that took markup take it once
    // more, last, so the pages read below show it.
    if (markedFields.length) {
      const m: Mutation = { category: 'markup', label: 'markup again', expect: 'either', marks: true, spread: { fields: markedFields, value: () => MARKUP } };
      let remaining = markedFields;
      for (let attempt = 0; attempt < 3 && remaining.length; attempt++) {
        const res = await send(m, encode({ ...base, ...Object.fromEntries(remaining.map((n) => [n, MARKUP])) }), `markup again in ${remaining.length} fields`);
        if (res.statusCode !== 400) break;
        const refused = remaining.filter((n) => res.body.includes(`id="f-${n}-error"`) || res.body.includes(`href="#f-${n}"`));
        if (!refused.length) break;
        remaining = remaining.filter((n) => !refused.includes(n));
      }
    }
    if (process.env.HOSTILE_DEBUG) t.comment(`${fx.route}: ${inputs} inputs in ${Date.now() - fixtureStarted} ms`);
  }

  // Markup that was accepted as valid input shows escaped on every page that shows it.
  const fillParams = (route: string, n: number) => route
    .replace(/^\/(manage\/)?events\/:slug/, (m) => m.replace(':slug', [event, editedEvent][n]!))
    .replace(/^\/(manage\/)?contests\/:slug\/rounds\/:position/, (m) => m.replace(':slug', [judgingContest.slug, openContest.slug][n]!).replace(':position', '1'))
    .replace(/^\/(manage\/)?contests\/:slug/, (m) => m.replace(':slug', [judgingContest.slug, openContest.slug][n]!))
    .replace(/^\/programmes\/:slug/, `/programmes/${programme.slug}`)
    .replace(/^\/manage\/programmes\/:id/, `/manage/programmes/${programme.id}`)
    .replace(/^\/manage\/delegations\/:id/, `/manage/delegations/${[delegation, withdrawn][n]}`)
    .replace(/^\/periods\/:slug\/items\/:number/, `/periods/${period}/items/1`)
    .replace(/^\/periods\/:slug/, `/periods/${period}`)
    .replace(/^\/manage\/items\/:id/, `/manage/items/${item}`)
    .replace(/^\/judging\/assignments\/:id$/, `/judging/assignments/${toScore}`)
    .replace(/^\/registrations\/:token/, `/registrations/${registrationToken}`)
    .replace(/^\/delegations\/:token/, `/delegations/${delegationToken}`)
    .replace(/^\/entries\/:token$/, `/entries/${entryToken}`)
    .replace(/^\/event-invitations\/:token/, `/event-invitations/${inviteeToken}`);
  const pages = [...new Map(app.routeAccess.filter((r) => r.method === 'GET' && !r.url.startsWith('/static/'))
    .flatMap((r) => [0, 1].map((n) => ({ ...r, url: fillParams(r.url, n) })))
    .filter((r) => !r.url.includes(':')).map((r) => [r.url, r] as const)).values()];
  let pagesSwept = 0;
  let pagesShowingMarkup = 0;
  for (const p of pages) {
    for (const persona of (p.access === 'judge' ? ['judge', 'admin'] : p.access === 'public' ? ['anonymous', 'organiser'] : ['organiser', 'admin']) as Persona[]) {
      const res = await app.inject({ method: 'GET', url: p.url, headers: { cookie: await cookieFor(persona) } });
      pagesSwept++;
      check(res.statusCode < 500, `GET ${p.url} as ${persona} after the battery: no server error (${res.statusCode})`);
      if (/text\/html/.test(String(res.headers['content-type']))) {
        check(!LIVE_MARKUP.test(res.body), `GET ${p.url} as ${persona}: stored markup shown escaped`);
        if (res.body.includes('&lt;script&gt;alert(1)&lt;/script&gt;')) {
          pagesShowingMarkup++;
          if (process.env.HOSTILE_DEBUG) t.comment(`stored markup shown escaped on ${p.url} as ${persona}`);
        }
      }
    }
    // And with hostile query parameters (searches, filters, return addresses, notices).
    const persona: Persona = p.access === 'judge' ? 'judge' : p.access === 'admin' ? 'admin' : p.access === 'public' ? 'anonymous' : 'organiser';
    const res = await app.inject({ method: 'GET', url: `${p.url}?${HOSTILE_QUERY}`, headers: { cookie: await cookieFor(persona) } });
    tried++;
    perCategory.set('hostile query strings', (perCategory.get('hostile query strings') ?? 0) + 1);
    check(res.statusCode < 500, `GET ${p.url}?… as ${persona}: no server error (${res.statusCode})`);
    if (/text\/html/.test(String(res.headers['content-type']))) check(!LIVE_MARKUP.test(res.body), `GET ${p.url}?… as ${persona}: markup shown escaped`);
  }
  const liveMail = (await sql<{ n: number }>`select count(*)::int as n from mail_outbox where html_body ~* ${LIVE_MARKUP.source}`.execute(db)).rows[0]!.n;
  check(liveMail === 0, `${liveMail} queued emails carry live markup`);
  const tablesLeft = (await sql<{ n: number }>`select count(*)::int as n from information_schema.tables where table_schema = 'public' and table_name = 'registrations'`.execute(db)).rows[0]!.n;
  check(tablesLeft === 1, 'the registrations table is still there');

  for (const f of failures.slice(0, 60)) t.fail(f);
  t.equal(failures.length, 0, `${failures.length} problems`);
  const breakdown = [...perCategory].map(([k, v]) => `${k} ${v}`).join(', ');
  t.comment(`${tried} hostile inputs over ${mine.length} of ${fixtures.length} routes (${breakdown}); ${accepted} accepted as valid input; ${pagesSwept} pages swept for stored markup (shown, escaped, on ${pagesShowingMarkup}); ${((Date.now() - started) / 1000).toFixed(1)} s, ${(snapshotMs / 1000).toFixed(1)} s of them in snapshots`);
  if (process.env.HOSTILE_DEBUG) t.comment([...categoryMs].map(([k, v]) => `${k} ${v} ms`).join(', '));
  t.ok(tried >= mine.length * 20, `${tried} inputs tried`);
  for (const category of ['missing fields', 'extra fields', 'over-long values', 'control characters', 'invalid UTF-8', 'markup',
    'SQL metacharacters', 'wrong types', 'repeated keys', 'wrong content types', 'oversized bodies', 'CSRF']) {
    t.ok((perCategory.get(category) ?? 0) > 0, `${category} tried`);
  }
  t.ok(accepted > 0, 'some hostile inputs were valid and stored');
  t.ok(pagesShowingMarkup > 0, `stored markup was found, as text, on ${pagesShowingMarkup} pages`);
};

// ---------------------------------------------------------------------------------------------
// Long inputs in every language (bench/long-inputs.ts holds them, and times the same requests).

/** The long inputs in every language, through the forms bench/long-inputs.ts names. */
export const longInputsBattery = async (t: Test) => {
  const { app, db, config } = await build(t);
  let requests = 0;
  const send: Send = async (request) => {
    // Each request from an address of its own: no per-address limit stands between an input and the form's checks.
    requests++;
    const res = await app.inject({
      method: request.method, url: request.path, headers: request.headers, ...(request.payload ? { payload: request.payload } : {}),
      remoteAddress: request.remoteAddress ?? `10.77.${(requests >> 8) & 255}.${requests & 255}`,
    });
    const cookies = res.headers['set-cookie'];
    return { status: res.statusCode, body: res.body, headers: res.headers, setCookie: cookies === undefined ? [] : [cookies].flat() };
  };
  const sessions = await signIn(send, DEMO_PASSWORD);
  const forms = await longInputForms(send, db, sessions, DEMO_PASSWORD);

  // The row count of every table (sessions too: the organiser's session is only read), the rows of
  // the tables each form edits, and the stored upload files. A request that wrote nothing was given no
  // transaction id: the next one to be handed out is unchanged, and the last snapshot still holds.
  const attachments = join(config.dataDir, 'attachments');
  let last: { xmax: string; watch: string; state: string } | null = null;
  const snapshot = async (watch: string[]) => {
    const { xmax } = (await sql<{ xmax: string }>`select pg_snapshot_xmax(pg_current_snapshot())::text as xmax`.execute(db)).rows[0]!;
    if (last && last.xmax === xmax && last.watch === watch.join()) return last.state;
    const rows: string[] = [];
    for (const w of watch) {
      const [table, where] = w.split(' where ');
      rows.push(`${w}: ${((await sql.raw(`select md5(coalesce(string_agg(x::text, '|' order by x::text), '')) as h from "${table}" x
        ${where ? `where ${where}` : ''}`).execute(db)).rows[0] as { h: string }).h}`);
    }
    const files = (await readdir(attachments).catch(() => [])).length;
    const state = JSON.stringify({ counts: await rowCounts(db), rows, files });
    last = { xmax, watch: watch.join(), state };
    return state;
  };

  const failures: string[] = [];
  const check = (ok: boolean, message: string) => { if (!ok) failures.push(message); };
  const statuses = new Map<number, number>();
  const perForm = new Map<string, number>();
  const languages = new Set<string>();
  const texts = new Set<string>();
  let slowest = { ms: 0, label: '' };
  for (const form of forms) {
    for (const c of longInputCases(form, sessions.csrf)) {
      const before = await snapshot(c.watch);
      const started = performance.now();
      const res = await send({
        method: c.method, path: c.path, headers: { 'content-type': c.contentType, cookie: sessions.cookie[c.persona] }, payload: c.payload,
      });
      const ms = performance.now() - started;
      const label = `POST ${c.path} (${c.form}: ${c.text} in ${c.target}) → ${res.status}`;
      // Timed for information only (the machines are noisy): `npm run bench -- --only=long` measures it.
      if (ms > slowest.ms) slowest = { ms, label };
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      perForm.set(c.form, (perForm.get(c.form) ?? 0) + 1);
      languages.add(c.language);
      texts.add(c.kind);
      if (process.env.HOSTILE_DEBUG) {
        const errors = [...res.body.matchAll(/class="field__error"[^>]*>([^<]{0,300})/g)].map((m) => m[1]).join(' | ');
        t.comment(`${label} ${Math.round(ms)} ms, ${res.body.length} characters: ${errors || /<p class="lead">([^<]*)/.exec(res.body)?.[1]}`);
      }
      check(res.status < 500, `${label}: no server error`);
      check([400, 413, 415, 422].includes(res.status), `${label}: refused as a bad request`);
      check(await snapshot(c.watch) === before, `${label}: nothing stored`);
      const language = String(res.headers['content-language']);
      check(language === c.language, `${label}: answered in ${c.language} (${language})`);
      if (!/text\/html/.test(String(res.headers['content-type']))) {
        check(false, `${label}: answered with a page (${String(res.headers['content-type'])})`);
      } else if (res.status === 400) {
        // The form again, with the message beside the field the input went into.
        const field = c.target.replace(/ file name$/, '');
        const beside = res.body.includes(`id="f-${field}-error"`)
          || new RegExp(`id="f-${field}"[^>]*>(?:(?!</div>)[\\s\\S])*class="field__error"`).test(res.body);
        check(beside && res.body.includes(`href="#f-${field}"`), `${label}: the error is beside ${field}, and in the summary`);
      } else {
        // Refused before the form is read (a body over the limit): a page saying what is wrong.
        check(/class="error-page"/.test(res.body) && /<p class="lead">[^<]+<\/p>/.test(res.body), `${label}: says what is wrong`);
      }
    }
  }
  for (const f of failures.slice(0, 60)) t.fail(f);
  t.equal(failures.length, 0, `${failures.length} problems`);
  t.same([...languages].sort(), [...LANGUAGES].sort(), 'in every page language');
  t.equal(texts.size, LONG_TEXTS.length, 'every long text sent');
  t.same([...perForm.keys()], forms.map((f) => f.form), 'through every form');
  t.comment(`${[...perForm.values()].reduce((a, b) => a + b, 0)} long inputs over ${forms.length} forms `
    + `(${[...perForm].map(([k, v]) => `${k} ${v}`).join(', ')}); answers ${[...statuses].map(([k, v]) => `${k} × ${v}`).join(', ')}; `
    + `slowest ${Math.round(slowest.ms)} ms: ${slowest.label}`);

  // Each form's body, without the long input, is taken: the refusals above were the inputs'.
  for (const form of forms) {
    const { payload, contentType } = formPayload(form, { _csrf: sessions.csrf, ...form.valid });
    const headers = { 'content-type': contentType, cookie: sessions.cookie[form.persona] };
    const res = await send({ method: 'POST', path: form.path, headers, payload });
    t.ok(res.status === 303 || (res.status === 200 && !/field__error/.test(res.body)), `${form.form}: the same form, valid, is taken (${res.status})`);
  }
};
