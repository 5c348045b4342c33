/* English: organisers: items, events, check-in, mail, audit, users, reports. */
export const manage = {
} as const satisfies Record<string, string>;
