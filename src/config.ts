import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { z } from 'zod';

/** Everything the app reads from the environment, parsed once at start. */
const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .optional()
    .refine((v) => v === undefined || v === '' || /^postgres(ql)?:\/\/.+/.test(v), {
      message: 'must be a postgres:// or postgresql:// URL',
    }),
  DATA_DIR: z.string().default('./data'),
  BASE_URL: z.url().optional(),
  SMTP_URL: z.string().optional(),
  MAIL_FROM: z.string().default('ipcoop <no-reply@ipcoop.test>'),
  SESSION_SECRET: z.string().min(32).optional(),
  DEMO_PASSWORD: z.string().min(8).default('demo-password-2019'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** How long an instance keeps an outbox message it is sending before another may retry it. */
  MAIL_LEASE_SECONDS: z.coerce.number().int().min(1).max(86_400).default(120),
  /** The first retry after a failed delivery; each further one waits four times longer. */
  MAIL_RETRY_SECONDS: z.coerce.number().int().min(1).max(86_400).default(30),
  /** How long an instance keeps a scheduled job it is running before another may take it up. */
  JOB_LEASE_SECONDS: z.coerce.number().int().min(1).max(86_400).default(120),
  /** The first retry after a job failed; each further one waits four times longer. */
  JOB_RETRY_SECONDS: z.coerce.number().int().min(1).max(86_400).default(30),
  /**
   * How many days a scheduled job is kept once done, cancelled or failed, before it is deleted. At
   * least 30: a job's row must outlive the longest time it can be due before its moment (jobs.ts).
   */
  JOB_KEEP_DAYS: z.coerce.number().int().min(30).max(3650).default(90),
  /** Without SMTP_URL: how many days sent mail is kept as .eml files (they hold private links). */
  MAIL_FILE_DAYS: z.coerce.number().int().min(1).max(365).default(7),
  /**
   * Which proxies in front of the app may say who the client is (X-Forwarded-For): their
   * addresses or CIDR ranges, comma-separated (`127.0.0.1,10.0.0.0/8`). A hop count is not
   * accepted: it would trust whatever stands that many hops away.
   * Empty: none, the connection's own address is the client's.
   */
  TRUST_PROXY: z.string().default('').refine((v) => proxyList(v).every(isProxyAddress), {
    message: 'must name the proxies: addresses, CIDR ranges or loopback/linklocal/uniquelocal, comma-separated',
  }),
  /** Whether `npm start` loads demo data into an empty database. */
  SEED_DEMO: z.enum(['auto', 'yes', 'no']).default('auto'),
  /**
   * The rate limits on public forms (src/lib/rate-limit.ts). On unless turned off, which only a
   * load test or a benchmark that sends many forms from one address should do.
   */
  RATE_LIMITS: z.enum(['on', 'off']).default('on'),
  NODE_ENV: z.string().default(''),
  /** 1: webhooks may go to private, loopback and link-local addresses, and over plain HTTP. */
  WEBHOOK_ALLOW_PRIVATE: z.enum(['0', '1']).default('0'),
  /** How long one webhook delivery may take, connection to last byte. */
  WEBHOOK_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(60).default(10),
  /** The first retry after a failed webhook delivery; each further one waits four times longer (at most six hours). */
  WEBHOOK_RETRY_SECONDS: z.coerce.number().int().min(1).max(86_400).default(30),
  /** Attempts per webhook delivery before it is marked failed. */
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(12),
  /** An endpoint whose deliveries have all failed for this many days is disabled, and its owner emailed. */
  WEBHOOK_DISABLE_AFTER_DAYS: z.coerce.number().min(0.001).max(365).default(5),
  /** Single sign-on: the ids of the OpenID Connect providers, comma-separated (see oidcProviders). */
  OIDC_PROVIDERS: z.string().default(''),
  /** The bearer token /metrics asks for; unset: /metrics does not exist (404). */
  METRICS_TOKEN: z.string().optional().refine((v) => !v || v.length >= 16, { message: 'must be at least 16 characters' }),
});

export type Config = {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  baseUrl: string;
  smtpUrl: string | undefined;
  mailFrom: string;
  mailLeaseSeconds: number;
  mailRetrySeconds: number;
  jobLeaseSeconds: number;
  jobRetrySeconds: number;
  jobKeepDays: number;
  mailFileDays: number;
  sessionSecret: string | undefined;
  demoPassword: string;
  logLevel: z.infer<typeof schema>['LOG_LEVEL'];
  seedDemo: 'auto' | 'yes' | 'no';
  /** Fastify's trustProxy: false, or the proxies' addresses. */
  trustProxy: false | string;
  /** Whether public forms are rate-limited (RATE_LIMITS, on by default). */
  rateLimits: boolean;
  webhooks: {
    /** Private, loopback and link-local addresses allowed (WEBHOOK_ALLOW_PRIVATE=1). */
    allowPrivate: boolean;
    /** Endpoints must use HTTPS: in production, unless private addresses are allowed. */
    requireHttps: boolean;
    timeoutSeconds: number;
    retrySeconds: number;
    maxAttempts: number;
    disableAfterDays: number;
  };
  /** The bearer token of /metrics (METRICS_TOKEN); undefined: no metrics. */
  metricsToken: string | undefined;
  /** OpenID Connect providers for single sign-on (OIDC_PROVIDERS and OIDC_<ID>_*). */
  oidcProviders: OidcProvider[];
};

