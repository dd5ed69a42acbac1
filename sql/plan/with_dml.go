package plan

import (
	"fmt"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/kv"
	"logdb/sql/exec"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// Data-modifying statements in WITH (WITH d AS (DELETE … RETURNING *)
// INSERT INTO b SELECT * FROM d), as PostgreSQL runs them: each exactly
// once, whether the statement reads it or not, all against the snapshot
// the statement began with: neither one another nor the main query see
// their changes, and the main query sees their RETURNING rows.
//
// RunWriters runs them in order before the main query. Each one reads and
// writes as the statement it is (constraints, indexes, changefeed events,
// read set), then its writes are taken out of the transaction's buffer
// (kv.Txn.StashSince) so the next reads the statement's starting state.
// The stashed writes go back (the returned restore function) once the main
// query has read: a main INSERT, UPDATE, DELETE or MERGE runs it between
// its reading and its writing (exec.Ctx.BeforeWrite), a main SELECT after
// its last row. Their foreign key checks run at the statement's end, with
// the main query's. As in PostgreSQL, a row changed both by a WITH query
// and by the main query ends with an unspecified one of the two changes.

// Writer is one data-modifying WITH query of a statement.
type Writer struct {
	d    *DML
	name string
	cols []exec.Column
}

// Verb is the writer's statement kind in capitals ("INSERT", …).
func (w *Writer) Verb() string { return strings.ToUpper(w.d.Verb) }

func (w *Writer) Columns() []exec.Column { return w.cols }

// Start reads the RETURNING rows RunWriters kept for this execution.
func (w *Writer) Start(ec *exec.Ctx) (exec.Iterator, error) {
	rows, ok := ec.WithRows[w]
	if !ok {
		return nil, fmt.Errorf("data-modifying WITH query %q read before it ran", w.name)
	}
	out := make([][]types.Datum, len(rows))
	for i, r := range rows {
		out[i] = append([]types.Datum(nil), r...)
	}
	return &exec.SliceIter{Rows: out}, nil
}

// planWriter plans a data-modifying WITH query.
func (p *Planner) planWriter(cte *pg_query.CommonTableExpr, top bool) (*Writer, error) {
	q := cte.Ctequery
	if q.GetMergeStmt() != nil {
		return nil, pgerror.Unsupported("MERGE not supported in WITH query")
	}
	if !top {
		return nil, pgerror.Unsupported("WITH clause containing a data-modifying statement must be at the top level")
	}
	var d *DML
	var err error
	switch {
	case q.GetInsertStmt() != nil:
		d, err = p.planInsert(q.GetInsertStmt())
	case q.GetUpdateStmt() != nil:
		d, err = p.planUpdate(q.GetUpdateStmt())
	case q.GetDeleteStmt() != nil:
		d, err = p.planDelete(q.GetDeleteStmt())
	default:
		return nil, pgerror.Unsupported("statement " + NodeName(q) + " in WITH")
	}
	if err != nil {
		return nil, err
	}
	d.merge = nil // its writes are stashed: an ordinary read-modify-write
	w := &Writer{d: d, name: cte.Ctename, cols: d.Cols}
	p.writers = append(p.writers, w)
	return w, nil
}

// EndWriters ends what RunWriters set up for the statement.
func EndWriters(ec *exec.Ctx) { ec.Changed, ec.Deleted, ec.BeforeWrite = nil, nil, nil }

// Writers returns the statement's data-modifying WITH queries, in order.
func (p *Planner) Writers() []*Writer { return p.writers }

// RunWriters runs ws (see the comment at the top of this file) and returns
// the function that puts their writes back.
func RunWriters(ec *exec.Ctx, ws []*Writer) (restore func() error, err error) {
	txn := ec.Txn.Kv
	sp := txn.Savepoint()
	var stashes []*kv.Stash
	if ec.WithRows == nil {
		ec.WithRows = map[exec.Node][][]types.Datum{}
	}
	// a row one of them changed is left alone by the next ones and by the
	// main query, as in PostgreSQL
	ec.Changed = func(space kv.Space, key []byte) bool {
		for _, st := range stashes {
			if st.Has(space, key) {
				return true
			}
		}
		return false
	}
	// a key one of them deleted is free for the next ones' inserts
	ec.Deleted = func(space kv.Space, key []byte) bool {
		for i := len(stashes) - 1; i >= 0; i-- {
			if stashes[i].Has(space, key) {
				return stashes[i].Deleted(space, key)
			}
		}
		return false
	}
	for _, w := range ws {
		rows, _, err := w.d.execNoFK(ec)
		if err != nil {
			return nil, err
		}
		ec.WithRows[w] = rows
		st := txn.StashSince(sp)
		if st == nil {
			return nil, fmt.Errorf("data-modifying WITH query %q: its writes could not be set aside", w.name)
		}
		stashes = append(stashes, st)
	}
	return func() error {
		for _, st := range stashes {
			if err := txn.Restore(st); err != nil {
				return err
			}
		}
		return nil
	}, nil
}
