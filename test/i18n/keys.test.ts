import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import ts from 'typescript';
import { messages as en } from '../../src/i18n/en/index.ts';

/*
 * Messages are raised by key where they arise. This test reads every source file and view and
 * holds the code and the catalogue to each other: a key used must be defined, a key defined must
 * be used, and the values a call passes must be the ones its message names.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const KEYS = new Set(Object.keys(en));
const NAMESPACES = new Set([...KEYS].map((k) => k.split('.')[0]));
/** A message's `{value}` placeholders; the `{{field}}` merge fields of mail templates are no values of a call. */
const placeholders = (text: string) => new Set([...text.matchAll(/\{\{\w+\}\}|\{(\w+)\}/g)].flatMap((m) => (m[1] ? [m[1]] : [])));

function files(dir: string, ending: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith(ending))
    .map((f) => join(ROOT, dir, f))
    .filter((f) => !f.includes(`${join('src', 'i18n')}`));
}

/** An Eta view as one script: its code as written, each output tag as an expression statement. */
function viewScript(source: string): string {
  let script = '';
  let at = 0;
  for (;;) {
    const open = source.indexOf('<%', at);
    if (open < 0) break;
    const close = source.indexOf('%>', open + 2);
    if (close < 0) break;
    const body = source.slice(open + 2, close);
    script += body.startsWith('=') || body.startsWith('~') ? `(${body.slice(1)});\n` : `${body}\n`;
    at = close + 2;
  }
  return script;
}

type Use = { key: string; params?: string[]; where: string };
const used: Use[] = [];
/** Keys built at run time (`error.${status}`, 'side.' + side): every key under the prefix counts as used. */
const dynamicPrefixes = new Set<string>();
const looksLikeKey = (s: string) => NAMESPACES.has(s.split('.')[0] ?? '') && /^[a-z][A-Za-z0-9]*(\.[A-Za-z0-9_]+)+$/.test(s);

function collect(file: string, text: string) {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const where = (node: ts.Node) => `${relative(ROOT, file)}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
  const propertyNames = (object: ts.ObjectLiteralExpression) =>
    object.properties.some((p) => ts.isSpreadAssignment(p)) ? undefined
    : object.properties.map((p) => (p.name && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) ? p.name.text : '?'));
  const visit = (node: ts.Node) => {
    if ((ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) && looksLikeKey(node.text)) {
      const parent = node.parent;
      let params: string[] | undefined;
      // t('key', { … }) and message('key', { … }): the values passed beside the key.
      if (ts.isCallExpression(parent) && parent.arguments[0] === node
        && parent.arguments[1] && ts.isObjectLiteralExpression(parent.arguments[1])) {
        params = propertyNames(parent.arguments[1]);
      }
      // { key: 'key', params: { … } }
      if (ts.isPropertyAssignment(parent) && parent.name.getText(source) === 'key' && ts.isObjectLiteralExpression(parent.parent)) {
        const p = parent.parent.properties.find((q) => q.name?.getText(source) === 'params');
        if (p && ts.isPropertyAssignment(p) && ts.isObjectLiteralExpression(p.initializer)) params = propertyNames(p.initializer);
      }
      used.push({ key: node.text, where: where(node), ...(params ? { params } : {}) });
    }
    if (ts.isTemplateExpression(node) && node.head.text.includes('.')) dynamicPrefixes.add(node.head.text);
    if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken && ts.isStringLiteral(node.left)
      && node.left.text.endsWith('.') && looksLikeKey(`${node.left.text}x`)) dynamicPrefixes.add(node.left.text);
    ts.forEachChild(node, visit);
  };
  visit(source);
}

for (const file of files('src', '.ts')) collect(file, readFileSync(file, 'utf8'));
for (const file of files('views', '.eta')) collect(file, viewScript(readFileSync(file, 'utf8')));

t.test('every key the code uses is in the catalogue', async (t) => {
  const missing = used.filter((u) => !KEYS.has(u.key)).map((u) => `${u.key} (${u.where})`);
  t.same(missing, [], 'no key is used without a message');
});

t.test('every key in the catalogue is used', async (t) => {
  const seen = new Set(used.map((u) => u.key));
  const prefixes = [...dynamicPrefixes].filter((p) => looksLikeKey(`${p}x`));
  const unused = [...KEYS].filter((k) => !seen.has(k) && !prefixes.some((p) => k.startsWith(p)));
  t.same(unused, [], 'no message is defined that nothing raises');
});

t.test('each call passes exactly the values its message names', async (t) => {
  const mismatched: string[] = [];
  for (const u of used) {
    if (!u.params || !KEYS.has(u.key)) continue;
    const named = placeholders(en[u.key as keyof typeof en]);
    const passed = new Set(u.params);
    const missing = [...named].filter((n) => !passed.has(n));
    const extra = [...passed].filter((n) => !named.has(n));
    if (missing.length || extra.length) mismatched.push(`${u.key} at ${u.where}: missing {${missing.join(', ')}}, extra {${extra.join(', ')}}`);
  }
  t.same(mismatched, [], 'values and placeholders agree');
});

t.test('the reading of the sources finds what it should', async (t) => {
  t.ok(used.length > 500, `keys found in code and views (${used.length})`);
  t.ok(used.some((u) => u.where.startsWith('views') && u.key === 'layout.skip'), 'views are read');
  t.ok(used.some((u) => u.key === 'error.label' && u.params?.includes('status')), 'values beside a key are read');
});
