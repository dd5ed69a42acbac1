package test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

var selectFixtureOnce sync.Once

// selectFixture creates and fills, once, the tables the SELECT tests read.
func selectFixture(t *testing.T, c *pgx.Conn) {
	t.Helper()
	ctx := testCtx(t, 30*time.Second)
	selectFixtureOnce.Do(func() { createSelectFixture(t, ctx, c) })
	// A test that found the fixture broken fails there; the others fail on
	// their queries.
}

func createSelectFixture(t *testing.T, ctx context.Context, c *pgx.Conn) {
	t.Helper()
	mustExec(t, ctx, c, `CREATE TABLE sel_dept (name text PRIMARY KEY, floor int)`)
	mustExec(t, ctx, c, `CREATE TABLE sel_emp (id int PRIMARY KEY, name text NOT NULL, dept text,
		salary int, bonus int, hired date, email text)`)
	mustExec(t, ctx, c, `INSERT INTO sel_dept VALUES ('eng', 3), ('ops', 1), ('sales', 2), ('empty', 9)`)
	mustExec(t, ctx, c, `INSERT INTO sel_emp VALUES
		(1, 'Ada',    'eng',   120, 10,   '2020-01-15', 'ada@x.org'),
		(2, 'Brian',  'eng',   100, NULL, '2021-06-01', 'brian@x.org'),
		(3, 'Chloe',  'ops',    90, 5,    '2019-03-10', NULL),
		(4, 'dave',   'sales',  80, 20,   '2022-11-30', 'dave@y.com'),
		(5, 'Eve',    'sales', NULL, NULL, '2023-02-28', 'eve@y.com'),
		(6, 'Frank',  NULL,     70, 0,    '2018-07-04', NULL),
		(7, 'Gina',   'eng',   110, 15,   '2024-02-29', 'GINA@X.ORG')`)
}

// TestSelectBasics: WHERE, ORDER BY with directions and NULLS placement,
// LIMIT/OFFSET, DISTINCT, expressions.
func TestSelectBasics(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	ctx := testCtx(t, 60*time.Second)
	c := mustConnect(t, n)
	selectFixture(t, c)
	for _, tc := range []struct{ sql, want string }{
		{"SELECT id FROM sel_emp WHERE salary > 95 AND dept = 'eng' ORDER BY id", "1\n2\n7"},
		{"SELECT id FROM sel_emp WHERE salary < 85 OR bonus IS NULL ORDER BY id", "2\n4\n5\n6"},
		{"SELECT id FROM sel_emp WHERE NOT (dept = 'eng') ORDER BY id", "3\n4\n5"},
		{"SELECT id FROM sel_emp WHERE dept IS NULL", "6"},
		{"SELECT id FROM sel_emp WHERE email IS NOT NULL AND salary IS NOT NULL ORDER BY id DESC", "7\n4\n2\n1"},
		{"SELECT id, salary FROM sel_emp ORDER BY salary DESC, id", "5|NULL\n1|120\n7|110\n2|100\n3|90\n4|80\n6|70"},
		{"SELECT id FROM sel_emp ORDER BY salary DESC NULLS LAST, id", "1\n7\n2\n3\n4\n6\n5"},
		{"SELECT id FROM sel_emp ORDER BY salary ASC NULLS FIRST", "5\n6\n4\n3\n2\n7\n1"},
		{"SELECT id FROM sel_emp ORDER BY salary", "6\n4\n3\n2\n7\n1\n5"},
		{"SELECT id FROM sel_emp ORDER BY dept NULLS FIRST, name DESC", "6\n7\n2\n1\n3\n4\n5"},
		{"SELECT id FROM sel_emp ORDER BY id LIMIT 3", "1\n2\n3"},
		{"SELECT id FROM sel_emp ORDER BY id LIMIT 2 OFFSET 5", "6\n7"},
		{"SELECT id FROM sel_emp ORDER BY id OFFSET 6", "7"},
		{"SELECT id FROM sel_emp ORDER BY id LIMIT 0", ""},
		{"SELECT DISTINCT dept FROM sel_emp ORDER BY dept", "eng\nops\nsales\nNULL"},
		{"SELECT count(DISTINCT dept) FROM sel_emp", "3"},
		{"SELECT id, salary + coalesce(bonus, 0) AS total FROM sel_emp WHERE id IN (1, 2, 5) ORDER BY total DESC NULLS LAST", "1|130\n2|100\n5|NULL"},
		{"SELECT name FROM sel_emp ORDER BY 1 LIMIT 2", "Ada\nBrian"},
		{"SELECT 1 + 2 * 3, 7 / 2, 7 % 3, -7 / 2, 2 ^ 10", "7|3|1|-3|1024"},
		{"SELECT 'a' || 'b' || 1, 'x' = 'x', NULL IS NULL, NULL = NULL", "ab1|t|t|NULL"},
	} {
		checkQuery(t, ctx, c, tc.want, tc.sql)
	}
	checkPsql(t, n, "5\n1\n7", "SELECT id FROM sel_emp ORDER BY salary DESC LIMIT 3")
	checkPsql(t, n, "eng\nops\nsales\nNULL", "SELECT DISTINCT dept FROM sel_emp ORDER BY dept")
}

