import autocannon from 'autocannon';
import type { LoadOptions, LoadResult } from './support.ts';

/*
 * The load generator, run as its own process by `load()` in support.ts so that it does not
 * compete with the server for its event loop: autocannon with the options given as JSON in the
 * first argument; the result goes to standard output as JSON. Smoke runs call `runLoad` in
 * the same process instead, where starting a process would take longer than the load itself.
 */

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  let n = 0;
  const form = options.form;
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.seconds ?? 10,
    ...(options.amount ? { amount: options.amount } : {}),
    timeout: 30,
    requests: [{
      method: options.method ?? 'GET',
      headers: { ...options.headers, ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(form ? {
        setupRequest: (request: autocannon.Request) => {
          const k = String(++n);
          const body = new URLSearchParams(Object.fromEntries(Object.entries(form).map(([key, v]) => [key, v.replaceAll('{n}', k)])));
          return { ...request, body: body.toString() };
        },
      } : {}),
    }],
  });
  const statuses: Record<string, number> = {};
  for (const [code, count] of Object.entries(result.statusCodeStats ?? {})) statuses[code] = (count as { count: number }).count;
  const seconds = result.duration;
  const out: LoadResult = {
    requests: result.requests.total,
    seconds,
    perSecond: Math.round(result.requests.total / seconds),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors,
    timeouts: result.timeouts,
    statuses,
  };
  return out;
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  process.stdout.write(JSON.stringify(await runLoad(JSON.parse(process.argv[2] ?? '{}') as LoadOptions)));
}
