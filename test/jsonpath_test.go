package test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// answerWithTypes is answerOf with the result columns' type OIDs and, for
// an error, its message and detail too: jsonpath's errors are compared
// word for word.
func answerWithTypes(ctx context.Context, c *pgx.Conn, sql string) string {
	rows, err := c.Query(ctx, sql, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		return errorText(err)
	}
	defer rows.Close()
	var out []string
	for _, f := range rows.FieldDescriptions() {
		out = append(out, fmt.Sprint(f.DataTypeOID))
	}
	out = []string{strings.Join(out, ",")}
	for rows.Next() {
		var vals []string
		for _, v := range rows.RawValues() {
			if v == nil {
				vals = append(vals, "NULL")
			} else {
				vals = append(vals, string(v))
			}
		}
		out = append(out, strings.Join(vals, "|"))
	}
	if err := rows.Err(); err != nil {
		return errorText(err)
	}
	return strings.Join(out, "\n")
}

func errorText(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return "ERROR " + pe.Code + ": " + pe.Message + " / " + pe.Detail
	}
	return "ERROR " + err.Error()
}

// matchPostgresExactly is matchPostgres comparing answerWithTypes.
func matchPostgresExactly(t *testing.T, ctx context.Context, pc, lc *pgx.Conn, qs ...string) {
	t.Helper()
	for _, q := range qs {
		want, got := answerWithTypes(ctx, pc, q), answerWithTypes(ctx, lc, q)
		if got != want {
			t.Errorf("%s\n  logdb:      %q\n  PostgreSQL: %q", q, got, want)
		}
	}
}

