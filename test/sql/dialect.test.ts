import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFile, rm } from 'node:fs/promises';
import { SnapshotDatabase } from '../../src/sql/duckdb';
import { DIALECT_DIFFERENCES, FUNCTIONS_THAT_DIFFER, PORTABLE_FUNCTIONS, checkPortableSql, tokenize, type DifferenceId } from '../../src/sql/dialect';
import { NAMED_QUERIES, deployableNamedQueries, renderNamedQuery, type NamedQuery } from '../../src/sql/named-queries';
import { tempDir } from '../support/cli';
import { FIXTURE, writeLatest } from './query-fixture';

let root: string;
let database: SnapshotDatabase;

beforeAll(async () => {
  root = await tempDir('cloudtap-dialect-');
  await writeLatest(root, FIXTURE);
  database = await SnapshotDatabase.open(root);
});

afterAll(async () => {
  database?.close();
  await rm(root, { recursive: true, force: true });
});

/** Each parameter at its default, or its example: the SQL as a user runs it. */
function rendered(query: NamedQuery): string {
  return renderNamedQuery(query, Object.fromEntries(query.params.filter((p) => p.default === undefined).map((p) => [p.name, p.example ?? ''])));
}

const rules = (sql: string): DifferenceId[] => checkPortableSql(sql).map((p) => p.rule);

describe('every named query is in the SQL both DuckDB and Athena run', () => {
  it.each(NAMED_QUERIES.map((q) => [q.name, q] as const))('%s: portable, and runs on DuckDB over a snapshot', async (_, query) => {
    const sql = rendered(query);
    expect(checkPortableSql(sql)).toEqual([]);
    const { result } = await database.query(sql);
    expect(result.columns.length).toBeGreaterThan(0);
  });

  it('as deployed to Athena too (now rendered as the engine\'s current time)', async () => {
    for (const { name, sql } of deployableNamedQueries()) {
      expect([name, checkPortableSql(sql)]).toEqual([name, []]);
      await database.query(sql);
    }
  });

  it('a named query with a DuckDB-only construct would fail this test', () => {
    const sql = rendered(NAMED_QUERIES[0] as NamedQuery);
    expect(rules(sql.replace('SELECT i.account_id', "SELECT strftime(r.first_seen, '%Y') AS y, i.account_id"))).toEqual(['function']);
    expect(rules(sql.replace('TRY_CAST(i.from_port AS INTEGER) AS from_port', 'i.from_port::int AS from_port'))).toEqual(['double-colon-cast']);
    expect(rules(sql.replace("field = 'ingress'", "field = 'ingress' AND r.data->>'x' = 'y'"))).toEqual(['json-arrow']);
    expect(rules(sql.replace('ORDER BY i.account_id', 'GROUP BY ALL ORDER BY i.account_id'))).toEqual(['all-shorthand']);
  });
});

