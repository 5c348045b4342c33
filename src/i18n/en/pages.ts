/* English: public pages: home, programme years and the summary, events, programmes, contests and results. */
export const pages = {
} as const satisfies Record<string, string>;
