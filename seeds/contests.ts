import type { ApplicantType, Side } from '../src/db/types.ts';
import { People, type Rng, intBetween, pick, rngFor, shuffled, weighted } from './people.ts';
import type { ContestSpec, CriterionSpec, EntrySpec, TierSpec } from './specs.ts';
import { between } from './time.ts';

/*
 * The contests: the 2018-19 ones as the summary tells them (item 5's 28 major awards, item
 * 26's 15 Hong Kong inventions and 15 awards), and generators of plausible entries that the
 * demo's current contests reuse.
 */

// ---------------------------------------------------------------------------------------------
// High value patent portfolios

export const PATENT_CATEGORIES = [
  { code: 'ict', name: 'Information and communications technology' },
  { code: 'biomed', name: 'Biomedicine and health' },
  { code: 'manufacturing', name: 'Advanced manufacturing' },
  { code: 'materials', name: 'New materials' },
  { code: 'energy', name: 'New energy and environmental protection' },
] as const;
type PatentCategory = (typeof PATENT_CATEGORIES)[number]['code'];

const PATENT_TOPICS: Record<PatentCategory, readonly string[]> = {
  ict: ['5G millimetre-wave antenna modules', 'edge computing gateways for smart factories',
    'low-power Bluetooth audio chips', 'computer vision for retail analytics', 'a blockchain trade finance platform',
    'optical transceiver modules for data centres', 'smart home voice control', 'ultra-wideband indoor positioning',
    'cloud-native video transcoding', 'secure payment terminals', 'Cantonese speech recognition',
    'drone flight controllers', 'automotive radar signal processing'],
  biomed: ['rapid nucleic acid test kits', 'minimally invasive surgical robots',
    'traditional Chinese medicine granule extraction', 'wearable ECG monitoring patches', 'targeted antibody drugs',
    'dental 3D printing resins', 'gene sequencing library preparation', 'smart insulin pens',
    'ophthalmic diagnostic imaging', 'biodegradable vascular stents', 'probiotic formulations',
    'medical ultrasound probes', 'hearing aid signal processing'],
  manufacturing: ['industrial robot joint reducers', 'precision injection moulding', 'laser welding of battery packs',
    'CNC machine tool spindles', 'automated optical inspection', 'collaborative robot grippers',
    'waterless textile dyeing', 'flexible display lamination', 'semiconductor wafer handling',
    'additive manufacturing of titanium parts', 'high-speed packaging lines', 'intelligent warehouse shuttles',
    'digital glazing of ceramic tiles'],
  materials: ['graphene thermal management films', 'high-strength aluminium alloys for vehicles',
    'biodegradable food packaging', 'perovskite photovoltaic films', 'silicon carbide power substrates',
    'self-healing coatings', 'carbon fibre bicycle frames', 'antibacterial fabrics', 'quantum dot display films',
    'low-VOC architectural paints', 'nano-silver conductive inks', 'aerogel insulation panels',
    'rare-earth permanent magnets'],
  energy: ['lithium iron phosphate battery management', 'hydrogen fuel cell stacks',
    'offshore wind turbine blade monitoring', 'sludge treatment and recycling', 'fast charging for electric buses',
    'smart grid power metering', 'waste heat recovery for ceramic kilns', 'solar-powered water purification',
    'LED street lighting control', 'energy-saving air conditioning', 'kitchen waste biogas',
    'sodium-ion energy storage', 'marine oil spill recovery'],
};

const INDUSTRY: Record<PatentCategory, string> = {
  ict: 'Technology', biomed: 'Biotech', manufacturing: 'Intelligent Equipment', materials: 'New Materials',
  energy: 'New Energy',
};

const GD_CITIES = ['Guangzhou', 'Shenzhen', 'Foshan', 'Dongguan', 'Zhuhai', 'Zhongshan', 'Huizhou', 'Jiangmen',
  'Zhaoqing'];
const GD_BRANDS = ['Huaxin', 'Tianyi', 'Kaida', 'Xinrui', 'Mingde', 'Haoyu', 'Ruitai', 'Jiahe', 'Zhongke', 'Hengtong',
  'Yuanhang', 'Lianchuang', 'Boyuan', 'Jinghong'];
const HK_BRANDS = ['Harbourfront', 'Lion Rock', 'Victoria', 'Kowloon Peak', 'Sai Kung', 'Pearl Delta', 'Jade Harbour',
  'Bauhinia', 'Tsing Ma', 'Star Ferry'];
const MO_BRANDS = ['Taipa', 'Coloane', 'Cotai', 'Senado', 'A-Ma', 'Penha'];