describe('the checker', () => {
  it('rejects DuckDB-only functions and Trino-only ones alike, by the allow-list', () => {
    const problems = checkPortableSql("SELECT strftime(t, '%Y'), list_sort(l), date_format(t, '%Y'), json_extract_scalar(d, '$.a'), count(*) FROM x");
    expect(problems.map((p) => p.text)).toEqual(['strftime(', 'list_sort(', 'date_format(', 'json_extract_scalar(']);
    expect(problems[0]?.message).toBe('strftime(: DuckDB only (Trino: date_format, with other patterns); write a portable function, or CASE / CAST');
    expect(problems[1]?.message).toMatch(/list functions are DuckDB only/);
    expect(checkPortableSql('SELECT STRFTIME (t, 1) FROM x').map((p) => p.text)).toEqual(['STRFTIME(']);
  });

  it('rejects functions both have with different answers, and says how they differ', () => {
    for (const name of ['concat', 'greatest', 'split_part', 'date_diff', 'now']) {
      const [problem] = checkPortableSql(`SELECT ${name}(a, b) FROM t`);
      expect(problem?.message).toContain(FUNCTIONS_THAT_DIFFER[name]);
    }
  });

  it.each([
    ['SELECT x::int FROM t', 'double-colon-cast'],
    ['SELECT CAST(x AS INTEGER)::VARCHAR FROM t', 'double-colon-cast'],
    ["SELECT data->>'state' FROM t", 'json-arrow'],
    ["SELECT data->'a' FROM t", 'json-arrow'],
    ['SELECT 2 ** 3, 2 ^ 3 FROM t', 'power-operator'],
    ['SELECT 7 // 2 FROM t', 'integer-division-operator'],
    ['SELECT a / b FROM t', 'division'],
    ['SELECT 1 FROM t WHERE a == b', 'double-equals'],
    ["SELECT 1 FROM t WHERE name ~~ 'a%'", 'pattern-operators'],
    ["SELECT 1 FROM t WHERE name ^@ 'a'", 'pattern-operators'],
    ["SELECT 1 FROM t WHERE name ILIKE 'a%'", 'ilike'],
    ["SELECT 1 FROM t WHERE name GLOB 'a*'", 'glob-similar'],
    ["SELECT 1 FROM t WHERE name SIMILAR TO 'a'", 'glob-similar'],
    ['SELECT [1, 2] FROM t', 'list-literal'],
    ["SELECT {'a': 1} FROM t", 'list-literal'],
    ['SELECT * EXCLUDE (a) FROM t', 'star-modifiers'],
    ['SELECT * REPLACE (a + 1 AS a) FROM t', 'star-modifiers'],
    ['SELECT COLUMNS(a) FROM t', 'star-modifiers'],
    ['SELECT a, count(*) FROM t GROUP BY ALL', 'all-shorthand'],
    ['SELECT a FROM t ORDER BY ALL', 'all-shorthand'],
    ['SELECT a FROM t UNION BY NAME SELECT a FROM u', 'all-shorthand'],
    ['SELECT DISTINCT ON (a) a, b FROM t', 'distinct-on'],
    ['SELECT a, row_number() OVER (ORDER BY a) AS n FROM t QUALIFY n = 1', 'duckdb-clauses'],
    ['FROM t SELECT a', 'duckdb-clauses'],
    ['SELECT a FROM t ASOF JOIN u ON t.a >= u.a', 'duckdb-clauses'],
    ['SELECT a FROM t SEMI JOIN u ON t.a = u.a', 'duckdb-clauses'],
    ['SELECT a FROM t USING SAMPLE 10', 'duckdb-clauses'],
    ['SELECT a FROM t LIMIT 10%', 'duckdb-clauses'],
    ['SELECT a FROM t NATURAL JOIN u', 'natural-join'],
    ['SELECT a, b, FROM t', 'trailing-comma'],
    ['SELECT count(a,) FROM t', 'trailing-comma'],
    ["SELECT E'a\\n' FROM t", 'prefixed-string'],
    ['SELECT 1_000 FROM t', 'prefixed-string'],
    ['SELECT 0x10 FROM t', 'prefixed-string'],
    ['SELECT `a` FROM t', 'backtick-identifier'],
    ['SELECT a FROM t WHERE b = $1', 'parameters'],
    ['SELECT a FROM t WHERE b = ?', 'parameters'],
    ['SELECT INTERVAL 1 DAY FROM t', 'interval-literal'],
    ["SELECT INTERVAL '2' DAYS FROM t", 'interval-literal'],
    ["SELECT INTERVAL '1 day' FROM t", 'interval-literal'],
    ["SELECT TIMESTAMP '2026-03-01T12:00:00Z' FROM t", 'timestamp-literal'],
    ["SELECT DATE '2026-3-1' FROM t", 'timestamp-literal'],
    ['SELECT CAST(a AS STRING) FROM t', 'cast-type'],
    ['SELECT TRY_CAST(a AS HUGEINT) FROM t', 'cast-type'],
    ['SELECT CAST(a AS TIMESTAMPTZ) FROM t', 'cast-type'],
    ['SELECT a AS values FROM t', 'reserved-alias'],
    ['SELECT 1; SELECT 2', 'statement-separator'],
    ['SELECT 1;', 'statement-separator'],
  ] as [string, DifferenceId][])('%s → %s', (sql, rule) => {
    expect(rules(sql)).toContain(rule);
  });

  it('every documented difference is one the checker enforces (each has a case above)', async () => {
    const source = await readFile(new URL(import.meta.url), 'utf8');
    for (const id of Object.keys(DIALECT_DIFFERENCES)) expect([id, source.includes(`'${id}']`)]).toEqual([id, true]);
  });

  it("the README's SQL section documents every difference, every function that differs and every named query", async () => {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('\n## SQL\n'), readme.indexOf('\n## ', readme.indexOf('\n## SQL\n') + 1));
    const code = (text: string) => (text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``);
    for (const difference of Object.values(DIALECT_DIFFERENCES)) expect([difference.construct, section.includes(`| ${code(difference.construct)} |`)]).toEqual([difference.construct, true]);
    for (const name of Object.keys(FUNCTIONS_THAT_DIFFER)) expect([name, section.includes(`\`${name}\``)]).toEqual([name, true]);
    for (const query of NAMED_QUERIES) expect([query.name, section.includes(`| \`${query.name}\` |`)]).toEqual([query.name, true]);
    for (const name of PORTABLE_FUNCTIONS) expect([name, section.includes(`\`${name}\``)]).toEqual([name, true]);
  });

  it('reads past string literals and comments: what is inside them is never taken for SQL', () => {
    expect(checkPortableSql("SELECT 'strftime(x) ::int ->> [1]' AS s FROM t -- strftime(\n/* ::int list_sort( */ WHERE a = 'it''s ::'")).toEqual([]);
    expect(checkPortableSql('SELECT "strftime(" FROM t')).toEqual([]);
  });

  it('lets the common subset through: CTEs, joins, CASE, EXISTS, casts, windows, typed literals', async () => {
    const sql = `WITH recent (account_id, n) AS (
      SELECT account_id, count(*) FROM resources WHERE last_changed >= TIMESTAMP '2026-03-01 00:00:00.000' GROUP BY account_id
    ), ranked AS (
      SELECT r.*, row_number() OVER (PARTITION BY r.account_id ORDER BY r.resource_id) AS rn FROM resources r
    )
    SELECT a.account_id, CASE WHEN a.n > 1 THEN 'many' ELSE 'one' END AS size, TRY_CAST(b.rn AS BIGINT) AS rn,
      COALESCE(b.name, '') || '!' AS label, date_trunc('day', b.first_seen) AS day, CAST(b.first_seen AS DATE) AS d,
      b.first_seen + INTERVAL '1' DAY AS next_day, count_if(b.name IS NULL) OVER (PARTITION BY a.account_id) AS unnamed,
      extract(year FROM b.first_seen) AS y, CAST(1.5 AS DECIMAL(10, 2)) AS dec1, position('a' IN b.name) AS p
    FROM recent a LEFT JOIN ranked b ON b.account_id = a.account_id
    WHERE EXISTS (SELECT 1 FROM tags t WHERE t.resource_id = b.resource_id) AND b.type IN ('EC2.Instance') AND b.name <> 'x'
    ORDER BY a.account_id NULLS LAST`;
    expect(checkPortableSql(sql)).toEqual([]);
    expect((await database.query(sql)).result.rows.length).toBeGreaterThan(0);
  });

  it('says where: line and column of the construct', () => {
    const [problem] = checkPortableSql('SELECT a,\n  b::int\nFROM t');
    expect(problem).toMatchObject({ rule: 'double-colon-cast', line: 2, column: 4, text: '::' });
  });

  it('tokenizes strings with doubled quotes, quoted identifiers and comments', () => {
    expect(tokenize("SELECT 'it''s', \"a\"\"b\" -- x\n/* y */ 1.5e3").map((t) => [t.kind, t.text])).toEqual([
      ['word', 'SELECT'], ['string', "'it''s'"], ['punctuation', ','], ['quoted-identifier', '"a""b"'], ['number', '1.5e3'],
    ]);
  });

  it('the allow-list holds the functions the brief names as common: CAST, TRY_CAST, COALESCE, date_trunc, count, sum, min, max', () => {
    for (const name of ['cast', 'try_cast', 'coalesce', 'date_trunc', 'count', 'sum', 'min', 'max']) expect(PORTABLE_FUNCTIONS.has(name)).toBe(true);
    for (const name of Object.keys(FUNCTIONS_THAT_DIFFER)) expect(PORTABLE_FUNCTIONS.has(name)).toBe(false);
  });

  it('every allowed function exists in DuckDB', async () => {
    const { result } = await database.query(`SELECT DISTINCT lower(function_name) AS name FROM duckdb_functions() WHERE lower(function_name) IN (${[...PORTABLE_FUNCTIONS].map((f) => `'${f}'`).join(', ')})`);
    // CAST, TRY_CAST, COALESCE and EXTRACT are syntax in DuckDB, not catalog functions.
    const syntax = ['cast', 'try_cast', 'coalesce', 'extract'];
    expect(result.rows.map((r) => r[0]).sort()).toEqual([...PORTABLE_FUNCTIONS].filter((f) => !syntax.includes(f)).sort());
  });
});
