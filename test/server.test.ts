import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsx = join(root, 'node_modules/.bin/tsx');

function startServer(env: Record<string, string>) {
  const child = spawn(tsx, ['src/server.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

t.test('a malformed DATABASE_URL stops the start with one clear line', async (t) => {
  const server = startServer({ DATABASE_URL: 'mysql://somewhere/db' });
  t.equal(await server.exited, 1);
  const { stderr } = server.output();
  t.equal(stderr.trim().split('\n').length, 1, stderr);
  t.match(stderr, /^ipcoop: Invalid configuration: DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL/);
});

t.test('an unreachable database stops the start with one clear line', async (t) => {
  const port = await freePort();
  const server = startServer({ DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/nowhere` });
  t.equal(await server.exited, 1);
  const { stderr } = server.output();
  t.equal(stderr.trim().split('\n').length, 1, stderr);
  t.match(stderr, new RegExp(`^ipcoop: cannot reach PostgreSQL at 127.0.0.1:${port}/nowhere`));
  t.notMatch(stderr, /\n\s+at /, 'no stack trace');
});

// The embedded database whichever engine the suite runs on: once, in the PGlite pass.
t.test('a fresh embedded database is created, migrated and seeded, then shut down cleanly', {
  skip: process.env.TEST_DATABASE_URL ? 'runs in the PGlite pass' : false,
}, async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'ipcoop-start-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const port = await freePort();
  const server = startServer({ DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1' });
  t.teardown(() => server.child.kill('SIGKILL'));

  let res: Response | undefined;
  for (let i = 0; i < 240 && !res; i++) {
    res = await fetch(`http://127.0.0.1:${port}/periods/2018-19/summary.txt`).catch(() => undefined);
    if (!res) await new Promise((r) => setTimeout(r, 250));
  }
  t.ok(res, 'the server answered');
  t.equal(res?.status, 200);
  t.match(await res?.text(), /^Guangdong\/Hong Kong Expert Group/);

  server.child.kill('SIGTERM');
  t.equal(await server.exited, 0, 'SIGTERM closes the server and the database and exits 0');
});