type Institution = { name: string; code?: string };
const UNIVERSITIES: Record<'GD' | 'HK' | 'MO', readonly Institution[]> = {
  GD: [{ name: 'South China University of Technology' }, { name: 'Sun Yat-sen University' },
    { name: 'Guangdong University of Technology' }, { name: 'Jinan University' }, { name: 'Shenzhen University' },
    { name: 'Southern University of Science and Technology' }, { name: 'South China Agricultural University' }],
  HK: [{ name: 'The University of Hong Kong', code: 'HKU' },
    { name: 'The Chinese University of Hong Kong', code: 'CUHK' },
    { name: 'The Hong Kong Polytechnic University', code: 'POLYU' },
    { name: 'City University of Hong Kong', code: 'CITYU' },
    { name: 'The Hong Kong University of Science and Technology' }],
  MO: [{ name: 'University of Macau' }, { name: 'Macau University of Science and Technology' }],
};
const RD_CENTRES: Record<'GD' | 'HK' | 'MO', readonly string[]> = {
  GD: ['Guangdong Institute of Intelligent Manufacturing', 'Guangzhou Institute of Biomedicine and Health',
    'Shenzhen Institute of Advanced Technology', 'Guangdong Institute of New Materials',
    'Guangzhou Institute of Energy Conversion'],
  HK: ['Hong Kong Applied Science and Technology Research Institute', 'Nano and Advanced Materials Institute',
    'Hong Kong Research Institute of Textiles and Apparel', 'Logistics and Supply Chain MultiTech R&D Centre',
    'Automotive Platforms and Application Systems R&D Centre'],
  MO: ['State Key Laboratory of Analog and Mixed-Signal VLSI', 'Macau Institute of Systems Engineering'],
};

function applicant(rng: Rng, side: 'GD' | 'HK' | 'MO', type: ApplicantType, category: PatentCategory): Institution {
  if (type === 'higher_education') return pick(rng, UNIVERSITIES[side]);
  if (type === 'rd_centre') return { name: pick(rng, RD_CENTRES[side]) };
  const industry = INDUSTRY[category];
  if (side === 'GD') return { name: `${pick(rng, GD_CITIES)} ${pick(rng, GD_BRANDS)} ${industry} Co., Ltd.` };
  if (side === 'HK') return { name: `${pick(rng, HK_BRANDS)} ${industry} Limited` };
  return { name: `${pick(rng, MO_BRANDS)} ${industry}, Limitada` };
}

/** Merit is bunched in the middle, as in any real field of entries. */
const merit = (rng: Rng) => (rng() + rng() + rng()) / 3;

export function patentPortfolioEntries(options: {
  seed: string;
  prefix: string;
  submitted: number;
  withdrawn?: number;
  drafts?: number;
  sides: Partial<Record<'GD' | 'HK' | 'MO', number>>;
  from: string;
  to: string;
}): EntrySpec[] {
  const rng = rngFor(options.seed);
  const people = new People(rng);
  const topics = shuffled(rng, PATENT_CATEGORIES.flatMap((c) =>
    PATENT_TOPICS[c.code].map((topic) => [c.code, topic] as const)));
  const total = options.submitted + (options.withdrawn ?? 0) + (options.drafts ?? 0);
  if (total > topics.length) throw new Error(`only ${topics.length} patent topics for ${total} entries`);
  const statuses = shuffled(rng, [
    ...Array<'submitted'>(options.submitted).fill('submitted'),
    ...Array<'withdrawn'>(options.withdrawn ?? 0).fill('withdrawn'),
    ...Array<'draft'>(options.drafts ?? 0).fill('draft'),
  ]);
  const created = statuses.map(() => between(rng, options.from, options.to)).sort();
  return statuses.map((status, i) => {
    const [category, topic] = topics[i] ?? ['ict', 'unknown'];
    const side = weighted(rng, options.sides);
    const type = weighted<ApplicantType>(rng, { enterprise: 6, higher_education: 2.5, rd_centre: 1.5 });
    const who = applicant(rng, side, type, category);
    const inventions = intBetween(rng, 4, 28);
    const utility = intBetween(rng, 0, 15);
    const pct = intBetween(rng, 0, 6);
    const contact = people.person(side, who.name);
    return {
      reference: `${options.prefix}-${String(i + 1).padStart(3, '0')}`,
      title: `High-value patent portfolio for ${topic}`,
      applicantName: who.name,
      applicantType: type,
      ...(who.code ? { organisationCode: who.code } : {}),
      side,
      category,
      summary: `A portfolio of ${inventions} invention patents and ${utility} utility models on ${topic}, `
        + `with ${pct} PCT applications, ${rng() < 0.6 ? 'already licensed or in production' : 'ready for licensing'}.`,
      details: {
        invention_patents: inventions,
        utility_models: utility,
        pct_applications: pct,
        contact_person: contact.name,
      },
      contactEmail: contact.email,
      status,
      createdAt: created[i] ?? options.from,
      quality: merit(rng),
    };
  });
}

