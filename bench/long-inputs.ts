import { loadavg } from 'node:os';
import { type RawBuilder, sql } from 'kysely';
import type { Database, DatabaseHandle } from '../src/db/index.ts';
import { DEMO_PASSWORD, isMain, listen, percentile, round, standaloneDatabase } from './support.ts';

/*
 * Long inputs in every language, through the public forms and the upload and through two
 * organisers' forms: names, texts and file names of 16 KB and more — English, Traditional and
 * Simplified Chinese, and pathological strings (a phrase repeated to 16 000 characters, 64 K of
 * one character, right-to-left text and combining marks, NUL bytes, lone surrogates) — each
 * sent one at a time, and each must be refused (a 4xx) at once, storing nothing. The figures are
 * the median and the worst answer time per form, with the machine's load average beside them.
 *
 * The same forms and inputs are the long-input battery of test/security/hostile-input.ts,
 * which checks each answer in detail (the error beside the field, the rows unchanged); this
 * script times them over HTTP against the real server.
 *
 *   node --expose-gc --import tsx bench/long-inputs.ts [--smoke] [--pglite]
 */

// ---------------------------------------------------------------------------------------------
// The inputs.

export type LongText = {
  name: string;
  /** Repeated, and cut, to `length` UTF-16 code units. */
  pattern: string;
  length: number;
  /** How the value goes on the wire: as the form's own encoding, or as JSON (escapes a form cannot carry). */
  encoding?: 'form' | 'json';
};

const ENGLISH = 'The seminar helped enterprises protect, manage and exploit their intellectual property in the Greater Bay Area. ';
const TRADITIONAL = '研討會旨在協助企業保護和運用其知識產權，把握粵港澳大灣區發展帶來的機遇。約二百名業界人士出席。';
const SIMPLIFIED = '研讨会旨在协助企业保护和运用其知识产权，把握粤港澳大湾区发展带来的机遇。约二百名业界人士出席。';
// Arabic and Hebrew, an override and isolates left open and closed, stacks of combining marks, marks.
const RTL_AND_MARKS = 'مرحبا بالعالم \u202Eשלום עולם\u202C Z\u0351\u0352\u0357\u035B\u0346\u0308\u0301\u0316\u0337 '
  + '\u2067عربي\u2069 e\u0301\u0302\u0303\u0304\u0305\u0306 \u200F\u200D\u0640\u0640 \u202B';
const LONE_SURROGATES = 'x\uD800y\uDFFFz\uDBFF ';

/** 16 KB and more of each kind; every one is beyond what the fields it is sent in take. */
export const LONG_TEXTS: readonly LongText[] = [
  { name: 'English', pattern: ENGLISH, length: 16_384 },
  { name: 'Traditional Chinese', pattern: TRADITIONAL, length: 16_384 },
  { name: 'Simplified Chinese', pattern: SIMPLIFIED, length: 16_384 },
  { name: '" of x sent, x" repeated', pattern: ' of x sent, x', length: 16_000 },
  { name: 'one character', pattern: 'x', length: 65_536 },
  { name: 'one Chinese character', pattern: '國', length: 65_536 },
  { name: 'right-to-left text and combining marks', pattern: RTL_AND_MARKS, length: 16_384 },
  { name: 'NUL bytes among letters', pattern: 'Ada\u0000Lovelace\u0000\u0000', length: 16_384 },
  { name: 'lone surrogates as bytes', pattern: LONE_SURROGATES, length: 16_384 },
  { name: 'lone surrogates as JSON escapes', pattern: LONE_SURROGATES, length: 16_384, encoding: 'json' },
];

const spaced = (n: number) => n.toLocaleString('en-GB').replace(/,/g, ' ');

/** A text as sent: what it is, its length in characters and, where they differ, in bytes. */
export function describe(text: LongText, value: string): string {
  const bytes = wtf8(value).length;
  const size = bytes === value.length ? `${spaced(value.length)} characters`
    : `${spaced(value.length)} characters, ${spaced(Math.round(bytes / 1024))} KB`;
  return `${text.name} (${size})`;
}

