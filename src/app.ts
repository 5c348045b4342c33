import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import fastifyStatic from '@fastify/static';
import fastifyView from '@fastify/view';
import { Eta } from 'eta';
import helmet from 'helmet';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import type { Config } from './config.ts';
import { type Database, isDatabaseUnavailable } from './db/index.ts';
import { Refusal } from './lib/errors.ts';
import { format } from './lib/format.ts';
import { installSecurity } from './modules/auth/plugin.ts';
import { createMailTransport, type MailTransport } from './modules/mail/transport.ts';
import { type Message, type MessageKey, translator, verbatim } from './lib/i18n.ts';
import { installNotices } from './lib/notice.ts';
import { installLanguage } from './lib/language.ts';
import { mailWork } from './modules/mail/worker.ts';
import { type JobHandlers, jobPruningWork, jobWork } from './modules/jobs/jobs.ts';
import { startRunner } from './modules/jobs/runner.ts';
import { EVENT_REMINDER, eventReminderHandler } from './modules/registrations/reminder.ts';
import { INVITATION_REMINDER, invitationReminderHandler } from './modules/registrations/invitations.ts';
import { JUDGE_REMINDER, judgeReminderHandler } from './modules/contests/notices.ts';
import { privacyRoutes } from './modules/privacy/routes.ts';
import { apiRoutes } from './modules/api/plugin.ts';
import { erasureWork } from './modules/privacy/worker.ts';
import { confirmationSweepWork } from './modules/registrations/worker.ts';
import { certificateRoutes } from './modules/certificates/routes.ts';
import { certificateWork } from './modules/certificates/worker.ts';
import { webhookRoutes } from './modules/webhooks/routes.ts';
import { webhookWork } from './modules/webhooks/worker.ts';
import type { Site } from './lib/site.ts';
import { installMetrics } from './modules/metrics/routes.ts';
import { sweepUnconfirmedDelegations } from './modules/delegations/service.ts';
import { sweepUnconfirmedEntries } from './modules/entries/service.ts';
import { authRoutes } from './modules/auth/routes.ts';
import { judgingRoutes } from './modules/judging/routes.ts';
import { manageRoutes } from './modules/manage/routes.ts';
import { scheduledRoutes } from './modules/manage/scheduled.ts';
import { reportRoutes } from './modules/reports/routes.ts';
import { userRoutes } from './modules/users/routes.ts';
import { contestRoutes } from './modules/contests/routes.ts';
import { entryRoutes } from './modules/entries/routes.ts';
import { eventAdminRoutes } from './modules/event-admin/routes.ts';
import { badgeRoutes } from './modules/event-admin/badges-routes.ts';
import { eventRoutes } from './modules/events/routes.ts';
import { registrationRoutes } from './modules/registrations/routes.ts';
import { checkinRoutes } from './modules/checkin/routes.ts';
import { mailingRoutes } from './modules/mailings/routes.ts';
import { registrantRoutes } from './modules/registrants/routes.ts';
import { surveyRoutes } from './modules/surveys/routes.ts';
import { emailTemplateRoutes } from './modules/email-templates/routes.ts';
import { surveyInvitationWork } from './modules/surveys/worker.ts';
import { healthRoutes } from './modules/health/routes.ts';
import { homeRoutes } from './modules/home/routes.ts';
import { programmeRoutes } from './modules/programmes/routes.ts';
import { delegationRoutes } from './modules/delegations/routes.ts';
import { summaryRoutes } from './modules/reports/summary-routes.ts';
import { translationRoutes } from './modules/translations/routes.ts';
import { PageCache } from './lib/page-cache.ts';
import { redactTokens } from './lib/tokens.ts';

declare module 'fastify' {
  interface FastifyInstance {
    db: Database;
    config: Config;
    /** Where queued mail goes, and the domain of its Message-IDs. */
    mail: { transport: MailTransport; domain: string };
    /** Rendered public pages, checked against the database's change counters on every use. */
    pageCache: PageCache;
  }
  interface FastifyReply {
    locals?: Record<string, unknown>;
  }
}

// The project's own directory, whether this module runs from src/ or compiled under dist/src/.
const ROOT = new URL(existsSync(new URL('../views', import.meta.url)) ? '../' : '../../', import.meta.url);
export const VIEWS_DIR = fileURLToPath(new URL('views', ROOT));
const PUBLIC_DIR = fileURLToPath(new URL('public', ROOT));

export type AppOptions = {
  config: Config;
  db: Database;
  /** Pino options over the app's own (level, redaction); `false`: no log, as most tests want. */
  logger?: false | Record<string, unknown>;
  /** Defaults to SMTP_URL, else .eml files under DATA_DIR/mail. */
  mailTransport?: MailTransport;
  /** Deliver queued mail in the background (the server does; tests deliver when they choose). */
  runMailWorker?: boolean;
};

