import { randomBytes } from 'node:crypto';
import type { Side } from '../src/db/types.ts';
import { renderAttendanceCertificate } from '../src/modules/certificates/pdf.ts';
import type { AttendanceFacts } from '../src/modules/certificates/queries.ts';
import { renderBadges } from '../src/modules/event-admin/badges.ts';
import type { BadgePerson } from '../src/modules/event-admin/badges-queries.ts';
import { isMain, round } from './support.ts';

/*
 * Drawing the PDFs of the event day: attendance certificates one at a time (as the worker mails
 * them), and the badges of a whole forum in one file, in each layout. Half the names are Chinese,
 * so the CJK font is loaded and subset as in real use. No database: the drawing alone.
 *
 *   node --expose-gc --import tsx bench/pdfs.ts [--smoke]
 */

export const PDFS = { full: { certificates: 20, people: 200 }, smoke: { certificates: 2, people: 12 } } as const;
export type PdfsReport = {
  certificates: number; certificateMs: { median: number; max: number }; certificateBytes: number;
  people: number; badges: Record<'sheet' | 'label' | 'tent', { ms: number; bytes: number }>;
};

const SIDES: Side[] = ['GD', 'HK', 'MO', 'CN', 'OTHER'];
const SURNAMES = ['陳', '李', '張', '黃', '何', '林', '梁', '吳'];
const GIVEN = ['大文', '嘉欣', '志強', '美玲', '家豪', '詠詩'];

function person(n: number): BadgePerson {
  const chinese = n % 2 === 0;
  return {
    id: n + 1,
    name: chinese ? `${SURNAMES[n % SURNAMES.length]}${GIVEN[n % GIVEN.length]}` : `Participant ${n + 1} Chan`,
    organisation: chinese ? '廣東省知識產權保護中心' : 'Hong Kong Intellectual Property Department',
    side: SIDES[n % SIDES.length]!, token_hash: randomBytes(32).toString('hex'), badge_printed_at: null,
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

export async function pdfs(options: { certificates: number; people: number }): Promise<PdfsReport> {
  const times: number[] = [];
  let certificateBytes = 0;
  for (let n = 0; n < options.certificates; n++) {
    const code = randomBytes(16).toString('base64url');
    const facts = {
      id: n, code, name: person(n).name, language: n % 2 === 0 ? 'zh-Hant' : 'en', hours: 3.5, issued_at: new Date(),
      email: 'someone@example.test', registration_id: n, event_id: 1, event_english_title: 'Seminar', translations: {},
      starts_at: new Date(), ends_at: new Date(), venue: 'Hong Kong Convention and Exhibition Centre', city: 'Hong Kong', item_id: 1,
      slug: 'seminar', event_title: n % 2 === 0 ? '粵港知識產權與中小企業發展研討會' : 'Guangdong/Hong Kong Seminar on IP and SMEs',
      organisers: ['Intellectual Property Department', 'Guangdong Administration for Market Regulation'],
    } satisfies AttendanceFacts;
    const t0 = performance.now();
    const pdf = await renderAttendanceCertificate(facts, { code, url: `https://ipcoop.example/certificates/${code}` });
    times.push(performance.now() - t0);
    certificateBytes = Math.max(certificateBytes, pdf.length);
  }
  const people = Array.from({ length: options.people }, (_, n) => person(n));
  const text = { event: 'Greater Bay Area IP Symposium', side: (side: Side) => side };
  const badges = {} as PdfsReport['badges'];
  for (const layout of ['sheet', 'label', 'tent'] as const) {
    const t0 = performance.now();
    const pdf = await renderBadges(people, layout, text, 'Badges');
    badges[layout] = { ms: round(performance.now() - t0), bytes: pdf.length };
  }
  return {
    certificates: options.certificates, certificateMs: { median: round(median(times)), max: round(Math.max(...times)) },
    certificateBytes, people: options.people, badges,
  };
}

if (isMain(import.meta)) {
  console.log(JSON.stringify(await pdfs(process.argv.includes('--smoke') ? PDFS.smoke : PDFS.full), null, 2));
}
