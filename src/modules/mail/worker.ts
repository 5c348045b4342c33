import type { FastifyBaseLogger } from 'fastify';
import type { Executor } from '../../db/index.ts';
import { claimDueMail, markFailedAttempt, markSent } from './outbox.ts';
import type { MailTransport } from './transport.ts';

export type DeliveryReport = { sent: number; failed: number };

/** Sends every message that is due now, once each; returns what happened. */
export async function deliverDueMail(db: Executor, transport: MailTransport, log?: FastifyBaseLogger): Promise<DeliveryReport> {
  const report = { sent: 0, failed: 0 };
  for (;;) {
    const batch = await claimDueMail(db, 20);
    if (batch.length === 0) return report;
    for (const message of batch) {
      try {
        await transport.send(message);
        await markSent(db, message.id);
        report.sent++;
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        await markFailedAttempt(db, message.id, message.attempts, reason);
        log?.warn({ messageId: message.message_id, attempts: message.attempts, reason }, 'mail delivery failed');
        report.failed++;
      }
    }
  }
}

/** Polls the outbox until stopped. Errors (a database restart, say) are logged and retried. */
export function startMailWorker(db: Executor, transport: MailTransport, log: FastifyBaseLogger, intervalMs = 1000) {
  let stopped = false;
  let running: Promise<unknown> = Promise.resolve();
  const tick = async () => {
    try {
      await deliverDueMail(db, transport, log);
    } catch (error) {
      log.warn({ err: error }, 'mail worker could not reach the outbox');
    }
  };
  const timer = setInterval(() => {
    if (!stopped) running = running.then(tick);
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
      transport.close();
    },
  };
}
