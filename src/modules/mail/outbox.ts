import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Executor } from '../../db/index.ts';
import type { OutboxMessage } from '../../db/types.ts';
import { backoffSeconds, claimDue, secondsFromNow } from '../jobs/lease.ts';

/**
 * A file sent with a message: its content, or — for a QR code — the text to draw, which the
 * transport draws when the message is sent rather than when it is queued (drawing costs
 * milliseconds of CPU that a registration's request should not pay). With `cid`, the file is
 * inline: the HTML part shows it as `<img src="cid:…">`.
 */
export type MailAttachment =
  | { filename: string; contentType: string; content: string; encoding?: 'base64' | 'utf8'; cid?: string }
  | { filename: string; qr: string; cid?: string };

export type OutgoingMail = {
  to: string;
  subject: string;
  text: string;
  html?: string;
  attachments?: MailAttachment[];
  /** The item the message is about, so that its organisers can see it. */
  itemId?: number | null;
  /**
   * A bulk message's unsubscribe address (https, with the recipient's token): sent as
   * List-Unsubscribe with RFC 8058's one-click List-Unsubscribe-Post. Transactional mail has none.
   */
  listUnsubscribe?: string;
};

export const MAX_ATTEMPTS = 6;

/**
 * Queues a message in the caller's transaction: it is sent if and only if the change that
 * caused it commits. The Message-ID is fixed now, so a retried delivery is the same message.
 */
export async function queueMail(db: Executor, mail: OutgoingMail, domain: string): Promise<string> {
  const messageId = `<${randomUUID()}@${domain}>`;
  await db
    .insertInto('mail_outbox')
    .values({
      message_id: messageId,
      to_address: mail.to,
      subject: mail.subject,
      text_body: mail.text,
      html_body: mail.html ?? null,
      attachments: JSON.stringify(mail.attachments ?? []),
      item_id: mail.itemId ?? null,
      list_unsubscribe: mail.listUnsubscribe ?? null,
    })
    .execute();
  return messageId;
}

/**
 * How long a claimed message is left alone before another worker may retry it: longer than
 * one delivery can take (the SMTP timeouts in transport.ts), so that a live worker is never
 * overtaken, and short enough that a message held by a worker that died is retried soon.
 */
export const DEFAULT_LEASE_SECONDS = 120;
/** The first retry after a failed delivery; each further one waits four times longer. */
export const DEFAULT_RETRY_SECONDS = 30;

/**
 * Claims due messages for one delivery attempt. The claim is a short transaction of its own
 * (FOR UPDATE SKIP LOCKED, so several instances never claim the same row); sending happens
 * outside it, and a worker that dies mid-send leaves the row to be retried when its lease ends.
 * The lease runs from the claim, so a worker claims only what it sends straight away.
 */
export async function claimDueMail(db: Executor, limit: number, leaseSeconds = DEFAULT_LEASE_SECONDS): Promise<OutboxMessage[]> {
  return claimDue<OutboxMessage>(db, {
    table: 'mail_outbox', lease: 'next_attempt_at', limit, leaseSeconds, due: sql`next_attempt_at <= now()`, order: sql`next_attempt_at`,
  });
}

/**
 * A private link's token as PostgreSQL finds it in a message: 43 URL-safe characters standing
 * alone (the shape of `newToken`). Bounded, so a long body is read once.
 */
const TOKEN_IN_TEXT = '(^|[^A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])';
/** The character before the token stays; the token becomes a note that a link was there. */
const KEEP_BEFORE_TOKEN = '\\1[link removed]';

/**
 * Records a message as sent and keeps only a copy with its private links' tokens removed: the
 * recipient has the link; the outbox, which organisers read, needs only that a link was sent.
 */
export async function markSent(db: Executor, id: number) {
  await db.updateTable('mail_outbox').set({
    status: 'sent',
    sent_at: sql`now()`,
    last_error: null,
    text_body: sql`regexp_replace(text_body, ${TOKEN_IN_TEXT}, ${KEEP_BEFORE_TOKEN}, 'g')`,
    html_body: sql`regexp_replace(html_body, ${TOKEN_IN_TEXT}, ${KEEP_BEFORE_TOKEN}, 'g')`,
    list_unsubscribe: sql`regexp_replace(list_unsubscribe, ${TOKEN_IN_TEXT}, ${KEEP_BEFORE_TOKEN}, 'g')`,
  }).where('id', '=', id).execute();
}

/** Back-off: 30 s, 2 min, 8 min, 32 min ... then a final failed state after MAX_ATTEMPTS. */
export async function markFailedAttempt(db: Executor, id: number, attempts: number, error: string, retrySeconds = DEFAULT_RETRY_SECONDS) {
  const final = attempts >= MAX_ATTEMPTS;
  await db
    .updateTable('mail_outbox')
    .set({
      status: final ? 'failed' : 'pending',
      last_error: error.slice(0, 1000),
      next_attempt_at: secondsFromNow(backoffSeconds(attempts, retrySeconds)),
    })
    .where('id', '=', id)
    .execute();
}

/** Puts a failed message back in the queue, due now, with a fresh set of attempts. */
export async function requeue(db: Executor, id: number) {
  return db
    .updateTable('mail_outbox')
    .set({ status: 'pending', attempts: 0, next_attempt_at: sql`now()` })
    .where('id', '=', id)
    .where('status', '=', 'failed')
    .executeTakeFirst();
}
