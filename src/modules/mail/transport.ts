import { chmod, mkdir, readdir, stat, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createTransport } from 'nodemailer';
import type { OutboxMessage } from '../../db/types.ts';
import { qrPng } from '../../lib/qr.ts';
import type { MailAttachment } from './outbox.ts';

/** Delivers one message; throws when the message was not accepted. */
export type MailTransport = {
  send(message: OutboxMessage): Promise<void>;
  close(): void;
  describe: string;
};

async function toNodemailer(message: OutboxMessage, from: string) {
  const attachments = await Promise.all((message.attachments as MailAttachment[]).map(async (a) => ({
    ...('qr' in a
      ? { filename: a.filename, contentType: 'image/png', content: await qrPng(a.qr) }
      : { filename: a.filename, contentType: a.contentType, content: a.content, encoding: a.encoding ?? 'utf8' }),
    // Inline: shown where the HTML part refers to it, and kept in a multipart/related part.
    ...(a.cid ? { cid: a.cid, contentDisposition: 'inline' as const } : {}),
  })));
  return {
    from,
    to: message.to_address,
    subject: message.subject,
    text: message.text_body,
    html: message.html_body ?? undefined,
    messageId: message.message_id,
    date: message.created_at,
    attachments,
    // RFC 2369's unsubscribe address, and RFC 8058's one-click POST to it (bulk messages only).
    ...(message.list_unsubscribe
      ? { headers: { 'List-Unsubscribe': `<${message.list_unsubscribe}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } }
      : {}),
  };
}

/** Removes the .eml files last written more than `days` ago; returns how many went. */
export async function pruneMailFiles(dir: string, days: number, now = Date.now()): Promise<number> {
  const names = await readdir(dir).catch(() => [] as string[]);
  let removed = 0;
  for (const name of names) {
    if (!name.endsWith('.eml')) continue;
    const path = join(dir, name);
    const info = await stat(path).catch(() => null);
    if (info && now - info.mtimeMs > days * 86_400_000) {
      await unlink(path).catch(() => undefined);
      removed++;
    }
  }
  return removed;
}

/**
 * SMTP when SMTP_URL is set; otherwise each message is written as an .eml file under
 * DATA_DIR/mail, so that a newcomer on the embedded default can read what was sent. Those files
 * are the recipients' mail, private links included: they are readable by the server's user only
 * and removed after `fileDays` days (checked at most hourly, as mail is written).
 */
export function createMailTransport(options: {
  smtpUrl?: string | undefined; dataDir: string; from: string; fileDays?: number;
}): MailTransport {
  if (options.smtpUrl) {
    // One connection kept open and reused (a new one per message costs the server's greeting
    // each time); bounded waits (nodemailer's own allow minutes), so that one delivery always
    // ends well within the outbox lease. The URL's query string may still set any of these.
    const smtp = createTransport({
      url: options.smtpUrl, pool: true, maxConnections: 1,
      connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 30_000,
    });
    return {
      describe: 'smtp',
      async send(message) {
        await smtp.sendMail(await toNodemailer(message, options.from));
      },
      close: () => smtp.close(),
    };
  }
  const dir = resolve(join(options.dataDir, 'mail'));
  const days = options.fileDays ?? 7;
  const stream = createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  let prunedAt = 0;
  return {
    describe: `files in ${dir}, kept ${days} days`,
    async send(message) {
      const info = await stream.sendMail(await toNodemailer(message, options.from));
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await chmod(dir, 0o700);
      const file = join(dir, `${String(message.id).padStart(6, '0')}.eml`);
      await writeFile(file, info.message as Buffer, { mode: 0o600 });
      await chmod(file, 0o600); // also when an earlier file of that name was there
      if (Date.now() - prunedAt > 3_600_000) {
        prunedAt = Date.now();
        await pruneMailFiles(dir, days);
      }
    },
    close: () => stream.close(),
  };
}
