/**
 * The SQL that runs the same on DuckDB (`cloudtap query` on a laptop) and on Athena (Trino, engine version 3) —
 * the dialect every named query is written in — and a checker that refuses what leaves it.
 *
 * The checker tokenizes the SQL (string literals and comments are read past, never searched) and rejects:
 *  - every construct of DIALECT_DIFFERENCES that one engine has and the other has not, or that both have with
 *    different answers (`::` casts, `->>`, `GROUP BY ALL`, `/` on integers, `concat` with NULLs, …);
 *  - every function not in PORTABLE_FUNCTIONS, the functions both engines have with the same meaning on the
 *    snapshot's types — so a DuckDB-only function (`strftime`, `list_*`) or a Trino-only one (`date_format`,
 *    `json_extract_scalar`) is refused without having to be listed;
 *  - a CAST to a type outside PORTABLE_TYPES, and TIMESTAMP / DATE / INTERVAL literals Trino would not read.
 * It is a guard for SQL written in this subset, not a parser: what it lets through still has to run on DuckDB
 * (test/sql/dialect.test.ts runs every named query), and it knows nothing of the tables.
 */

export type Engine = 'duckdb' | 'trino';

export interface DialectDifference {
  /** The construct as it is written, e.g. `x::int`. */
  construct: string;
  /** The engine that has it; `both` when both have it with different results. */
  only: Engine | 'both';
  /** What differs. */
  detail: string;
  /** What to write instead, in the common subset. */
  instead: string;
}

/** The differences the checker enforces, by the name its problems carry; the README's "SQL" section lists them. */
export const DIALECT_DIFFERENCES = {
  'double-colon-cast': { construct: 'x::int', only: 'duckdb', detail: 'PostgreSQL-style cast', instead: 'CAST(x AS INTEGER)' },
  'json-arrow': { construct: "data->>'state', data->'x'", only: 'duckdb', detail: 'JSON extraction operators (in Trino `->` is a lambda arrow)', instead: 'the flattened resource_fields table' },
  'power-operator': { construct: 'a ** b, a ^ b', only: 'duckdb', detail: 'exponent operators', instead: 'a * a' },
  'integer-division-operator': { construct: 'a // b', only: 'duckdb', detail: 'integer division operator', instead: 'no division in shared SQL (see a / b)' },
  'division': { construct: 'a / b', only: 'both', detail: 'DuckDB divides integers to a DOUBLE (7 / 2 = 3.5), Trino truncates (7 / 2 = 3)', instead: 'no division in shared SQL; compute ratios from the counts' },
  'double-equals': { construct: 'a == b', only: 'duckdb', detail: 'C-style equality', instead: 'a = b' },
  'pattern-operators': { construct: "~~, !~~, ~~*, ^@, @>, <@, &&, <->", only: 'duckdb', detail: 'LIKE / starts-with / list and geometry operators', instead: 'LIKE, starts_with(s, prefix)' },
  'ilike': { construct: "name ILIKE 'web%'", only: 'duckdb', detail: 'case-insensitive LIKE (Trino has none)', instead: "lower(name) LIKE 'web%'" },
  'glob-similar': { construct: "GLOB '…', SIMILAR TO '…'", only: 'duckdb', detail: 'glob and SQL-regex matching', instead: 'LIKE' },
  'list-literal': { construct: "[1, 2], {'a': 1}", only: 'duckdb', detail: 'list and struct literals', instead: "IN (1, 2); Trino's ARRAY[…] is not DuckDB's either" },
  'star-modifiers': { construct: 'SELECT * EXCLUDE (x), * REPLACE (…), COLUMNS(…)', only: 'duckdb', detail: 'star expressions', instead: 'name the columns' },
  'all-shorthand': { construct: 'GROUP BY ALL, ORDER BY ALL, UNION BY NAME', only: 'duckdb', detail: 'shorthands', instead: 'name the columns (GROUP BY a, b)' },
  'distinct-on': { construct: 'SELECT DISTINCT ON (a) …', only: 'duckdb', detail: 'first row per key', instead: 'row_number() OVER (PARTITION BY a ORDER BY …) = 1 in a CTE' },
  'duckdb-clauses': { construct: 'QUALIFY, PIVOT, UNPIVOT, ASOF / POSITIONAL / SEMI / ANTI JOIN, USING SAMPLE, FROM-first SELECT, LIMIT n%', only: 'duckdb', detail: 'DuckDB clauses', instead: 'a CTE with a WHERE; EXISTS / NOT EXISTS for semi and anti joins' },
  'natural-join': { construct: 'NATURAL JOIN', only: 'duckdb', detail: 'Trino does not support natural joins', instead: 'JOIN … ON' },
  'trailing-comma': { construct: 'SELECT a, b, FROM t', only: 'duckdb', detail: 'a comma before FROM or a closing parenthesis', instead: 'no trailing comma' },
  'prefixed-string': { construct: "E'\\n', X'ff', 1_000, 0x10", only: 'both', detail: 'escape strings, binary literals, digit separators and hex numbers differ', instead: "plain '…' strings and decimal numbers" },
  'backtick-identifier': { construct: '`name`', only: 'trino', detail: 'backticks quote identifiers in Athena DDL only; neither engine reads them in a query', instead: '"name", or an unquoted name' },
  'parameters': { construct: '$1, ?, $name', only: 'both', detail: 'prepared-statement parameters differ', instead: 'a named query parameter (`--param k=v`), rendered as a literal' },
  'interval-literal': { construct: 'INTERVAL 1 DAY, INTERVAL 2 DAYS', only: 'duckdb', detail: 'Trino needs the quantity as a string and a singular unit', instead: "INTERVAL '1' DAY" },
  'timestamp-literal': { construct: "TIMESTAMP '2026-03-01T12:00:00Z'", only: 'duckdb', detail: "Trino reads 'YYYY-MM-DD HH:MM:SS.fff' (no T; a zone makes it a timestamp with time zone)", instead: "TIMESTAMP '2026-03-01 12:00:00.000'" },
  'cast-type': { construct: 'CAST(x AS STRING), TEXT, HUGEINT, TIMESTAMPTZ, JSON, LIST …', only: 'both', detail: 'type names one engine lacks or reads differently', instead: `one of ${'VARCHAR, INTEGER, BIGINT, SMALLINT, TINYINT, DOUBLE, REAL, DECIMAL(p, s), BOOLEAN, DATE, TIMESTAMP'}` },
  'reserved-alias': { construct: 'SELECT x AS values, …', only: 'both', detail: "a word Trino reserves (Trino's reserved words are not DuckDB's)", instead: 'another alias, or "quoted"' },
  'statement-separator': { construct: 'SELECT 1; SELECT 2', only: 'both', detail: 'Athena runs one statement per query', instead: 'one statement, no semicolon' },
  'function': { construct: 'strftime(…), list_*(…), date_format(…), …', only: 'both', detail: 'a function not in the list both engines have with the same meaning (PORTABLE_FUNCTIONS)', instead: 'a portable function, or CASE / CAST' },
} as const satisfies Record<string, DialectDifference>;

