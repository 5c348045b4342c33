import { hash, verify } from '@node-rs/argon2';
import { type Message, message } from '../../lib/i18n.ts';

/** ASVS 2.1.1: at least 12 characters. */
export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 256;

// Choices at or above the minimum length that a breached-password list may miss: the site's own
// words and places, and a few patterns. Shorter ones are already refused by the length rule.
const COMMON = new Set([
  '1qaz2wsx3edc', 'qwerty123456', 'password1234', 'password12345', 'administrator', 'hongkong1234',
  'guangdong123', 'qazwsxedcrfv', '1qazxsw23edc', 'abc123456789', '123123123123', 'intellectual',
  'copyright123', 'trademark123', 'patent123456', 'guangdong1234', 'hongkong2019', 'intellectualproperty',
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