// TestSelectAggregates: count/sum/avg/min/max, GROUP BY, HAVING.
func TestSelectAggregates(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	ctx := testCtx(t, 60*time.Second)
	c := mustConnect(t, n)
	selectFixture(t, c)
	for _, tc := range []struct{ sql, want string }{
		{"SELECT count(*), count(salary), count(bonus), sum(salary), min(salary), max(salary) FROM sel_emp", "7|6|5|570|70|120"},
		{"SELECT avg(salary) FROM sel_emp", "95.0000000000000000"},
		{"SELECT round(avg(bonus), 2) FROM sel_emp", "10.00"},
		{"SELECT min(name), max(name), min(hired) FROM sel_emp", "Ada|dave|2018-07-04"},
		{"SELECT dept, count(*), sum(salary) FROM sel_emp GROUP BY dept ORDER BY dept", "eng|3|330\nops|1|90\nsales|2|80\nNULL|1|70"},
		{"SELECT dept, count(*) FROM sel_emp GROUP BY dept HAVING count(*) > 1 ORDER BY dept", "eng|3\nsales|2"},
		{"SELECT dept, max(salary) FROM sel_emp WHERE salary IS NOT NULL GROUP BY dept HAVING max(salary) >= 90 ORDER BY 2 DESC", "eng|120\nops|90"},
		{"SELECT count(*), sum(salary), max(salary) FROM sel_emp WHERE id > 100", "0|NULL|NULL"},
		{"SELECT dept IS NULL, count(*) FROM sel_emp GROUP BY 1 ORDER BY 1", "f|6\nt|1"},
		{"SELECT sum(salary) FILTER (WHERE dept = 'eng') FROM sel_emp", "330"},
	} {
		checkQuery(t, ctx, c, tc.want, tc.sql)
	}
	checkPsql(t, n, "eng|3|330\nops|1|90\nsales|2|80\nNULL|1|70", "SELECT dept, count(*), sum(salary) FROM sel_emp GROUP BY dept ORDER BY dept")
	checkPsql(t, n, "95.0000000000000000", "SELECT avg(salary) FROM sel_emp")
}