/** The text at `length` code units at least (a field that takes more than 16 K is sent more). */
export function longValue(text: LongText, atLeast = 0): string {
  const length = Math.max(text.length, atLeast);
  return text.pattern.repeat(Math.ceil(length / text.pattern.length)).slice(0, length);
}

/**
 * A string's bytes as UTF-8, except that a lone surrogate is written as the three bytes UTF-8
 * would give its code point (as WTF-8 does): bytes a browser never sends, which no decoder takes.
 */
export function wtf8(value: string): Buffer {
  const parts: Buffer[] = [];
  let run = '';
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    const paired = unit >= 0xD800 && unit <= 0xDBFF && i + 1 < value.length
      && value.charCodeAt(i + 1) >= 0xDC00 && value.charCodeAt(i + 1) <= 0xDFFF;
    if (unit >= 0xD800 && unit <= 0xDFFF && !paired) {
      parts.push(Buffer.from(run, 'utf8'), Buffer.from([0xE0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3F), 0x80 | (unit & 0x3F)]));
      run = '';
    } else if (paired) {
      run += value.slice(i, i + 2);
      i++;
    } else {
      run += value[i];
    }
  }
  parts.push(Buffer.from(run, 'utf8'));
  return Buffer.concat(parts);
}

/** Percent-encoding of bytes, as a form is encoded. */
const percent = (bytes: Buffer) => {
  let out = '';
  for (const b of bytes) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9*\-._]/.test(c) ? c : b === 0x20 ? '+' : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
};

export type Body = Record<string, string>;

export const urlencodedBody = (body: Body) => Buffer.from(Object.entries(body)
  .map(([k, v]) => `${percent(wtf8(k))}=${percent(wtf8(v))}`).join('&'));

const BOUNDARY = '----long-input-boundary-3Qf7bZ1x';
export type FilePart = { field: string; filename: string; contentType: string; content: Buffer };

export function multipartBody(body: Body, files: readonly FilePart[] = []): { contentType: string; payload: Buffer } {
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(body)) {
    parts.push(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n`), wtf8(v), Buffer.from('\r\n'));
  }
  for (const f of files) {
    // As a browser sends it: the name's bytes as they are, only quotes and line breaks escaped.
    const filename = wtf8(f.filename.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A'));
    parts.push(
      Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${f.field}"; filename="`), filename,
      Buffer.from(`"\r\nContent-Type: ${f.contentType}\r\n\r\n`), f.content, Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return { contentType: `multipart/form-data; boundary=${BOUNDARY}`, payload: Buffer.concat(parts) };
}

/** Not a PDF, whatever its name says: a PNG's signature and a line of text. */
export const NOT_A_PDF = Buffer.concat([Buffer.from([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]), Buffer.from('not a PDF at all\n')]);

// ---------------------------------------------------------------------------------------------
// Reading a form's fields off its page.

const decode = (s: string) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>')
  .replace(/&amp;/g, '&');

function attributes(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of tag.matchAll(/([A-Za-z_:][-\w:.]*)(?:\s*=\s*"([^"]*)")?/g)) out[m[1]!.toLowerCase()] = decode(m[2] ?? '');
  return out;
}

/**
 * What a browser would send from the form posting to `action` as the page stands: hidden and
 * filled-in fields, checked boxes, each select's chosen option (else its first real one).
 * Buttons and file fields are left out. Null when the page has no such form.
 */
