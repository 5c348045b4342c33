import t from 'tap';
import {
  createEvent, DEMO_PASSWORD, deliveryCounts, figure, outboxDrained, registrationsOf, registrationStream, seededDatabase,
  startApp, startCluster, startSink, stopwatch, tally, until,
} from './support.ts';

/*
 * Two app processes on one PostgreSQL database, as behind a load balancer: a registration rush
 * split across both never overbooks, a session opened on one is good on the other (and ended
 * on one, ended on both), and the two mail workers send each message once between them.
 */

const CAPACITY = 50;
const ATTEMPTS = 300;

/** Keeps cookies across requests and instances, like one browser behind a balancer. */
class Browser {
  readonly cookies = new Map<string, string>();
  csrf = '';
  private keep(res: Response, body: string) {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair?.indexOf('=') ?? -1;
      if (!pair || eq < 0) continue;
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      if (value === '' || /max-age=0|expires=Thu, 01 Jan 1970/i.test(c)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const token = /name="_csrf" value="([^"]+)"/.exec(body)?.[1];
    if (token) this.csrf = token;
  }
  private get cookie() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  async get(url: string) {
    const res = await fetch(url, { redirect: 'manual', headers: { cookie: this.cookie } });
    const body = await res.text();
    this.keep(res, body);
    return { status: res.status, body, location: res.headers.get('location') };
  }
  async post(url: string, form: Record<string, string>) {
    const res = await fetch(url, {
      method: 'POST', redirect: 'manual', body: new URLSearchParams({ _csrf: this.csrf, ...form }),
      headers: { cookie: this.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    });
    const body = await res.text();
    this.keep(res, body);
    return { status: res.status, body, location: res.headers.get('location') };
  }
}

t.test('two instances, one database', async (t) => {
  const lap = stopwatch(t);
  const cluster = await startCluster(t);
  const handle = await seededDatabase(cluster);
  t.teardown(() => handle.close());
  const event = await createEvent(handle, 'two-instances', CAPACITY);
  const sink = await startSink(t);
  const env = { DATABASE_URL: cluster.url('ipcoop'), SMTP_URL: sink.url };
  const [a, b] = await Promise.all([startApp(t, env, 'instance A'), startApp(t, env, 'instance B')]);
  await Promise.all([a.ready(), b.ready()]);
  lap('both instances up');

  t.test('a session opened on A is good on B, and ended on B is ended on A', async (t) => {
    const browser = new Browser();
    await browser.get(`${a.url}/login`);
    const signIn = await browser.post(`${a.url}/login`, { email: 'organiser@hkipd.test', password: DEMO_PASSWORD });
    t.equal(signIn.status, 303, 'signed in on A');
    const onB = await browser.get(`${b.url}/account`);
    t.equal(onB.status, 200, 'B knows the session');
    t.match(onB.body, 'organiser@hkipd.test', 'as the same person');
    t.equal((await browser.get(`${b.url}/manage`)).status, 200, 'with the same rights');
    const signOut = await browser.post(`${b.url}/logout`, {});
    t.equal(signOut.status, 303, 'a form from B with the token B issued is accepted (same SESSION_SECRET)');
    const backOnA = await browser.get(`${a.url}/account`);
    t.equal(backOnA.status, 303, 'signed out on B is signed out on A');
    t.match(backOnA.location, /^\/login/, 'to the sign-in page');
  });

  const rushStart = Date.now();
  const attempts = await registrationStream({ bases: [a.url, b.url], slug: event.slug, concurrency: 24, limit: ATTEMPTS, tag: 'two' });
  const rushMs = Date.now() - rushStart;
  lap('rush');
  const counts = tally(attempts);
  t.same(counts, { 303: ATTEMPTS }, 'every registration answered with its page');
  t.equal(attempts.filter((x) => x.instance === 0).length, ATTEMPTS / 2, 'half went to A, half to B');

  const { rows, counter } = await registrationsOf(handle, event.id);
  const confirmed = rows.filter((r) => r.status === 'confirmed').length;
  t.equal(rows.length, ATTEMPTS, 'every attempt registered');
  t.equal(confirmed, CAPACITY, 'exactly the capacity confirmed: no overbooking');
  t.equal(rows.filter((r) => r.status === 'waitlisted').length, ATTEMPTS - CAPACITY, 'the rest on the waiting list');
  t.equal(counter, confirmed, 'the counter agrees with the rows');

  const outbox = await outboxDrained(handle, 'two-%', 90_000);
  lap('outbox delivered');
  await until('the sink to see every message', () => sink.deliveries.length >= ATTEMPTS, 10_000);
  const { byRecipient, repeatedIds } = deliveryCounts(sink.deliveries);
  t.equal(outbox.length, ATTEMPTS, 'one message queued per registration');
  t.same(rows.filter((r) => byRecipient.get(r.email) !== 1).map((r) => r.email), [], 'each person emailed exactly once');
  t.same(repeatedIds, [], 'no message sent by both instances');
  t.equal(sink.deliveries.filter((d) => /confirmed/i.test(d.subject)).length, CAPACITY, 'as many confirmations as places');
  t.ok(a.alive() && b.alive(), 'both instances still up');

  figure(t, 'two-instances', {
    attempts: ATTEMPTS, capacity: CAPACITY, answers: counts, rushMs, confirmed, counter,
    waitlisted: rows.length - confirmed, delivered: sink.deliveries.length, duplicates: repeatedIds.length,
  });
});