// TestJSONPathMatchesPostgres compares SQL/JSON path with PostgreSQL 15:
// the jsonpath type's input and output, the jsonb_path_* functions and the
// @? and @@ operators, lax and strict modes, errors and silent mode.
func TestJSONPathMatchesPostgres(t *testing.T) {
	ctx, pc, lc := mustPostgresAndNode(t, 120*time.Second)
	execOnEach(t, ctx, `create table jp (id int primary key, j jsonb, p jsonpath);
`+
		`insert into jp values (1, '{"tags":["a","b"],"n":5}', '$.tags[*]'), (2, '{"tags":["c"],"n":1}', '$.n ? (@ > 2)')`, pc, lc)
	matchPostgresExactly(t, ctx, pc, lc,
		`select '$.a[*] ? (@.b > 1)'::jsonpath`,
		`select '1 + 2 * 3'::jsonpath, '$.a + 1'::jsonpath, '(1+2)*3'::jsonpath, '-$.a'::jsonpath, '- - 1'::jsonpath, '-(1+2)'::jsonpath`,
		`select 'strict $.a'::jsonpath, 'lax $'::jsonpath, '$."a b".c'::jsonpath, '$.*'::jsonpath, '$.**'::jsonpath, '$.**{2}'::jsonpath, '$.**{1 to last}'::jsonpath, '$.**{last}'::jsonpath`,
		`select '$[1, 2 to 3, last]'::jsonpath, '$[*]'::jsonpath, '$.a.type()'::jsonpath, '$.a.datetime()'::jsonpath, '$.a.datetime("yyyy")'::jsonpath`,
		`select '$ ? (@.a like_regex "^x" flag "i")'::jsonpath, '$ ? (@ starts with "a")'::jsonpath, '$ ? ((@ > 1) is unknown)'::jsonpath, '$ ? (!(@ > 1))'::jsonpath, '$ ? (exists (@.a))'::jsonpath`,
		`select '$ ? (@.a > 1 && @.b < 2 || @.c == 3)'::jsonpath, '$ ? (@.a > 1 && (@.b < 2 || @.c == 3))'::jsonpath`,
		`select '$var'::jsonpath, '$"x y"'::jsonpath, '1.50'::jsonpath, '1e3'::jsonpath, '0.0001'::jsonpath, '.5'::jsonpath, '1.'::jsonpath, '"a\nb"'::jsonpath, 'null'::jsonpath, 'true'::jsonpath`,
		`select '$.a[1.5]'::jsonpath, '$.a[$.b]'::jsonpath, '$[-1]'::jsonpath, '1.a'::jsonpath`,
		`select '$.a <> 1'::jsonpath, '$.a == 1'::jsonpath,'$.a.b.c ? (@ == $x).size()'::jsonpath, '($.a ? (@ > 1)).b'::jsonpath, '($ ? (@ > 1)).b'::jsonpath`,
		`select '$.last'::jsonpath, '$.true'::jsonpath, '$.STRICT'::jsonpath, '$.a1_b'::jsonpath, '$.é'::jsonpath`,
		`select '$.a[1.5]'::jsonpath`,
		`select '$.a[$.b]'::jsonpath`,
		`select '$[-1]'::jsonpath`,
		`select '@.a'::jsonpath`,
		`select 'last'::jsonpath`,
		`select '$.a ? (@ > 1'::jsonpath`,
		`select ''::jsonpath`,
		`select '$ ? (@ like_regex "(" )'::jsonpath`,
		`select '$ ? (@ like_regex "a" flag "z")'::jsonpath`,
		`select '$.a.foo()'::jsonpath`,
		`select '$.**{2 to 1}'::jsonpath`,
		`select '$ == 1 == 2'::jsonpath`,
		`select '1 > 2'::jsonpath, '$.a > 1 && 1'::jsonpath`,
		`select '$.a/1'::jsonpath, '$-1'::jsonpath, '$ - 1'::jsonpath, '1e'::jsonpath`,
		`select '$ ? (@.a == "x" && $.b)'::jsonpath`,
		`select '$.a[1 to 2, last - 1]'::jsonpath, '$.Type()'::jsonpath, '$.TYPE()'::jsonpath`,
		`select '$ ? (@ == null)'::jsonpath,'$.a.b()'::jsonpath`,
		`select 'STRICT $'::jsonpath`,
		`select '$ ? (@ like_regex "a" flag "ixsmq")'::jsonpath, '$ ? (@ like_regex "a" flag "q")'::jsonpath`,
		`select '$."\u0041\t"'::jsonpath, '$.\u0041'::jsonpath, '"\x41"'::jsonpath`,
		`select '$ ? (@.a == 1) ? (@.b == 2)'::jsonpath, '$.a.b ? (@ > 1) [0]'::jsonpath, '$[0][1]'::jsonpath, '$[0].size()'::jsonpath`,
		`select '$ . a'::jsonpath, '$ [ * ] '::jsonpath, '  $  '::jsonpath`,
		`select '00'::jsonpath`,
		`select '1.2.3'::jsonpath`,
		`select '(1).a'::jsonpath`,
		`select '$.a.1'::jsonpath`,
		`select '$.1a'::jsonpath`,
		`select jsonb_path_query('"a\nb"', '$ ? (@ like_regex "a.b")') as nodot, jsonb_path_query('"a\nb"', '$ ? (@ like_regex "a.b" flag "s")') as s`,
		`select jsonb_path_query('"a\nb"', '$ ? (@ like_regex "^b")') as nom, jsonb_path_query('"a\nb"', '$ ? (@ like_regex "^b" flag "m")') as m`,
		`select jsonb_path_query('"a.b"', '$ ? (@ like_regex "a.b" flag "q")') as q1, jsonb_path_query('"axb"', '$ ? (@ like_regex "a.b" flag "q")') as q2`,
		`select jsonb_path_query('"ab"', '$ ? (@ like_regex "a b" flag "x")')`,
		`select jsonb_path_query('{"a":1}', '$.b', '{}', false)`,
		`select jsonb_path_query('{"a":1}', 'strict $.b')`,
		`select jsonb_path_query('{"a":1}', 'strict $.b', '{}', true)`,
		`select jsonb_path_query('{"a":1}', '$x')`,
		`select jsonb_path_query('{"a":1}', '$x', '[1]')`,
		`select jsonb_path_exists('{"a":1}', 'strict $.b')`,
		`select '{"a":1}'::jsonb @? 'strict $.b', '{"a":1}'::jsonb @@ '$.a == 1', '{"a":1}'::jsonb @@ '$.a'`,
		`select jsonb_path_match('{"a":1}', '$.a')`,
		`select jsonb_path_query('[1,2,3]', '$[*] / 0')`,
		`select jsonb_path_query('["1.1", "x", 3]', '$[*].double()')`,
		`select jsonb_path_query('"3.14159265358979323"', '$.double()'), jsonb_path_query('1.50', '$.double()'), jsonb_path_query('"1e400"', '$.double()')`,
		`select jsonb_path_query('{"a":{"b":1},"c":[1,{"x":2}]}', '$.keyvalue()')`,
		`select jsonb_path_query('{"a":{"b":1},"c":[1,{"x":2}]}', '$.*.keyvalue()')`,
		`select jsonb_path_query('{"a":[1,2,3,{"b":5}],"c":{"d":"x"}}', '$.a[*]')`,
		`select jsonb_path_query('{"a":[1,2,3,{"b":5}],"c":{"d":"x"}}', '$.a.b')`,
		`select jsonb_path_query('{"a":[1,2,3,{"b":5}],"c":{"d":"x"}}', 'strict $.a.b')`,
		`select jsonb_path_query('{"a":[1,2,3,{"b":5}],"c":{"d":"x"}}', '$.**')`,
		`select jsonb_path_query('{"a":[1,2,3,{"b":5}],"c":{"d":"x"}}', '$.**{1}')`,
		`select jsonb_path_query('{"a":[1,2,3,{"b":5}],"c":{"d":"x"}}', '$.**{2 to last}')`,
		`select jsonb_path_query('{"a":[1,2,3,{"b":5}],"c":{"d":"x"}}', 'lax $.**.b')`,
		`select jsonb_path_query('{"a":[1,2,3,{"b":5}],"c":{"d":"x"}}', 'strict $.**.b')`,
		`select jsonb_path_query('{"a":[1,2,3,{"b":5}],"c":{"d":"x"}}', '$.*')`,
		`select jsonb_path_query('[1,2,3,4,5]', '$[1 to 3, last, 0]')`,
		`select jsonb_path_query('[1,2,3,4,5]', '$[last - 1]')`,
		`select jsonb_path_query('[1,2,3,4,5]', 'strict $[10]')`,
		`select jsonb_path_query('[1,2,3,4,5]', 'lax $[3 to 10]')`,
		`select jsonb_path_query('[1,2,3,4,5]', '$[1.7]'), jsonb_path_query('[1,2,3,4,5]', '$[-0.5]')`,
		`select jsonb_path_query('{"a":1}', '$[0]'), jsonb_path_query('{"a":1}', '$[*]')`,
		`select jsonb_path_query('{"a":1}', 'strict $[0]')`,
		`select jsonb_path_query('[1,2,3,4,5]', '$[*] ? (@ > 2 && @ < 5)')`,
		`select jsonb_path_query('[{"a":1,"b":"x"},{"a":3,"b":"y"},{"a":null}]', '$[*] ? (@.a > 1).b')`,
		`select jsonb_path_query('[{"a":1,"b":"x"},{"a":3,"b":"y"},{"a":null}]', '$ ? (@.a == null)')`,
		`select jsonb_path_query('[{"a":1,"b":"x"},{"a":3,"b":"y"},{"a":null}]', '$ ? (@.a != 1)')`,
		`select jsonb_path_query('[1,"a",null,true,[1],{"x":1}]', '$[*].type()')`,
		`select jsonb_path_query('[1,"a",null,true,[1],{"x":1}]', '$.size()'), jsonb_path_query('{"x":1}', '$.size()')`,
		`select jsonb_path_query('{"x":1}', 'strict $.size()')`,
		`select jsonb_path_query('[-1.5, 2.5, 0.0]', '$[*].abs()'), jsonb_path_query('[-1.5, 2.5, 0.0]', '$[*].floor()')`,
		`select jsonb_path_query('[-1.5, 2.5, 0.0, -0.2]', '$[*].ceiling()')`,
		`select jsonb_path_query('[1, 2]', '$[*] * 2.5'), jsonb_path_query('{"a":7,"b":2}', '$.a / $.b'), jsonb_path_query('{"a":7,"b":2}', '$.a % $.b'), jsonb_path_query('{"a":7,"b":2}', '$.a - -$.b')`,
		`select jsonb_path_query('[1,2]', '-$[*]'), jsonb_path_query('[1,2]', '+$')`,
		`select jsonb_path_query('{"a":"x"}', '-$.a')`,
		`select jsonb_path_query('{"a":"x"}', '$.a + 1')`,
		`select jsonb_path_query('{"a":"x"}', '$.a + 1', '{}', true)`,
		`select jsonb_path_query('{"a":1}', '$.a / 0')`,
		`select jsonb_path_query('{"a":1}', '$.a / 0', '{}', true)`,
		`select jsonb_path_query('{"a":1}', '$.a > 0'), jsonb_path_query('{"a":1}', '$.a > "x"'), jsonb_path_query('[1,2]', '$[*] > 1')`,
		`select jsonb_path_query('["abc","abd","xyz"]', '$[*] ? (@ starts with "ab")'), jsonb_path_query('["abc","ABd","xyz"]', '$[*] ? (@ like_regex "^ab" flag "i")')`,
		`select jsonb_path_query('{"a":"abc","p":"ab"}', '$.a ? (@ starts with $p)', '{"p":"ab"}')`,
		`select jsonb_path_query('{"a":1}', '$.a ? (@ > $min && @ < $max)', '{"min":0,"max":5}')`,
		`select jsonb_path_query('[1,"x",3]', '$[*] ? ((@ > 1) is unknown)'), jsonb_path_query('[1,"x",3]', '$[*] ? (!(@ > 1))')`,
		`select jsonb_path_query('[{"a":1},{"b":2}]', '$[*] ? (exists (@.a))')`,
		`select jsonb_path_query('[{"a":1},{"b":2}]', 'strict $[*] ? (exists (@.a))')`,
		`select jsonb_path_query('[{"a":[1,2]},{"a":[3]}]', '$[*] ? (@.a[*] > 2)')`,
		`select jsonb_path_query('[{"a":[1,2]},{"a":[3]}]', 'strict $[*] ? (@.a[*] > 2)')`,
		`select jsonb_path_query('[{"a":[1,2]},{"a":[3]}]', 'strict $[*] ? (@.a > 2)')`,
		`select jsonb_path_query_array('[1,2,3]', '$[*] ? (@ >= 2)'), jsonb_path_query_first('[1,2,3]', '$[*] ? (@ >= 2)'), jsonb_path_query_first('[1,2,3]', '$[*] ? (@ >= 5)')`,
		`select jsonb_path_exists('[1,2,3]', '$[*] ? (@ == 2)'), jsonb_path_exists('[1,2,3]', '$[*] ? (@ == 7)'), jsonb_path_match('[1,2,3]', 'exists($[*] ? (@ == 2))')`,
		`select '{"a":[1,2]}'::jsonb @? '$.a[*] ? (@ > 1)', '{"a":[1,2]}'::jsonb @@ '$.a[*] > 1', '{"a":[1,2]}'::jsonb @@ '$.a[*] > 5'`,
		`select jsonb_path_query('{"a":{"b":{"c":1}}}', '$.a.b.c.type()'), jsonb_path_query('"12.5"', '$.double() * 2')`,
		`select jsonb_path_query('{"a":1.10}', '$.a'), jsonb_path_query('{"a":1e2}', '$.a + 0.5')`,
		`select jsonb_path_query('[1,2,3]', '$[$size - 1]', '{"size":3}')`,
		`select jsonb_path_query('[1,2,3]', '$[last]'), jsonb_path_query('[]', '$[last]'), jsonb_path_query('[]', 'strict $[last]')`,
		`select jsonb_path_query('[1,[2,[3]]]', '$[*][*]'), jsonb_path_query('[1,[2,[3]]]', 'strict $[*][*]')`,
		`select jsonb_path_query('{"a":"b"}', '$.a == "b"'), jsonb_path_query('null', '$ == null'), jsonb_path_query('1', '$ ? (@ == 1)')`,
		`select jsonb_path_query('[1,2]', '$ == 1')`,
		`select jsonb_path_query('{"x":"A\nB"}', '$.x ? (@ like_regex "a.b" flag "is")')`,
		`select jsonb_path_query('[[1,2],[3]]', '$.size()'), jsonb_path_query('[[1,2],[3]]', '$[*].size()')`,
		`select jsonb_path_query('{"a":[{"b":1},{"b":2}]}', '$.a.b ? (@ > 1)'), jsonb_path_query('{"a":[{"b":1},{"b":2}]}', '$.a[*] ? (@.b == 2).b')`,
		`select * from jsonb_path_query('[1,2,3]', '$[*]') with ordinality`,
		`select jsonb_path_query('[1,2,3]', '$[*]'), 'x'`,
		`select jsonb_path_query('{"a":1}', '$.a', null), jsonb_path_exists(null, '$')`,
		`select jsonb_path_query('[true, false]', '$[*] == true'), jsonb_path_query('["a","b"]', '$[*] < "b"'), jsonb_path_query('[{},[]]', '$[*] == $[*]')`,
		`select jsonb_path_query('1', '$.a', '{}', false), jsonb_path_query('1', 'strict $.a', '{}', true)`,
		`select jsonb_path_query('1', 'strict $.a')`,
		`select jsonb_path_query('[1]', 'strict $.*')`,
		`select jsonb_path_query('1', 'strict $[*]')`,
		`select jsonb_path_query('[1,2]', '$[0 to 1] ? (@ > 1)'), jsonb_path_query('[1,2]', '$[1 to 0]'), jsonb_path_query('[1,2]', 'strict $[1 to 0]')`,
		`select jsonb_path_query('{"a":{"b":1,"c":2}}', '$.a.keyvalue()')`,
		`select jsonb_path_query('[{"b":1},{"c":2}]', '$.keyvalue()')`,
		`select id, jsonb_path_query(j, p) from jp order by 1`,
		`select id, x from jp, jsonb_path_query(j, '$.tags[*]') as x order by 1, 2`,
		`select id from jp where j @? '$.n ? (@ > 2)'`,
		`select id from jp where j @@ '$.n > 2'`,
		`select id from jp where jsonb_path_exists(j, '$.tags[*] ? (@ == $t)', jsonb_build_object('t', 'c'))`,
		`select p, pg_typeof(p) from jp order by id`,
		`select '$.a'::jsonpath::text, '$.a'::text::jsonpath`,
		`select jsonb_path_query_array(j, 'strict $.tags.size()') from jp order by id`,
		`select count(*) from jp where jsonb_path_match(j, '$.n >= 1')`,
		`select jsonb_path_query('{"a":1}', '$.a ? (@ == $"my var")', '{"my var": 1}')`,
		`select jsonb_path_query('{"a":{"b":1,"c":2}}', '$.a.keyvalue()')`,
		`select jsonb_path_query('[{"b":1},{"c":2}]', '$.keyvalue()')`,
		`select jsonb_path_query('{"x":"hello","n":[1.5, 12345.678, 0, -3e-5, 1e100, true, null],"a":{"b":{"c":"dd"}},"zz":[{"q":1},{"r":"s"}]}', '$.**.keyvalue()')`,
		`select jsonb_path_query('{"k":"v"}', '$x.keyvalue()', '{"x":{"y":1}, "z": [1,2,{"w":0.00001}]}')`,
		`select jsonb_path_query('{"k":"v"}', '$x[2].keyvalue()', '{"x":[1,2,{"w":0.00001}], "z": 1}')`,
		`select jsonb_path_query('{"x":"hello","n":[1.5, 12345.678, 0, -3e-5, 1e100, 0.1234567890123456789, 1e-70, 123456789012345678901234567890, true, null, {"m":1}],"a":{"b":{"c":"dd"}},"zz":[{"q":1},{"r":"s"}]}', '$.** ? (@.type() == "object").keyvalue()')`,
	)
}

