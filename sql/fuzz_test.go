package sql

import (
	"context"
	"testing"
	"time"

	"logdb/sql/pgerror"
)

// FuzzSimpleQuery: no input makes the engine fail with XX000 (a panic
// recovered by the statement guard) or leave the session unusable.
func FuzzSimpleQuery(f *testing.F) {
	for _, s := range []string{
		"SELECT 1", "SELECT * FROM t WHERE id = 1", "INSERT INTO t VALUES (1, 'a') ON CONFLICT (id) DO UPDATE SET v = EXCLUDED.v",
		"UPDATE t SET v = 'x' WHERE id IN (SELECT id FROM t)", "SELECT count(*), v FROM t GROUP BY v HAVING count(*) > 1 ORDER BY 2",
		"WITH RECURSIVE r(n) AS (SELECT 1 UNION SELECT n+1 FROM r WHERE n < 3) SELECT * FROM r",
		"SELECT row_number() OVER (PARTITION BY v ORDER BY id) FROM t", "SELECT t.*, u.* FROM t LEFT JOIN t u USING (id)",
		"DELETE FROM t WHERE v LIKE 'a%' RETURNING *", "SELECT ARRAY[1,2][1], '{a}'::text[] || 'b'",
	} {
		f.Add(s)
	}
	e := mustEngineF(f)
	s, _ := e.NewSession(SessionParams{User: "postgres", Database: "logdb"})
	ctx := context.Background()
	_ = s.SimpleQuery(ctx, "CREATE TABLE t (id int PRIMARY KEY, v text)", &recorder{})
	_ = s.SimpleQuery(ctx, "INSERT INTO t VALUES (1, 'a'), (2, 'b')", &recorder{})
	f.Fuzz(func(t *testing.T, q string) {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		err := s.SimpleQuery(ctx, q, &recorder{})
		if err != nil && pgerror.Code(err) == pgerror.Internal {
			t.Fatalf("%q: %v", q, err)
		}
		if s.TxStatus() != 'I' {
			_ = s.SimpleQuery(ctx, "ROLLBACK", &recorder{})
		}
	})
}
