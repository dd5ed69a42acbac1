package test

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// The differential tester (make difftest): random queries over a seeded
// schema, run on logdb and on PostgreSQL 15, their answers compared (as
// ordered lists under ORDER BY over every column, as multisets
// otherwise) and their SQLSTATEs. make test runs a fixed seed for a fixed
// number of queries; make difftest SEED=… DURATION=… runs longer.
var (
	difftestSeed     = flag.Uint64("difftest.seed", 1, "seed of TestDifferential's schema, data and queries")
	difftestQueries  = flag.Int("difftest.queries", 600, "queries TestDifferential runs (when -difftest.duration is 0)")
	difftestDuration = flag.Duration("difftest.duration", 0, "run TestDifferential this long instead of -difftest.queries queries")
)

// dtAnswer runs q and returns its rows as text, one string a row, or the
// error's SQLSTATE.
func dtAnswer(ctx context.Context, c *pgx.Conn, q string) (rows []string, code string, err error) {
	r, err := c.Query(ctx, q, pgx.QueryExecModeSimpleProtocol)
	if err == nil {
		for r.Next() {
			var vals []string
			for _, v := range r.RawValues() {
				if v == nil {
					vals = append(vals, "NULL")
				} else {
					vals = append(vals, string(v))
				}
			}
			rows = append(rows, strings.Join(vals, "|"))
		}
		r.Close()
		err = r.Err()
	}
	if err != nil {
		if code = sqlState(err); code == "" {
			return nil, "", err // not a server error: the connection broke
		}
		return nil, code, nil
	}
	return rows, "", nil
}

