/* English: signing in, the account page, and judging. */
export const account = {
} as const satisfies Record<string, string>;