const criterion = (name: string, weight: number, max: number, step: number, guidance: string): CriterionSpec =>
  ({ name, weight, max, step, guidance });

export const PATENT_CRITERIA: readonly CriterionSpec[] = [
  criterion('Technical quality', 3, 20, 1, 'Inventiveness and technical advance of the core patents.'),
  criterion('Legal stability', 2, 20, 1, 'Validity, claim scope and resistance to invalidation.'),
  criterion('Portfolio layout', 2, 10, 0.5, 'Coverage of the technology chain and of key markets.'),
  criterion('Market value', 2, 20, 1, 'Commercialisation, licensing income and market prospects.'),
  criterion('Management', 1, 10, 0.5, 'IP management system and use of the portfolio in the business.'),
];

export const PATENT_TIERS: readonly TierSpec[] = [
  { code: 'gold', name: 'Gold Award', rank: 1, quota: 5, isMajor: true },
  { code: 'silver', name: 'Silver Award', rank: 2, quota: 10, isMajor: true },
  { code: 'bronze', name: 'Bronze Award', rank: 3, quota: 13, isMajor: true },
  { code: 'excellence', name: 'Excellence Award', rank: 4, quota: 10, isMajor: false },
];

// ---------------------------------------------------------------------------------------------
// Youth and children inventions

export const AGE_GROUPS = [
  { code: 'primary', name: 'Primary school group' },
  { code: 'junior-secondary', name: 'Junior secondary group' },
  { code: 'senior-secondary', name: 'Senior secondary group' },
] as const;

const FEATURES = ['Solar-powered', 'Self-cleaning', 'Foldable', 'Voice-controlled', 'Water-saving', 'Anti-slip',
  'Smart', 'Portable', 'Automatic', 'Talking', 'Anti-mosquito', 'Shock-absorbing'];
const OBJECTS = ['school bag', 'bicycle lock', 'plant waterer', 'pill box', 'umbrella', 'bus stop seat', 'desk lamp',
  'rubbish bin', 'window cleaner', 'shoe rack', 'pet feeder', 'classroom air monitor', 'walking stick', 'lunch box'];

const GD_SCHOOLS = ['Guangzhou No. 2 Middle School', 'Shenzhen Experimental School', 'Foshan No. 1 Middle School',
  'Zhuhai No. 1 Middle School', 'Guangzhou Tianhe Foreign Language School', 'Dongguan Middle School',
  'Huizhou No. 1 Middle School', 'Zhongshan Experimental Primary School', 'Shenzhen Futian Primary School',
  'Jiangmen Pengjiang Primary School', 'Shantou Jinshan Middle School', 'Huizhou Hualuogeng Senior High School'];
const HK_SCHOOLS = ['Tsuen Wan Innovation Secondary School', 'Kwun Tong Creative Primary School',
  'Tai Po Harbour College', 'Sai Kung Science Secondary School', 'Yuen Long STEM Primary School',
  'Tuen Mun Bauhinia Secondary School', 'Sham Shui Po Discovery Primary School', 'Sha Tin Inventors College'];

const withArticle = (phrase: string) => `${/^[aeiou]/i.test(phrase) ? 'an' : 'a'} ${phrase.toLowerCase()}`;

