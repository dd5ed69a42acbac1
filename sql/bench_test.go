package sql

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"

	"logdb/kv"
	"logdb/sql/pgerror"
	"logdb/sql/plan"
)

type nullWriter struct{}

func (nullWriter) Columns([]Column) error      { return nil }
func (nullWriter) Row([][]byte) error          { return nil }
func (nullWriter) Complete(string) error       { return nil }
func (nullWriter) Empty() error                { return nil }
func (nullWriter) Notice(*pgerror.Error) error { return nil }

func benchSession(b *testing.B) *Session {
	store, err := kv.Open(filepath.Join(b.TempDir(), "db"), kv.Options{NoSync: true, InitialMmapSize: 1 << 26, Merge: plan.MergeRow})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	e, _ := NewEngine(Config{Store: store, Proposer: &localProposer{store: store}, NodeID: 1})
	s, _ := e.NewSession(SessionParams{User: "postgres", Database: "logdb"})
	b.Cleanup(s.Close)
	ctx := context.Background()
	if err := s.SimpleQuery(ctx, "CREATE TABLE t (id int PRIMARY KEY, name text, n int)", nullWriter{}); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 1000; i += 100 {
		q := "INSERT INTO t VALUES "
		for j := i; j < i+100; j++ {
			if j > i {
				q += ","
			}
			q += "(" + strconv.Itoa(j) + ", 'name" + strconv.Itoa(j) + "', 0)"
		}
		if err := s.SimpleQuery(ctx, q, nullWriter{}); err != nil {
			b.Fatal(err)
		}
	}
	return s
}

func BenchmarkPointSelectPrepared(b *testing.B) {
	s := benchSession(b)
	ctx := context.Background()
	if _, err := s.Prepare(ctx, "p", "SELECT name, n FROM t WHERE id = $1", nil); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.Bind(ctx, "", "p", nil, [][]byte{[]byte(strconv.Itoa(i % 1000))}, nil); err != nil {
			b.Fatal(err)
		}
		if _, err := s.Execute(ctx, "", 0, nullWriter{}); err != nil {
			b.Fatal(err)
		}
		if err := s.Sync(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPointSelectSimple(b *testing.B) {
	s := benchSession(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.SimpleQuery(ctx, "SELECT name, n FROM t WHERE id = 42", nullWriter{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkInsertPrepared(b *testing.B) {
	s := benchSession(b)
	ctx := context.Background()
	if _, err := s.Prepare(ctx, "p", "INSERT INTO t (id, name, n) VALUES ($1, $2, $3)", nil); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		id := []byte(strconv.Itoa(10000 + i))
		if _, err := s.Bind(ctx, "", "p", nil, [][]byte{id, []byte("x"), []byte("1")}, nil); err != nil {
			b.Fatal(err)
		}
		if _, err := s.Execute(ctx, "", 0, nullWriter{}); err != nil {
			b.Fatal(err)
		}
		if err := s.Sync(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUpdatePrepared(b *testing.B) {
	s := benchSession(b)
	ctx := context.Background()
	if _, err := s.Prepare(ctx, "p", "UPDATE t SET n = n + 1 WHERE id = $1", nil); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.Bind(ctx, "", "p", nil, [][]byte{[]byte(strconv.Itoa(i % 1000))}, nil); err != nil {
			b.Fatal(err)
		}
		if _, err := s.Execute(ctx, "", 0, nullWriter{}); err != nil {
			b.Fatal(err)
		}
		if err := s.Sync(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMaterializing runs the operators that hold rows (sort, top-N,
// hash aggregate, DISTINCT, hash join, recursive CTE, WITH read twice) over
// the 1,000-row table: what work_mem accounting adds to them.
func BenchmarkMaterializing(b *testing.B) {
	for _, q := range []struct{ name, sql string }{
		{"Sort", "SELECT id, name FROM t ORDER BY name DESC"},
		{"SortLimit", "SELECT id, name FROM t ORDER BY name DESC LIMIT 10"},
		{"HashAgg", "SELECT id % 10, count(*), sum(n) FROM t GROUP BY 1"},
		{"Distinct", "SELECT DISTINCT name FROM t"},
		{"HashJoin", "SELECT count(*) FROM t a JOIN t b ON a.name = b.name"},
		{"RecursiveCTE", "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 1000) SELECT count(*) FROM r"},
		{"CTETwice", "WITH w AS (SELECT id FROM t WHERE id < 100) SELECT count(*) FROM w a, w b"},
	} {
		b.Run(q.name, func(b *testing.B) {
			s := benchSession(b)
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := s.SimpleQuery(ctx, q.sql, nullWriter{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
