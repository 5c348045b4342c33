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
  /** Whether `npm start` loads demo data into an empty database. */
  SEED_DEMO: z.enum(['auto', 'yes', 'no']).default('auto'),
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
  sessionSecret: string | undefined;
  demoPassword: string;
  logLevel: z.infer<typeof schema>['LOG_LEVEL'];
  seedDemo: 'auto' | 'yes' | 'no';
};

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
    sessionSecret: e.SESSION_SECRET,
    demoPassword: e.DEMO_PASSWORD,
    logLevel: e.LOG_LEVEL,
    seedDemo: e.SEED_DEMO,
  };
}