// TestRegexpMatchesStringToTableJSONBInsertMatchPostgres compares the
// set-returning regexp_matches and string_to_table, and jsonb_insert,
// with PostgreSQL 15.
func TestRegexpMatchesStringToTableJSONBInsertMatchPostgres(t *testing.T) {
	ctx, pc, lc := mustPostgresAndNode(t, 120*time.Second)
	matchPostgresExactly(t, ctx, pc, lc,
		`select regexp_matches('foobarbequebaz', '(bar)(beque)')`,
		`select regexp_matches('foobarbequebazilbarfbonk', '(b[^b]+)(b[^b]+)', 'g')`,
		`select regexp_matches('abc', 'x')`,
		`select regexp_matches('abc', '', 'g')`,
		`select regexp_matches('aXbxc', 'x', 'gi')`,
		`select regexp_matches('abc', '(a)|(z)')`,
		`select regexp_matches('abc', 'b', 'z')`,
		`select * from regexp_matches('a1b22c333', '\d+', 'g') with ordinality`,
		`select regexp_matches(null, 'a'), 1`,
		`select pg_typeof(regexp_matches('a', 'a'))`,
		`select string_to_table('a,b,,c', ',')`,
		`select string_to_table('a,b,,c', ',', '')`,
		`select string_to_table('abc', null)`,
		`select string_to_table('abc', '')`,
		`select string_to_table(null, ',')`,
		`select * from string_to_table('x y z', ' ') with ordinality as t(w, n)`,
		`select jsonb_insert('{"a": [0,1,2]}', '{a, 1}', '"new_value"')`,
		`select jsonb_insert('{"a": [0,1,2]}', '{a, 1}', '"new_value"', true)`,
		`select jsonb_insert('{"a": {"b": "value"}}', '{a, c}', '"new_value"')`,
		`select jsonb_insert('{"a": {"b": "value"}}', '{a, b}', '"new_value"')`,
		`select jsonb_insert('[1,2]', '{-1}', '9'), jsonb_insert('[1,2]', '{-1}', '9', true), jsonb_insert('[1,2]', '{10}', '9'), jsonb_insert('[1,2]', '{-10}', '9')`,
		`select jsonb_insert('{"a":1}', '{b,c}', '9')`,
		`select jsonb_insert('1', '{0}', '9')`,
		`select jsonb_insert('[1,2]', '{x}', '9')`,
		`select jsonb_insert('{"a":[1]}', '{}', '9'), jsonb_insert('{"a":[1]}', '{a,0}', null)`,
		`select jsonb_insert('{"a":[1]}', '{a,null}', '9')`,
		`select (regexp_matches('k1=v1,k2=v2', '(\w+)=(\w+)', 'g'))[2]`,
		`select x, regexp_matches(x, '\d') from (values ('a1'), ('b'), ('c2c3')) v(x) order by 1`,
		`select x, m from (values ('a1'), ('b'), ('c2c3')) v(x), regexp_matches(x, '\d', 'g') m order by 1, 2`,
		`select regexp_matches('abc', 'B', 'i'), string_to_table('1|2', '|')`,
		`select count(*) from string_to_table(repeat('x,', 1000), ',')`,
		`select jsonb_insert('{"a":{"b":[1,{"c":2}]}}', '{a,b,1,d}', '3')`,
		`select jsonb_insert('{"a":{"b":[1,{"c":2}]}}', '{a,b,5,d}', '3')`,
		`select jsonb_insert('[]', '{0}', '1'), jsonb_insert('[]', '{-1}', '1', true)`,
		`select jsonb_insert('{"a":[1,2]}', '{a, " 1"}', '7')`,
	)
}