export function formDefaults(html: string, action: string): Body | null {
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
    if ((attributes(m[1]!).action ?? '').split('?')[0] !== action) continue;
    const body: Body = {};
    for (const el of m[2]!.matchAll(/<(input|select|textarea)\b([^>]*)>(?:([\s\S]*?)<\/\1>)?/g)) {
      const at = attributes(el[2]!);
      if (!at.name || at.name === '_csrf') continue;
      if (el[1] === 'input') {
        const type = (at.type ?? 'text').toLowerCase();
        if (['submit', 'button', 'file', 'image', 'reset'].includes(type)) continue;
        if ((type === 'checkbox' || type === 'radio') && !('checked' in at)) continue;
        body[at.name] = at.value ?? (type === 'checkbox' ? 'on' : '');
      } else if (el[1] === 'select') {
        const options = [...(el[3] ?? '').matchAll(/<option\b([^>]*)>/g)].map((o) => attributes(o[1]!));
        body[at.name] = options.find((o) => 'selected' in o)?.value ?? options.find((o) => o.value)?.value ?? '';
      } else {
        body[at.name] = decode(el[3] ?? '');
      }
    }
    return body;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// The forms.

/** One request on the wire, and its answer: how the test (inject) and this script (HTTP) send alike. */
export type WireRequest = {
  method: 'GET' | 'POST'; path: string; headers: Record<string, string>; payload?: Buffer; remoteAddress?: string;
};
export type WireAnswer = {
  status: number; body: string; headers: Record<string, string | string[] | number | undefined>; setCookie: string[];
};
export type Send = (request: WireRequest) => Promise<WireAnswer>;

export type Persona = 'anonymous' | 'organiser';
export const LANGUAGES = ['en', 'zh-Hant', 'zh-Hans'] as const;
export type Language = typeof LANGUAGES[number];

/** Where in a form a long text goes: a field, a field that must hold an email address, or an upload's file name. */
export type Target = { field: string; kind?: 'text' | 'email' | 'filename'; atLeast?: number };

export type LongInputForm = {
  form: string;
  persona: Persona;
  /** The form's address (where it posts). */
  path: string;
  multipart: boolean;
  /** A valid body: the page's own values with the blanks filled in. */
  valid: Body;
  targets: Target[];
  /** Tables the form edits in place (`table` or `table where …`): their rows must not change. */
  watch: string[];
  /** In every page language for every input (else the languages take turns). */
  everyLanguage?: boolean;
};

export type LongInputCase = {
  form: string; text: string; kind: string; target: string; language: Language; persona: Persona; watch: string[];
  method: 'POST'; path: string; contentType: string; payload: Buffer;
};

export type Sessions = { cookie: Record<Persona, string>; csrf: string };

const cookiesOf = (answer: WireAnswer) => answer.setCookie.map((c) => c.split(';')[0]!).filter((c) => !c.endsWith('='));

/** The anonymous visitor's CSRF cookie and token, and an organiser signed in through the real form. */
export async function signIn(send: Send, password: string, email = 'organiser@hkipd.test'): Promise<Sessions> {
  const page = await send({ method: 'GET', path: '/login', headers: {} });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
  if (!csrf) throw new Error('no CSRF token on /login');
  const anonymous = cookiesOf(page).join('; ');
  const login = await send({
    method: 'POST', path: '/login', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: anonymous },
    payload: urlencodedBody({ _csrf: csrf, email, password }),
  });
  if (login.status !== 303) throw new Error(`sign-in as ${email} answered ${login.status}`);
  return { csrf, cookie: { anonymous, organiser: [anonymous, ...cookiesOf(login)].join('; ') } };
}

let serial = 0;
const unique = () => `${Date.now().toString(36)}${(++serial).toString(36)}`;