export function youthInventionEntries(options: {
  seed: string;
  prefix: string;
  counts: Partial<Record<'GD' | 'HK', number>>;
  from: string;
  to: string;
}): EntrySpec[] {
  const rng = rngFor(options.seed);
  const people = new People(rng);
  const ideas = shuffled(rng, FEATURES.flatMap((f) => OBJECTS.map((o) => `${f} ${o}`)));
  const sides = shuffled(rng, (['GD', 'HK'] as const).flatMap((s) => Array<Side>(options.counts[s] ?? 0).fill(s)));
  const created = sides.map(() => between(rng, options.from, options.to)).sort();
  return sides.map((side, i) => {
    const group = pick(rng, AGE_GROUPS);
    const school = pick(rng, side === 'HK' ? HK_SCHOOLS : GD_SCHOOLS);
    const students = Array.from({ length: intBetween(rng, 1, 3) }, () => people.person(side, school).name);
    const teacher = people.person(side, school);
    const age = group.code === 'primary' ? intBetween(rng, 8, 12)
      : group.code === 'junior-secondary' ? intBetween(rng, 12, 15) : intBetween(rng, 15, 17);
    const title = ideas[i] ?? `Invention ${i + 1}`;
    return {
      reference: `${options.prefix}-${String(i + 1).padStart(3, '0')}`,
      title,
      applicantName: students.join(', '),
      applicantType: 'individual',
      ...(side === 'HK' ? { organisationCode: 'HKFII' } : {}),
      side,
      category: group.code,
      summary: `${students.length > 1 ? 'Students' : 'A student'} of ${school} designed ${withArticle(title)} `
        + 'to solve a problem met in daily life.',
      details: {
        school,
        students,
        age_of_eldest: age,
        teacher: teacher.name,
        guardian_consent: true,
        ...(side === 'HK' ? { nominated_by: 'Hong Kong Federation of Invention and Innovation' } : {}),
      },
      contactEmail: teacher.email,
      status: 'submitted',
      createdAt: created[i] ?? options.from,
      quality: merit(rng),
    };
  });
}

export const YOUTH_CRITERIA: readonly CriterionSpec[] = [
  criterion('Novelty', 3, 10, 1, 'How new the idea is for the age group.'),
  criterion('Practicality', 3, 10, 1, 'Does it solve a real problem, and could it be made?'),
  criterion('Scientific basis', 2, 10, 1, 'Soundness of the science behind the invention.'),
  criterion('Presentation', 2, 10, 1, 'Prototype, drawings and explanation.'),
];

export const YOUTH_TIERS: readonly TierSpec[] = [
  { code: 'first', name: 'First Prize', rank: 1, quota: 8, isMajor: false },
  { code: 'second', name: 'Second Prize', rank: 2, quota: 12, isMajor: false },
  { code: 'third', name: 'Third Prize', rank: 3, quota: 20, isMajor: false },
];

// ---------------------------------------------------------------------------------------------
// Speeches on copyright

const SPEECH_TITLES = ['Copyright in the age of short videos', 'Who owns a song remixed by an algorithm?',
  'Fan fiction, fair use and respect', 'Paying for what we read online', 'The copyright of a meme',
  'Lingnan culture and its creators', 'Live streaming and the rights of performers',
  'Open licences for university teaching', 'From piracy to platforms: my music library',
  'Protecting the folk arts of Guangdong', 'Game mods: creation or infringement?', 'A photograph is a work too'];
const SPEECH_UNIVERSITIES = UNIVERSITIES.GD.map((u) => u.name).concat(['Guangdong University of Foreign Studies',
  'Guangzhou University', 'South China Normal University']);

function speechEntries(options: {
  seed: string;
  prefix: string;
  count: number;
  from: string;
  to: string;
}): EntrySpec[] {
  const rng = rngFor(options.seed);
  const people = new People(rng);
  const titles = shuffled(rng, SPEECH_TITLES);
  const created = titles.slice(0, options.count).map(() => between(rng, options.from, options.to)).sort();
  return titles.slice(0, options.count).map((title, i) => {
    const university = pick(rng, SPEECH_UNIVERSITIES);
    const student = people.person('GD', university);
    return {
      reference: `${options.prefix}-${String(i + 1).padStart(2, '0')}`,
      title,
      applicantName: student.name,
      applicantType: 'individual',
      side: 'GD',
      category: null,
      summary: `A five-minute speech by a student of ${university}.`,
      details: { university, year_of_study: intBetween(rng, 1, 4) },
      contactEmail: student.email,
      status: 'submitted',
      createdAt: created[i] ?? options.from,
      quality: merit(rng),
    };
  });
}

const SPEECH_CRITERIA: readonly CriterionSpec[] = [
  criterion('Content', 4, 40, 1, 'Accuracy and depth of the copyright knowledge.'),
  criterion('Delivery', 3, 30, 1, 'Voice, fluency and stage presence.'),
  criterion('Language', 2, 20, 1, 'Structure and expression.'),
  criterion('Time keeping', 1, 10, 1, 'Within five minutes.'),
];

// ---------------------------------------------------------------------------------------------
// 2018-19

