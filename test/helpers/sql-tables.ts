/*
 * The tables a PostgreSQL statement names in its FROM and JOIN clauses — in subqueries, CTE bodies
 * and LATERAL joins too — told apart from CTE names and set-returning functions. A tokenizer and a
 * small scanner, character by character: no regular expressions, so nothing can backtrack.
 *
 * It understands what the app's SQL contains (Kysely's compiled statements and `sql` templates):
 * quoted and unquoted identifiers, string literals (standard, E'', dollar-quoted), comments,
 * `extract(x from y)` and its kin, `IS [NOT] DISTINCT FROM`, `timestamp with time zone`.
 * It does not resolve names: the caller checks each against the catalogue, so that a name the
 * scanner misread shows up as unknown rather than being silently dropped.
 */

export type Token = {
  kind: 'word' | 'quoted' | 'string' | 'number' | 'param' | 'punct' | 'op';
  /** Unquoted words lowercased, as PostgreSQL folds them; quoted identifiers as written. */
  text: string;
};

export type TableReference = {
  schema: string | null;
  name: string;
  /** Named by a WITH in scope: a CTE, not a table. */
  cte: boolean;
};

const isLetter = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_' || c > '\x7f';
const isDigit = (c: string) => c >= '0' && c <= '9';
const isWordChar = (c: string) => isLetter(c) || isDigit(c) || c === '$';
const isSpace = (c: string) => c === ' ' || c === '\n' || c === '\t' || c === '\r' || c === '\f';

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = text.length;

  /** A quoted run from the opening quote at `i`; the quote doubled stands for itself. */
  const quoted = (quote: string, backslashes: boolean): string => {
    let out = '';
    i++;
    while (i < n) {
      const c = text[i]!;
      if (backslashes && c === '\\' && i + 1 < n) {
        out += text[i + 1];
        i += 2;
      } else if (c === quote) {
        if (text[i + 1] === quote) {
          out += quote;
          i += 2;
        } else {
          i++;
          return out;
        }
      } else {
        out += c;
        i++;
      }
    }
    throw new Error(`unterminated ${quote} in SQL: ${text}`);
  };

  while (i < n) {
    const c = text[i]!;
    if (isSpace(c)) {
      i++;
    } else if (c === '-' && text[i + 1] === '-') {
      while (i < n && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      let depth = 0;
      do {
        if (text[i] === '/' && text[i + 1] === '*') {
          depth++;
          i += 2;
        } else if (text[i] === '*' && text[i + 1] === '/') {
          depth--;
          i += 2;
        } else {
          i++;
        }
      } while (depth > 0 && i < n);
      if (depth > 0) throw new Error(`unterminated comment in SQL: ${text}`);
    } else if (c === "'") {
      tokens.push({ kind: 'string', text: quoted("'", false) });
    } else if (c === '"') {
      tokens.push({ kind: 'quoted', text: quoted('"', false) });
    } else if (c === '$' && isDigit(text[i + 1] ?? '')) {
      let j = i + 1;
      while (j < n && isDigit(text[j]!)) j++;
      tokens.push({ kind: 'param', text: text.slice(i, j) });
      i = j;
    } else if (c === '$') {
      // A dollar quote: $$…$$ or $tag$…$tag$.
      let j = i + 1;
      while (j < n && text[j] !== '$' && isWordChar(text[j]!)) j++;
      if (text[j] !== '$') throw new Error(`stray $ in SQL: ${text}`);
      const tag = text.slice(i, j + 1);
      const end = text.indexOf(tag, j + 1);
      if (end < 0) throw new Error(`unterminated ${tag} in SQL: ${text}`);
      tokens.push({ kind: 'string', text: text.slice(j + 1, end) });
      i = end + tag.length;
    } else if (isLetter(c)) {
      let j = i + 1;
      while (j < n && isWordChar(text[j]!)) j++;
      const word = text.slice(i, j);
      const prefix = word.toLowerCase();
      if (text[j] === "'" && (prefix === 'e' || prefix === 'b' || prefix === 'x' || prefix === 'n')) {
        i = j;
        tokens.push({ kind: 'string', text: quoted("'", prefix === 'e') });
      } else {
        tokens.push({ kind: 'word', text: prefix });
        i = j;
      }
    } else if (isDigit(c) || (c === '.' && isDigit(text[i + 1] ?? ''))) {
      let j = i + 1;
      while (j < n && (isDigit(text[j]!) || text[j] === '.' || text[j] === '_')) j++;
      tokens.push({ kind: 'number', text: text.slice(i, j) });
      i = j;
    } else if (c === '(' || c === ')' || c === ',' || c === ';' || c === '.' || c === '[' || c === ']') {
      tokens.push({ kind: 'punct', text: c });
      i++;
    } else {
      tokens.push({ kind: 'op', text: c });
      i++;
    }
  }
  return tokens;
}

/** Functions whose arguments use FROM without naming a table: extract(field from x), substring(x from 1). */
const FROM_IN_ARGUMENTS = new Set(['extract', 'substring', 'trim', 'overlay']);
/** Words that cannot be a table's alias: what may follow a table reference instead. */
const NOT_AN_ALIAS = new Set([
  'where', 'group', 'order', 'limit', 'offset', 'having', 'window', 'union', 'intersect', 'except', 'join', 'inner',
  'left', 'right', 'full', 'cross', 'natural', 'on', 'using', 'for', 'returning', 'fetch', 'set', 'select', 'values',
  'lateral', 'with', 'tablesample', 'into', 'do', 'default', 'from',
]);

const isWord = (token: Token | undefined, text: string) => token?.kind === 'word' && token.text === text;
const isPunct = (token: Token | undefined, text: string) => token?.kind === 'punct' && token.text === text;
const isName = (token: Token | undefined) => token?.kind === 'word' || token?.kind === 'quoted';