/** The forms the long inputs go through, read from their pages on this database. */
export async function longInputForms(send: Send, db: Database, sessions: Sessions, password: string): Promise<LongInputForm[]> {
  const one = async <T>(query: RawBuilder<T>, what: string): Promise<T> => {
    const row = (await query.execute(db)).rows[0];
    if (!row) throw new Error(`no ${what} in the database`);
    return row;
  };
  const event = await one(sql<{ slug: string }>`select slug from events where status = 'published' and starts_at > now()
    and (registration_opens_at is null or registration_opens_at <= now())
    and (registration_closes_at is null or registration_closes_at > now())
    order by slug like 'sme-seminar-%' desc, starts_at limit 1`, 'event open for registration');
  const programme = await one(sql<{ slug: string }>`select slug from programmes where status = 'open' and public_registration
    order by id limit 1`, 'programme taking delegations');
  const contest = await one(sql<{ slug: string }>`select slug from contests where status = 'open'
    and (entry_opens_at is null or entry_opens_at <= now()) and (entry_closes_at is null or entry_closes_at > now())
    order by id limit 1`, 'contest taking entries');
  const scope = sql`select ip.item_id from item_parties ip join organisations o on o.id = ip.organisation_id where o.code = 'HKIPD'`;
  const item = await one(sql<{ id: number }>`select i.id from items i join periods p on p.id = i.period_id
    where i.id in (${scope}) order by p.starts_on desc, i.number limit 1`, 'item of HKIPD');
  const edited = await one(sql<{ slug: string }>`select slug from events where item_id in (${scope}) and status = 'published'
    order by starts_at desc limit 1`, 'event of HKIPD');

  const read = async (persona: Persona, page: string, path: string, overlay: Body) => {
    const answer = await send({ method: 'GET', path: page, headers: { cookie: sessions.cookie[persona] } });
    const defaults = answer.status === 200 ? formDefaults(answer.body, path) : null;
    if (!defaults) throw new Error(`no form posting to ${path} on ${page} (${answer.status})`);
    return { ...defaults, ...overlay };
  };
  const person = { name: '陳大文 Chan Tai-man', organisation: 'Hong Kong Productivity Council' };

  return [
    {
      form: 'event registration', persona: 'anonymous', path: `/events/${event.slug}/register`, multipart: false,
      valid: await read('anonymous', `/events/${event.slug}`, `/events/${event.slug}/register`, {
        ...person, email: `long.${unique()}@example.org`, side: 'HK', consent: 'on',
      }),
      targets: [{ field: 'name' }, { field: 'organisation' }, { field: 'email', kind: 'email' }],
      watch: ['events'],
    },
    {
      form: 'delegation registration', persona: 'anonymous', path: `/programmes/${programme.slug}/register`, multipart: false,
      valid: await read('anonymous', `/programmes/${programme.slug}/register`, `/programmes/${programme.slug}/register`, {
        name: 'Hong Kong IP delegation', from_side: 'HK', to_side: 'GD', contact_name: person.name,
        contact_email: `leader.${unique()}@example.org`, member_0_name: person.name, member_0_organisation: person.organisation,
        member_0_role: 'head',
      }),
      targets: [{ field: 'name' }, { field: 'contact_name' }, { field: 'member_0_name' }, { field: 'contact_email', kind: 'email' }],
      watch: ['programmes'],
    },
    {
      form: 'contest entry (multipart, a file that is not a PDF)', persona: 'anonymous', path: `/contests/${contest.slug}/entries`,
      multipart: true, everyLanguage: true,
      valid: await read('anonymous', `/contests/${contest.slug}`, `/contests/${contest.slug}/entries`, {
        title: 'A portfolio of process patents', applicant_name: 'Chan Tai-man Technology Limited', contact_person: person.name,
        summary: 'Three patents on one manufacturing process.', patent_numbers: 'HK1234567\nCN201910000000.1',
        email: `entrant.${unique()}@example.org`, side: 'HK', school: 'Hong Kong Secondary School', teacher: person.name,
        student_1_name: person.name, student_1_age: '12', student_1_grade: 'S1', guardian_consent: 'on', university: 'HKU',
      }),
      targets: [{ field: 'attachments', kind: 'filename' }, { field: 'title' }, { field: 'email', kind: 'email' }],
      watch: ['contests'],
    },
    {
      form: 'sign-in', persona: 'anonymous', path: '/login', multipart: false,
      valid: await read('anonymous', '/login', '/login', { email: 'judge4@ipcoop.test', password }),
      targets: [{ field: 'email', kind: 'email' }, { field: 'password' }],
      watch: [],
    },
    {
      form: 'password reset request', persona: 'anonymous', path: '/password/forgot', multipart: false,
      valid: await read('anonymous', '/password/forgot', '/password/forgot', { email: 'judge2@ipcoop.test' }),
      targets: [{ field: 'email', kind: 'email' }],
      watch: ['user_tokens'],
    },
    {
      // The narrative takes 20 000 characters: it is sent 26 K and more (20 000 and more once NULs are taken out;
      // 26 K Chinese characters still under the 256 KiB a body may be, percent-encoded).
      form: 'item narrative (organiser)', persona: 'organiser', path: `/manage/items/${item.id}`, multipart: false,
      valid: await read('organiser', `/manage/items/${item.id}`, `/manage/items/${item.id}`, {}),
      targets: [{ field: 'narrative', atLeast: 26_624 }, { field: 'title' }],
      watch: ['items'],
    },
    {
      form: 'new event (organiser)', persona: 'organiser', path: '/manage/events/new', multipart: false,
      valid: await read('organiser', '/manage/events/new', '/manage/events/new', {
        title: `Long-input seminar ${unique()}`, starts_at: '2027-03-01T09:30', ends_at: '2027-03-01T17:00', city: 'Hong Kong',
      }),
      targets: [{ field: 'title' }, { field: 'description' }, { field: 'venue' }, { field: 'question_label_0' }],
      watch: ['events'],
    },
    {
      form: 'event edit (organiser)', persona: 'organiser', path: `/manage/events/${edited.slug}/edit`, multipart: false,
      valid: await read('organiser', `/manage/events/${edited.slug}/edit`, `/manage/events/${edited.slug}/edit`, {}),
      targets: [{ field: 'title' }, { field: 'description' }],
      watch: [`events where slug = '${edited.slug}'`, 'event_questions'],
    },
  ];
}

