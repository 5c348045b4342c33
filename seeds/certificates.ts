import type { Tx } from './load.ts';

/*
 * The demo's certificates: the year's Hong Kong seminar and its workshop give certificates of
 * attendance with CPD hours, as such events usually do; they are issued and emailed once each
 * event has ended. The seminar held already gives none, so a first start mails nobody.
 */
export async function insertCertificateSettings(tx: Tx, period: string) {
  const settings = [
    { slug: `sme-seminar-${period}`, hours: 3 },
    { slug: `ip-commercialisation-workshop-${period}`, hours: 3.5 },
  ];
  for (const { slug, hours } of settings) {
    await tx.updateTable('events').set({ certificates_enabled: true, cpd_hours: hours }).where('slug', '=', slug).execute();
  }
}
