// Command corpus runs a body of SQL this project did not write —
// PostgreSQL 15's own regression test scripts, testdata/pg15-regress — on
// logdb and on a throwaway PostgreSQL 15, statement by statement, and counts
// the statements whose results match (rows as text in order, or the same
// SQLSTATE). Each file gets a fresh logdb node and a fresh PostgreSQL
// database, with the regression suite's test_setup.sql run first on both
// (not counted). It prints a table and writes corpus-results.json.
//
//	go run ./test/corpus -logdb-bin bin/logdb -pg-bin /usr/lib/postgresql/15/bin [-files select,join]
//
// `make corpus` runs it; it is not part of `make test` (minutes).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// fileResult counts one file's statements.
type fileResult struct {
	File       string         `json:"file"`
	Statements int            `json:"statements"`
	Match      int            `json:"match"`
	Differ     int            `json:"differ"`
	LogdbError int            `json:"differ_logdb_error"`   // of Differ: logdb answered with an error
	OtherRes   int            `json:"differ_other_result"`  // of Differ: a different result
	OrderOnly  int            `json:"differ_order_only"`    // of OtherRes: the same rows in another order
	NameDiffer int            `json:"column_names_differ"`  // of Match: rows equal, column names not
	Skipped    int            `json:"skipped_psql_command"` // backslash commands not run
	SetupFail  int            `json:"setup_logdb_failed"`   // test_setup.sql statements logdb failed where PostgreSQL did not
	Crashes    int            `json:"logdb_crashes"`
	Hangs      int            `json:"logdb_hangs"`
	Causes     map[string]int `json:"causes"`
	Error      string         `json:"error,omitempty"` // the file could not be run
}

// difference is one differing statement.
type difference struct {
	example
	Cause string `json:"cause"`
}

// maxDifferences bounds the differences kept in the JSON file.
const maxDifferences = 20000

// example is the first statement seen for a cause.
type example struct {
	Where string `json:"where"`
	SQL   string `json:"sql"`
	PG    string `json:"postgres"`
	Logdb string `json:"logdb"`
}

type report struct {
	Logdb    string             `json:"logdb_bin"`
	Started  string             `json:"started"`
	Files    []*fileResult      `json:"files"`
	Total    fileResult         `json:"total"`
	Share    float64            `json:"share_matching"`
	ShareAny float64            `json:"share_matching_any_order"`
	Examples map[string]example `json:"examples"`
	Findings []string           `json:"findings"` // crashes and hangs
	// Differences lists every differing statement (up to maxDifferences),
	// to triage: the cause, the statement and both answers, clipped.
	Differences []difference `json:"differences"`
	TimeoutMS   int64        `json:"statement_timeout_ms"`
}

func main() {
	os.Exit(run())
}