/** A body as the form sends it (multipart or urlencoded), or as JSON. */
export function formPayload(form: Pick<LongInputForm, 'multipart'>, body: Body, files: readonly FilePart[] = [], json = false) {
  if (json) return { contentType: 'application/json', payload: Buffer.from(JSON.stringify(body)) };
  return form.multipart ? multipartBody(body, files) : { contentType: 'application/x-www-form-urlencoded', payload: urlencodedBody(body) };
}

/** Every long text into every target of a form, in the page languages in turn (or in each). */
export function longInputCases(form: LongInputForm, csrf: string): LongInputCase[] {
  const cases: LongInputCase[] = [];
  let turn = 0;
  for (const target of form.targets) {
    for (const text of LONG_TEXTS) {
      if (text.encoding === 'json' && (form.multipart || target.kind === 'filename')) continue;
      const languages = form.everyLanguage ? LANGUAGES : [LANGUAGES[turn++ % LANGUAGES.length]!];
      for (const language of languages) {
        const value = longValue(text, target.atLeast);
        const body: Body = { _csrf: csrf, ...form.valid };
        const files: FilePart[] = [];
        if (target.kind === 'filename') {
          files.push({ field: target.field, filename: `${value}.pdf`, contentType: 'application/pdf', content: NOT_A_PDF });
        } else {
          body[target.field] = target.kind === 'email' ? `${value}@example.org` : value;
        }
        const wire = formPayload(form, body, files, text.encoding === 'json');
        cases.push({
          form: form.form, text: describe(text, value), kind: text.name, language,
          target: target.kind === 'filename' ? `${target.field} file name` : target.field,
          persona: form.persona, watch: form.watch, method: 'POST', path: `${form.path}?lang=${language}`, ...wire,
        });
      }
    }
  }
  return cases;
}

/** The row count of every table but the migrations' (a refused input must leave them all as they were). */
export async function rowCounts(db: Database, leaveOut: RegExp = /^kysely_/): Promise<Record<string, number>> {
  const tables = (await sql<{ name: string }>`select table_name as name from information_schema.tables
    where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`.execute(db)).rows.map((r) => r.name)
    .filter((n) => !leaveOut.test(n));
  const query = `select ${tables.map((n) => `(select count(*) from "${n}")::int as "${n}"`).join(', ')}`;
  return (await sql.raw(query).execute(db)).rows[0] as Record<string, number>;
}

// ---------------------------------------------------------------------------------------------
// The benchmark.

