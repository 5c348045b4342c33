import type { FastifyBaseLogger } from 'fastify';
import { every, type Periodic } from '../../lib/periodic.ts';

/**
 * A piece of recurring work the runner drives: `run` is called every `everyMs` (the first time
 * after `firstMs`), never twice at once; it is told through `stopping` when the runner stops, so
 * a long run can end early. A run that throws is logged and the next one tries again.
 */
export type Work = {
  name: string;
  everyMs: number;
  firstMs?: number;
  run: (stopping: () => boolean) => Promise<void>;
};

/** How often the runner looks for work that is due, at most (work asking for a shorter interval makes it shorter). */
export const TICK_MS = 250;

/**
 * The one loop of an instance that drives its background work: due jobs, the mail outbox,
 * webhook deliveries and the periodic sweeps. Each work keeps its own pace and runs beside the
 * others (a slow webhook receiver does not hold the mail up). `stop()` lets every run in hand
 * finish and starts no other.
 */
export function startRunner(works: readonly Work[], log: FastifyBaseLogger, longestTickMs = TICK_MS): Periodic {
  const tickMs = Math.min(longestTickMs, ...works.map((w) => w.everyMs));
  const started = Date.now();
  const state = works.map((work) => ({ work, next: started + (work.firstMs ?? work.everyMs), running: null as Promise<void> | null }));
  let stopped = false;
  const stopping = () => stopped;
  const tick = every(tickMs, async () => {
    const now = Date.now();
    for (const s of state) {
      if (s.running || now < s.next || stopped) continue;
      s.running = s.work.run(stopping)
        .catch((error: unknown) => log.warn({ err: error, work: s.work.name }, 'background work failed'))
        .finally(() => {
          s.next = Math.max(Date.now(), s.next + s.work.everyMs);
          s.running = null;
        });
    }
  }, Math.min(tickMs, ...works.map((w) => w.firstMs ?? w.everyMs)));
  return {
    async stop() {
      stopped = true;
      await tick.stop();
      await Promise.all(state.flatMap((s) => (s.running ? [s.running] : [])));
    },
  };
}
