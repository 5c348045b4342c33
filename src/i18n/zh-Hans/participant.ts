import type { participant as en } from '../en/participant.ts';

/* Simplified Chinese where Guangdong says it differently from Hong Kong; the rest is derived from zh-Hant. */
export const participant: Partial<Record<keyof typeof en, string>> = {
};