export type DifferenceId = keyof typeof DIALECT_DIFFERENCES;

/**
 * Functions both engines have, with the same arguments and the same answers on the snapshot's types (strings,
 * integers, doubles, booleans, timestamps). Functions that exist in both but differ are left out on purpose and
 * listed in FUNCTIONS_THAT_DIFFER.
 */
export const PORTABLE_FUNCTIONS: ReadonlySet<string> = new Set([
  // aggregates
  'count', 'sum', 'min', 'max', 'avg', 'count_if', 'bool_and', 'bool_or',
  // conditionals and casts
  'coalesce', 'nullif', 'cast', 'try_cast',
  // text
  'lower', 'upper', 'length', 'trim', 'ltrim', 'rtrim', 'substr', 'replace', 'strpos', 'position', 'starts_with',
  // numbers
  'abs', 'round', 'floor', 'ceil', 'sign',
  // time
  'date_trunc', 'extract', 'year', 'month', 'day', 'hour', 'minute',
  // window functions
  'row_number', 'rank', 'dense_rank', 'lag', 'lead',
]);

/** Functions both engines have under the same name with different answers: refused, and why. */
export const FUNCTIONS_THAT_DIFFER: Readonly<Record<string, string>> = {
  concat: "DuckDB skips NULL arguments, Trino returns NULL: use || (NULL in both) or coalesce(x, '')",
  greatest: 'DuckDB ignores NULLs, Trino returns NULL: use CASE',
  least: 'DuckDB ignores NULLs, Trino returns NULL: use CASE',
  split_part: "past the last part DuckDB returns '', Trino NULL",
  date_diff: 'DuckDB counts unit boundaries crossed, Trino whole units elapsed',
  date_add: "DuckDB's is date_add(time, interval), Trino's date_add(unit, n, time)",
  array_agg: "the order and the printed form of the list differ; an engine's list is not the other's array",
  string_agg: "Trino has no string_agg (its listagg is DuckDB's string_agg)",
  regexp_like: 'Trino only (DuckDB: regexp_matches); the regular expression dialects differ too (RE2 vs Java)',
  json_extract_scalar: "Trino only (DuckDB: json_extract_string / ->>); query resource_fields instead",
  now: "DuckDB's now() is a timestamp with time zone in the session's zone: use CAST(current_timestamp AS TIMESTAMP)",
  strftime: 'DuckDB only (Trino: date_format, with other patterns)',
  date_format: 'Trino only (DuckDB: strftime)',
};

