import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

/*
 * The modules stand in layers (docs/ARCHITECTURE.md draws them): a module may use the modules
 * of the layers below its own, never one beside it or above it. So the graph has no cycles, and
 * a change to a high module (a page) cannot break a low one (a rule the pages rely on).
 */

const LAYERS: readonly (readonly string[])[] = [
  ['jobs'],
  ['audit', 'mail', 'health', 'metrics'],
  ['auth'],
  ['scope', 'users', 'webhooks'],
  ['events', 'delegations', 'scoring', 'certificates'],
  ['contests', 'programmes', 'privacy'],
  ['entries', 'registrations', 'summary'],
  ['event-admin', 'judging', 'translations', 'reports'],
  ['checkin', 'manage', 'home', 'surveys', 'registrants', 'mailings', 'email-templates'],
  ['api'],
];

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SRC = join(ROOT, 'src');
const layerOf = new Map(LAYERS.flatMap((modules, layer) => modules.map((m) => [m, layer] as const)));

function sources(dir: string): string[] {
  return readdirSync(join(SRC, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(SRC, dir, f));
}

/** What a source file imports of src/, as paths relative to src/. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^(?:import|export)\b[^;]*?\sfrom\s+'(\.[^']+)'/gm)]
    .map((m) => relative(SRC, join(dirname(file), m[1] ?? '')));
}

const moduleOf = (path: string) => (path.startsWith(`modules${sep}`) ? path.split(sep)[1] : undefined);

t.test('every module has its place in a layer', async (t) => {
  const modules = readdirSync(join(SRC, 'modules'));
  t.same(modules.filter((m) => !layerOf.has(m)), [], 'a new module is placed in LAYERS');
  t.same([...layerOf.keys()].filter((m) => !modules.includes(m)), [], 'no layer names a module that is gone');
});

t.test('a module uses only the modules of lower layers', async (t) => {
  const against: string[] = [];
  for (const file of sources('modules')) {
    const from = moduleOf(relative(SRC, file));
    if (!from) continue;
    for (const target of importsOf(file)) {
      const to = moduleOf(target);
      if (!to || to === from) continue;
      if ((layerOf.get(to) ?? Infinity) >= (layerOf.get(from) ?? -1)) against.push(`${relative(ROOT, file)} → ${target}`);
    }
  }
  t.same(against, [], 'no import runs sideways or upwards');
});

t.test('the shared code below the modules uses none of them', async (t) => {
  const upward = ['lib', 'db', 'i18n'].flatMap(sources)
    .flatMap((file) => importsOf(file).filter((target) => moduleOf(target)).map((target) => `${relative(ROOT, file)} → ${target}`));
  t.same(upward, [], 'lib, db and i18n import no module');
});

t.test('the reading of imports finds what it should', async (t) => {
  const imports = importsOf(join(SRC, 'modules', 'checkin', 'routes.ts'));
  t.ok(imports.some((i) => moduleOf(i) === 'event-admin'), 'an import of another module is seen');
  t.ok(imports.some((i) => i.startsWith(`lib${sep}`)), 'an import of lib is seen');
});

t.test('no line of a view is longer than 300 characters', async (t) => {
  const views = join(ROOT, 'views');
  const long = readdirSync(views, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort()
    .flatMap((file) => readFileSync(file, 'utf8').split(/\r?\n/)
      .map((line, i) => ({ at: `${relative(ROOT, file)}:${i + 1}`, length: [...line].length }))
      .filter((l) => l.length > 300)
      .map((l) => `${l.at} (${l.length})`));
  t.same(long, [], 'a long line of a view is wrapped inside a code tag, or between tags where whitespace does not show');
});
