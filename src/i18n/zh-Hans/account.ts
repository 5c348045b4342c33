import type { account as en } from '../en/account.ts';

/* Simplified Chinese where Guangdong says it differently from Hong Kong; the rest is derived from zh-Hant. */
export const account: Partial<Record<keyof typeof en, string>> = {
};