/** The type names a CAST may name: the same type in both engines. */
export const PORTABLE_TYPES: ReadonlySet<string> = new Set([
  'varchar', 'integer', 'bigint', 'smallint', 'tinyint', 'double', 'real', 'decimal', 'boolean', 'date', 'timestamp',
]);

/** Trino's reserved words (trino.io/docs/current/language/reserved.html): not usable as a bare alias there. */
export const TRINO_RESERVED_WORDS: ReadonlySet<string> = new Set([
  'alter', 'and', 'as', 'between', 'by', 'case', 'cast', 'constraint', 'create', 'cross', 'cube', 'current_catalog',
  'current_date', 'current_path', 'current_role', 'current_schema', 'current_time', 'current_timestamp', 'current_user',
  'deallocate', 'delete', 'describe', 'distinct', 'drop', 'else', 'end', 'escape', 'except', 'execute', 'exists',
  'extract', 'false', 'for', 'from', 'full', 'group', 'grouping', 'having', 'in', 'inner', 'insert', 'intersect',
  'into', 'is', 'join', 'json_array', 'json_exists', 'json_object', 'json_query', 'json_table', 'json_value', 'left',
  'like', 'listagg', 'localtime', 'localtimestamp', 'natural', 'normalize', 'not', 'null', 'on', 'or', 'order',
  'outer', 'prepare', 'recursive', 'right', 'rollup', 'select', 'skip', 'table', 'then', 'trim', 'true', 'uescape',
  'union', 'unnest', 'using', 'values', 'when', 'where', 'with',
]);

/** Words that stand before `(` without being a function. */
const NOT_FUNCTIONS = new Set([
  'as', 'in', 'exists', 'from', 'join', 'on', 'and', 'or', 'not', 'when', 'then', 'else', 'select', 'where', 'by',
  'over', 'values', 'using', 'filter', 'with', 'union', 'all', 'any', 'some', 'intersect', 'except', 'lateral',
  'having', 'is', 'distinct', 'like', 'between', 'case', 'limit', 'offset', 'recursive', 'partition', 'order', 'group',
  'rows', 'range', 'preceding', 'following', 'row', 'set', 'into', 'table',
]);

const DUCKDB_CLAUSE_WORDS = new Set(['qualify', 'pivot', 'unpivot', 'pivot_wider', 'pivot_longer', 'asof', 'positional', 'semi', 'anti', 'sample', 'tablesample']);

const OPERATORS = ['!~~*', '->>', '!~~', '~~*', '<->', '::', '->', '**', '//', '==', '<=', '>=', '<>', '!=', '||', '~~', '^@', '@>', '<@', '&&', '<<', '>>'];
const SINGLE_OPERATORS = '+-*/%<>=~!^@&|#';
const PORTABLE_OPERATORS = new Set(['+', '-', '*', '%', '<', '>', '=', '<=', '>=', '<>', '!=', '||']);
const OPERATOR_RULES: Readonly<Record<string, DifferenceId>> = {
  '::': 'double-colon-cast', '->': 'json-arrow', '->>': 'json-arrow', '**': 'power-operator', '^': 'power-operator',
  '//': 'integer-division-operator', '/': 'division', '==': 'double-equals',
};

export type TokenKind = 'word' | 'quoted-identifier' | 'string' | 'number' | 'operator' | 'punctuation' | 'parameter' | 'backtick';

export interface Token {
  kind: TokenKind;
  /** As written (a string with its quotes). */
  text: string;
  /** Offset in the SQL. */
  offset: number;
}

/**
 * The SQL's tokens, comments dropped. Strings and quoted identifiers are single tokens, so nothing inside them is
 * ever taken for SQL. An unterminated string or comment runs to the end (the engine reports it).
 */