// TestSelectJoinsSubqueries: inner and left joins, IN/EXISTS subqueries,
// scalar subqueries.
func TestSelectJoinsSubqueries(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	ctx := testCtx(t, 60*time.Second)
	c := mustConnect(t, n)
	selectFixture(t, c)
	for _, tc := range []struct{ sql, want string }{
		{"SELECT e.name, d.floor FROM sel_emp e JOIN sel_dept d ON d.name = e.dept ORDER BY e.id", "Ada|3\nBrian|3\nChloe|1\ndave|2\nEve|2\nGina|3"},
		{"SELECT e.name, d.floor FROM sel_emp e INNER JOIN sel_dept d ON d.name = e.dept WHERE d.floor < 3 ORDER BY e.name", "Chloe|1\nEve|2\ndave|2"},
		{"SELECT e.id, d.floor FROM sel_emp e LEFT JOIN sel_dept d ON d.name = e.dept ORDER BY e.id", "1|3\n2|3\n3|1\n4|2\n5|2\n6|NULL\n7|3"},
		{"SELECT d.name, count(e.id) FROM sel_dept d LEFT JOIN sel_emp e ON e.dept = d.name GROUP BY d.name ORDER BY d.name", "empty|0\neng|3\nops|1\nsales|2"},
		{"SELECT d.name FROM sel_dept d LEFT JOIN sel_emp e ON e.dept = d.name WHERE e.id IS NULL", "empty"},
		{"SELECT a.name, b.name FROM sel_emp a JOIN sel_emp b ON a.dept = b.dept AND a.id < b.id WHERE a.dept = 'eng' ORDER BY a.id, b.id", "Ada|Brian\nAda|Gina\nBrian|Gina"},
		{"SELECT count(*) FROM sel_emp, sel_dept", "28"},
		{"SELECT id FROM sel_emp WHERE dept IN (SELECT name FROM sel_dept WHERE floor >= 2) ORDER BY id", "1\n2\n4\n5\n7"},
		{"SELECT id FROM sel_emp WHERE dept NOT IN (SELECT name FROM sel_dept WHERE floor >= 2) ORDER BY id", "3"},
		{"SELECT name FROM sel_dept d WHERE EXISTS (SELECT 1 FROM sel_emp e WHERE e.dept = d.name AND e.salary > 100) ORDER BY name", "eng"},
		{"SELECT name FROM sel_dept d WHERE NOT EXISTS (SELECT 1 FROM sel_emp e WHERE e.dept = d.name) ORDER BY name", "empty"},
		{"SELECT id, (SELECT floor FROM sel_dept WHERE name = sel_emp.dept) FROM sel_emp WHERE id IN (1, 6) ORDER BY id", "1|3\n6|NULL"},
		{"SELECT id FROM sel_emp WHERE salary = (SELECT max(salary) FROM sel_emp)", "1"},
		{"SELECT id FROM sel_emp WHERE id IN (2, 4, 99) ORDER BY id", "2\n4"},
		{"SELECT id FROM sel_emp WHERE id = ANY($1) ORDER BY id", "3\n5"},
	} {
		args := []any{}
		if strings.Contains(tc.sql, "$1") {
			args = append(args, []int32{3, 5})
		}
		checkQuery(t, ctx, c, tc.want, tc.sql, args...)
	}
	checkPsql(t, n, "1|3\n2|3\n3|1\n4|2\n5|2\n6|NULL\n7|3", "SELECT e.id, d.floor FROM sel_emp e LEFT JOIN sel_dept d ON d.name = e.dept ORDER BY e.id")
}

