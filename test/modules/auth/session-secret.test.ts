import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { ConfigError, loadConfig, SECRET_FILE, withSessionSecret } from '../../../src/config.ts';
import { DEMO_PASSWORD } from '../../helpers/database.ts';

const root = fileURLToPath(new URL('../../..', import.meta.url));

type Teardown = { teardown: (fn: () => unknown) => void };

async function tempDir(t: Teardown, prefix: string) {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

t.test('without SESSION_SECRET the embedded default makes a secret once, keeps it 0600 and reuses it', async (t) => {
  const dataDir = join(await tempDir(t, 'ipcoop-secret-'), 'not-yet-made');
  const first = await withSessionSecret(loadConfig({ DATA_DIR: dataDir }));
  t.type(first.sessionSecret, 'string');
  t.ok((first.sessionSecret ?? '').length >= 32, 'at least 32 characters, as SESSION_SECRET must be');
  const file = join(dataDir, SECRET_FILE);
  t.equal((await stat(file)).mode & 0o777, 0o600, 'readable by its owner only');
  t.equal((await readFile(file, 'utf8')).trim(), first.sessionSecret);

  const again = await withSessionSecret(loadConfig({ DATA_DIR: dataDir }));
  t.equal(again.sessionSecret, first.sessionSecret, 'a later start uses the same secret');

  // Two processes starting at once on a new directory end with one secret.
  const fresh = await tempDir(t, 'ipcoop-secret-');
  const both = await Promise.all([withSessionSecret(loadConfig({ DATA_DIR: fresh })), withSessionSecret(loadConfig({ DATA_DIR: fresh }))]);
  t.equal(both[0].sessionSecret, both[1].sessionSecret, 'starts at the same moment agree');
});

t.test('a kept secret copied in with wider rights is narrowed; one too short is refused', async (t) => {
  const dataDir = await tempDir(t, 'ipcoop-secret-');
  const file = join(dataDir, SECRET_FILE);
  await writeFile(file, `${'k'.repeat(40)}\n`, { mode: 0o644 });
  t.equal((await withSessionSecret(loadConfig({ DATA_DIR: dataDir }))).sessionSecret, 'k'.repeat(40));
  t.equal((await stat(file)).mode & 0o777, 0o600);
  await writeFile(file, 'short\n');
  await t.rejects(withSessionSecret(loadConfig({ DATA_DIR: dataDir })), /holds no secret of at least 32 characters/);
});

t.test('SESSION_SECRET wins; with DATABASE_URL it is required', async (t) => {
  const dataDir = await tempDir(t, 'ipcoop-secret-');
  const given = 'a-secret-of-at-least-thirty-two-characters';
  t.equal((await withSessionSecret(loadConfig({ DATA_DIR: dataDir, SESSION_SECRET: given }))).sessionSecret, given);
  await t.rejects(stat(join(dataDir, SECRET_FILE)), { code: 'ENOENT' }, 'no file when the secret is given');
  const postgres = loadConfig({ DATA_DIR: dataDir, DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/ipcoop' });
  const refused = await withSessionSecret(postgres).catch((error: unknown) => error);
  t.type(refused, ConfigError, 'a configuration error: the start stops with one line');
  t.match(String(refused), /SESSION_SECRET is required with DATABASE_URL/);
  t.ok(await withSessionSecret({ ...postgres, sessionSecret: given }), 'and accepted when given');
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** The real server (`src/server.ts`) on an embedded database in `dataDir`, without SESSION_SECRET. */
async function startServer(t: Teardown, dataDir: string) {
  const port = await freePort();
  const child = spawn(process.execPath, ['src/server.ts'], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp',
      DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  t.teardown(() => child.kill('SIGKILL'));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 480; i++) {
    const res = await fetch(`${base}/healthz`).catch(() => undefined);
    if (res?.status === 200) break;
    if (child.exitCode !== null) throw new Error(`the server exited: ${stderr}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const stop = async () => {
    child.kill('SIGTERM');
    return exited;
  };
  return { base, stop, stderr: () => stderr };
}

const cookiesOf = (res: Response) => new Map(res.headers.getSetCookie().map((c) => {
  const [pair = ''] = c.split(';');
  const at = pair.indexOf('=');
  return [pair.slice(0, at), pair.slice(at + 1)] as const;
}));

t.test('the server signs its cookies with the kept secret, and a restart keeps sessions and forms working', async (t) => {
  const dataDir = await tempDir(t, 'ipcoop-restart-');
  const first = await startServer(t, dataDir);
  const login = await fetch(`${first.base}/login`);
  t.equal(login.status, 200, first.stderr());
  const csrfCookie = cookiesOf(login).get('ipcoop_csrf') ?? '';
  t.match(decodeURIComponent(csrfCookie), /^[^.]+\.[A-Za-z0-9_+/=-]+$/, 'the CSRF cookie carries a signature');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await login.text())?.[1] ?? '';
  const form = (fields: Record<string, string>, session?: string) => ({
    method: 'POST', redirect: 'manual' as const,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      cookie: `ipcoop_csrf=${csrfCookie}${session ? `; ipcoop_session=${session}` : ''}`,
    },
    body: new URLSearchParams({ _csrf: csrf, ...fields }).toString(),
  });
  const signIn = await fetch(`${first.base}/login`, form({ email: 'admin@ipcoop.test', password: DEMO_PASSWORD }));
  t.equal(signIn.status, 303, 'signed in');
  const session = cookiesOf(signIn).get('ipcoop_session') ?? '';
  t.ok(session, 'a session cookie');

  const forged = await fetch(`${first.base}/login`, {
    ...form({ email: 'admin@ipcoop.test', password: DEMO_PASSWORD }),
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `ipcoop_csrf=${csrfCookie.replace(/\.[^.]*$/, '.forged')}` },
  });
  t.equal(forged.status, 403, 'a CSRF cookie with a forged signature is refused');

  const file = join(dataDir, SECRET_FILE);
  const secret = await readFile(file, 'utf8');
  t.equal((await stat(file)).mode & 0o777, 0o600, 'the kept secret is readable by its owner only');
  t.equal(await first.stop(), 0, 'stopped cleanly');

  const second = await startServer(t, dataDir);
  t.equal(await readFile(file, 'utf8'), secret, 'the second start reuses the secret');
  const manage = await fetch(`${second.base}/manage`, { headers: { cookie: `ipcoop_session=${session}` }, redirect: 'manual' });
  t.equal(manage.status, 200, 'the session survives the restart');
  const signOut = await fetch(`${second.base}/logout`, form({}, session));
  t.equal(signOut.status, 303, 'a form from before the restart is still accepted: the CSRF cookie verifies with the kept secret');
  t.equal(await second.stop(), 0);
});