export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const push = (kind: TokenKind, end: number) => {
    tokens.push({ kind, text: sql.slice(i, end), offset: i });
    i = end;
  };
  const quoted = (quote: string): number => {
    let j = i + 1;
    while (j < sql.length) {
      if (sql[j] === quote) {
        if (sql[j + 1] === quote) j += 2;
        else return j + 1;
      } else j++;
    }
    return sql.length;
  };
  while (i < sql.length) {
    const c = sql[i] as string;
    const rest = sql.slice(i, i + 4);
    if (/\s/.test(c)) i++;
    else if (rest.startsWith('--')) {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end + 1;
    } else if (rest.startsWith('/*')) {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
    } else if (c === "'") push('string', quoted("'"));
    else if (c === '"') push('quoted-identifier', quoted('"'));
    else if (c === '`') push('backtick', quoted('`'));
    else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      push('number', i + (/^(\d*\.?\d+|\d+\.)(e[+-]?\d+)?/i.exec(sql.slice(i))?.[0].length ?? 1));
    } else if (/[\p{L}_]/u.test(c)) push('word', i + (/^[\p{L}\p{N}_$]+/u.exec(sql.slice(i))?.[0].length ?? 1));
    else if (c === '$' || c === '?') push('parameter', i + (/^[$?][\p{L}\p{N}_]*/u.exec(sql.slice(i))?.[0].length ?? 1));
    else if ('()[]{},;.:'.includes(c) && !rest.startsWith('::')) push('punctuation', i + 1);
    else {
      const operator = OPERATORS.find((o) => rest.startsWith(o)) ?? (SINGLE_OPERATORS.includes(c) ? c : undefined);
      push(operator ? 'operator' : 'punctuation', i + (operator?.length ?? 1));
    }
  }
  return tokens;
}

export interface DialectProblem {
  rule: DifferenceId;
  /** 1-based line and column of the construct. */
  line: number;
  column: number;
  /** The construct as written at that place. */
  text: string;
  message: string;
}

/**
 * What in `sql` is not in the common subset of DuckDB and Athena (Trino), in order of appearance; none when it is
 * portable as far as the checker can tell.
 */