// TestDifferential compares logdb's answers with PostgreSQL's for random
// queries; a mismatch is reported with the query and both answers
// (reproduce with -difftest.seed and the query's number).
func TestDifferential(t *testing.T) {
	requireLogdb(t)
	t.Parallel()
	budget := *difftestDuration
	timeout := 5*time.Minute + 2*budget
	ctx := testCtx(t, timeout)
	pg := mustStartPostgres(t)
	pc := pg.connect(t)
	lc := mustConnect(t, mustStartNode(t, t.TempDir()))
	r := rand.New(rand.NewPCG(*difftestSeed, 0x5eed))
	for _, q := range dtSchema(r) {
		for _, c := range []*pgx.Conn{pc, lc} {
			if _, err := c.Exec(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
	}
	// statement_timeout on both: a generated query is small, one that runs
	// for long is a finding of its own, not a reason to hang the run.
	for _, c := range []*pgx.Conn{pc, lc} {
		// and a zone with daylight saving: the timestamptz data straddles
		// its 2024 change
		if _, err := c.Exec(ctx, "SET statement_timeout = '20s'; SET TIME ZONE 'America/New_York'"); err != nil {
			t.Fatal(err)
		}
	}
	g := &dtGen{r: r}
	start := time.Now()
	var ran, mismatches, refused, errorsBoth int
	refusedBy, errorCodes := map[string]int{}, map[string]int{}
	for i := 0; ; i++ {
		if budget > 0 && time.Since(start) > budget || budget == 0 && i >= *difftestQueries {
			break
		}
		q := g.query()
		want, wantCode, err := dtAnswer(ctx, pc, q.sql)
		if err != nil {
			t.Fatalf("query %d on PostgreSQL: %v\n%s", i, err, q.sql)
		}
		got, gotCode, err := dtAnswer(ctx, lc, q.sql)
		if err != nil {
			t.Fatalf("query %d on logdb: %v\n%s", i, err, q.sql)
		}
		ran++
		switch {
		case gotCode == "0A000" && wantCode == "":
			// logdb refuses what it does not do: counted, not a mismatch
			refused++
			refusedBy[firstWords(q.sql)]++
			continue
		case gotCode != "" && gotCode == wantCode:
			errorsBoth++
			if errorCodes[gotCode]++; errorCodes[gotCode] == 1 && testing.Verbose() {
				t.Logf("first %s on both: %s", gotCode, q.sql)
			}
			continue
		case gotCode != wantCode:
			mismatches++
			t.Errorf("query %d (seed %d): SQLSTATE %q, PostgreSQL %q\n%s\n logdb: %q\n    pg: %q",
				i, *difftestSeed, gotCode, wantCode, q.sql, dtShort(got), dtShort(want))
			continue
		}
		if !dtSameAnswer(got, want, q) {
			mismatches++
			t.Errorf("query %d (seed %d)%s:\n%s\n logdb: %q\n    pg: %q", i, *difftestSeed,
				map[bool]string{true: " ordered", false: ""}[q.ordered], q.sql, dtShort(got), dtShort(want))
		}
	}
	t.Logf("difftest seed %d: %d queries in %v, %d mismatches, %d refused by logdb with 0A000, %d failing alike on both",
		*difftestSeed, ran, time.Since(start).Round(time.Millisecond), mismatches, refused, errorsBoth)
	t.Logf("errors on both, by SQLSTATE: %v", errorCodes)
	if refused > 0 {
		t.Logf("refusals: %v", refusedBy)
	}
}

// dtSameAnswer compares two answers: as multisets, and under ORDER BY
// also in order. Rows that tie under ORDER BY may still differ in text
// (numeric 2 and 2.0 are equal, as are float 0 and -0), so the order is
// checked on rows with numbers normalized, and so is the multiset under
// LIMIT, DISTINCT, set operations and GROUP BY, which keep either of two
// equal values.
func dtSameAnswer(got, want []string, q dtQuery) bool {
	if len(got) != len(want) {
		return false
	}
	norm := func(rows []string) []string {
		out := make([]string, len(rows))
		for i, r := range rows {
			fields := strings.Split(r, "|")
			for j, f := range fields {
				fields[j] = dtNormNumber(f)
				if strings.HasPrefix(f, "{") || strings.HasPrefix(f, "[") {
					// numbers inside jsonb: {"a": 0} and {"a": 0.000} are equal
					fields[j] = dtJSONNumber.ReplaceAllStringFunc(f, dtNormNumber)
				}
			}
			out[i] = strings.Join(fields, "|")
		}
		return out
	}
	sorted := func(rows []string) []string {
		s := slices.Clone(rows)
		slices.Sort(s)
		return s
	}
	if q.ordered && !slices.Equal(norm(got), norm(want)) {
		return false
	}
	for _, kw := range []string{" LIMIT ", "DISTINCT", " UNION ", " INTERSECT ", " EXCEPT ", " GROUP BY ", "max(", "min("} {
		if strings.Contains(q.sql, kw) {
			// of equal values (0 and 0.000) the one kept is the first met
			// (min and max too)
			return slices.Equal(sorted(norm(got)), sorted(norm(want)))
		}
	}
	return slices.Equal(sorted(got), sorted(want))
}

// dtJSONNumber matches a decimal number inside JSON text.
var dtJSONNumber = regexp.MustCompile(`-?[0-9]+\.[0-9]+`)

// dtNormNumber strips a decimal number's trailing fractional zeros and the
// sign of zero; other text is returned as it is.
func dtNormNumber(f string) string {
	if f == "" || strings.Trim(f, "-0123456789.") != "" || strings.Count(f, ".") > 1 {
		return f
	}
	if strings.Contains(f, ".") {
		f = strings.TrimRight(strings.TrimRight(f, "0"), ".")
	}
	if strings.Trim(f, "-0") == "" && f != "" {
		return "0"
	}
	return f
}

// firstWords is a rough key for grouping refusals in the log.
func firstWords(q string) string {
	for _, kw := range []string{"LATERAL", "FULL JOIN", "WITH", "OVER", "FILTER", "DISTINCT", "INTERSECT", "EXCEPT", "UNION", "EXISTS"} {
		if strings.Contains(q, kw) {
			return kw
		}
	}
	return "other"
}

func dtShort(rows []string) string {
	s := strings.Join(rows, "\n")
	if len(s) > 600 {
		s = s[:600] + fmt.Sprintf("… (%d rows)", len(rows))
	}
	return s
}