function requestIds() {
  const prefix = randomBytes(4).toString('hex');
  let n = 0;
  return () => `${prefix}-${(n++).toString(36)}`;
}

/** The headers a helmet middleware sets, read once from a response that records them. */
function headersOf(middleware: (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void): [string, string][] {
  const headers = new Map<string, string>();
  const recorder = {
    setHeader: (name: string, value: string) => headers.set(name, value),
    removeHeader: (name: string) => headers.delete(name),
  };
  let finished = false;
  middleware({ headers: {} } as IncomingMessage, recorder as unknown as ServerResponse, (error) => {
    if (error) throw error instanceof Error ? error : new Error('helmet refused its options');
    finished = true;
  });
  if (!finished) throw new Error('the security headers could not be worked out once');
  return [...headers];
}

const wantsHtml = (request: FastifyRequest) => !/application\/json/.test(request.headers.accept ?? '') ;

/**
 * The handlers of scheduled jobs, by kind (see "Jobs" in docs/ARCHITECTURE.md): a module that
 * schedules a kind of job provides its handler, and it is named here, where the app is composed.
 */
export function jobHandlers(site: Site): JobHandlers {
  return {
    [EVENT_REMINDER]: eventReminderHandler(site),
    [JUDGE_REMINDER]: judgeReminderHandler(site),
    [INVITATION_REMINDER]: invitationReminderHandler(site),
  };
}

/**
 * The access log: a line per request when it is answered, with the request (address without its
 * token, client), the status and the time taken. Each line costs a serialisation and a write, and
 * Fastify's own line on arrival would double them: that one is written at debug level, for
 * following a request that never ends. Errors are logged as Fastify logs them.
 */
class AccessLog extends LogController {
  override incomingRequest(request: FastifyRequest) {
    if (!this.isLogDisabled(request)) request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply) {
    if (this.isLogDisabled(request)) return;
    if (error) reply.log.error({ req: request, res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
    else reply.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}

/** Builds the whole application; used by the server entry and by every test. */
export async function buildApp({ config, db, logger, mailTransport, runMailWorker }: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: logger === false ? false : {
      level: config.logLevel,
      redact: ['req.headers.cookie', 'req.headers.authorization'],
      // Private links carry their token in the path: the log keeps the address without it.
      serializers: {
        req: (request: FastifyRequest) => ({
          method: request.method, url: redactTokens(request.url), host: request.host, remoteAddress: request.ip,
        }),
      },
      ...logger,
    },
    bodyLimit: 256 * 1024,
    // Only the proxies named in TRUST_PROXY may say who the client is; by default nobody can.
    trustProxy: config.trustProxy,
    return503OnClosing: true,
    logController: new AccessLog(),
    // Unique across restarts and instances, without drawing random bytes for every request.
    genReqId: requestIds(),
  });
  app.decorate('db', db);
  app.decorate('config', config);
  app.decorate('pageCache', new PageCache());
  const transport = mailTransport ?? createMailTransport({
    smtpUrl: config.smtpUrl, dataDir: config.dataDir, from: config.mailFrom, fileDays: config.mailFileDays,
  });
  app.decorate('mail', { transport, domain: new URL(config.baseUrl).hostname });
  if (runMailWorker) {
    const site: Site = { baseUrl: config.baseUrl, domain: app.mail.domain };
    // One runner per instance drives its background work: scheduled jobs, the mail outbox, webhooks
    // (through their own outbox) and the sweeps below, each at its own pace.
    const runner = startRunner([
      jobWork(db, jobHandlers(site), app.log, { leaseSeconds: config.jobLeaseSeconds, retrySeconds: config.jobRetrySeconds }),
      mailWork(db, transport, app.log, { leaseSeconds: config.mailLeaseSeconds, retrySeconds: config.mailRetrySeconds }),
      webhookWork(db, config.webhooks, site, app.log),
      // Personal data past its period's retention is erased by the same instances that send mail.
      erasureWork(db, app.log),
      // Jobs that ended long ago (done, cancelled or failed) are deleted, after JOB_KEEP_DAYS.
      jobPruningWork(db, app.log, config.jobKeepDays),
      // Places held by registrations whose email address was not confirmed in time are given back.
      // Delegations and contest entries likewise: their places and references are released.
      confirmationSweepWork(db, site, app.log, 60_000, [
        { what: 'delegations', sweep: sweepUnconfirmedDelegations }, { what: 'entries', sweep: sweepUnconfirmedEntries },
      ]),
      // Surveys go, once, to those checked in at events that have ended.
      surveyInvitationWork(db, site, app.log),
      // Attendance certificates go, once, to those checked in at events that give them, after the end.
      certificateWork(db, site, app.log),
    ], app.log);
    app.addHook('onClose', async () => {
      await runner.stop();
      transport.close();
    });
  }

  // helmet's headers, worked out once: they are the same for every response (no per-request nonce).
  const secureHeaders = headersOf(helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        upgradeInsecureRequests: config.baseUrl.startsWith('https:') ? [] : null,
      },
    },
    strictTransportSecurity: config.baseUrl.startsWith('https:'),
  }));
  app.addHook('onRequest', (_request, reply, done) => {
    for (const [name, value] of secureHeaders) reply.raw.setHeader(name, value);
    done();
  });
  await app.register(fastifyView, {
    engine: { eta: new Eta({ views: VIEWS_DIR, cache: true, autoEscape: true }) },
    root: VIEWS_DIR,
    production: true,
    defaultContext: { f: format, siteName: 'ipcoop' },
  });
  // After the view plugin, whose own hook resets reply.locals on every request.
  await app.register(fastifyCookie, config.sessionSecret ? { secret: config.sessionSecret } : {});
  await app.register(fastifyFormbody);
  // The page's address and language first: an error in a later hook (the session's database
  // lookup) still renders its error page, in the visitor's language.
  app.addHook('onRequest', (request, reply, done) => {
    const query = request.url.indexOf('?');
    reply.locals!.path = query < 0 ? request.url : request.url.slice(0, query);
    done();
  });
  await installLanguage(app);
  await installNotices(app);
  await installSecurity(app);
  installMetrics(app);
  await app.register(fastifyStatic, { root: PUBLIC_DIR, prefix: '/static/', maxAge: '1h' });
  // A signed-in user's pages and every page reached by a private link are kept by no cache:
  // not the browser's history cache of a shared computer, not a proxy.
  app.addHook('onSend', (request, reply, payload, done) => {
    if (request.user || request.routeOptions.url?.includes(':token')) reply.header('cache-control', 'no-store');
    done(null, payload);
  });

  app.setErrorHandler(async (error: Error & { statusCode?: number; code?: string }, request, reply) => {
    const status = error instanceof Refusal
      ? error.status
      : isDatabaseUnavailable(error) ? 503 : (error.statusCode ?? 500);
    // An outage answers every request 503: one line each, not a stack trace each.
    if (status === 503) request.log.warn({ reason: error.message }, 'database unavailable');
    else if (status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ status, code: error.code, refused: error instanceof Refusal ? error.reason : undefined }, 'request refused');
    if (status === 503) reply.header('retry-after', '5');
    return sendError(reply, request, status, refusalMessage(error, status));
  });

  app.setNotFoundHandler(async (request, reply) => sendError(reply, request, 404, 'error.notFound'));

  await app.register(healthRoutes);
  await app.register(homeRoutes);
  await app.register(summaryRoutes);
  await app.register(eventRoutes);
  await app.register(eventAdminRoutes);
  await app.register(badgeRoutes);
  await app.register(registrationRoutes);
  await app.register(checkinRoutes);
  await app.register(mailingRoutes);
  await app.register(registrantRoutes);
  await app.register(certificateRoutes);
  await app.register(surveyRoutes);
  await app.register(emailTemplateRoutes);
  await app.register(programmeRoutes);
  await app.register(delegationRoutes);
  await app.register(contestRoutes);
  await app.register(entryRoutes);
  await app.register(authRoutes);
  await app.register(manageRoutes);
  await app.register(scheduledRoutes);
  await app.register(translationRoutes);
  await app.register(reportRoutes);
  await app.register(userRoutes);
  await app.register(judgingRoutes);
  await app.register(privacyRoutes);
  await app.register(apiRoutes);
  await app.register(webhookRoutes);

  return app;
}

const ERROR_TITLES = new Set([400, 401, 403, 404, 405, 409, 413, 415, 429, 500, 503]);
const ERROR_DETAILS = new Set([400, 405, 413, 415, 429]);

/** What the person is told: a refusal's own message; for anything else, words chosen by status. */
function refusalMessage(error: Error & { code?: string }, status: number): Message {
  if (error instanceof Refusal) return error.reason;
  if (status === 503) return 'error.busy';
  if (status >= 500) return 'error.server';
  if (error.code?.startsWith('FST_CSRF')) return 'error.csrf';
  if (status === 404) return 'error.notFound';
  return ERROR_DETAILS.has(status) ? (`error.detail.${status}` as MessageKey) : 'error.detail.400';
}

function sendError(reply: FastifyReply, request: FastifyRequest, status: number, reason: Message) {
  reply.code(status);
  const t = translator(request.locale);
  const title = t(ERROR_TITLES.has(status) ? (`error.${status}` as MessageKey) : status >= 500 ? 'error.500' : 'error.400');
  const message = t(reason);
  if (!wantsHtml(request)) return reply.send({ statusCode: status, error: title, message });
  return reply.view('errors/error', { title: verbatim(title), status, message });
}
