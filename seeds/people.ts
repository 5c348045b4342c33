import { createHash, randomBytes } from 'node:crypto';
import type { Side } from '../src/db/types.ts';

/*
 * Deterministic synthetic people for the seed data: the same seed always yields the same
 * names, e-mail addresses and organisations, so the demo database looks the same on every
 * machine and tests can rely on its counts.
 */

export type Rng = () => number;

/** mulberry32: tiny, fast and good enough for picking names. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One independent stream per name, so adding a stream never reshuffles the others. */
export function rngFor(name: string): Rng {
  let h = 0x811c9dc5;
  for (const ch of name) {
    h ^= ch.codePointAt(0) ?? 0;
    h = Math.imul(h, 0x01000193);
  }
  return mulberry32(h);
}

export function intBetween(rng: Rng, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}

export function pick<T>(rng: Rng, list: readonly T[]): T {
  const value = list[Math.floor(rng() * list.length)];
  if (value === undefined) throw new Error('pick from an empty list');
  return value;
}

export function shuffled<T>(rng: Rng, list: readonly T[]): T[] {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** A weighted choice, e.g. `{ GD: 7, HK: 2, MO: 1 }`. */
export function weighted<K extends string>(rng: Rng, weights: Partial<Record<K, number>>): K {
  const entries = Object.entries(weights) as [K, number][];
  const total = entries.reduce((sum, [, w]) => sum + w, 0);
  let r = rng() * total;
  for (const [key, w] of entries) {
    r -= w;
    if (r < 0) return key;
  }
  const last = entries.at(-1);
  if (!last) throw new Error('weighted choice from no weights');
  return last[0];
}

/** The stored hash of a secret nobody needs: seeded rows must not share a manage link. */
export function unusedTokenHash(): string {
  return createHash('sha256').update(randomBytes(32)).digest('hex');
}

// Surnames and given-name characters as [simplified, traditional, pinyin, Cantonese].
type Glyph = readonly [string, string, string, string];

const SURNAMES: readonly Glyph[] = [
  ['陈', '陳', 'chen', 'chan'], ['李', '李', 'li', 'lee'], ['黄', '黃', 'huang', 'wong'],
  ['张', '張', 'zhang', 'cheung'], ['梁', '梁', 'liang', 'leung'], ['刘', '劉', 'liu', 'lau'],
  ['林', '林', 'lin', 'lam'], ['何', '何', 'he', 'ho'], ['王', '王', 'wang', 'wong'],
  ['吴', '吳', 'wu', 'ng'], ['郑', '鄭', 'zheng', 'cheng'], ['罗', '羅', 'luo', 'law'],
  ['谢', '謝', 'xie', 'tse'], ['冯', '馮', 'feng', 'fung'], ['叶', '葉', 'ye', 'yip'],
  ['邓', '鄧', 'deng', 'tang'], ['曾', '曾', 'zeng', 'tsang'], ['彭', '彭', 'peng', 'pang'],
  ['麦', '麥', 'mai', 'mak'], ['杨', '楊', 'yang', 'yeung'], ['周', '周', 'zhou', 'chow'],
  ['郭', '郭', 'guo', 'kwok'], ['蔡', '蔡', 'cai', 'choi'], ['卢', '盧', 'lu', 'lo'],
  ['苏', '蘇', 'su', 'so'], ['许', '許', 'xu', 'hui'], ['钟', '鍾', 'zhong', 'chung'],
];

const GIVEN: readonly Glyph[] = [
  ['嘉', '嘉', 'jia', 'ka'], ['欣', '欣', 'xin', 'yan'], ['伟', '偉', 'wei', 'wai'], ['文', '文', 'wen', 'man'],
  ['志', '志', 'zhi', 'chi'], ['明', '明', 'ming', 'ming'], ['婷', '婷', 'ting', 'ting'], ['俊', '俊', 'jun', 'chun'],
  ['杰', '傑', 'jie', 'kit'], ['敏', '敏', 'min', 'man'], ['华', '華', 'hua', 'wah'], ['丽', '麗', 'li', 'lai'],
  ['健', '健', 'jian', 'kin'], ['思', '思', 'si', 'sze'], ['颖', '穎', 'ying', 'wing'], ['子', '子', 'zi', 'tsz'],
  ['浩', '浩', 'hao', 'ho'], ['晓', '曉', 'xiao', 'hiu'], ['峰', '峰', 'feng', 'fung'], ['静', '靜', 'jing', 'ching'],
  ['永', '永', 'yong', 'wing'], ['美', '美', 'mei', 'mei'], ['诗', '詩', 'shi', 'sze'], ['宇', '宇', 'yu', 'yu'],
  ['凯', '凱', 'kai', 'hoi'], ['琳', '琳', 'lin', 'lam'], ['雅', '雅', 'ya', 'nga'], ['国', '國', 'guo', 'kwok'],
  ['家', '家', 'jia', 'ka'], ['安', '安', 'an', 'on'], ['德', '德', 'de', 'tak'], ['玉', '玉', 'yu', 'yuk'],
];

const HK_ENGLISH_GIVEN = ['Peter', 'Kelvin', 'Winnie', 'Karen', 'Raymond', 'Vivian', 'Eric', 'Joyce', 'Alan',
  'Cindy', 'Gary', 'Queenie', 'Ivan', 'Janice', 'Terence', 'Mandy', 'Dennis', 'Phoebe', 'Wilson', 'Crystal'];

const MACAO_SURNAMES = ['Leong', 'Lei', 'Iao', 'Cheong', 'Ieong', 'Ho', 'Chan', 'Wong', 'Lao', 'Kuok', 'Sou', 'U'];
const PORTUGUESE = [['Ana', 'Sousa'], ['Miguel', 'Ferreira'], ['Sofia', 'Carvalho'], ['João', 'Pereira'],
  ['Rita', 'Gomes'], ['Pedro', 'Ribeiro']] as const;

const INTERNATIONAL = [['Sarah', 'Thompson'], ['James', 'Whitfield'], ['Laura', 'Bennett'], ['Daniel', 'Keller'],
  ['Emily', 'Harrison'], ['Michael', "O'Connor"], ['Akira', 'Tanaka'], ['Priya', 'Sharma'], ['Hannah', 'Schmidt'],
  ['David', 'Levin'], ['Claire', 'Dubois'], ['Thomas', 'Nielsen'], ['Min-jun', 'Park'], ['Olivia', 'Grant'],
  ['Rahul', 'Menon'], ['Kate', 'Morrison'], ['Lucas', 'Moreau'], ['Anna', 'Kowalski'], ['Ben', 'Carter']] as const;

const PARTICIPANT_ORGANISATIONS: Record<Side, readonly string[]> = {
  GD: ['South China University of Technology', 'Sun Yat-sen University', 'Guangdong University of Technology',
    'Jinan University', 'Shenzhen University', 'Guangzhou Tianhe Smart Devices Co., Ltd.',
    'Shenzhen Nanshan BioPharma Co., Ltd.', 'Foshan Shunde Home Appliance Technology Co., Ltd.',
    'Zhuhai Hengqin Microelectronics Co., Ltd.', 'Dongguan Precision Moulding Co., Ltd.',
    'Guangzhou Lingnan Patent & Trademark Agency', 'Shenzhen Qianhai Innovation Law Firm',
    'Guangdong Intellectual Property Protection Association', 'Guangzhou Huangpu IP Services Centre',
    'Huizhou Zhongkai New Energy Co., Ltd.', 'Jiangmen Wuyi Garment Co., Ltd.'],
  HK: ['The University of Hong Kong', 'The Hong Kong Polytechnic University', 'City University of Hong Kong',
    'The Chinese University of Hong Kong', 'Hong Kong Science and Technology Parks Corporation',
    'Hong Kong Productivity Council', 'Lam & Partners Solicitors', 'Harbour IP Consultants Limited',
    'Kowloon Bay Design Studio Limited', 'Victoria Harbour Trading Company Limited',
    'Tsim Sha Tsui Brand Management Limited', 'Kwun Tong Electronics Limited',
    'Hong Kong Institute of Patent Practitioners', 'Sheung Wan Licensing Agency Limited'],
  MO: ['University of Macau', 'Macau University of Science and Technology', 'Taipa Innovation Limitada',
    'Cotai IP Services Limitada', 'Macao Young Entrepreneur Incubation Centre'],
  CN: ['Peking University', 'Tsinghua University', 'Beijing Zhongguancun Technology Transfer Centre',
    'Shanghai Pudong IP Services Co., Ltd.', 'Hangzhou West Lake Patent Agency'],
  OTHER: ['Northbridge University Technology Transfer Office', 'Lakeside Institute of Technology',
    'Meridian Patent Attorneys LLP', 'Pacific Rim Licensing Associates', 'Singapore Tech Ventures Pte Ltd'],
};

export type Person = { name: string; email: string; organisation: string; side: Side };

const DOMAINS: Record<Side, readonly string[]> = {
  GD: ['example.com', 'example.com', 'example.org'],
  HK: ['example.hk', 'example.hk', 'example.com'],
  MO: ['example.org', 'example.com'],
  CN: ['example.com', 'example.org'],
  OTHER: ['example.org', 'example.com'],
};

const ascii = (s: string) => s.normalize('NFD').replace(/[^A-Za-z]/g, '').toLowerCase();
const title = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

type Name = { display: string; local: string };

function chineseGiven(rng: Rng): [Glyph, Glyph] {
  const first = pick(rng, GIVEN);
  let second = pick(rng, GIVEN);
  while (second === first) second = pick(rng, GIVEN);
  return [first, second];
}

function mainlandName(rng: Rng, hanziShare: number): Name {
  const surname = pick(rng, SURNAMES);
  const [g1, g2] = chineseGiven(rng);
  const given = `${g1[2]}${g2[2]}`;
  const local = rng() < 0.5 ? `${given}.${surname[2]}` : `${surname[2]}${given}`;
  if (rng() < hanziShare) return { display: `${surname[0]}${g1[0]}${g2[0]}`, local };
  return { display: `${title(surname[2])} ${title(given)}`, local };
}

function hongKongName(rng: Rng): Name {
  const surname = pick(rng, SURNAMES);
  const [g1, g2] = chineseGiven(rng);
  const family = title(surname[3]);
  const local = `${surname[3]}.${g1[3]}${g2[3]}`;
  const style = rng();
  if (style < 0.15) return { display: `${surname[1]}${g1[1]}${g2[1]}`, local };
  if (style < 0.45) {
    const english = pick(rng, HK_ENGLISH_GIVEN);
    return { display: `${english} ${family}`, local: `${english.toLowerCase()}.${surname[3]}` };
  }
  if (style < 0.75) return { display: `${family} ${title(g1[3])}-${g2[3]}`, local };
  return { display: `${family} ${title(g1[3])} ${title(g2[3])}`, local };
}

function macaoName(rng: Rng): Name {
  if (rng() < 0.2) {
    const [first, last] = pick(rng, PORTUGUESE);
    return { display: `${first} ${last}`, local: `${ascii(first)}.${ascii(last)}` };
  }
  const surname = pick(rng, MACAO_SURNAMES);
  const [g1, g2] = chineseGiven(rng);
  return {
    display: `${surname} ${title(g1[3])} ${title(g2[3])}`,
    local: `${surname.toLowerCase()}.${g1[3]}${g2[3]}`,
  };
}

function internationalName(rng: Rng): Name {
  const [first, last] = pick(rng, INTERNATIONAL);
  return { display: `${first} ${last}`, local: `${ascii(first)}.${ascii(last)}` };
}

function personName(rng: Rng, side: Side): Name {
  switch (side) {
    case 'GD': return mainlandName(rng, 0.6);
    case 'CN': return mainlandName(rng, 0.3);
    case 'HK': return hongKongName(rng);
    case 'MO': return macaoName(rng);
    case 'OTHER': return internationalName(rng);
  }
}

/**
 * Makes people with e-mail addresses unique within `used` (one live registration per e-mail
 * per event), numbering a clash the way people do: chan.kayan2@...
 */
export class People {
  private readonly used = new Set<string>();
  private readonly rng: Rng;

  constructor(rng: Rng) {
    this.rng = rng;
  }

  person(side: Side, organisation?: string): Person {
    const name = personName(this.rng, side);
    const domain = pick(this.rng, DOMAINS[side]);
    let email = `${name.local}@${domain}`;
    for (let n = 2; this.used.has(email); n++) email = `${name.local}${n}@${domain}`;
    this.used.add(email);
    return {
      name: name.display,
      email,
      organisation: organisation ?? pick(this.rng, PARTICIPANT_ORGANISATIONS[side]),
      side,
    };
  }
}
