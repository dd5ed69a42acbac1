package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// total adds up the files (test_setup.sql, run as the prelude of every
// other file, is counted in its own row only when it is run as a file).
func (rep *report) total() {
	t := &rep.Total
	t.File, t.Causes = "total", map[string]int{}
	for _, f := range rep.Files {
		t.Statements += f.Statements
		t.Match += f.Match
		t.Differ += f.Differ
		t.LogdbError += f.LogdbError
		t.OtherRes += f.OtherRes
		t.OrderOnly += f.OrderOnly
		t.NameDiffer += f.NameDiffer
		t.Skipped += f.Skipped
		t.SetupFail += f.SetupFail
		t.Crashes += f.Crashes
		t.Hangs += f.Hangs
		for c, n := range f.Causes {
			t.Causes[c] += n
		}
	}
	rep.Share = pct(t.Match, t.Statements)
	rep.ShareAny = pct(t.Match+t.OrderOnly, t.Statements)
}

type causeCount struct {
	Cause string
	N     int
}

// topCauses is the n most frequent causes of difference, most first.
func topCauses(m map[string]int, n int) []causeCount {
	var cs []causeCount
	for c, k := range m {
		cs = append(cs, causeCount{c, k})
	}
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].N != cs[j].N {
			return cs[i].N > cs[j].N
		}
		return cs[i].Cause < cs[j].Cause
	})
	if len(cs) > n {
		cs = cs[:n]
	}
	return cs
}

func (rep *report) print(w io.Writer) {
	fmt.Fprintf(w, "%-18s %6s %6s %6s %7s %7s %6s %6s %7s\n", "file", "stmts", "match", "share", "ldb-err", "result", "order", "skip", "crash")
	row := func(f *fileResult) {
		fmt.Fprintf(w, "%-18s %6d %6d %5.1f%% %7d %7d %6d %6d %7d", f.File, f.Statements, f.Match, pct(f.Match, f.Statements),
			f.LogdbError, f.OtherRes, f.OrderOnly, f.Skipped, f.Crashes+f.Hangs)
		if f.Error != "" {
			fmt.Fprintf(w, "  not run: %s", clip(f.Error, 100))
		}
		fmt.Fprintln(w)
	}
	for _, f := range rep.Files {
		row(f)
	}
	row(&rep.Total)
	fmt.Fprintf(w, "\nshare of statements matching PostgreSQL 15: %.1f%% (%d of %d); in any row order: %.1f%%\n",
		rep.Share, rep.Total.Match, rep.Total.Statements, rep.ShareAny)
	fmt.Fprintf(w, "differing: %d, of which logdb answered with an error: %d, a different result: %d (same rows in another order: %d)\n",
		rep.Total.Differ, rep.Total.LogdbError, rep.Total.OtherRes, rep.Total.OrderOnly)
	fmt.Fprintf(w, "psql commands skipped: %d; logdb crashes: %d, hangs: %d\n", rep.Total.Skipped, rep.Total.Crashes, rep.Total.Hangs)
	files := append([]*fileResult(nil), rep.Files...)
	sort.SliceStable(files, func(i, j int) bool {
		return pct(files[i].Match, files[i].Statements) < pct(files[j].Match, files[j].Statements)
	})
	fmt.Fprintln(w, "\nlowest shares:")
	for i, f := range files {
		if i == 10 {
			break
		}
		fmt.Fprintf(w, "  %-18s %5.1f%%\n", f.File, pct(f.Match, f.Statements))
	}
	roots, followOn := map[string]int{}, 0
	for c, n := range rep.Total.Causes {
		if isFollowOn(c) {
			followOn += n
		} else {
			roots[c] = n
		}
	}
	fmt.Fprintf(w, "\nmost frequent causes of difference (besides %d follow-on errors: 42P01 on a table an earlier failed statement did not make, 25P02 in a transaction an earlier error aborted):\n", followOn)
	for _, c := range topCauses(roots, 15) {
		ex := rep.Examples[c.Cause]
		fmt.Fprintf(w, "  %5d  %s\n         e.g. %s: %s\n", c.N, clip(c.Cause, 90), ex.Where, clip(ex.SQL, 110))
	}
	for _, f := range rep.Findings {
		fmt.Fprintln(w, "FINDING: "+clip(f, 400))
	}
}

// isFollowOn says whether a cause is mostly the consequence of an earlier
// difference: a relation an earlier statement failed to create, or a
// transaction an earlier error aborted.
func isFollowOn(cause string) bool {
	return strings.HasPrefix(cause, "logdb error 42P01 relation") || strings.HasPrefix(cause, "logdb error 42P01 table") ||
		strings.HasPrefix(cause, "logdb error 25P02")
}
