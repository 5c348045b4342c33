import { hash, verify } from '@node-rs/argon2';
import { type Message, message } from '../../lib/i18n.ts';

export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 256;

// Choices at or above the minimum length that a breached-password list may miss: the site's own
// words and places, and a few patterns. Shorter ones are already refused by the length rule.
const COMMON = new Set([
  '1234567890', '0123456789', '0987654321', '9876543210', '1111111111', '0000000000', '1234512345',
  '1122334455', '1q2w3e4r5t', '1qaz2wsx3edc', 'qwertyuiop', 'qwerty1234', 'qwerty12345', 'qwerty123456',
  'asdfghjkl1', 'zxcvbnm123', 'abcdefghij', 'abc1234567', 'abcd123456', 'password12', 'password123',
  'password1234', 'password12345', 'password!1', 'passw0rd12', 'p@ssw0rd12', 'p@ssword123', 'iloveyou12',
  'iloveyou123', 'sunshine12', 'princess12', 'football12', 'baseball12', 'welcome123', 'welcome1234',
  'admin12345', 'administrator', 'letmein123', 'changeme123', 'monkey1234', 'dragon1234', 'master1234',
  'superman12', 'trustno1234', 'starwars12', 'computer12', 'michael123', 'jennifer12', 'hongkong123',
  'hongkong1234', 'guangdong123', 'china12345', 'qazwsxedc1', 'qazwsxedcrfv', '1qazxsw23edc', 'zaq12wsxcde',
  'aa12345678', 'a123456789', 'q123456789', 'abc123456789', '12345678910', '123123123123', '1234567891',
  '12345qwert', 'qwert12345', 'asdf123456', 'intellectual', 'copyright123', 'trademark123', 'patent12345',
]);

/**
 * The passwords of the breached-password list that the length rule lets through: zxcvbn-ts's
 * list of the most common passwords in public breaches (about 49,000, lowercase), loaded on first
 * use and kept.
 */
let breached: Promise<ReadonlySet<string>> | undefined;
export const breachedPasswords = () => (breached ??= import('@zxcvbn-ts/language-common').then(({ dictionary }) =>
  new Set(dictionary['passwords-common'].filter((p) => p.length >= PASSWORD_MIN))));

/** Length and common-choice rules: what is wrong with a new password, or null when it is acceptable. */
export async function passwordProblem(password: string, email?: string): Promise<Message | null> {
  if (password.length < PASSWORD_MIN) return message('account.password.tooShort', { min: PASSWORD_MIN });
  if (password.length > PASSWORD_MAX) return message('account.password.tooLong', { max: PASSWORD_MAX });
  const lower = password.toLowerCase();
  if (COMMON.has(lower) || /^(.)\1+$/.test(password) || (await breachedPasswords()).has(lower)) return 'account.password.common';
  const local = email?.split('@')[0]?.toLowerCase();
  if (local && local.length >= 4 && lower.includes(local)) return 'account.password.email';
  return null;
}

/** Argon2id with the library's defaults (19 MiB, 2 passes). */
export const hashPassword = (password: string) => hash(password);

export async function verifyPassword(passwordHash: string | null, password: string): Promise<boolean> {
  if (!passwordHash) return false;
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

/** A hash to verify against when the account does not exist, so timing does not tell. */
let dummyHash: Promise<string> | undefined;
export const dummyPasswordHash = () => (dummyHash ??= hash('not-a-real-password-at-all'));
