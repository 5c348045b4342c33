import type { FastifyBaseLogger } from 'fastify';
import { type Executor, isDatabaseUnavailable } from '../../db/index.ts';
import { every } from '../../lib/periodic.ts';
import { claimDueMail, DEFAULT_LEASE_SECONDS, DEFAULT_RETRY_SECONDS, markFailedAttempt, markSent } from './outbox.ts';
import type { MailTransport } from './transport.ts';

export type DeliveryReport = { sent: number; failed: number };

export type DeliveryOptions = {
  /** How long a claimed message is left to this worker (MAIL_LEASE_SECONDS). */
  leaseSeconds?: number;
  /** The first retry after a failed delivery (MAIL_RETRY_SECONDS). */
  retrySeconds?: number;
  /** Asked between messages: true ends the round after the message in hand. */
  stopping?: () => boolean;
};

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Records that a message went out. Should the database be unreachable at that moment (a
 * restart), keeps trying while the lease holds the message for this worker: given up, the
 * message would be sent a second time when its lease ends.
 */
async function recordSent(db: Executor, id: number, leaseSeconds: number, stopping: () => boolean) {
  const deadline = Date.now() + Math.min(leaseSeconds * 500, 30_000);
  for (let wait = 200; ; wait = Math.min(wait * 2, 2_000)) {
    try {
      await markSent(db, id);
      return;
    } catch (error) {
      if (!isDatabaseUnavailable(error) || Date.now() + wait > deadline || stopping()) throw error;
      await sleep(wait);
    }
  }
}

/**
 * Sends every message that is due now, once each; returns what happened. Messages are claimed
 * one at a time, so a claimed message is always being sent: its lease never runs out while it
 * waits behind others, and a worker that stops or dies holds at most one.
 */
export async function deliverDueMail(
  db: Executor, transport: MailTransport, log?: FastifyBaseLogger, options: DeliveryOptions = {},
): Promise<DeliveryReport> {
  const leaseSeconds = options.leaseSeconds ?? DEFAULT_LEASE_SECONDS;
  const stopping = options.stopping ?? (() => false);
  const report = { sent: 0, failed: 0 };
  while (!stopping()) {
    const [message] = await claimDueMail(db, 1, leaseSeconds);
    if (!message) return report;
    try {
      await transport.send(message);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      await markFailedAttempt(db, message.id, message.attempts, reason, options.retrySeconds ?? DEFAULT_RETRY_SECONDS);
      log?.warn({ messageId: message.message_id, attempts: message.attempts, reason }, 'mail delivery failed');
      report.failed++;
      continue;
    }
    await recordSent(db, message.id, leaseSeconds, stopping);
    report.sent++;
  }
  return report;
}

/** Polls the outbox until stopped. Errors (a database restart, say) are logged and retried. */
export function startMailWorker(
  db: Executor, transport: MailTransport, log: FastifyBaseLogger, intervalMs = 1000,
  options: Omit<DeliveryOptions, 'stopping'> = {},
) {
  const polling = every(intervalMs, async (stopping) => {
    try {
      await deliverDueMail(db, transport, log, { ...options, stopping });
    } catch (error) {
      log.warn({ err: error }, 'mail worker could not reach the outbox');
    }
  });
  return {
    /** Finishes the message in hand, claims no more, and closes the transport. */
    async stop() {
      await polling.stop();
      transport.close();
    },
  };
}
