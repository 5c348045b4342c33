import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../../config.ts';
import type { Database } from '../../db/index.ts';
import type { Site } from '../../lib/site.ts';
import type { Work } from '../jobs/runner.ts';
import { claimDueDeliveries, type DeliveryPolicy, pruneOldEvents, recordAttempt } from './outbox.ts';
import { sendWebhook } from './send.ts';

export type WebhookSettings = Config['webhooks'];

export type WebhookReport = { delivered: number; retried: number; failed: number };

/** How many deliveries one worker attempts at once: a slow receiver does not hold up the others. */
const PARALLEL = 4;

/** Longer than an attempt can take (the timeout), so that a live worker is never overtaken. */
export const leaseSeconds = (settings: WebhookSettings) => settings.timeoutSeconds * 2 + 30;

const policyOf = (settings: WebhookSettings): DeliveryPolicy =>
  ({ retrySeconds: settings.retrySeconds, maxAttempts: settings.maxAttempts, disableAfterDays: settings.disableAfterDays });

/**
 * Attempts every delivery that is due now, once each; returns what happened. A few at a time:
 * each claim takes only what is sent straight away, so a lease never runs out while a delivery
 * waits behind others.
 */
export async function deliverDueWebhooks(
  db: Database, settings: WebhookSettings, site: Site, log?: FastifyBaseLogger, stopping: () => boolean = () => false,
): Promise<WebhookReport> {
  const report = { delivered: 0, retried: 0, failed: 0 };
  const options = { allowPrivate: settings.allowPrivate, timeoutMs: settings.timeoutSeconds * 1000 };
  while (!stopping()) {
    const claimed = await claimDueDeliveries(db, PARALLEL, leaseSeconds(settings));
    if (claimed.length === 0) break;
    await Promise.all(claimed.map(async (delivery) => {
      const result = await sendWebhook(delivery.url, {
        messageId: delivery.message_id, payload: delivery.payload, secret: delivery.secret, timestamp: new Date(),
      }, options);
      const outcome = await recordAttempt(db, delivery, result, policyOf(settings), site);
      if (outcome === 'delivered') report.delivered++;
      else {
        if (outcome === 'retry') report.retried++;
        else report.failed++;
        log?.info({ delivery: delivery.id, attempts: delivery.attempts, status: result.statusCode, reason: result.error },
          'webhook not delivered');
      }
    }));
  }
  return report;
}

/**
 * Webhook deliveries as the runner's work (jobs/runner.ts), beside the mail outbox: every second
 * by default; old events are pruned as it goes. Several instances may run it: claims never
 * overlap. Errors (a database restart) are logged and the next round tries again.
 */
export function webhookWork(db: Database, settings: WebhookSettings, site: Site, log: FastifyBaseLogger, everyMs = 1000): Work {
  return {
    name: 'webhooks', everyMs,
    run: async (stopping) => {
      try {
        await deliverDueWebhooks(db, settings, site, log, stopping);
        await pruneOldEvents(db);
      } catch (error) {
        log.warn({ err: error }, 'webhook worker could not reach the outbox');
      }
    },
  };
}
