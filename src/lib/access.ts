/**
 * Who may reach a route. Every route declares one (`access('public')` as its options); a route
 * without it stops the app from starting, so no screen can be added without a guard.
 * - public: anyone; signed-in: any account; organiser: organisers and admins (each object is
 *   then loaded through the organiser's scope); judge: judges and admins; admin: admins only.
 */
export type Access = 'public' | 'signed-in' | 'organiser' | 'judge' | 'admin';

export const access = (level: Access) => ({ config: { access: level } });
