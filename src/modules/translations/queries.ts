import type { Executor } from '../../db/index.ts';
import type { Translations } from '../../db/types.ts';
import { Refusal } from '../../lib/errors.ts';
import type { Message, MessageKey } from '../../lib/i18n.ts';
import type { CurrentUser } from '../auth/service.ts';
import { scopedContest } from '../contests/queries.ts';
import { scopedEvent } from '../events/queries.ts';
import { scopedItem } from '../scope/queries.ts';
import { ITEM_LIMITS, narrativeProblems, placeholderProblems } from '../summary/narrative-rules.ts';
import { scopedProgramme } from '../programmes/queries.ts';

/*
 * Everything organisers write in Chinese, described once: for each kind, its table, the fields
 * written in Chinese (the English is the column of the same name) and how it is loaded through
 * the organiser's scope. Criteria and award tiers are reached through their contest's scope.
 */

export const TRANSLATABLE_KINDS = ['item', 'event', 'programme', 'contest', 'criterion', 'tier'] as const;
export type TranslatableKind = (typeof TRANSLATABLE_KINDS)[number];

export type TranslatableField = { name: string; max: number; multiline: boolean };

/** An object as its translation form needs it, found in the organiser's scope. */
export type Translatable = {
  kind: TranslatableKind;
  id: number;
  /** The item it belongs to: the audit entry is scoped by it. */
  itemId: number;
  /** What the organiser knows it by (its English name), and where its organiser page is. */
  heading: string;
  backHref: string;
  english: Record<string, string>;
  translations: Translations;
  /** Further checks of a field's text beyond its length (an item narrative's placeholders); the message, or null. */
  problem?: (field: string, text: string) => Promise<Message | null>;
};

type KindSpec = {
  table: 'items' | 'events' | 'programmes' | 'contests' | 'criteria' | 'award_tiers';
  auditEntity: string;
  /** What the organiser is told when the object is not in their scope. */
  notFound: MessageKey;
  fields: readonly TranslatableField[];
  /** Whether the table has an updated_at to move along with the content. */
  touches: boolean;
  load: (db: Executor, user: CurrentUser, ref: string) => Promise<Translatable | undefined>;
};

const text = (name: string, max: number): TranslatableField => ({ name, max, multiline: false });
const long = (name: string, max: number): TranslatableField => ({ name, max, multiline: true });

/** A numeric reference as an id the database accepts; anything else finds nothing. */
function idOf(ref: string): number | null {
  if (!/^\d{1,10}$/.test(ref)) return null;
  const id = Number(ref);
  return id > 0 && id <= 2_147_483_647 ? id : null;
}

