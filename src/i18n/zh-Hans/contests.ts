import type { contests as en } from '../en/contests.ts';

/* Simplified Chinese where Guangdong says it differently from Hong Kong; the rest is derived from zh-Hant. */
export const contests: Partial<Record<keyof typeof en, string>> = {
};
