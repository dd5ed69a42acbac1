package sql

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"logdb/kv"
	"logdb/notify"
	"logdb/sql/pgerror"
	"logdb/sql/plan"
)

// localProposer applies commands directly to the store: a single-node
// stand-in for the raft log.
type localProposer struct {
	mu     sync.Mutex
	store  *kv.Store
	index  uint64
	notify *notify.Registry // gets the applied entries' notifications, as cmd/logdb's does
}

func (p *localProposer) Propose(ctx context.Context, cmd *kv.Command) (kv.Result, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.index++
	ents := []kv.Entry{{Index: p.index, Data: kv.EncodeCommand(cmd)}}
	res, err := p.store.Apply(ents)
	if err != nil {
		return kv.Result{}, err
	}
	if p.notify != nil {
		p.notify.Applied(ents, res)
	}
	return res[0], nil
}

func mustEngine(t *testing.T) *Engine {
	t.Helper()
	store, err := kv.Open(filepath.Join(t.TempDir(), "db"), kv.Options{NoSync: true, InitialMmapSize: 1 << 24, Merge: plan.MergeRow})
	if err != nil {
		t.Fatal(err)
	}
	reg := notify.NewRegistry()
	e, err := NewEngine(Config{Store: store, Proposer: &localProposer{store: store, index: store.AppliedIndex(), notify: reg}, NodeID: 1, Version: "test", Notify: reg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return e
}

func mustSession(t *testing.T, e *Engine) *Session {
	t.Helper()
	s, err := e.NewSession(SessionParams{User: "postgres", Database: "logdb"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// recorder is a ResultWriter that keeps everything as text.
type recorder struct {
	cols    []Column
	rows    [][]string
	tags    []string
	notices []*pgerror.Error
	empty   int
}

func (r *recorder) Columns(c []Column) error { r.cols = c; return nil }
func (r *recorder) Row(v [][]byte) error {
	row := make([]string, len(v))
	for i, b := range v {
		if b == nil {
			row[i] = "NULL"
		} else {
			row[i] = string(b)
		}
	}
	r.rows = append(r.rows, row)
	return nil
}
func (r *recorder) Complete(tag string) error     { r.tags = append(r.tags, tag); return nil }
func (r *recorder) Empty() error                  { r.empty++; return nil }
func (r *recorder) Notice(n *pgerror.Error) error { r.notices = append(r.notices, n); return nil }

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func mustExec(t *testing.T, s *Session, q string) *recorder {
	t.Helper()
	r := &recorder{}
	if err := s.SimpleQuery(ctxT(t), q, r); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return r
}

// query runs q and returns its rows joined as "a|b" lines.
func query(t *testing.T, s *Session, q string) string {
	t.Helper()
	r := mustExec(t, s, q)
	var lines []string
	for _, row := range r.rows {
		lines = append(lines, strings.Join(row, "|"))
	}
	return strings.Join(lines, "\n")
}

func expectErr(t *testing.T, s *Session, q, code string) *pgerror.Error {
	t.Helper()
	r := &recorder{}
	err := s.SimpleQuery(ctxT(t), q, r)
	if err == nil {
		t.Fatalf("%s: expected error %s, got none (rows %v)", q, code, r.rows)
	}
	pe := pgerror.As(err)
	if pe.Code != code {
		t.Fatalf("%s: expected %s, got %s: %v", q, code, pe.Code, err)
	}
	return pe
}

func expectRows(t *testing.T, s *Session, q, want string) {
	t.Helper()
	if got := query(t, s, q); got != want {
		t.Fatalf("%s:\ngot:\n%s\nwant:\n%s", q, got, want)
	}
}

func mustEngineF(f *testing.F) *Engine {
	store, err := kv.Open(filepath.Join(f.TempDir(), "db"), kv.Options{NoSync: true, InitialMmapSize: 1 << 24, Merge: plan.MergeRow})
	if err != nil {
		f.Fatal(err)
	}
	reg := notify.NewRegistry()
	e, err := NewEngine(Config{Store: store, Proposer: &localProposer{store: store, index: store.AppliedIndex(), notify: reg}, NodeID: 1, Version: "test", Notify: reg})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { store.Close() })
	return e
}