export const KINDS: Record<TranslatableKind, KindSpec> = {
  item: {
    table: 'items', auditEntity: 'item', notFound: 'manage.notFound.item', touches: true,
    fields: [text('title', ITEM_LIMITS.title), long('narrative', ITEM_LIMITS.narrative)],
    async load(db, user, ref) {
      const id = idOf(ref);
      const item = id === null ? undefined : await scopedItem(db, user, id);
      return item && itemTranslatable(db, item);
    },
  },
  event: {
    table: 'events', auditEntity: 'event', notFound: 'manage.notFound.event', touches: true,
    fields: [text('title', 300), long('description', 5000)],
    async load(db, user, ref) {
      const event = await scopedEvent(db, user, ref);
      if (!event) return undefined;
      return {
        kind: 'event', id: event.id, itemId: event.item_id, heading: event.title, backHref: `/manage/events/${event.slug}`,
        english: { title: event.title, description: event.description }, translations: event.translations,
      };
    },
  },
  programme: {
    table: 'programmes', auditEntity: 'programme', notFound: 'pages.notFound.programme', touches: false,
    fields: [text('title', 300), long('description', 5000)],
    async load(db, user, ref) {
      const id = idOf(ref);
      const programme = id === null ? undefined : await scopedProgramme(db, user, id);
      if (!programme) return undefined;
      return {
        kind: 'programme', id: programme.id, itemId: programme.item_id, heading: programme.title,
        backHref: `/manage/programmes/${programme.id}`,
        english: { title: programme.title, description: programme.description }, translations: programme.translations,
      };
    },
  },
  contest: {
    table: 'contests', auditEntity: 'contest', notFound: 'pages.notFound.contest', touches: false,
    fields: [text('title', 300), long('description', 5000)],
    async load(db, user, ref) {
      const contest = await scopedContest(db, user, ref);
      if (!contest) return undefined;
      return {
        kind: 'contest', id: contest.id, itemId: contest.item_id, heading: contest.title,
        backHref: `/manage/contests/${contest.slug}/setup#translations`,
        english: { title: contest.title, description: contest.description }, translations: contest.translations,
      };
    },
  },
  criterion: {
    table: 'criteria', auditEntity: 'criterion', notFound: 'manage.notFound.criterion', touches: false,
    fields: [text('name', 200), long('guidance', 2000)],
    async load(db, user, ref) {
      const id = idOf(ref);
      const row = id === null ? undefined : await db.selectFrom('criteria as c')
        .innerJoin('contest_rounds as r', 'r.id', 'c.round_id').innerJoin('contests as k', 'k.id', 'r.contest_id')
        .where('c.id', '=', id).select(['c.id', 'c.name', 'c.guidance', 'c.translations', 'r.name as round_name', 'k.slug as contest_slug'])
        .executeTakeFirst();
      const contest = row && (await scopedContest(db, user, row.contest_slug));
      if (!row || !contest) return undefined;
      return {
        kind: 'criterion', id: row.id, itemId: contest.item_id, heading: `${contest.title} · ${row.round_name} · ${row.name}`,
        backHref: `/manage/contests/${contest.slug}/setup#translations`, english: { name: row.name, guidance: row.guidance },
        translations: row.translations,
      };
    },
  },
  tier: {
    table: 'award_tiers', auditEntity: 'award_tier', notFound: 'manage.notFound.award', touches: false,
    fields: [text('name', 200)],
    async load(db, user, ref) {
      const id = idOf(ref);
      const row = id === null ? undefined : await db.selectFrom('award_tiers as t').innerJoin('contests as k', 'k.id', 't.contest_id')
        .where('t.id', '=', id).select(['t.id', 't.name', 't.translations', 'k.slug as contest_slug']).executeTakeFirst();
      const contest = row && (await scopedContest(db, user, row.contest_slug));
      if (!row || !contest) return undefined;
      return {
        kind: 'tier', id: row.id, itemId: contest.item_id, heading: `${contest.title} · ${row.name}`,
        backHref: `/manage/contests/${contest.slug}/setup#translations`, english: { name: row.name }, translations: row.translations,
      };
    },
  },
};

type ScopedItem = NonNullable<Awaited<ReturnType<typeof scopedItem>>>;

/** An item already loaded through the organiser's scope, as its translation form needs it. */
export function itemTranslatable(db: Executor, item: ScopedItem): Translatable {
  return {
    kind: 'item', id: item.id, itemId: item.id, heading: `${item.number}. ${item.title}`, backHref: `/manage/items/${item.id}`,
    english: { title: item.title, narrative: item.narrative }, translations: item.translations,
    // Chinese narratives use the same placeholders as the English one: checked the same way.
    async problem(field, value) {
      if (field !== 'narrative') return null;
      return placeholderProblems(await narrativeProblems(db, item.period_id, item.number, value));
    },
  };
}

/** The object of a kind named by `ref` (an id, or a slug for events and contests) in the organiser's scope; not found outside it. */
export async function loadTranslatable(db: Executor, user: CurrentUser, kind: TranslatableKind, ref: string): Promise<Translatable> {
  const object = await KINDS[kind].load(db, user, ref);
  if (!object) throw Refusal.notFound(KINDS[kind].notFound);
  return object;
}

/** Locks the object's row for the rest of the transaction and reads its translations as they are now. */
export async function lockedTranslations(db: Executor, kind: TranslatableKind, id: number): Promise<Translations> {
  // Every table of the list has `id` and `translations`; Kysely cannot type a union of table names.
  const row = await db.selectFrom(KINDS[kind].table as 'items').select('translations').where('id', '=', id).forUpdate()
    .executeTakeFirstOrThrow();
  return row.translations ?? {};
}

export async function writeTranslations(db: Executor, kind: TranslatableKind, id: number, translations: Translations) {
  const { table, touches } = KINDS[kind];
  const json = JSON.stringify(translations);
  await db.updateTable(table as 'items').set(touches ? { translations: json, updated_at: new Date() } : { translations: json })
    .where('id', '=', id).execute();
}
