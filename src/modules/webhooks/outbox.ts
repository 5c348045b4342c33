import { sql } from 'kysely';
import type { Database, Executor } from '../../db/index.ts';
import { localeOf, translator } from '../../lib/i18n.ts';
import type { Site } from '../../lib/site.ts';
import { backoffSeconds, secondsFromNow } from '../jobs/lease.ts';
import { queueMail } from '../mail/outbox.ts';
import type { AttemptResult } from './send.ts';

/* The webhook outbox: claiming due deliveries, recording what each attempt came to, backing off. */

export type DeliveryPolicy = {
  /** The first retry; each further one waits four times longer, up to MAX_RETRY_SECONDS. */
  retrySeconds: number;
  maxAttempts: number;
  /** An endpoint whose attempts have all failed for this long is disabled. */
  disableAfterDays: number;
};

/** The longest wait between two attempts of one delivery. */
export const MAX_RETRY_SECONDS = 6 * 3600;

/** The wait after the `attempts`-th failed attempt: 30 s, 2 min, 8 min, 32 min, 2 h 8 min, then 6 h. */
export function retryDelaySeconds(attempts: number, retrySeconds: number): number {
  return backoffSeconds(attempts, retrySeconds, MAX_RETRY_SECONDS);
}

export type ClaimedDelivery = {
  id: number; endpoint_id: number; attempts: number; url: string; secret: string; message_id: string; payload: string;
};

/**
 * Claims due deliveries of enabled endpoints for one attempt each, in a short transaction of its
 * own: FOR UPDATE SKIP LOCKED, so that two instances never claim the same delivery, and a lease
 * (next_attempt_at moved past the longest an attempt can take) so that a delivery whose worker
 * died mid-attempt is tried again once the lease ends, and one in hand is not.
 */
export async function claimDueDeliveries(db: Database, limit: number, leaseSeconds: number): Promise<ClaimedDelivery[]> {
  return db.transaction().execute(async (trx) => {
    const { rows: due } = await sql<{ id: number }>`SELECT d.id FROM webhook_deliveries d
      JOIN webhook_endpoints w ON w.id = d.endpoint_id
      WHERE d.status = 'pending' AND d.next_attempt_at <= now() AND w.enabled
      ORDER BY d.next_attempt_at, d.id LIMIT ${limit}
      FOR UPDATE OF d SKIP LOCKED`.execute(trx);
    if (due.length === 0) return [];
    const { rows } = await sql<ClaimedDelivery>`UPDATE webhook_deliveries d
      SET attempts = d.attempts + 1, next_attempt_at = ${secondsFromNow(leaseSeconds)}
      FROM webhook_endpoints w, webhook_events e
      WHERE d.id IN (${sql.join(due.map((r) => r.id))}) AND w.id = d.endpoint_id AND e.id = d.event_id
      RETURNING d.id, d.endpoint_id, d.attempts, w.url, w.secret, e.message_id, e.payload::text AS payload`.execute(trx);
    return rows.sort((a, b) => a.id - b.id);
  });
}

/** What happened to a delivery after an attempt. */
export type Outcome = 'delivered' | 'retry' | 'failed';

/**
 * Records an attempt in the log and its consequences, in one transaction: a success ends the
 * delivery and the endpoint's run of failures; a failure schedules the next attempt (or, after
 * the last, marks the delivery failed), and an endpoint failing for longer than the policy allows
 * is disabled and its owner emailed.
 */
export async function recordAttempt(
  db: Database, delivery: ClaimedDelivery, result: AttemptResult, policy: DeliveryPolicy, site: Site,
): Promise<Outcome> {
  return db.transaction().execute(async (trx) => {
    const error = result.error?.slice(0, 1000) ?? null;
    await trx.insertInto('webhook_attempts').values({
      delivery_id: delivery.id, status_code: result.statusCode, duration_ms: result.durationMs, error, response_body: result.body,
    }).execute();
    const common = { last_attempt_at: sql<Date>`now()`, last_status_code: result.statusCode, last_error: error };
    if (result.error === null) {
      await trx.updateTable('webhook_deliveries').set({ ...common, status: 'delivered', delivered_at: sql<Date>`now()` })
        .where('id', '=', delivery.id).execute();
      await trx.updateTable('webhook_endpoints').set({ failing_since: null }).where('id', '=', delivery.endpoint_id)
        .where('failing_since', 'is not', null).execute();
      return 'delivered';
    }
    const final = delivery.attempts >= policy.maxAttempts;
    const delay = retryDelaySeconds(delivery.attempts, policy.retrySeconds);
    await trx.updateTable('webhook_deliveries').set({
      ...common, status: final ? 'failed' : 'pending', next_attempt_at: secondsFromNow(delay),
    }).where('id', '=', delivery.id).execute();
    await trx.updateTable('webhook_endpoints').set({ failing_since: sql<Date>`coalesce(failing_since, now())` })
      .where('id', '=', delivery.endpoint_id).execute();
    await disableIfFailingTooLong(trx, delivery.endpoint_id, policy.disableAfterDays, site);
    return final ? 'failed' : 'retry';
  });
}

/** Disables the endpoint if its failures began longer ago than the policy allows, and tells its owner by email. */
async function disableIfFailingTooLong(trx: Executor, endpointId: number, days: number, site: Site) {
  const disabled = await trx.updateTable('webhook_endpoints')
    .set({ enabled: false, disabled_reason: 'failures', updated_at: sql<Date>`now()` })
    .where('id', '=', endpointId).where('enabled', '=', true)
    .where('failing_since', '<=', sql<Date>`now() - make_interval(secs => ${Math.round(days * 86_400)})`)
    .returning(['id', 'url', 'created_by', 'failing_since']).executeTakeFirst();
  if (!disabled || disabled.created_by === null) return;
  const owner = await trx.selectFrom('users').where('id', '=', disabled.created_by).where('disabled_at', 'is', null)
    .select(['email', 'language']).executeTakeFirst();
  if (!owner) return;
  const t = translator(localeOf(owner.language));
  const link = `${site.baseUrl}/manage/webhooks/${disabled.id}`;
  await queueMail(trx, {
    to: owner.email,
    subject: t('webhooks.mail.disabled.subject'),
    text: `${t('webhooks.mail.disabled.body', { url: disabled.url, days: String(days) })}\n\n`
      + `${t('webhooks.mail.disabled.link')}\n${link}\n`,
  }, site.domain);
}

/** How long delivered and failed events are kept for the log. */
export const KEEP_EVENTS_DAYS = 30;

/** Removes events older than KEEP_EVENTS_DAYS with nothing left to deliver, a batch at a time; returns how many. */
export async function pruneOldEvents(db: Executor, batch = 500): Promise<number> {
  const result = await sql`DELETE FROM webhook_events WHERE id IN (
      SELECT e.id FROM webhook_events e WHERE e.created_at < now() - make_interval(days => ${KEEP_EVENTS_DAYS})
        AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id AND d.status = 'pending')
      ORDER BY e.id LIMIT ${batch})`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
