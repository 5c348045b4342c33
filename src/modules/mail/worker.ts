import type { FastifyBaseLogger } from 'fastify';
import type { Executor } from '../../db/index.ts';
import { recordWhileLeased } from '../jobs/lease.ts';
import type { Work } from '../jobs/runner.ts';
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
    await recordWhileLeased(() => markSent(db, message.id), leaseSeconds, stopping);
    report.sent++;
  }
  return report;
}

/**
 * The outbox as the runner's work (jobs/runner.ts): every second by default. A message that went
 * out is recorded as sent even if the database restarts meanwhile (recordWhileLeased), so it is
 * not sent again when its lease ends.
 */
export function mailWork(
  db: Executor, transport: MailTransport, log: FastifyBaseLogger, options: Omit<DeliveryOptions, 'stopping'> = {}, everyMs = 1000,
): Work {
  return {
    name: 'mail', everyMs,
    run: async (stopping) => {
      try {
        await deliverDueMail(db, transport, log, { ...options, stopping });
      } catch (error) {
        log.warn({ err: error }, 'mail worker could not reach the outbox');
      }
    },
  };
}