export const CONTESTS_2018_19: readonly ContestSpec[] = [
  {
    item: 5,
    slug: 'hvpp-contest-2019',
    kind: 'patent_portfolio',
    title: 'Guangdong-Hong Kong-Macao Greater Bay Area High Value Patent Portfolio Contest 2019',
    description: 'Jointly organised by the GDAMR(GDIPA), the HKIPD, the Economic Bureau of the Macao Special '
      + "Administrative Region and the People's Government of Zhuhai Municipality. Open to innovation and technology "
      + 'enterprises, higher education institutions and R&D centres of the Greater Bay Area.',
    entryOpensAt: '2019-03-01T09:00:00+08:00',
    entryClosesAt: '2019-04-30T23:59:00+08:00',
    blind: false,
    status: 'closed',
    resultsPublishedAt: '2019-06-28T18:00:00+08:00',
    categories: [...PATENT_CATEGORIES],
    rounds: [
      {
        name: 'Preliminary', status: 'closed', criteria: [...PATENT_CRITERIA], judgesPerEntry: 3, advance: 40,
        judgedFrom: '2019-05-06T09:00:00+08:00', judgedUntil: '2019-05-31T18:00:00+08:00',
      },
      {
        name: 'Final', status: 'closed', criteria: [...PATENT_CRITERIA], judgesPerEntry: 5,
        judgedFrom: '2019-06-27T09:00:00+08:00', judgedUntil: '2019-06-28T12:00:00+08:00',
      },
    ],
    tiers: [...PATENT_TIERS],
    entries: patentPortfolioEntries({
      seed: 'hvpp-contest-2019', prefix: 'HVPP2019', submitted: 60, withdrawn: 2,
      sides: { GD: 7, HK: 2, MO: 1 }, from: '2019-03-01T09:00:00+08:00', to: '2019-04-30T23:00:00+08:00',
    }),
    judging: 'complete',
  },
  {
    item: 26,
    slug: 'gd-youth-invention-2019',
    kind: 'youth_invention',
    title: '17th Guangdong Youth and Children Invention Award',
    description: 'Inventions by primary and secondary school students of Guangdong, with Hong Kong students nominated '
      + 'by the Hong Kong Federation of Invention and Innovation.',
    entryOpensAt: '2019-02-18T09:00:00+08:00',
    entryClosesAt: '2019-04-15T23:59:00+08:00',
    blind: true,
    status: 'closed',
    resultsPublishedAt: '2019-06-15T18:00:00+08:00',
    categories: [...AGE_GROUPS],
    rounds: [
      {
        name: 'Evaluation', status: 'closed', criteria: [...YOUTH_CRITERIA], judgesPerEntry: 3,
        judgedFrom: '2019-05-06T09:00:00+08:00', judgedUntil: '2019-06-10T18:00:00+08:00',
      },
    ],
    tiers: [...YOUTH_TIERS],
    entries: youthInventionEntries({
      seed: 'gd-youth-invention-2019', prefix: 'GDYIA17', counts: { GD: 48, HK: 15 },
      from: '2019-02-18T09:00:00+08:00', to: '2019-04-15T23:00:00+08:00',
    }),
    judging: 'complete',
    winnersBySide: { HK: 15, GD: 25 },
  },
  {
    item: 23,
    slug: 'copyright-speech-contest-2019',
    kind: 'speech',
    title: 'Speech Contest on Copyright Knowledge for University Students in Guangdong Province',
    description: 'The first speech contest on copyright knowledge for university students, organised by the GDCAB.',
    entryOpensAt: '2019-10-08T09:00:00+08:00',
    entryClosesAt: '2019-11-15T23:59:00+08:00',
    blind: false,
    status: 'closed',
    resultsPublishedAt: '2019-12-13T18:00:00+08:00',
    categories: [],
    rounds: [
      {
        name: 'Preliminary', status: 'closed', criteria: [...SPEECH_CRITERIA], judgesPerEntry: 3, advance: 6,
        judgedFrom: '2019-11-20T09:00:00+08:00', judgedUntil: '2019-11-29T18:00:00+08:00',
      },
      {
        name: 'Final', status: 'closed', criteria: [...SPEECH_CRITERIA], judgesPerEntry: 5,
        judgedFrom: '2019-12-13T14:00:00+08:00', judgedUntil: '2019-12-13T17:30:00+08:00',
      },
    ],
    tiers: [
      { code: 'first', name: 'First Prize', rank: 1, quota: 1, isMajor: false },
      { code: 'second', name: 'Second Prize', rank: 2, quota: 2, isMajor: false },
      { code: 'third', name: 'Third Prize', rank: 3, quota: 3, isMajor: false },
    ],
    entries: speechEntries({
      seed: 'copyright-speech-contest-2019', prefix: 'SPEECH2019', count: 12,
      from: '2019-10-08T09:00:00+08:00', to: '2019-11-15T23:00:00+08:00',
    }),
    judging: 'complete',
  },
];
