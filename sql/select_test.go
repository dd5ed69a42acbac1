package sql

import (
	"strings"
	"testing"

	"logdb/sql/pgerror"
)

func setupShop(t *testing.T) *Session {
	t.Helper()
	e := mustEngine(t)
	s := mustSession(t, e)
	mustExec(t, s, `CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, city text)`)
	mustExec(t, s, `CREATE TABLE orders (id serial PRIMARY KEY, customer_id int, amount numeric(10,2), status text DEFAULT 'new', created date)`)
	mustExec(t, s, `INSERT INTO customers VALUES (1, 'ann', 'oslo'), (2, 'bob', 'rome'), (3, 'cy', NULL)`)
	mustExec(t, s, `INSERT INTO orders (customer_id, amount, created) VALUES (1, 10.50, '2024-01-01'), (1, 20, '2024-01-02'), (2, 5, '2024-02-01'), (NULL, 7, NULL)`)
	return s
}

func TestSelectFeatures(t *testing.T) {
	s := setupShop(t)
	cases := []struct{ q, want string }{
		{"SELECT 1", "1"},
		{"SELECT 1 + 2 * 3, 'a' || 'b', 7 / 2, 7.0 / 2", "7|ab|3|3.5000000000000000"},
		{"SELECT NULL IS NULL, 1 IS DISTINCT FROM NULL, NULL::int IS NOT DISTINCT FROM NULL", "t|t|t"},
		{"SELECT CASE WHEN 1 > 2 THEN 'x' ELSE 'y' END, CASE 2 WHEN 1 THEN 'one' WHEN 2 THEN 'two' END", "y|two"},
		{"SELECT coalesce(NULL, 3), nullif(1, 1), greatest(1, 5, 3), least(4, 2)", "3|NULL|5|2"},
		{"SELECT 5 BETWEEN 1 AND 10, 3 IN (1, 2, 3), 4 NOT IN (1, 2)", "t|t|t"},
		{"SELECT 'abc' LIKE 'a%', 'ABC' ILIKE 'a%', 'abc' NOT LIKE 'b%'", "t|t|t"},
		{"SELECT id, name FROM customers ORDER BY name DESC LIMIT 2", "3|cy\n2|bob"},
		{"SELECT id FROM customers ORDER BY 1 OFFSET 1", "2\n3"},
		{"SELECT c.name, o.amount FROM customers c JOIN orders o ON o.customer_id = c.id ORDER BY o.amount", "bob|5.00\nann|10.50\nann|20.00"},
		{"SELECT c.name, count(o.id) FROM customers c LEFT JOIN orders o ON o.customer_id = c.id GROUP BY c.name ORDER BY c.name", "ann|2\nbob|1\ncy|0"},
		{"SELECT c.name, o.amount FROM orders o RIGHT JOIN customers c ON o.customer_id = c.id WHERE c.id = 3", "cy|NULL"},
		{"SELECT count(*) FROM customers, orders", "12"},
		{"SELECT name FROM customers WHERE id IN (SELECT customer_id FROM orders)  ORDER BY 1", "ann\nbob"},
		{"SELECT name FROM customers c WHERE EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id AND o.amount > 15)", "ann"},
		{"SELECT name, (SELECT sum(amount) FROM orders o WHERE o.customer_id = c.id) FROM customers c ORDER BY id", "ann|30.50\nbob|5.00\ncy|NULL"},
		{"SELECT customer_id, sum(amount) s FROM orders GROUP BY customer_id HAVING sum(amount) > 6 ORDER BY s DESC", "1|30.50\nNULL|7.00"},
		{"SELECT DISTINCT status FROM orders", "new"},
		{"SELECT DISTINCT ON (customer_id) customer_id, amount FROM orders WHERE customer_id IS NOT NULL ORDER BY customer_id, amount DESC", "1|20.00\n2|5.00"},
		{"SELECT id FROM customers UNION SELECT customer_id FROM orders WHERE customer_id IS NOT NULL ORDER BY 1", "1\n2\n3"},
		{"SELECT id FROM customers EXCEPT SELECT customer_id FROM orders", "3"},
		{"SELECT id FROM customers INTERSECT SELECT customer_id FROM orders ORDER BY id", "1\n2"},
		{"WITH big AS (SELECT * FROM orders WHERE amount > 6) SELECT count(*) FROM big", "3"},
		{"WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT sum(n) FROM r", "15"},
		{"SELECT * FROM (VALUES (1, 'x'), (2, 'y')) AS v(a, b) ORDER BY a DESC", "2|y\n1|x"},
		{"SELECT string_agg(name, ',' ORDER BY name), array_agg(id ORDER BY id) FROM customers", "ann,bob,cy|{1,2,3}"},
		{"SELECT count(DISTINCT customer_id), min(amount), max(created) FROM orders", "2|5.00|2024-02-01"},
		{"SELECT bool_and(amount > 1), bool_or(amount > 15) FROM orders", "t|t"},
		{"SELECT json_agg(id ORDER BY id) FROM customers", "[1, 2, 3]"},
		{"SELECT sum(id), pg_typeof(sum(id)), pg_typeof(avg(id)) FROM customers", "6|bigint|numeric"},
		{"SELECT x FROM generate_series(1, 3) AS x", "1\n2\n3"},
		{"SELECT unnest(ARRAY[1,2])", ""},
		{"SELECT ARRAY[1,2,3], (ARRAY[1,2,3])[2], 2 = ANY(ARRAY[1,2]), 5 <> ALL(ARRAY[1,2])", "{1,2,3}|2|t|t"},
		{"SELECT '{a,b}'::text[]", "{a,b}"},
		{"SELECT extract(year FROM date '2024-03-05')", "2024"},
		{"SELECT c.* FROM customers c WHERE c.id = 1", "1|ann|oslo"},
		{"SELECT id FROM customers JOIN orders USING (id) ORDER BY id", "1\n2\n3"},
		{"SELECT upper(name), length(name) FROM customers WHERE id = 2", "BOB|3"},
		{"SELECT current_database(), current_schema(), current_user", "logdb|public|postgres"},
		{"SELECT 'users'::text, 1::text || 'x', '5'::int + 1", "users|1x|6"},
		{"SELECT id FROM orders WHERE customer_id IS NULL", "4"},
		{"SELECT c.id, c.name, count(o.id) FROM customers c LEFT JOIN orders o ON o.customer_id = c.id GROUP BY c.id ORDER BY c.name", "1|ann|2\n2|bob|1\n3|cy|0"},
		{"SELECT (1, 2) = (1, 2), (1, 2) < (1, 3), (2, 1) > (1, 9), (1, 2) <> (1, 2)", "t|t|t|f"},
		{"SELECT id FROM customers WHERE (id, name) IN ((1, 'ann'), (2, 'x')) ", "1"},
		{"SELECT o.id FROM orders o WHERE o.amount = (SELECT max(amount) FROM orders)", "2"},
	}
	for _, c := range cases {
		if c.want == "" {
			continue
		}
		got := ""
		r := &recorder{}
		if err := s.SimpleQuery(ctxT(t), c.q, r); err != nil {
			t.Errorf("%s: %v", c.q, err)
			continue
		}
		var lines []string
		for _, row := range r.rows {
			lines = append(lines, strings.Join(row, "|"))
		}
		got = strings.Join(lines, "\n")
		if got != c.want {
			t.Errorf("%s:\ngot  %q\nwant %q", c.q, got, c.want)
		}
	}
	if got := query(t, s, "EXPLAIN SELECT c.name FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.id = 2"); !strings.Contains(got, "Lookup Join (Inner) on customers using primary key") || !strings.Contains(got, "Point Get on orders") {
		t.Fatal(got)
	}
	expectRows(t, s, "SELECT c.name FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.id = 2", "ann")
	expectRows(t, s, "SELECT o.id, c.name FROM orders o LEFT JOIN customers c ON c.id = o.customer_id ORDER BY o.id", "1|ann\n2|ann\n3|bob\n4|NULL")
	mustExec(t, s, "CREATE INDEX orders_cust ON orders (customer_id)")
	if got := query(t, s, "EXPLAIN SELECT o.id FROM customers c JOIN orders o ON o.customer_id = c.id WHERE c.id = 1"); !strings.Contains(got, "Lookup Join (Inner) on orders using orders_cust") {
		t.Fatal(got)
	}
	expectRows(t, s, "SELECT o.id FROM customers c JOIN orders o ON o.customer_id = c.id WHERE c.id = 1 ORDER BY 1", "1\n2")
	expectRows(t, s, "SELECT c.name, o.amount FROM customers c CROSS JOIN LATERAL (SELECT amount FROM orders WHERE customer_id = c.id ORDER BY amount DESC LIMIT 1) o ORDER BY 1", "ann|20.00\nbob|5.00")
	expectRows(t, s, "SELECT c.name, o.amount FROM customers c LEFT JOIN LATERAL (SELECT amount FROM orders WHERE customer_id = c.id ORDER BY amount LIMIT 1) o ON true ORDER BY 1", "ann|10.50\nbob|5.00\ncy|NULL")
	expectRows(t, s, "SELECT c.id, g FROM customers c, LATERAL generate_series(1, c.id) g WHERE c.id < 3 ORDER BY 1, 2", "1|1\n2|1\n2|2")
	expectErr(t, s, "SELECT (SELECT id FROM customers)", pgerror.CardinalityViolation)
	expectErr(t, s, "SELECT 1/0", pgerror.DivisionByZero)
	expectErr(t, s, "SELECT name, count(*) FROM customers", pgerror.GroupingError)
	expectErr(t, s, "SELECT id FROM customers WHERE row_number() OVER () > 1", "42P20")
	expectRows(t, s, "SELECT id, row_number() OVER (ORDER BY id DESC), rank() OVER (ORDER BY city NULLS FIRST) FROM customers ORDER BY id", "1|3|2\n2|2|3\n3|1|1")
	expectRows(t, s, "SELECT customer_id, amount, sum(amount) OVER (PARTITION BY customer_id ORDER BY amount), lag(amount) OVER (PARTITION BY customer_id ORDER BY amount) FROM orders WHERE customer_id IS NOT NULL ORDER BY customer_id, amount",
		"1|10.50|10.50|NULL\n1|20.00|30.50|10.50\n2|5.00|5.00|NULL")
	expectRows(t, s, "SELECT customer_id, count(*), sum(count(*)) OVER () FROM orders GROUP BY customer_id ORDER BY 1", "1|2|4\n2|1|4\nNULL|1|4")
}
