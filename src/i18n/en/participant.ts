/* English: registering, delegations and contest entries: forms, private manage pages, their emails. */
export const participant = {
} as const satisfies Record<string, string>;