func run() int {
	_, self, _, _ := runtime.Caller(0)
	defaultData := filepath.Join(filepath.Dir(self), "testdata", "pg15-regress")
	logdbBin := flag.String("logdb-bin", "bin/logdb", "logdb binary")
	pgBin := flag.String("pg-bin", "/usr/lib/postgresql/15/bin", "PostgreSQL 15 binaries (initdb, postgres)")
	files := flag.String("files", "", "comma-separated file names without .sql (default: every file in testdata)")
	dataDir := flag.String("testdata", defaultData, "directory with sql/*.sql and data/*.data")
	jsonPath := flag.String("json", "corpus-results.json", "write the results here (empty: none)")
	timeout := flag.Duration("statement-timeout", 10*time.Second, "statement_timeout on both sides; logdb is declared hung at three times this")
	reprint := flag.String("report", "", "print the table of an earlier run's JSON file instead of running")
	flag.Parse()
	if *reprint != "" {
		var rep report
		b, err := os.ReadFile(*reprint)
		if err == nil {
			err = json.Unmarshal(b, &rep)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		rep.print(os.Stdout)
		return 0
	}

	abs, err := filepath.Abs(*dataDir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	bin, _ := filepath.Abs(*logdbBin)
	names, err := listFiles(abs, *files)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	work, err := os.MkdirTemp("", "logdb-corpus-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(work)
	if err := os.Chmod(work, 0o755); err != nil { // PostgreSQL's user must reach pg/
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	pgDir := filepath.Join(work, "pg")
	os.Mkdir(pgDir, 0o755)
	pg, err := startPostgres(*pgBin, pgDir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer pg.stop(syscall.SIGINT)

	env := map[string]string{"PG_ABS_SRCDIR": abs, "PG_ABS_BUILDDIR": work, "PG_LIBDIR": filepath.Join(work, "nolib"), "PG_DLSUFFIX": ".so"}
	setup, err := os.ReadFile(filepath.Join(abs, "sql", "test_setup.sql"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	rep := &report{Logdb: bin, Started: time.Now().UTC().Format(time.RFC3339), Examples: map[string]example{}, TimeoutMS: timeout.Milliseconds()}
	for i, name := range names {
		fr := &fileResult{File: name, Causes: map[string]int{}}
		rep.Files = append(rep.Files, fr)
		src, err := os.ReadFile(filepath.Join(abs, "sql", name+".sql"))
		if err == nil {
			r := &fileRun{rep: rep, fr: fr, pg: pg, bin: bin, dir: filepath.Join(work, fmt.Sprintf("logdb-%d", i)), timeout: *timeout}
			var prelude []step
			if name != "test_setup" {
				prelude = splitScript(string(setup), env)
			}
			err = r.run(prelude, splitScript(string(src), env))
		}
		if err != nil {
			fr.Error = err.Error()
		}
		fmt.Fprintf(os.Stderr, "%-16s %5d statements, %5.1f%% match%s\n", name, fr.Statements, pct(fr.Match, fr.Statements), errNote(fr.Error))
	}
	rep.total()
	rep.print(os.Stdout)
	if *jsonPath != "" {
		b, _ := json.MarshalIndent(rep, "", "  ")
		if err := os.WriteFile(*jsonPath, append(b, '\n'), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	return 0
}

func errNote(e string) string {
	if e == "" {
		return ""
	}
	return " (not run: " + firstWords(e, 12) + ")"
}

// listFiles is the files to run: -files, or every sql/*.sql, test_setup first.
func listFiles(dir, list string) ([]string, error) {
	var names []string
	if list != "" {
		names = strings.Split(list, ",")
	} else {
		paths, err := filepath.Glob(filepath.Join(dir, "sql", "*.sql"))
		if err != nil {
			return nil, err
		}
		for _, p := range paths {
			names = append(names, strings.TrimSuffix(filepath.Base(p), ".sql"))
		}
		sort.SliceStable(names, func(i, j int) bool { return names[i] == "test_setup" && names[j] != "test_setup" })
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no .sql files in %s", filepath.Join(dir, "sql"))
	}
	return names, nil
}

func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}

// fileRun runs one file on a fresh logdb node and a fresh PostgreSQL database.
type fileRun struct {
	rep     *report
	fr      *fileResult
	pg      *server
	bin     string
	dir     string
	timeout time.Duration
	node    *server
	pgSide  *side
	ldbSide *side
}

func (r *fileRun) run(prelude, steps []step) error {
	if err := freshPostgresDB(r.pg); err != nil {
		return fmt.Errorf("PostgreSQL database: %w", err)
	}
	if err := os.MkdirAll(r.dir, 0o755); err != nil {
		return err
	}
	defer os.RemoveAll(r.dir)
	if err := r.startNode(); err != nil {
		return err
	}
	defer func() { r.node.stop(syscall.SIGTERM) }()
	stmtTimeout := fmt.Sprintf("SET statement_timeout = %d", r.timeout.Milliseconds())
	r.pgSide = &side{name: "PostgreSQL", timeout: 3 * r.timeout,
		connect: connectFunc(fmt.Sprintf("postgres://logdb@127.0.0.1:%d/logdb?sslmode=disable", r.pg.port)),
		setup:   []string{stmtTimeout, "SET default_transaction_isolation = serializable"}}
	r.ldbSide = &side{name: "logdb", timeout: 3 * r.timeout, setup: []string{stmtTimeout},
		connect: func(ctx context.Context) (*pgconn.PgConn, error) { return connectFunc(logdbURL(r.node.port))(ctx) }}
	defer func() {
		for _, s := range []*side{r.pgSide, r.ldbSide} {
			if s.conn != nil {
				s.conn.Close(context.Background())
			}
		}
	}()
	for _, st := range prelude {
		r.step(st, false)
	}
	for _, st := range steps {
		r.step(st, true)
	}
	return nil
}

func (r *fileRun) startNode() error {
	n, err := startLogdb(r.bin, filepath.Join(r.dir, "data"), filepath.Join(r.dir, "logdb.log"))
	if err != nil {
		return err
	}
	r.node = n
	return nil
}

// step runs one step on both sides and, when counted, records the outcome.
func (r *fileRun) step(st step, counted bool) {
	if st.Skipped != "" {
		if counted {
			r.fr.Skipped++
		}
		return
	}
	pgOut := r.pgSide.run(st, st.SQL)
	ldbOut := r.ldbSide.run(st, st.SQL)
	r.record(st, st.SQL, pgOut, ldbOut, counted)
	if st.Gexec {
		pgStmts, ldbStmts := pgOut.gexecStatements(), ldbOut.gexecStatements()
		for i, q := range pgStmts {
			if i < len(ldbStmts) {
				r.record(st, q, r.pgSide.run(step{}, q), r.ldbSide.run(step{}, ldbStmts[i]), counted)
			}
		}
	}
}

func (r *fileRun) record(st step, sql string, pgOut, ldbOut outcome, counted bool) {
	where := fmt.Sprintf("%s.sql:%d", r.fr.File, st.Line)
	if ldbOut.Lost != "" {
		r.recover(where, sql, ldbOut, counted)
	}
	cause, isErr := compare(pgOut, ldbOut)
	if cause != "" && !isErr && explain.MatchString(sql) {
		cause = "EXPLAIN: another plan text"
	}
	if !counted {
		if cause != "" && isErr && pgOut.Err == "" {
			r.fr.SetupFail++
		}
		return
	}
	r.fr.Statements++
	if cause == "" {
		r.fr.Match++
		if pgOut.Err == "" && strings.Join(pgOut.Columns, "\t") != strings.Join(ldbOut.Columns, "\t") {
			r.fr.NameDiffer++
		}
		return
	}
	r.fr.Differ++
	r.fr.Causes[cause]++
	if isErr {
		r.fr.LogdbError++
	} else {
		r.fr.OtherRes++
		if cause == "same rows, another order" {
			r.fr.OrderOnly++
		}
	}
	ex := example{Where: where, SQL: clip(sql, 300), PG: pgOut.short(), Logdb: ldbOut.short()}
	if _, ok := r.rep.Examples[cause]; !ok {
		r.rep.Examples[cause] = ex
	}
	if len(r.rep.Differences) < maxDifferences {
		r.rep.Differences = append(r.rep.Differences, difference{example: ex, Cause: cause})
	}
}

// recover restarts a logdb node that died or hung: a finding, recorded loudly.
func (r *fileRun) recover(where, sql string, o outcome, counted bool) {
	what := "hang"
	if !r.node.alive() {
		what = "CRASH"
		r.fr.Crashes++
	} else if strings.HasPrefix(o.Lost, "no answer") {
		r.fr.Hangs++
	} else {
		return // the connection broke but the node runs: reconnect only
	}
	msg := fmt.Sprintf("logdb %s at %s: %s [%s] log: %s", what, where, clip(sql, 200), o.Lost, clip(r.node.logTail(), 600))
	r.rep.Findings = append(r.rep.Findings, msg)
	fmt.Fprintln(os.Stderr, "!!! "+msg)
	r.node.stop(syscall.SIGKILL)
	if err := r.startNode(); err != nil {
		fmt.Fprintf(os.Stderr, "!!! logdb would not restart: %v\n", err)
	}
	if r.ldbSide.conn != nil {
		r.ldbSide.conn.Close(context.Background())
		r.ldbSide.conn = nil
	}
	_ = counted
}

var explain = regexp.MustCompile(`(?i)^\s*explain\b`)

func (o outcome) short() string {
	switch {
	case o.Lost != "":
		return "lost: " + clip(o.Lost, 200)
	case o.Err != "":
		return "ERROR " + o.Err + ": " + clip(o.Msg, 200)
	}
	rows := o.Rows
	more := ""
	if len(rows) > 5 {
		rows, more = rows[:5], fmt.Sprintf(" … (%d rows)", len(o.Rows))
	}
	return clip(o.Tag+" "+strings.Join(o.Columns, ",")+": "+strings.Join(rows, " | ")+more, 400)
}

func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
