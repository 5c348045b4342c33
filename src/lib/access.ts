/**
 * Who may reach a route. Every route declares one (`access('public')` as its options); a route
 * without it stops the app from starting, so no screen can be added without a guard.
 * - public: anyone; signed-in: any account; organiser: organisers and admins (each object is
 *   then loaded through the organiser's scope); judge: judges and admins; admin: admins only.
 * - token: the JSON API (src/modules/api): a bearer token, checked by the API itself; no session
 *   cookie counts there, so no CSRF token is asked for either.
 */
export type Access = 'public' | 'signed-in' | 'organiser' | 'judge' | 'admin' | 'token';

export const access = (level: Access) => ({ config: { access: level } });
