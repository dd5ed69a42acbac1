package test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// matchPostgresErrors runs each statement on PostgreSQL (pc) and logdb
// (lc) and fails unless both refuse it with the same SQLSTATE and message.
func matchPostgresErrors(t *testing.T, ctx context.Context, pc, lc *pgx.Conn, qs ...string) {
	t.Helper()
	errText := func(c *pgx.Conn, q string) string {
		_, err := c.Exec(ctx, q, pgx.QueryExecModeSimpleProtocol)
		var pe *pgconn.PgError
		if errors.As(err, &pe) {
			return pe.Code + " " + pe.Message
		}
		if err != nil {
			return err.Error()
		}
		return "no error"
	}
	for _, q := range qs {
		want, got := errText(pc, q), errText(lc, q)
		if want != got {
			t.Errorf("%s\n  logdb:      %q\n  PostgreSQL: %q", q, got, want)
		}
	}
}

// TestStricterChecksMatchPostgres: statements PostgreSQL refuses and logdb
// once accepted (issue 14) are refused with PostgreSQL's SQLSTATE and
// message; their valid neighbours still give PostgreSQL's answers.
func TestStricterChecksMatchPostgres(t *testing.T) {
	ctx, pc, lc := mustPostgresAndNode(t, 120*time.Second)
	execOnEach(t, ctx, "CREATE TABLE sc_a (x int, y int);\nCREATE TABLE sc_b (x int, z int);\nINSERT INTO sc_a VALUES (1, 2);\nINSERT INTO sc_b VALUES (1, 3)", pc, lc)
	matchPostgresErrors(t, ctx, pc, lc,
		// 42702, 42712: ambiguous columns, a range variable named twice
		"SELECT x FROM sc_a, sc_b",
		"SELECT a.x FROM sc_a a, sc_b a",
		"SELECT 1 FROM sc_a JOIN sc_b sc_a ON true",
		"SELECT 1 FROM sc_a LEFT JOIN sc_b sc_a ON true",
		"SELECT 1 FROM (sc_a JOIN sc_b ON true), sc_b",
		"SELECT 1 FROM sc_a, LATERAL (SELECT 1) sc_a",
		// 42P10: WITH x(cols) naming more columns than the query has
		"WITH x(n, b) AS (SELECT 1) SELECT * FROM x",
		"WITH RECURSIVE x(n, b) AS (SELECT 1 UNION ALL SELECT n + 1 FROM x WHERE n < 2) SELECT * FROM x",
		// 42P19: a recursive reference in an outer join, a sub-query, twice
		"WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT t.n + 1 FROM (SELECT 1) z LEFT JOIN t ON true WHERE n < 3) SELECT * FROM t",
		"WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT t.n + 1 FROM t FULL JOIN (SELECT 1) z ON true WHERE n < 3) SELECT * FROM t",
		"WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < (SELECT max(n) FROM t)) SELECT * FROM t",
		"WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM sc_a WHERE EXISTS (SELECT FROM t)) SELECT * FROM t",
		"WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT t.n + 1 FROM t, t t2 WHERE t.n < 3) SELECT * FROM t",
		// 42601: CREATE TABLE AS naming more columns than the query has
		"CREATE TABLE sc_ctas (a, b, c) AS SELECT 1, 2",
		// 42P20: a WINDOW name defined twice
		"SELECT sum(x) OVER w FROM sc_a WINDOW w AS (), w AS (ORDER BY x)",
		"SELECT x FROM sc_a WINDOW w AS (), w AS ()",
		// 0A000: sub-queries in defaults and checks
		"CREATE TABLE sc_d (a int DEFAULT (SELECT 1))",
		"CREATE TABLE sc_d (a int DEFAULT (SELECT 1) + 1)",
		"ALTER TABLE sc_a ALTER x SET DEFAULT (SELECT 2)",
		"ALTER TABLE sc_a ADD COLUMN w int DEFAULT (SELECT 2)",
		"CREATE TABLE sc_d (a int CHECK (a > (SELECT 1)))",
		// 25P01: AND CHAIN outside a transaction block
		"COMMIT AND CHAIN",
		"ROLLBACK AND CHAIN",
		// 22003, 22008: width_bucket's bucket past the last, justify_*
		"SELECT width_bucket(11, 0, 10, 2147483647)",
		"SELECT width_bucket(-11, 0, -10, 2147483647)",
		"SELECT width_bucket(11.0::numeric, 0, 10, 2147483647)",
		"SELECT justify_hours(interval '2147483647 days 24 hours')",
		"SELECT justify_days(interval '2147483647 months 30 days')",
		"SELECT justify_interval(interval '2147483647 months 30 days')",
		"SELECT justify_interval(interval '-2147483647 months -60 days')",
	)
	matchPostgres(t, ctx, pc, lc,
		"SELECT sc_a.x, b.x FROM sc_a, sc_b b",
		"SELECT x FROM sc_a JOIN sc_b USING (x)",
		"SELECT 1 FROM sc_a a JOIN (sc_b a2 JOIN sc_a a3 ON true) ON true",
		"WITH x(n) AS (SELECT 1, 2) SELECT * FROM x",
		"WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT t.n + 1 FROM t LEFT JOIN (SELECT 1) z ON true WHERE n < 3) SELECT * FROM t",
		"WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM (SELECT * FROM t) s WHERE n < 3) SELECT * FROM t",
		"CREATE TABLE sc_ctas (a, b) AS SELECT 1, 2, 3",
		"SELECT * FROM sc_ctas",
		"SELECT sum(x) OVER w, sum(x) OVER w2 FROM sc_a WINDOW w AS (), w2 AS (ORDER BY x)",
		"BEGIN",
		"INSERT INTO sc_a VALUES (5, 5)",
		"COMMIT AND CHAIN",
		"SELECT count(*) FROM sc_a",
		"ROLLBACK AND CHAIN",
		"COMMIT",
		"SELECT count(*) FROM sc_a",
		"BEGIN",
		"SELECT 1/0",
		"COMMIT AND CHAIN",
		"SAVEPOINT in_chained_transaction", // 25P01 outside a block
		"COMMIT",
		"COMMIT",
		"SELECT width_bucket(10, 0, 10, 2147483646), width_bucket(5.35, 0.024, 10.06, 5), width_bucket(-1, 0, 10, 2147483647)",
		"SELECT justify_interval(interval '1 mon -1 day'), justify_interval(interval '-1 mon 1 day -1 hour'), justify_hours(interval '-1 day 25 hours'), justify_days(interval '-1 mon 31 days')",
		"SELECT justify_hours(interval '-27 hours'), justify_days(interval '65 days'), justify_interval(interval '1 mon -31 days 25 hours')",
	)
}
