import t from 'tap';
import { PDFS, pdfs } from '../../../bench/pdfs.ts';

// bench/pdfs.ts in its smoke size, so that it cannot rot unnoticed (figures in docs/PERFORMANCE.md).
t.test('the PDF benchmark draws certificates and every badge layout', async (t) => {
  const report = await pdfs(PDFS.smoke);
  t.equal(report.certificates, PDFS.smoke.certificates);
  t.ok(report.certificateMs.median > 0 && report.certificateBytes > 1000);
  for (const layout of ['sheet', 'label', 'tent'] as const) t.ok(report.badges[layout].bytes > 1000, `${layout} drawn`);
});
