/* English: organisers: contests (setup, rounds, ranking, awards) and exchange programmes, data retention. */
export const contests = {
} as const satisfies Record<string, string>;