export function checkPortableSql(sql: string): DialectProblem[] {
  const tokens = tokenize(sql);
  const problems: DialectProblem[] = [];
  const lower = (t: Token | undefined) => (t?.kind === 'word' ? t.text.toLowerCase() : t?.text ?? '');
  const report = (rule: DifferenceId, token: Token, text = token.text, why?: string) => {
    const before = sql.slice(0, token.offset).split('\n');
    const difference: DialectDifference = DIALECT_DIFFERENCES[rule];
    const engine = difference.only === 'both' ? 'differs between DuckDB and Athena' : `is ${difference.only === 'duckdb' ? 'DuckDB' : 'Trino'} only`;
    problems.push({
      rule, line: before.length, column: (before.at(-1)?.length ?? 0) + 1, text,
      message: `${text}: ${why ?? `${difference.detail}: ${engine}`}; write ${difference.instead}`,
    });
  };
  // The function each open parenthesis belongs to ('' for a plain parenthesis), to know when AS names a CAST's type.
  const parens: string[] = [];

  tokens.forEach((token, index) => {
    const previous = tokens[index - 1];
    const next = tokens[index + 1];
    const word = lower(token);
    const adjacent = (a: Token | undefined, b: Token | undefined) => a !== undefined && b !== undefined && a.offset + a.text.length === b.offset;

    switch (token.kind) {
      case 'backtick': return report('backtick-identifier', token);
      case 'parameter': return report('parameters', token);
      case 'operator': {
        const rule = OPERATOR_RULES[token.text];
        if (rule) return report(rule, token);
        if (!PORTABLE_OPERATORS.has(token.text)) return report('pattern-operators', token);
        return;
      }
      case 'number':
        if (next && (next.kind === 'word' || next.kind === 'number') && adjacent(token, next)) report('prefixed-string', token, token.text + next.text);
        return;
      case 'string':
        return;
      case 'quoted-identifier':
        return;
      case 'punctuation':
        if (token.text === '(') parens.push(previous?.kind === 'word' ? lower(previous) : '');
        else if (token.text === ')') parens.pop();
        else if (token.text === ';') report('statement-separator', token);
        else if (token.text === '{') report('list-literal', token);
        else if (token.text === '[') {
          // A subscript follows a name or a closing bracket; a list literal follows anything else.
          const subscript = previous && (previous.kind === 'word' || previous.kind === 'quoted-identifier' || previous.text === ')' || previous.text === ']')
            && !NOT_FUNCTIONS.has(lower(previous)) && lower(previous) !== 'array';
          if (!subscript) report('list-literal', token);
        } else if (token.text === ',' && next && (lower(next) === 'from' || next.text === ')')) report('trailing-comma', token, `,${next.text}`);
        return;
      case 'word':
        break;
    }

    // Words.
    if (next?.kind === 'string' && adjacent(token, next) && ['e', 'x', 'b', 'n', 'u'].includes(word)) return report('prefixed-string', token, token.text + next.text);
    if (word === 'u' && next?.text === '&') return report('prefixed-string', token, 'U&');
    if (DUCKDB_CLAUSE_WORDS.has(word)) return report('duckdb-clauses', token);
    if (word === 'using' && lower(next) === 'sample') return report('duckdb-clauses', token, 'USING SAMPLE');
    if (word === 'ilike') return report('ilike', token);
    if (word === 'glob' || (word === 'similar' && lower(next) === 'to')) return report('glob-similar', token);
    if (word === 'natural') return report('natural-join', token);
    if (word === 'exclude' || (word === 'replace' && previous?.text === '*')) return report('star-modifiers', token);
    if (word === 'columns' && next?.text === '(') return report('star-modifiers', token);
    if (word === 'by' && (lower(next) === 'all' || (lower(next) === 'name' && ['union', 'all'].includes(lower(previous))))) return report('all-shorthand', token, `BY ${next?.text ?? ''}`);
    if (word === 'distinct' && lower(next) === 'on') return report('distinct-on', token, 'DISTINCT ON');
    if (word === 'from' && index === 0) return report('duckdb-clauses', token, 'FROM-first SELECT');
    if (word === 'limit' && tokens[index + 2] && (tokens[index + 2]?.text === '%' || lower(tokens[index + 2]) === 'percent')) return report('duckdb-clauses', token, 'LIMIT n%');
    if (word === 'lambda') return report('json-arrow', token, 'lambda', 'DuckDB lambda functions have no Trino equivalent here');

    if (word === 'interval') {
      const unit = tokens[index + 2];
      if (next?.kind !== 'string' || !unit || !/^(year|month|day|hour|minute|second)$/i.test(unit.text)) return report('interval-literal', token, `INTERVAL ${next?.text ?? ''} ${unit?.text ?? ''}`.trim());
      return;
    }
    if ((word === 'timestamp' || word === 'date') && next?.kind === 'string') {
      const value = next.text.slice(1, -1);
      const shape = word === 'date' ? /^\d{4}-\d{2}-\d{2}$/ : /^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?$/;
      if (!shape.test(value)) report('timestamp-literal', token, `${token.text} ${next.text}`);
      return;
    }

    const inCast = parens.at(-1) === 'cast' || parens.at(-1) === 'try_cast';
    if (previous && lower(previous) === 'as') {
      if (inCast) {
        if (!PORTABLE_TYPES.has(word)) report('cast-type', token);
        return;
      }
      // An alias (`AS name`, `AS t(a, b)`) or a CTE's AS: the name is not a function, but Trino must accept it.
      if (TRINO_RESERVED_WORDS.has(word)) report('reserved-alias', token);
      return;
    }
    if (next?.text === '(' && !NOT_FUNCTIONS.has(word)) {
      // A CTE with a column list, `name (a, b) AS (…)`, is no call either.
      if (isCteColumnList(tokens, index + 1)) return;
      if (!PORTABLE_FUNCTIONS.has(word)) {
        const differs = FUNCTIONS_THAT_DIFFER[word];
        report('function', token, `${token.text}(`, differs ?? `not a function both DuckDB and Athena have with the same meaning (see PORTABLE_FUNCTIONS in src/sql/dialect.ts)${word.startsWith('list_') ? '; list functions are DuckDB only' : ''}`);
      }
    }
  });
  return problems;
}

/** Whether the parenthesis at `open` closes before an `AS (`: a CTE's column list. */
function isCteColumnList(tokens: readonly Token[], open: number): boolean {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    const text = tokens[i]?.text;
    if (text === '(') depth++;
    else if (text === ')' && --depth === 0) return tokens[i + 1]?.text.toLowerCase() === 'as' && tokens[i + 2]?.text === '(';
  }
  return false;
}
