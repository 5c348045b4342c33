import type { Role } from '../src/db/types.ts';
import { AGE_GROUPS, PATENT_CATEGORIES, PATENT_CRITERIA, PATENT_TIERS, YOUTH_CRITERIA, YOUTH_TIERS,
  patentPortfolioEntries, youthInventionEntries } from './contests.ts';
import {
  type ContestSpec, type EventSpec, type FigureSpec, type ItemSpec, type PeriodSpec, type ProgrammeSpec, from,
} from './specs.ts';
import { DAY, daysAfterAt, hongKongDate, hongKongIso, shift } from './time.ts';
import { pastSeminar, pastSeminarSlug } from './surveys.ts';

/*
 * Demo data: the accounts of the README, and a current reporting year around `now` with events
 * open for registration, an exchange programme taking delegations, a contest taking entries
 * and one being judged. Everything is dated relative to `now`, so the demo never goes stale.
 */

export type DemoUser = { email: string; name: string; role: Role; organisation: string | null };

export const DEMO_USERS: readonly DemoUser[] = [
  { email: 'admin@ipcoop.test', name: 'Demo Administrator', role: 'admin', organisation: null },
  { email: 'organiser@hkipd.test', name: 'Wong Ka-yan (HKIPD)', role: 'organiser', organisation: 'HKIPD' },
  { email: 'organiser@gdipa.test', name: '李嘉欣 (GDAMR(GDIPA))', role: 'organiser', organisation: 'GDAMR(GDIPA)' },
  {
    email: 'organiser@customs.test', name: 'Chan Tai-man (Hong Kong Customs)', role: 'organiser',
    organisation: 'HKC&ED',
  },
];

export const JUDGES: readonly DemoUser[] = [
  { email: 'judge1@ipcoop.test', name: 'Prof. Chan Siu-ling', role: 'judge', organisation: null },
  { email: 'judge2@ipcoop.test', name: 'Dr. Li Jianhua', role: 'judge', organisation: null },
  { email: 'judge3@ipcoop.test', name: 'Ms. Leong Ka Man', role: 'judge', organisation: null },
  { email: 'judge4@ipcoop.test', name: 'Dr. Zhang Minghui', role: 'judge', organisation: null },
  { email: 'judge5@ipcoop.test', name: 'Mr. Ho Chun-yip', role: 'judge', organisation: null },
];

export type CurrentYear = {
  period: PeriodSpec;
  items: ItemSpec[];
  figures: FigureSpec[];
  events: EventSpec[];
  programmes: ProgrammeSpec[];
  contests: ContestSpec[];
};

/** The reporting year (July to June, Hong Kong time) that contains `now`. */
export function reportingYear(now: Date): { slug: string; start: number } {
  const [year = 0, month = 1] = hongKongDate(now).split('-').map(Number);
  const start = month >= 7 ? year : year - 1;
  return { slug: `${start}-${String((start + 1) % 100).padStart(2, '0')}`, start };
}

