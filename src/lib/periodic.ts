/** A job that runs on a timer, until stopped. */
export type Periodic = { stop(): Promise<void> };

/**
 * Runs `task` every `intervalMs`, the first time after `firstMs`, one run at a time: a run that
 * outlasts the interval delays the next rather than overlapping it. `stop()` lets the run in hand
 * finish (the task is told, through `stopping`, so a long run can end early) and starts no other.
 * The timers never keep the process alive. The task handles its own errors.
 */
export function every(intervalMs: number, task: (stopping: () => boolean) => Promise<void>, firstMs = intervalMs): Periodic {
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  const stopping = () => stopped;
  const schedule = () => {
    if (!stopped) running = running.then(() => task(stopping));
  };
  const first = setTimeout(schedule, firstMs);
  const timer = setInterval(schedule, intervalMs);
  first.unref();
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}