export type OidcProvider = { id: string; issuer: string; clientId: string; clientSecret: string | undefined; name: string };

/**
 * OIDC_PROVIDERS=gov,office names the providers; each reads OIDC_<ID>_ISSUER, OIDC_<ID>_CLIENT_ID,
 * OIDC_<ID>_CLIENT_SECRET (optional: a public client) and OIDC_<ID>_NAME (the button's words).
 */
function oidcProviders(list: string, env: NodeJS.ProcessEnv): OidcProvider[] {
  return list.split(',').map((id) => id.trim().toLowerCase()).filter(Boolean).map((id) => {
    if (!/^[a-z0-9][a-z0-9-]{0,30}$/.test(id)) throw new ConfigError(`Invalid configuration: OIDC_PROVIDERS: "${id}" is not a provider id`);
    const key = (name: string) => env[`OIDC_${id.toUpperCase().replace(/-/g, '_')}_${name}`]?.trim() || undefined;
    const issuer = key('ISSUER');
    const clientId = key('CLIENT_ID');
    if (!issuer || !URL.canParse(issuer) || !clientId) {
      throw new ConfigError(`Invalid configuration: OIDC provider "${id}" needs an ISSUER URL and a CLIENT_ID`);
    }
    return { id, issuer, clientId, clientSecret: key('CLIENT_SECRET'), name: key('NAME') ?? id };
  });
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ');
    throw new ConfigError(`Invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL || undefined,
    dataDir: e.DATA_DIR,
    baseUrl: (e.BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ''),
    smtpUrl: e.SMTP_URL || undefined,
    mailFrom: e.MAIL_FROM,
    mailLeaseSeconds: e.MAIL_LEASE_SECONDS,
    mailRetrySeconds: e.MAIL_RETRY_SECONDS,
    jobLeaseSeconds: e.JOB_LEASE_SECONDS,
    jobRetrySeconds: e.JOB_RETRY_SECONDS,
    jobKeepDays: e.JOB_KEEP_DAYS,
    mailFileDays: e.MAIL_FILE_DAYS,
    sessionSecret: e.SESSION_SECRET,
    demoPassword: e.DEMO_PASSWORD,
    logLevel: e.LOG_LEVEL,
    seedDemo: e.SEED_DEMO,
    trustProxy: trustedProxies(e.TRUST_PROXY),
    rateLimits: e.RATE_LIMITS === 'on',
    webhooks: {
      allowPrivate: e.WEBHOOK_ALLOW_PRIVATE === '1',
      requireHttps: e.NODE_ENV === 'production' && e.WEBHOOK_ALLOW_PRIVATE !== '1',
      timeoutSeconds: e.WEBHOOK_TIMEOUT_SECONDS,
      retrySeconds: e.WEBHOOK_RETRY_SECONDS,
      maxAttempts: e.WEBHOOK_MAX_ATTEMPTS,
      disableAfterDays: e.WEBHOOK_DISABLE_AFTER_DAYS,
    },
    metricsToken: e.METRICS_TOKEN || undefined,
    oidcProviders: oidcProviders(e.OIDC_PROVIDERS, env),
  };
}

function proxyList(value: string): string[] {
  return value.split(',').map((p) => p.trim()).filter(Boolean);
}

/** An address, a CIDR range (`10.0.0.0/8`), or one of proxy-addr's names for a kind of address. */
function isProxyAddress(entry: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(entry)) return true;
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  const bits = Number(prefix);
  return /^\d{1,3}$/.test(prefix) && bits <= (family === 4 ? 32 : 128);
}

function trustedProxies(value: string): false | string {
  const proxies = proxyList(value);
  return proxies.length === 0 ? false : proxies.join(',');
}

/** Where the embedded default keeps the secret it made, when SESSION_SECRET is unset. */
export const SECRET_FILE = 'session-secret';

/**
 * The configuration with the secret that signs cookies (CSRF, notices). SESSION_SECRET when set.
 * Without it, the embedded default makes one once and keeps it in DATA_DIR/session-secret (mode
 * 0600), so that cookies stay signed and forms and notices survive a restart. PostgreSQL may
 * serve several instances, which must share one secret: there SESSION_SECRET is required.
 */
export async function withSessionSecret(config: Config): Promise<Config> {
  if (config.sessionSecret) return config;
  if (config.databaseUrl) {
    throw new ConfigError('Invalid configuration: SESSION_SECRET is required with DATABASE_URL (every instance signs cookies with it)');
  }
  return { ...config, sessionSecret: await keptSecret(join(config.dataDir, SECRET_FILE)) };
}

/** The secret in `path`, made there first if there is none (by whichever process gets there first). */
async function keptSecret(path: string): Promise<string> {
  try {
    return await readSecret(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(join(path, '..'), { recursive: true });
  // Written whole to a file of its own, then linked into place: nobody reads half a secret, and a
  // process starting at the same moment keeps the one that got there first.
  const draft = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(draft, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    await chmod(draft, 0o600);
    await link(draft, path).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
  } finally {
    await unlink(draft);
  }
  return readSecret(path);
}

async function readSecret(path: string): Promise<string> {
  const secret = (await readFile(path, 'utf8')).trim();
  if (secret.length < 32) {
    throw new ConfigError(`Invalid configuration: ${path} holds no secret of at least 32 characters; remove it to make a new one`);
  }
  // Readable by its owner only, even if it was copied in with wider rights.
  if (((await stat(path)).mode & 0o077) !== 0) await chmod(path, 0o600);
  return secret;
}
