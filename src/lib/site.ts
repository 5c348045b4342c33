/** Where the site is reached, for links and message ids in the mail it sends. */
export type Site = { baseUrl: string; domain: string };
