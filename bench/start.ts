import { type ChildProcess, spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildOnce, isMain, round } from './support.ts';

/*
 * Start-up of the real server as `npm start` runs it (`node dist/src/server.js`, compiled) on the embedded database:
 * cold, on an empty data directory (create the database, migrate, load the 2018-19 programme
 * and the demo data), and warm, restarted on the same directory; each timed from the spawn to
 * the first 200 from /healthz (and the server's resident memory then). The baseline is a hello-world Fastify server started the same way.
 *
 *   node --import tsx bench/start.ts [--smoke]
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export type StartReport = { coldMs: number | null; warmMs: number; baselineMs: number; rssMiB: number };

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function stop(child: ChildProcess) {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/** Spawns `script`, polls /healthz until it answers 200; the milliseconds it took and the child's RSS then. */
async function timeToFirst200(script: string, env: Record<string, string>, timeoutMs = 120_000): Promise<{ ms: number; rssMiB: number }> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [join(ROOT, script)], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', BASE_URL: `http://127.0.0.1:${port}`, DATABASE_URL: '' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  // Set by the exit listener, which TypeScript's narrowing does not see.
  let failed = null as Error | null;
  child.once('exit', (code) => { failed ??= new Error(`${script} exited with ${code} before answering`); });
  try {
    for (;;) {
      if (failed) throw failed;
      if (performance.now() - started > timeoutMs) throw new Error(`${script} did not answer within ${timeoutMs} ms`);
      try {
        const res = await fetch(`http://127.0.0.1:${port}/healthz`);
        if (res.status === 200) {
          const ms = performance.now() - started;
          await res.arrayBuffer();
          let rssMiB = 0;
          try {
            const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
            rssMiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
          } catch { /* not on Linux */ }
          return { ms: round(ms), rssMiB: round(rssMiB) };
        }
      } catch { /* not listening yet */ }
      await new Promise((r) => setTimeout(r, 25));
    }
  } finally {
    failed = null;
    child.removeAllListeners('exit');
    await stop(child);
  }
}

/**
 * `seed: false` leaves the demo data out of the cold start; `template` (a prepared PGlite data
 * directory) skips the cold start and restarts on a copy of it.
 */
export async function start(options: { seed: boolean; template?: string } = { seed: true }): Promise<StartReport> {
  const dataDir = await mkdtemp(join(tmpdir(), 'ipcoop-start-'));
  try {
    const env = { DATA_DIR: dataDir, SEED_DEMO: options.seed ? 'auto' : 'no', SESSION_SECRET: 'a-start-benchmark-secret-of-some-length' };
    buildOnce();
    const baseline = await timeToFirst200('bench/hello-server.mjs', {});
    if (options.template) await cp(options.template, join(dataDir, 'pglite'), { recursive: true });
    const cold = options.template ? null : await timeToFirst200('dist/src/server.js', env);
    const warm = await timeToFirst200('dist/src/server.js', env);
    return { coldMs: cold?.ms ?? null, warmMs: warm.ms, baselineMs: baseline.ms, rssMiB: warm.rssMiB };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** `--smoke` starts without the demo data, so that the cold start is the migrations alone. */
if (isMain(import.meta)) console.log(JSON.stringify(await start({ seed: !process.argv.includes('--smoke') }), null, 2));
