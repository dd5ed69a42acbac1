package main

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// -queue-statements: the mean latency of each statement river sends, per
// river client (and so per node on logdb3), over the measured window —
// where a call's time goes (BEGIN, river's named queries, COMMIT). pgx's
// QueryTracer sees each statement from its client's side.

var queueStatements bool

// stmtTracer is a pgx.QueryTracer for one river client's pool.
type stmtTracer struct {
	q     *queueRun
	label string // "client 2 (127.0.0.1:5434)"
	mu    sync.Mutex
	sum   map[string]time.Duration
	n     map[string]int
}

type stmtStartKey struct{}

type stmtStart struct {
	at   time.Time
	verb string
}

// stmtVerb names a statement: river's sqlc queries by their "-- name:",
// others by their first word.
func stmtVerb(sql string) string {
	w := strings.Fields(sql)
	switch {
	case len(w) > 2 && w[0] == "--" && w[1] == "name:":
		return w[2]
	case len(w) > 0:
		return strings.ToUpper(w[0])
	}
	return "?"
}

func (st *stmtTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	return context.WithValue(ctx, stmtStartKey{}, stmtStart{at: time.Now(), verb: stmtVerb(d.SQL)})
}

func (st *stmtTracer) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryEndData) {
	s, ok := ctx.Value(stmtStartKey{}).(stmtStart)
	if !ok {
		return
	}
	if t := int64(time.Since(queueEpoch)); t < st.q.measureFrom.Load() || t >= st.q.end.Load() || st.q.end.Load() == 0 {
		return
	}
	st.mu.Lock()
	st.sum[s.verb] += time.Since(s.at)
	st.n[s.verb]++
	st.mu.Unlock()
}

// report logs each statement's count and mean latency.
func (st *stmtTracer) report(what string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	verbs := make([]string, 0, len(st.n))
	for v := range st.n {
		verbs = append(verbs, v)
	}
	sort.Strings(verbs)
	var parts []string
	for _, v := range verbs {
		parts = append(parts, fmt.Sprintf("%s %d × %.2f ms", v, st.n[v], float64(st.sum[v].Microseconds())/float64(st.n[v])/1e3))
	}
	logf("[queue] %s, %s: %s", what, st.label, strings.Join(parts, "; "))
}