/** `rounds` measured, after one unmeasured when `warmUp` (each page's templates compiled, as on a server that has run a while). */
export type LongInputOptions = { rounds: number; warmUp: boolean; handle: DatabaseHandle };
export type FormTimes = {
  form: string; requests: number; medianMs: number; worstMs: number; worst: string; statuses: Record<string, number>;
};
export type LongInputReport = {
  inputs: number; rounds: number; requests: number; forms: FormTimes[]; worstMs: number; medianMs: number;
  /** The same answers by kind of input, over every form. */
  texts: { text: string; requests: number; medianMs: number; worstMs: number }[];
  /** Answers that were not a refusal (a 4xx), with what was sent. */
  unexpected: string[];
  /** Tables whose row count changed over the whole run. */
  stored: string[];
  /** Load average (1, 5, 15 min) at the start and at the end. */
  loadBefore: number[]; loadAfter: number[];
};

/** Over HTTP, as a browser sends: no redirects followed, cookies as given. */
function httpSender(url: string): Send {
  return async (request) => {
    const res = await fetch(`${url}${request.path}`, {
      method: request.method, headers: request.headers, redirect: 'manual',
      ...(request.payload ? { body: new Uint8Array(request.payload) } : {}),
    });
    const body = await res.text();
    return { status: res.status, body, headers: Object.fromEntries(res.headers), setCookie: res.headers.getSetCookie() };
  };
}

export async function longInputs(options: LongInputOptions): Promise<LongInputReport> {
  const loadBefore = loadavg().map((l) => round(l, 2));
  const { url, close } = await listen(options.handle);
  const send = httpSender(url);
  try {
    const sessions = await signIn(send, DEMO_PASSWORD);
    const forms = await longInputForms(send, options.handle.db, sessions, DEMO_PASSWORD);
    const cases = forms.flatMap((f) => longInputCases(f, sessions.csrf));
    const before = await rowCounts(options.handle.db);
    const times = new Map<string, { ms: number; label: string; kind: string; status: number }[]>();
    const unexpected: string[] = [];
    const first = options.warmUp ? -1 : 0;
    for (let pass = first; pass < options.rounds; pass++) {
      for (const c of cases) {
        const started = performance.now();
        const answer = await send({
          method: c.method, path: c.path, payload: c.payload,
          headers: { 'content-type': c.contentType, cookie: sessions.cookie[c.persona] },
        });
        const ms = performance.now() - started;
        const label = `${c.text} in ${c.target} (${c.language})`;
        if (answer.status < 400 || answer.status >= 500) unexpected.push(`${c.form}: ${label} → ${answer.status}`);
        if (pass < 0) continue;
        const list = times.get(c.form) ?? [];
        list.push({ ms, label, kind: c.kind, status: answer.status });
        times.set(c.form, list);
      }
    }
    const after = await rowCounts(options.handle.db);
    const all = [...times.values()].flat();
    const formTimes = [...times].map(([form, list]) => {
      const worst = list.reduce((a, b) => (b.ms > a.ms ? b : a));
      const statuses: Record<string, number> = {};
      for (const r of list) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      return {
        form, requests: list.length, medianMs: percentile(list.map((r) => r.ms), 50), worstMs: round(worst.ms, 1), worst: worst.label,
        statuses,
      };
    });
    const texts = [...new Set(all.map((r) => r.kind))].map((text) => {
      const ms = all.filter((r) => r.kind === text).map((r) => r.ms);
      return { text, requests: ms.length, medianMs: percentile(ms, 50), worstMs: round(Math.max(...ms), 1) };
    });
    return {
      inputs: cases.length, rounds: options.rounds, requests: all.length, forms: formTimes, texts,
      worstMs: round(Math.max(...all.map((r) => r.ms)), 1), medianMs: percentile(all.map((r) => r.ms), 50),
      unexpected: [...new Set(unexpected)], stored: Object.keys(after).filter((n) => after[n] !== before[n]),
      loadBefore, loadAfter: loadavg().map((l) => round(l, 2)),
    };
  } finally {
    await close();
  }
}

export const LONG = { full: { rounds: 5, warmUp: true }, smoke: { rounds: 1, warmUp: false } };

if (isMain(import.meta)) {
  const handle = await standaloneDatabase();
  try {
    console.log(JSON.stringify(await longInputs({ ...(process.argv.includes('--smoke') ? LONG.smoke : LONG.full), handle }), null, 2));
  } finally {
    await handle.close();
  }
}