// TestSelectExpressions: LIKE/ILIKE, BETWEEN, CASE, COALESCE, the common
// string, math and time functions, and casts.
func TestSelectExpressions(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	ctx := testCtx(t, 60*time.Second)
	c := mustConnect(t, n)
	selectFixture(t, c)
	for _, tc := range []struct{ sql, want string }{
		{"SELECT id FROM sel_emp WHERE email LIKE '%@x.org' ORDER BY id", "1\n2"},
		{"SELECT id FROM sel_emp WHERE email ILIKE '%@x.org' ORDER BY id", "1\n2\n7"},
		{"SELECT id FROM sel_emp WHERE name LIKE '_r%' ORDER BY id", "2\n6"},
		{"SELECT id FROM sel_emp WHERE name NOT LIKE '%a%' ORDER BY id", "3\n5"},
		{"SELECT 'a_c' LIKE 'a\\_c', 'abc' LIKE 'a\\_c'", "t|f"},
		{"SELECT id FROM sel_emp WHERE salary BETWEEN 90 AND 110 ORDER BY id", "2\n3\n7"},
		{"SELECT id FROM sel_emp WHERE hired BETWEEN '2020-01-01' AND '2022-12-31' ORDER BY id", "1\n2\n4"},
		{"SELECT id FROM sel_emp WHERE salary NOT BETWEEN 80 AND 110 ORDER BY id", "1\n6"},
		{"SELECT id, CASE WHEN salary >= 100 THEN 'high' WHEN salary >= 80 THEN 'mid' ELSE 'low' END FROM sel_emp ORDER BY id",
			"1|high\n2|high\n3|mid\n4|mid\n5|low\n6|low\n7|high"},
		{"SELECT CASE dept WHEN 'eng' THEN 1 WHEN 'ops' THEN 2 END FROM sel_emp WHERE id IN (1, 3, 4) ORDER BY id", "1\n2\nNULL"},
		{"SELECT coalesce(bonus, salary, -1) FROM sel_emp WHERE id IN (2, 5) ORDER BY id", "100\n-1"},
		{"SELECT nullif(bonus, 0) FROM sel_emp WHERE id = 6", "NULL"},
		{"SELECT greatest(1, 5, 3), least(4, 2, 8)", "5|2"},
		// string functions
		{"SELECT lower('AbC'), upper('AbC'), length('héllo'), octet_length('héllo')", "abc|ABC|5|6"},
		{"SELECT substring('logdb rocks' from 1 for 5), substr('logdb', 2, 3), left('logdb', 3), right('logdb', 2)", "logdb|ogd|log|db"},
		{"SELECT concat('a', NULL, 1, true), 'a' || NULL IS NULL, concat_ws('-', 'a', 'b')", "a1t|t|a-b"},
		{"SELECT trim('  x  '), ltrim('xxy', 'x'), rtrim('yxx', 'x'), btrim('--a--', '-')", "x|y|y|a"},
		{"SELECT replace('a-b-c', '-', '+'), position('b' in 'abc'), strpos('abc', 'c'), split_part('a,b,c', ',', 2)", "a+b+c|2|3|b"},
		{"SELECT lpad('7', 3, '0'), rpad('ab', 4, '.'), repeat('ab', 3), reverse('abc'), initcap('hello world')", "007|ab..|ababab|cba|Hello World"},
		{"SELECT starts_with('logdb', 'log'), md5('abc')", "t|900150983cd24fb0d6963f7d28e17f72"},
		// math functions
		{"SELECT abs(-3), round(2.5), round(-2.5), round(3.14159, 2), ceil(1.2), floor(-1.2)", "3|3|-3|3.14|2|-2"},
		{"SELECT mod(17, 5), 17 % 5, power(2, 8)::int, sqrt(16)::int, trunc(7.89, 1), sign(-4)", "2|2|256|4|7.8|-1"},
		{"SELECT 7.0 / 2, 7 / 2.0, 1e3::int, 9223372036854775807::bigint", "3.5000000000000000|3.5000000000000000|1000|9223372036854775807"},
		// time functions
		{"SELECT extract(year FROM hired), extract(month FROM hired), extract(day FROM hired) FROM sel_emp WHERE id = 7", "2024|2|29"},
		{"SELECT date_trunc('month', '2024-02-29 13:14:15'::timestamp)", "2024-02-01 00:00:00"},
		{"SELECT '2024-02-28'::date + 1, '2024-03-01'::date - '2024-02-01'::date", "2024-02-29|29"},
		{"SELECT '2024-02-29 13:00:00'::timestamp + interval '1 day 2 hours'", "2024-03-01 15:00:00"},
		{"SELECT now() = current_timestamp, current_date = now()::date, now() > '2020-01-01'::timestamptz", "t|t|t"},
		{"SELECT to_char('2024-02-29'::date, 'YYYY/MM/DD')", "2024/02/29"},
		// casts
		{"SELECT '42'::int + 1, 42::text || '!', CAST('7' AS bigint), 3.7::int, (-3.5)::int, '1.50'::numeric(5,1)", "43|42!|7|4|-4|1.5"},
		{"SELECT 'true'::boolean, 'off'::bool, 1::boolean, 't'::text::bool", "t|f|t|t"},
		{"SELECT '2024-02-29'::date, '2024-02-29 01:02:03'::timestamp::date", "2024-02-29|2024-02-29"},
		{"SELECT 12.5::real::text, 1::double precision / 4, 255::smallint", "12.5|0.25|255"},
		{"SELECT '{\"a\": 1}'::jsonb -> 'a', '{\"a\": \"x\"}'::jsonb ->> 'a', '\\x41'::bytea", "1|x|\\x41"},
	} {
		checkQuery(t, ctx, c, tc.want, tc.sql)
	}
	checkPsql(t, n, "2024-03-01 15:00:00|2024-02-29|t", "SELECT '2024-02-29 13:00:00'::timestamp + interval '1 day 2 hours', '2024-02-28'::date + 1, 'AbC' ILIKE 'abc'")
	checkPsql(t, n, "43|42!|4|t|3.14", "SELECT '42'::int + 1, 42::text || '!', 3.7::int, 'yes'::boolean, round(3.14159, 2)")
}

