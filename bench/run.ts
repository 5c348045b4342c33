import { readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { DatabaseHandle } from '../src/db/index.ts';
import { attendanceExport, EXPORT, type ExportReport } from './attendance-export.ts';
import { eventPage, PAGE, type PageReport } from './event-page.ts';
import { IMPORT, importPreview, type ImportReport } from './import-preview.ts';
import { LONG, type LongInputReport, longInputs } from './long-inputs.ts';
import { RANKING, ranking, type RankingReport } from './ranking.ts';
import { meetsGoal, SCALE, scale, type ScaleReport, scaleTable } from './scale.ts';
import { registrationRush, RUSH, type RushReport } from './registration-rush.ts';
import { start, type StartReport } from './start.ts';
import { SUMMARY, summaryPage, type SummaryReport } from './summary.ts';
import { freshPglite, freshPostgres, isMain, round, rss } from './support.ts';

/*
 * The whole suite: every benchmark against the real server, on PostgreSQL (at
 * BENCH_DATABASE_URL, dropped and recreated) and, for reference, on the embedded PGlite; each
 * result beside its baseline measured in the same run, as a ratio, with its target.
 *
 *   npm run bench                      # the full run; prints the table and writes docs/PERFORMANCE.md
 *   npm run bench -- --smoke           # every benchmark tiny (seconds); writes nothing
 *   npm run bench -- --only=rush,page --databases=postgres --no-write
 */

export const BENCHMARKS = ['rush', 'page', 'summary', 'export', 'import', 'ranking', 'long', 'start', 'scale'] as const;
export type BenchmarkName = typeof BENCHMARKS[number];
export type DatabaseKind = 'postgres' | 'pglite';

export type SuiteResults = {
  database: DatabaseKind;
  rush?: RushReport; page?: PageReport; summary?: SummaryReport; export?: ExportReport; ranking?: RankingReport; start?: StartReport;
  long?: LongInputReport; import?: ImportReport; scale?: ScaleReport;
  peakRssMiB: number;
  /** The server's peak resident memory during each benchmark. */
  rssByBenchmark?: Record<string, number>;
  /** Benchmarks that failed, with why: the others still run and are reported. */
  failed?: Record<string, string>;
};

export type Row = {
  benchmark: string; database: DatabaseKind | 'embedded'; result: string; baseline: string; ratio: string; target: string;
  pass: boolean | null;
};

/** Runs the chosen benchmarks on one database, in an order where each leaves the next a fair field. */
export async function runSuite(options: {
  database: DatabaseKind; smoke: boolean; only?: readonly BenchmarkName[]; handle?: DatabaseHandle; log?: (line: string) => void;
}): Promise<SuiteResults> {
  const size = options.smoke ? 'smoke' : 'full';
  const wanted = (name: BenchmarkName) => !options.only || options.only.includes(name);
  const log = options.log ?? (() => {});
  const handle = options.handle ?? (options.database === 'postgres' ? await freshPostgres() : await freshPglite());
  rss.resetPeak(handle.kind === 'postgres');
  const results: SuiteResults = { database: options.database, peakRssMiB: 0, rssByBenchmark: {} };
  const during = async <T>(name: BenchmarkName, run: () => Promise<T>): Promise<T | undefined> => {
    try {
      const { result, peakRssMiB } = await rss.window(run);
      results.rssByBenchmark![name] = round(peakRssMiB);
      return result;
    } catch (error) {
      if (options.smoke && options.handle) throw error;
      log(`${options.database}: ${name} failed: ${error instanceof Error ? error.stack : String(error)}`);
      (results.failed ??= {})[name] = error instanceof Error ? error.message : String(error);
      return undefined;
    }
  };
  try {
    if (wanted('rush')) {
      log(`${options.database}: registration rush`);
      const result = await during('rush', () => registrationRush({ ...RUSH[size], handle }));
      if (result) results.rush = result;
    }
    if (wanted('ranking')) {
      log(`${options.database}: ranking`);
      const result = await during('ranking', () => ranking({ ...RANKING[size], handle }));
      if (result) results.ranking = result;
    }
    if (wanted('summary')) {
      log(`${options.database}: summary`);
      const result = await during('summary', () => summaryPage({ ...SUMMARY[size], handle }));
      if (result) results.summary = result;
    }
    if (wanted('export')) {
      log(`${options.database}: attendance export`);
      const result = await during('export', () => attendanceExport({ ...EXPORT[size], handle }));
      if (result) results.export = result;
    }
    if (wanted('import')) {
      log(`${options.database}: import preview`);
      const result = await during('import', () => importPreview({ ...IMPORT[size], handle }));
      if (result) results.import = result;
    }
    if (wanted('long')) {
      log(`${options.database}: hostile long inputs`);
      const result = await during('long', () => longInputs({ ...LONG[size], handle }));
      if (result) results.long = result;
    }
    // Last, since its baseline (a hello-world route at tens of thousands of answers a second)
    // grows the process's heap more than anything the app does.
    if (wanted('page')) {
      log(`${options.database}: event page`);
      const result = await during('page', () => eventPage({ ...PAGE[size], handle }));
      if (result) results.page = result;
    }
    // Last of all: it grows the database to ten years, which no other benchmark expects.
    if (wanted('scale') && options.database === 'postgres') {
      log(`${options.database}: ten years of data`);
      const result = await during('scale', () => scale({ ...SCALE[size], handle, log }));
      if (result) results.scale = result;
    }
    results.peakRssMiB = round(rss.peakMiB);
  } finally {
    if (!options.handle) await handle.close();
  }
  return results;
}

const n = (value: number) => Math.round(value).toLocaleString('en-GB').replace(/,/g, ' ');
const pct = (value: number) => `${Math.round(value * 100)} %`;
const ms = (value: number) => `${n(value)} ms`;
const rate = (r: { perSecond: number; p50Ms?: number; p99Ms: number }) =>
  `${n(r.perSecond)}/s, ${r.p50Ms !== undefined ? `p50 ${ms(r.p50Ms)}, ` : ''}p99 ${ms(r.p99Ms)}`;

/** The table's rows: one per figure, each with its baseline, the ratio, the target and whether it is met. */
export function rows(results: SuiteResults): Row[] {
  const out: Row[] = [];
  const db = results.database;
  const { rush, page, summary, ranking: rank } = results;
  const exp = results.export;
  if (rush) {
    const ratio = rush.perSecond / rush.baseline.perSecond;
    out.push({
      benchmark: `registration rush: ${n(rush.attempts)} attempts, capacity ${n(rush.capacity)}`, database: db,
      result: `${rate(rush)}; ${n(rush.confirmed)} confirmed, ${n(rush.waitlisted)} waitlisted${rush.errors + rush.unexpected ? `, ${rush.errors + rush.unexpected} failed` : ''}`,
      baseline: `raw SQL: ${rate(rush.baseline)}`, ratio: pct(ratio), target: '≥ 50 %, zero overbooking',
      pass: ratio >= 0.5 && rush.ok && rush.baseline.ok && rush.errors + rush.unexpected === 0,
    });
  }
  if (page) {
    const ratio = page.page.perSecond / page.baseline.perSecond;
    out.push({
      benchmark: `event page ${page.path}`, database: db,
      result: `${rate({ perSecond: page.page.perSecond, p99Ms: page.page.p99Ms })} (the app's /healthz: ${n(page.floor.perSecond)}/s)`,
      baseline: `hello world: ${rate({ perSecond: page.baseline.perSecond, p99Ms: page.baseline.p99Ms })}`, ratio: pct(ratio), target: '≥ 25 %', pass: ratio >= 0.25,
    });
  }
  if (summary) {
    const ratio = summary.page.perSecond / summary.baseline.perSecond;
    out.push({
      benchmark: `summary /periods/2018-19, ${n(summary.registrations)} registrations, ${n(summary.checkIns)} check-ins`, database: db,
      result: rate({ perSecond: summary.page.perSecond, p99Ms: summary.page.p99Ms }),
      baseline: `event page: ${rate({ perSecond: summary.baseline.perSecond, p99Ms: summary.baseline.p99Ms })}`, ratio: pct(ratio), target: '≥ 50 %', pass: ratio >= 0.5,
    });
  }
  if (exp) {
    const base = `${exp.baseline.method === 'copy' ? 'COPY TO STDOUT' : 'cursor SELECT (pg-copy-streams not installed)'}: ${n(exp.baseline.rowsPerSecond)} rows/s`;
    const csvRatio = exp.csv.rowsPerSecond / exp.baseline.rowsPerSecond;
    out.push({
      benchmark: `attendance.csv, ${n(exp.rows)} rows`, database: db,
      result: `${n(exp.csv.rowsPerSecond)} rows/s, +${n(exp.csv.growthMiB)} MiB (peak ${n(exp.csv.peakRssMiB)} MiB)`,
      baseline: base, ratio: pct(csvRatio), target: '≥ 50 %, growth < 64 MB', pass: csvRatio >= 0.5 && exp.csv.growthMiB < 61,
    });
    const xlsxRatio = exp.xlsx.rowsPerSecond / exp.csv.rowsPerSecond;
    out.push({
      benchmark: `attendance.xlsx, ${n(exp.rows)} rows`, database: db,
      result: `${n(exp.xlsx.rowsPerSecond)} rows/s, +${n(exp.xlsx.growthMiB)} MiB (peak ${n(exp.xlsx.peakRssMiB)} MiB)`,
      baseline: `CSV: ${n(exp.csv.rowsPerSecond)} rows/s`, ratio: pct(xlsxRatio), target: '≥ 25 % of CSV, growth < 64 MB', pass: xlsxRatio >= 0.25 && exp.xlsx.growthMiB < 61,
    });
  }
  if (rank) {
    out.push({
      benchmark: `ranking: ${n(rank.entries)} entries × ${rank.judges} judges × ${rank.criteria} criteria`, database: db,
      result: `${ms(rank.computeMs)} (page ${ms(rank.pageMs)})`, baseline: `reading the rows: ${ms(rank.readMs)}`,
      ratio: `${round(rank.computeMs / Math.max(1, rank.readMs), 1)}×`, target: '< 1 000 ms', pass: rank.computeMs < 1000,
    });
  }
  if (results.long) {
    const l = results.long;
    const worst = l.forms.reduce((a, b) => (b.worstMs > a.worstMs ? b : a));
    out.push({
      benchmark: `hostile long inputs: ${n(l.inputs)} inputs × ${l.rounds} rounds over ${l.forms.length} forms, one at a time`,
      database: db,
      result: `worst ${ms(l.worstMs)} (${worst.form}), median ${ms(l.medianMs)}; `
        + `${l.unexpected.length ? `${l.unexpected.length} not refused` : 'all refused'}`
        + `${l.stored.length ? `, rows written in ${l.stored.join(', ')}` : ', nothing stored'}`,
      baseline: '—', ratio: '—', target: '< 1 000 ms, all 4xx, nothing stored',
      pass: l.worstMs < 1000 && l.unexpected.length === 0 && l.stored.length === 0,
    });
  }
  if (results.import) {
    const i = results.import;
    out.push({
      benchmark: `import preview: a CSV of ${n(i.preview.rows)} rows (${n(i.preview.bytes / 1024)} KB), ${i.rounds} uploads each`, database: db,
      result: `median ${ms(i.preview.medianMs)}, worst ${ms(i.preview.worstMs)}, server +${n(i.preview.peakGrowthMiB)} MiB; `
        + `${n(i.oversized.rows)} rows: ${i.oversized.status} in ${ms(i.oversized.ms)}${i.oversized.staged ? ', staged' : ', nothing staged'}`,
      baseline: `${n(i.small.rows)} rows: median ${ms(i.small.medianMs)}, +${n(i.small.peakGrowthMiB)} MiB`,
      ratio: `${round(i.preview.medianMs / Math.max(1, i.small.medianMs), 1)}× time`,
      target: '< 5 000 ms, growth < 64 MB; oversized 4xx, nothing staged',
      pass: i.preview.worstMs < 5000 && i.preview.peakGrowthMiB < 61 && i.oversized.status >= 400 && i.oversized.status < 500
        && !i.oversized.staged,
    });
  }
  if (results.scale) {
    const judged = results.scale.figures.map((f) => ({ f, pass: meetsGoal(f) })).filter((x) => x.pass !== null);
    const misses = judged.filter((x) => x.pass === false);
    const slowest = judged.reduce<(typeof judged)[number] | null>(
      (a, b) => (!a || b.f.scale!.medianMs > a.f.scale!.medianMs ? b : a), null);
    out.push({
      benchmark: `ten years of data: ${n(results.scale.data.registrations)} registrations, ${n(results.scale.data.scores)} scores; `
        + `${judged.length} pages (table below)`, database: db,
      result: `${judged.length - misses.length} of ${judged.length} pages meet the goals${slowest ? `; slowest \`${slowest.f.path}\` `
        + `(${slowest.f.persona}) ${ms(slowest.f.scale!.medianMs)} median, ${ms(slowest.f.scale!.p99Ms)} p99` : ''}`,
      baseline: 'the same pages on the demo data', ratio: '—', target: 'median < 50 ms (summary < 100 ms), p99 < 150 ms',
      pass: misses.length === 0,
    });
  }
  if (results.start) {
    const s = results.start;
    if (s.coldMs !== null) {
      out.push({
        benchmark: 'cold start, fresh embedded database, to the first 200', database: 'embedded', result: ms(s.coldMs),
        baseline: `hello-world server: ${ms(s.baselineMs)}`, ratio: `${round(s.coldMs / s.baselineMs, 1)}×`, target: '—', pass: null,
      });
    }
    out.push({
      benchmark: 'warm restart, to the first 200', database: 'embedded', result: `${ms(s.warmMs)}, RSS ${n(s.rssMiB)} MiB`,
      baseline: `hello-world server: ${ms(s.baselineMs)}`, ratio: `${round(s.warmMs / s.baselineMs, 1)}×`, target: '—', pass: null,
    });
  }
  if (results.peakRssMiB > 0 && (rush || page || summary || exp || rank || results.long || results.import)) {
    out.push({
      benchmark: 'server RSS throughout', database: db, result: `peak ${n(results.peakRssMiB)} MiB${results.rssByBenchmark && Object.keys(results.rssByBenchmark).length
        ? ` (${Object.entries(results.rssByBenchmark).map(([k, v]) => `${k} ${n(v)}`).join(', ')})` : ''}`, baseline: '—', ratio: '—',
      target: db === 'postgres' ? '< 250 MB' : '—', pass: db === 'postgres' ? results.peakRssMiB < 238 : null,
    });
  }
  for (const [name, reason] of Object.entries(results.failed ?? {})) {
    out.push({ benchmark: name, database: db, result: `failed: ${reason}`, baseline: '—', ratio: '—', target: '—', pass: false });
  }
  return out;
}

export function table(all: Row[]): string {
  const head = '| benchmark | database | result | baseline (same run) | ratio | target | |\n| --- | --- | --- | --- | --- | --- | --- |';
  const body = all.map((r) => `| ${r.benchmark} | ${r.database} | ${r.result} | ${r.baseline} | ${r.ratio} | ${r.target} | ${r.pass === null ? '' : r.pass ? 'pass' : '**miss**'} |`);
  return [head, ...body].join('\n');
}

export function machine(): string {
  const cpu = cpus();
  return `${cpu.length} × ${cpu[0]?.model.trim() ?? 'CPU'}, ${round(totalmem() / 2 ** 30, 1)} GiB, Node ${process.version}; `
    + `load average ${loadavg().map((l) => l.toFixed(1)).join(' / ')} (1 / 5 / 15 min) at the end of the run`;
}

const DOC = fileURLToPath(new URL('../docs/PERFORMANCE.md', import.meta.url));
const START = '<!-- bench:results -->';
const END = '<!-- /bench:results -->';

/** Replaces the generated part of docs/PERFORMANCE.md (between its markers) with this run. */
async function writeDoc(generated: string) {
  const doc = await readFile(DOC, 'utf8');
  const from = doc.indexOf(START);
  const to = doc.indexOf(END);
  if (from < 0 || to < from) throw new Error(`docs/PERFORMANCE.md has no ${START} … ${END} section`);
  await writeFile(DOC, `${doc.slice(0, from + START.length)}\n${generated}\n${doc.slice(to)}`);
}

if (isMain(import.meta)) {
  const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const smoke = process.argv.includes('--smoke');
  const only = arg('only')?.split(',') as BenchmarkName[] | undefined;
  const databases = (arg('databases')?.split(',') ?? ['postgres', 'pglite']) as DatabaseKind[];
  const started = new Date();
  const log = (line: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
  const all: Row[] = [];
  const loads: string[] = [];
  const details: string[] = [];
  for (const database of databases) {
    loads.push(`${database} start ${loadavg()[0]!.toFixed(1)}`);
    const results = await runSuite({ database, smoke, ...(only ? { only } : {}), log });
    all.push(...rows(results));
    if (results.scale) details.push('', '### Ten years of data, page by page', '', scaleTable(results.scale));
  }
  if (!only || only.includes('start')) {
    log('start');
    all.push(...rows({ database: 'pglite', peakRssMiB: 0, start: await start({ seed: !smoke }) }));
  }
  const generated = [
    `Run of ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC${smoke ? ' (smoke sizes)' : ''}, ${Math.round((Date.now() - started.getTime()) / 1000)} s. `
      + `Machine: ${machine()}; load average when each database's suite began: ${loads.join(', ')}.`,
    '',
    table(all),
    ...details,
  ].join('\n');
  console.log(generated);
  if (!smoke && !process.argv.includes('--no-write')) {
    await writeDoc(generated);
    log('wrote docs/PERFORMANCE.md');
  }
  const misses = all.filter((r) => r.pass === false).length;
  log(`${all.filter((r) => r.pass).length} targets met, ${misses} missed`);
}
