import t from 'tap';
import { translator } from '../../../src/lib/i18n.ts';
import {
  formatItemList, formatNameList, formatNumber, formatValue, parseNarrative, startsSentence,
} from '../../../src/modules/summary/placeholders.ts';

t.test('parses a placeholder with a reference, filters and formats', async (t) => {
  const parts = parseNarrative('In total {{ awards hvpp-2019 major=yes side=HK | words }} awards.');
  t.equal(parts.length, 3);
  t.match(parts[1], {
    kind: 'placeholder',
    placeholder: { metric: 'awards', ref: 'hvpp-2019', filters: { major: 'yes', side: 'HK' }, formats: ['words'] },
  });
  t.same(parts[0], { kind: 'text', text: 'In total ' });
  t.same(parts[2], { kind: 'text', text: ' awards.' });
});

t.test('reports each kind of mistake without losing the surrounding text', async (t) => {
  const cases: [string, RegExp][] = [
    ['{{}}', /empty placeholder/],
    ['{{attendence forum}}', /unknown figure "attendence"/],
    ['{{attendance}}', /needs a event/],
    ['{{attendance forum | rounded}}', /unknown format "rounded"/],
    ['{{attendance forum colour=red}}', /no filter "colour"/],
    ['{{attendance forum other}}', /unexpected "other"/],
    ['{{items forum}}', /unexpected "forum"/],
    ['{{figure <script>}}', /not a valid figure reference/],
    ['{{attendance forum side=}}', /needs a value/],
  ];
  const english = translator('en');
  for (const [source, error] of cases) {
    const parts = parseNarrative(`Before ${source} after.`);
    t.equal(parts.length, 3, source);
    const part = parts[1];
    t.match(part, { kind: 'invalid', raw: source }, source);
    t.match(part?.kind === 'invalid' ? english(part.error) : '', error, source);
    t.same(parts[2], { kind: 'text', text: ' after.' }, source);
  }
});

t.test('leaves text without placeholders alone, braces included', async (t) => {
  t.same(parseNarrative('A {single} brace and }} stray.'), [{ kind: 'text', text: 'A {single} brace and }} stray.' }]);
  t.same(parseNarrative(''), []);
});

t.test('formats numbers in the house style', async (t) => {
  t.equal(formatNumber(96), '96');
  t.equal(formatNumber(2019), '2019');
  t.equal(formatNumber(112000), '112 000');
  t.equal(formatNumber(1234567), '1 234 567');
  t.equal(formatNumber(8.25), '8.25');
  t.equal(formatValue(5, ['words']), 'five');
  t.equal(formatValue(20, ['words']), 'twenty');
  t.equal(formatValue(21, ['words']), '21');
  t.equal(formatValue(8_300_000, ['hkd']), 'HK$8.3 million');
  t.equal(formatValue(12_000_000, ['hkd']), 'HK$12 million');
  t.equal(formatValue(950_000, ['hkd']), 'HK$950 000');
});

t.test('rounds approximate figures to two significant figures', async (t) => {
  t.equal(formatValue(103, ['about']), 'about 100');
  t.equal(formatValue(96, ['about']), 'about 96');
  t.equal(formatValue(198, ['about']), 'about 200');
  t.equal(formatValue(208, ['about']), 'about 210');
  t.equal(formatValue(1234, ['about']), 'about 1200');
  t.equal(formatValue(7, ['about']), 'about 7');
});

t.test('"over" names the round number strictly below the count', async (t) => {
  t.equal(formatValue(126, ['over']), 'over 120');
  t.equal(formatValue(121, ['over']), 'over 120');
  t.equal(formatValue(120, ['over']), 'over 110');
  t.equal(formatValue(1250, ['over']), 'over 1200');
  t.equal(formatValue(15, ['over']), 'over 14');
});

t.test('lists item numbers with a serial comma', async (t) => {
  t.equal(formatItemList([1, 2, 4, 5, 6, 13, 23, 24]), '(1), (2), (4), (5), (6), (13), (23), and (24)');
  t.equal(formatItemList([3, 7]), '(3) and (7)');
  t.equal(formatItemList([9]), '(9)');
  t.equal(formatItemList([]), '');
});

t.test('knows when a figure opens a sentence', async (t) => {
  t.ok(startsSentence(''));
  t.ok(startsSentence('The forum ended. '));
  t.ok(startsSentence('It said "yes." '));
  t.notOk(startsSentence('with '));
  t.notOk(startsSentence('HK$8.3'));
  t.ok(startsSentence('The end.\n'));
  t.ok(startsSentence('It ended (finally.) '));
  t.notOk(startsSentence('said "yes" '));
});

t.test('a long run of line breaks and ideographic spaces is read in one pass', async (t) => {
  const run = '\n\u3000'.repeat(10_000);
  t.equal(run.length, 20_000);
  t.ok(startsSentence(`word${run}`), 'a figure after a line break opens a sentence');
  t.notOk(startsSentence(`${run}word`), 'a figure straight after a word does not');
  t.ok(startsSentence(run), 'nor does only whitespace stop one');
});

t.test('lists host names as prose, with the article on request', async (t) => {
  t.equal(formatNameList([]), '');
  t.equal(formatNameList(['Xiqu Centre']), 'Xiqu Centre');
  t.equal(formatNameList(['Xiqu Centre'], ['the']), 'the Xiqu Centre');
  t.equal(formatNameList(['A', 'B'], ['the']), 'the A and the B');
  t.equal(formatNameList(['A', 'B', 'C']), 'A, B and C');
  const parts = parseNarrative('{{hosts exchange from=GD on=2019-08-15 | the}}');
  t.match(parts[0], { kind: 'placeholder', placeholder: { metric: 'hosts', ref: 'exchange', filters: { from: 'GD', on: '2019-08-15' }, formats: ['the'] } });
});