// TestSelectErrors: division by zero (22012), bad input (22P02), integer
// overflow (22003), from both clients.
func TestSelectErrors(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	ctx := testCtx(t, 60*time.Second)
	c := mustConnect(t, n)
	selectFixture(t, c)
	for _, tc := range []struct{ sql, code string }{
		{"SELECT 1 / 0", "22012"},
		{"SELECT salary / (id - id) FROM sel_emp", "22012"},
		{"SELECT 1.5 / 0.0", "22012"},
		{"SELECT 5 % 0", "22012"},
		{"SELECT 'abc'::int", "22P02"},
		{"SELECT 'maybe'::boolean", "22P02"},
		{"SELECT 'not-a-uuid'::uuid", "22P02"},
		{"SELECT '{bad json'::jsonb", "22P02"},
		{"SELECT '12x'::numeric", "22P02"},
		{"SELECT id FROM sel_emp WHERE id = 'abc'", "22P02"},
		{"INSERT INTO sel_dept VALUES ('x', 'abc')", "22P02"},
		{"SELECT '2024-02-30'::date", "22008"},
		{"SELECT 2147483647::int + 1", "22003"},
		{"SELECT 40000::smallint", "22003"},
	} {
		_, err := c.Exec(ctx, tc.sql)
		wantCode(t, err, tc.code, tc.sql)
	}
	// A bad parameter value given as text by the client.
	_, err := c.Exec(ctx, "SELECT $1::int", pgx.QueryExecModeExec, "abc")
	wantCode(t, err, "22P02", "text parameter 'abc' for int")
	psqlWantError(t, n, "SELECT 1 / 0", "22012")
	psqlWantError(t, n, "SELECT 'abc'::int", "22P02")
	psqlWantError(t, n, "SELECT id FROM sel_emp WHERE salary / (bonus - bonus) > 0", "22012")
}

// TestSessionFunctions: version(), current_database(), current_schema(),
// current_user, and a few settings through SHOW.
func TestSessionFunctions(t *testing.T) {
	t.Parallel()
	n := sharedNode(t)
	ctx := testCtx(t, 30*time.Second)
	c := mustConnect(t, n)
	var version, db, schema, user string
	if err := c.QueryRow(ctx, "SELECT version(), current_database(), current_schema(), current_user").Scan(&version, &db, &schema, &user); err != nil {
		t.Fatalf("session functions: %v", err)
	}
	if !strings.HasPrefix(version, "PostgreSQL 15") {
		t.Errorf("version() = %q, want it to start with PostgreSQL 15 (drivers parse it)", version)
	}
	if db != "logdb" || schema != "public" || user != "logdb" {
		t.Errorf("current_database, current_schema, current_user = %q %q %q", db, schema, user)
	}
	checkPsql(t, n, "logdb|public|logdb", "SELECT current_database(), current_schema(), current_user")
	checkQuery(t, ctx, c, "UTF8", "SHOW server_encoding")
	checkQuery(t, ctx, c, "serializable", "SHOW transaction_isolation")
}