/** Every table reference of a statement, in order, CTE names marked. */
export function tableReferences(text: string): TableReference[] {
  const tokens = tokenize(text);

  // Matching parentheses, the word before each opening one, and the parenthesis around each token.
  const match = new Map<number, number>();
  const opener = new Map<number, string | null>();
  const enclosing: (number | null)[] = [];
  const open: number[] = [];
  tokens.forEach((token, index) => {
    enclosing.push(open.at(-1) ?? null);
    if (isPunct(token, '(')) {
      const before = tokens[index - 1];
      opener.set(index, before?.kind === 'word' ? before.text : null);
      open.push(index);
    } else if (isPunct(token, ')')) {
      const start = open.pop();
      if (start === undefined) throw new Error(`unbalanced ) in SQL: ${text}`);
      match.set(start, index);
    }
  });
  if (open.length) throw new Error(`unbalanced ( in SQL: ${text}`);
  const close = (index: number) => match.get(index)!;
  /** Where the parenthesis around a token closes: the end of the scope a WITH there declares. */
  const scopeEnd = (index: number) => {
    const around = enclosing[index];
    return around === null || around === undefined ? tokens.length : close(around);
  };

  // WITH [RECURSIVE] name [(columns)] AS [[NOT] MATERIALIZED] (…) [, …]: visible until its query ends.
  const ctes: { name: string; from: number; to: number }[] = [];
  tokens.forEach((token, index) => {
    if (!isWord(token, 'with')) return;
    let j = index + 1;
    if (isWord(tokens[j], 'recursive')) j++;
    const found: string[] = [];
    for (;;) {
      const name = tokens[j];
      if (!isName(name)) break;
      j++;
      if (isPunct(tokens[j], '(')) j = close(j) + 1;
      if (!isWord(tokens[j], 'as')) break;
      j++;
      if (isWord(tokens[j], 'not')) j++;
      if (isWord(tokens[j], 'materialized')) j++;
      if (!isPunct(tokens[j], '(')) break;
      found.push(name!.text);
      j = close(j) + 1;
      if (!isPunct(tokens[j], ',')) break;
      j++;
    }
    for (const name of found) ctes.push({ name, from: index, to: scopeEnd(index) });
  });
  const isCte = (name: string, at: number) => ctes.some((c) => c.name === name && c.from < at && at < c.to);

  const references: TableReference[] = [];
  /** A FROM list or a JOIN's right side from `start`: table names, subqueries (read on their own), functions. */
  const fromList = (start: number) => {
    let j = start;
    for (;;) {
      while (isWord(tokens[j], 'lateral') || isWord(tokens[j], 'only')) j++;
      const token = tokens[j];
      if (isPunct(token, '(')) {
        j = close(j) + 1; // a subquery or a parenthesised join: its own FROMs are found where they are
      } else if (isName(token)) {
        const at = j;
        const parts = [token!.text];
        j++;
        while (isPunct(tokens[j], '.') && isName(tokens[j + 1])) {
          parts.push(tokens[j + 1]!.text);
          j += 2;
        }
        if (isPunct(tokens[j], '(')) {
          j = close(j) + 1; // a set-returning function: jsonb_array_elements(…), generate_series(…)
          if (isWord(tokens[j], 'with') && isWord(tokens[j + 1], 'ordinality')) j += 2;
        } else {
          const name = parts.at(-1)!;
          const schema = parts.length > 1 ? parts.at(-2)! : null;
          references.push({ schema, name, cte: schema === null && isCte(name, at) });
        }
      } else {
        return;
      }
      // [AS] alias [(columns)]
      if (isWord(tokens[j], 'as')) j++;
      const alias = tokens[j];
      if (alias?.kind === 'quoted' || (alias?.kind === 'word' && !NOT_AN_ALIAS.has(alias.text))) {
        j++;
        if (isPunct(tokens[j], '(')) j = close(j) + 1;
      }
      if (!isPunct(tokens[j], ',')) return;
      j++;
    }
  };

  tokens.forEach((token, index) => {
    if (token.kind !== 'word') return;
    if (token.text === 'join') {
      fromList(index + 1);
    } else if (token.text === 'from') {
      const around = enclosing[index];
      if (around !== null && around !== undefined && FROM_IN_ARGUMENTS.has(opener.get(around) ?? '')) return;
      const before = tokens[index - 1];
      if (isWord(before, 'distinct') && (isWord(tokens[index - 2], 'is') || isWord(tokens[index - 2], 'not'))) return;
      fromList(index + 1);
    }
  });
  return references;
}

export type Write = { table: string; how: 'insert' | 'update' | 'delete' };

/** The tables a statement writes, and how: INSERT INTO, UPDATE and DELETE FROM targets. */
export function writes(text: string): Write[] {
  const tokens = tokenize(text);
  const found: Write[] = [];
  tokens.forEach((token, index) => {
    const next = tokens[index + 1];
    // Not the UPDATE of FOR [NO KEY] UPDATE or of ON CONFLICT DO UPDATE: those name no table.
    const lockOrUpsert = ['for', 'key', 'do'].some((word) => isWord(tokens[index - 1], word));
    const [how, at]: [Write['how'] | null, number] = isWord(token, 'insert') && isWord(next, 'into') ? ['insert', index + 2]
      : isWord(token, 'update') && !lockOrUpsert ? ['update', index + 1]
      : isWord(token, 'delete') && isWord(next, 'from') ? ['delete', index + 2]
      : [null, -1];
    if (!how || !isName(tokens[at])) return;
    let j = at;
    while (isPunct(tokens[j + 1], '.') && isName(tokens[j + 2])) j += 2;
    found.push({ table: tokens[j]!.text, how });
  });
  return found;
}
