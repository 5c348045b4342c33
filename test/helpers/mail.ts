import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { createMailTransport, type MailTransport } from '../../src/modules/mail/transport.ts';

type Tap = { teardown: (fn: () => unknown) => void };

export type Inbox = {
  url: string;
  transport: MailTransport;
  messages: ParsedMail[];
  /** While true the server refuses every message with a temporary error. */
  refuse: boolean;
};

/** A real SMTP server on a free local port; what it accepts is parsed into `messages`. */
export async function startSmtp(t: Tap): Promise<Inbox> {
  const inbox: Inbox = { url: '', transport: undefined as unknown as MailTransport, messages: [], refuse: false };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => void (async () => {
        if (inbox.refuse) {
          callback(Object.assign(new Error('mailbox busy, try later'), { responseCode: 451 }));
          return;
        }
        inbox.messages.push(await simpleParser(Buffer.concat(chunks)));
        callback();
      })());
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.server.address() as { port: number };
  inbox.url = `smtp://127.0.0.1:${port}`;
  inbox.transport = createMailTransport({ smtpUrl: inbox.url, dataDir: '/nonexistent', from: 'ipcoop <no-reply@ipcoop.test>' });
  t.teardown(() => new Promise<void>((resolve) => {
    inbox.transport.close();
    server.close(() => resolve());
  }));
  return inbox;
}