export function currentYear(now: Date): CurrentYear {
  const { slug: p, start } = reportingYear(now);
  const days = (n: number, time: string) => daysAfterAt(now, n, time);
  const sinceNow = (ms: number) => shift(now, ms);
  const contestYear = Number(hongKongDate(new Date(now.getTime() + 30 * DAY)).slice(0, 4));

  const seminar = `sme-seminar-${p}`;
  const symposium = `gba-ip-symposium-${p}`;
  const workshop = `ip-commercialisation-workshop-${p}`;
  const exchange = `copyright-students-exchange-${p}`;
  const hvpp = `hvpp-contest-${p}`;
  const youth = `gd-youth-invention-${p}`;
  const open = (startsAt: string) => ({
    status: 'published' as const,
    waitlist: true,
    registrationOpensAt: sinceNow(-7 * DAY),
    registrationClosesAt: shift(startsAt, -DAY),
  });

  const period: PeriodSpec = {
    slug: p,
    label: `${start}-${start + 1}`,
    startsOn: `${start}-07-01`,
    endsOn: `${start + 1}-06-30`,
    intro: 'The Guangdong/Hong Kong Expert Group on the Protection of IPRs is taking forward {{items}} co-operation '
      + `items in ${p}, with a view to promoting the development of intellectual property (IP) co-operation in the `
      + 'region. There are {{items new=yes}} new items, namely Items {{item-list new=yes}}.',
    publishedAt: null,
    publisher: 'HKIPD',
  };

  const items: ItemSpec[] = [
    {
      number: 1, continues: 1, isNew: false, status: 'in_progress',
      title: 'Exploring a new co-operation mechanism on IP in the Guangdong-Hong Kong-Macao Greater Bay Area',
      parties: { lead: ['HKIPD', 'GDAMR(GDIPA)'], with: [] },
      narrative: 'The HKIPD and the GDAMR(GDIPA) continue to take forward the co-operation mechanism on IP in the '
        + 'Greater Bay Area, including the integration of the nine Pearl River Delta municipalities.',
    },
    {
      number: 2, continues: 2, isNew: false, status: 'in_progress',
      title: 'Organising a high-end IP symposium in the Greater Bay Area',
      parties: { lead: ['GDAMR(GDIPA)'], with: ['HKIPD'] },
      narrative: 'The GDAMR(GDIPA) is organising the Greater Bay Area IP Symposium in Shenzhen. So far '
        + `{{registrations ${symposium}}} participants have registered, {{registrations ${symposium} side=HK}} of `
        + 'them from Hong Kong.',
    },
    {
      number: 3, continues: 17, isNew: false, status: 'in_progress',
      title: 'Organising the "Guangdong/Hong Kong Seminar on Intellectual Property and the Development of Small and '
        + 'Medium Enterprises (SMEs)"',
      parties: { lead: ['HKIPD', 'GDAMR(GDIPA)'], with: [] },
      narrative: 'The two sides are jointly organising this year\'s seminar in Hong Kong under the theme of "IP '
        + `Financing for SMEs". {{registrations ${seminar}}} participants have registered so far.\n\n`
        + `The first session, held in Guangzhou, was attended by {{attendance ${pastSeminarSlug(p)}}} participants. `
        + `{{survey-satisfied ${pastSeminarSlug(p)}}} of participants found the seminar useful, according to `
        + `the {{survey-responses ${pastSeminarSlug(p)}}} who answered the survey after it.`,
    },
    {
      number: 4, isNew: true, status: 'in_progress',
      title: 'Organising workshops on IP commercialisation for start-ups',
      parties: { lead: ['HKIPD'], with: ['GDAMR(GDIPA)', 'POLYU'] },
      narrative: 'The HKIPD will hold a hands-on workshop on licensing and valuing IP for start-ups of the two places, '
        + `limited to small groups. {{registrations ${workshop}}} places have been taken.`,
    },
    {
      number: 5, continues: 5, isNew: false, status: 'in_progress',
      title: 'Organising the "Guangdong-Hong Kong-Macao Greater Bay Area High Value Patent Portfolio Contest '
        + `${contestYear}"`,
      parties: { lead: ['GDAMR(GDIPA)'], with: ['HKIPD', 'DSE', 'ZHGOV'] },
      narrative: `The Contest is open for entries. {{entries ${hvpp}}} entries have been received so far, `
        + `{{entries ${hvpp} side=HK | words}} of them from Hong Kong.`,
    },
    {
      number: 6, continues: 20, isNew: false, status: 'in_progress',
      title: 'Conducting exchange programmes on copyright knowledge and copyright protection for secondary school '
        + 'students in Guangdong and Hong Kong',
      parties: { lead: ['GDCAB', 'HKC&ED', 'HKIPD'], with: [] },
      narrative: `Schools are registering their delegations. {{delegations ${exchange} | words}} delegations with `
        + `{{members ${exchange}}} members have registered so far.`,
    },
    {
      number: 7, continues: 26, isNew: false, status: 'in_progress',
      title: 'Supporting community organisations in Hong Kong to participate in the Guangdong Youth and Children '
        + 'Invention Award',
      parties: { lead: ['HKIPD'], with: ['GDAMR(GDIPA)', 'HKFII'] },
      narrative: `{{entries ${youth} side=HK | words}} inventions from Hong Kong are being judged together with `
        + `{{entries ${youth} side=GD}} from Guangdong.`,
    },
    {
      number: 8, continues: 7, isNew: false, status: 'in_progress',
      title: 'Strengthening the collaboration mechanism between the customs authorities of Guangdong and Hong Kong for '
        + 'the exchange of information on IP infringements',
      parties: { lead: ['HKC&ED', 'GACC-GD'], with: [] },
      narrative: `Since July ${start}, the customs authorities have exchanged a total of `
        + '{{figure customs-information-exchanged}} pieces of information of various sorts.',
    },
    {
      number: 9, isNew: true, status: 'planned',
      title: 'Promoting IP dispute resolution services in the Greater Bay Area',
      parties: { lead: ['GDAMR(GDIPA)', 'HKIPD'], with: ['HKIAC'] },
      narrative: 'The two sides will introduce arbitration and mediation services for IP disputes to enterprises of '
        + 'the Greater Bay Area.',
    },
  ];

  const seminarStart = days(21, '09:30');
  const symposiumStart = days(45, '09:00');
  const workshopStart = days(75, '14:00');
  const events: EventSpec[] = [
    pastSeminar(p, now),
    {
      ...open(seminarStart), item: 3, slug: seminar, kind: 'seminar',
      title: 'Guangdong/Hong Kong Seminar on IP and the Development of SMEs (Hong Kong)',
      description: 'Theme: "IP Financing for SMEs". Speakers from banks, valuers and IP owners of the two places on '
        + 'raising finance against patents, trademarks and copyright.',
      startsAt: seminarStart, endsAt: shift(seminarStart, 3 * 3600_000),
      city: 'Hong Kong', venue: 'Hong Kong Convention and Exhibition Centre, Wan Chai', capacity: 200,
      attendance: { registered: 46, cancelled: 2, checkedIn: 0, sides: { HK: 30, GD: 10, MO: 3, OTHER: 3 } },
    },
    {
      ...open(symposiumStart), item: 2, slug: symposium, kind: 'symposium',
      title: 'Greater Bay Area IP Symposium',
      description: 'IP experts and academics from Guangdong, Hong Kong and Macao on IP co-operation and the '
        + 'consolidation of innovation resources in the Greater Bay Area. Simultaneous interpretation is provided.',
      startsAt: symposiumStart, endsAt: shift(symposiumStart, 8 * 3600_000),
      city: 'Shenzhen', venue: 'Shenzhen Convention and Exhibition Center, Futian', capacity: 120,
      attendance: { registered: 33, cancelled: 1, checkedIn: 0, sides: { GD: 18, HK: 10, MO: 3, CN: 2 } },
      questions: [
        {
          label: 'Which afternoon session will you attend?', kind: 'choice', required: true,
          options: ['IP trading and financing', 'IP protection and enforcement', 'IP talent development'],
        },
        {
          label: 'I need simultaneous interpretation (Putonghua to English)', kind: 'checkbox', required: false,
          options: [],
        },
        {
          label: 'Dietary requirements', kind: 'text', required: false, options: [],
          samples: ['Vegetarian', 'No seafood', 'Halal', 'No beef'],
        },
      ],
    },
    {
      ...open(workshopStart), item: 4, slug: workshop, kind: 'training',
      title: 'Workshop on IP Commercialisation for Start-ups',
      description: 'Licensing, valuation and negotiation, worked through real cases in small groups.',
      startsAt: workshopStart, endsAt: shift(workshopStart, 3.5 * 3600_000),
      city: 'Hong Kong', venue: 'Hong Kong Science Park, Sha Tin', capacity: 60,
      attendance: { registered: 12, cancelled: 0, checkedIn: 0, sides: { HK: 7, GD: 4, MO: 1 } },
    },
  ];

  const exchangeStart = new Date(now.getTime() + 40 * DAY);
  const visitOn = (n: number) => hongKongDate(new Date(exchangeStart.getTime() + n * DAY));
  const tsuenWan = from('Tsuen Wan Innovation Secondary School', 'HK');
  const hualuogeng = from('Huizhou Hualuogeng Senior High School', 'GD');
  const programmes: ProgrammeSpec[] = [{
    item: 6, slug: exchange,
    title: 'Exchange Programme on Copyright Knowledge and Copyright Protection for Guangdong/Hong Kong Secondary '
      + `School Students ${contestYear}`,
    description: 'Schools of the two places send delegations of students and teachers for visits on copyright '
      + 'knowledge and protection. Delegation leaders register their delegation and can edit the member list until '
      + 'the deadline.',
    startsOn: visitOn(0), endsOn: visitOn(4), capacity: 80, status: 'open', publicRegistration: true,
    editDeadline: sinceNow(30 * DAY),
    delegations: [
      {
        name: 'Tsuen Wan Innovation Secondary School', lead: 'HKC&ED', from: 'HK', to: 'GD', status: 'confirmed',
        createdAt: sinceNow(-5 * DAY), consentAt: sinceNow(-3 * DAY),
        members: [
          tsuenWan.head('Panel Head (Technology)'), tsuenWan.teachers('Teacher'), tsuenWan.students('Student', 8),
        ],
        visits: [
          {
            on: visitOn(0), at: '10:00', host: 'Huizhou Hualuogeng Senior High School', hostCode: 'HZHLG',
            place: 'Huizhou', purpose: 'Exchanges with students on copyright knowledge',
          },
          {
            on: visitOn(1), at: '10:00', host: 'Copyright Bureau of Huizhou Municipality', hostCode: 'HZCB',
            place: 'Huizhou', purpose: 'Copyright protection in Huizhou',
          },
        ],
      },
      {
        name: 'Huizhou Hualuogeng Senior High School', lead: 'GDCAB', from: 'GD', to: 'HK', status: 'proposed',
        createdAt: sinceNow(-2 * DAY), consentAt: sinceNow(-1 * DAY),
        members: [hualuogeng.head('Deputy Principal'), hualuogeng.students('Student', 6)],
        visits: [
          {
            on: visitOn(3), at: '10:00', host: 'Hong Kong Customs', hostCode: 'HKC&ED',
            place: 'Customs Headquarters Building, North Point', purpose: 'Enforcement against IP infringements',
          },
          {
            on: visitOn(4), at: '10:00', host: 'HKIPD', hostCode: 'HKIPD', place: 'Wu Chung House, Wan Chai',
            purpose: 'The IP protection regime of the HKSAR',
          },
        ],
      },
    ],
  }];

  const hvppOpens = sinceNow(-14 * DAY);
  const hvppCloses = daysAfterAt(now, 30, '23:59');
  const youthOpens = sinceNow(-60 * DAY);
  const youthCloses = sinceNow(-10 * DAY);
  const contests: ContestSpec[] = [
    {
      item: 5, slug: hvpp, kind: 'patent_portfolio',
      title: `Guangdong-Hong Kong-Macao Greater Bay Area High Value Patent Portfolio Contest ${contestYear}`,
      description: 'Open to innovation and technology enterprises, higher education institutions and R&D centres of '
        + 'the Greater Bay Area. Submit a portfolio of granted patents with a short business case.',
      entryOpensAt: hvppOpens, entryClosesAt: hvppCloses, blind: false, status: 'open', resultsPublishedAt: null,
      categories: [...PATENT_CATEGORIES],
      rounds: [
        {
          name: 'Preliminary', status: 'pending', criteria: [...PATENT_CRITERIA], judgesPerEntry: 3, advance: 40,
          judgedFrom: shift(hvppCloses, 7 * DAY), judgedUntil: shift(hvppCloses, 30 * DAY),
        },
        {
          name: 'Final', status: 'pending', criteria: [...PATENT_CRITERIA], judgesPerEntry: 5,
          judgedFrom: shift(hvppCloses, 60 * DAY), judgedUntil: shift(hvppCloses, 61 * DAY),
        },
      ],
      tiers: [...PATENT_TIERS],
      entries: patentPortfolioEntries({
        seed: hvpp, prefix: `HVPP${contestYear}`, submitted: 6, drafts: 1, sides: { GD: 3, HK: 2, MO: 1 },
        from: hvppOpens, to: hongKongIso(now),
      }),
      judging: 'none',
    },
    {
      item: 7, slug: youth, kind: 'youth_invention',
      title: 'Guangdong Youth and Children Invention Award',
      description: 'Inventions by primary and secondary school students; Hong Kong students are nominated by the Hong '
        + 'Kong Federation of Invention and Innovation.',
      entryOpensAt: youthOpens, entryClosesAt: youthCloses, blind: true, status: 'judging', resultsPublishedAt: null,
      categories: [...AGE_GROUPS],
      rounds: [{
        name: 'Evaluation', status: 'open', criteria: [...YOUTH_CRITERIA], judgesPerEntry: 3,
        judgedFrom: shift(youthCloses, 2 * DAY), judgedUntil: hongKongIso(now),
      }],
      tiers: [...YOUTH_TIERS],
      entries: youthInventionEntries({
        seed: youth, prefix: 'GDYIA', counts: { GD: 12, HK: 6 }, from: youthOpens, to: youthCloses,
      }),
      judging: 'in_progress',
    },
  ];

  const figures: FigureSpec[] = [{
    item: 8, key: 'customs-information-exchanged', unit: 'count', value: 41,
    label: `Pieces of information on IP infringements exchanged by the customs authorities since July ${start}`,
  }];

  return { period, items, figures, events, programmes, contests };
}
