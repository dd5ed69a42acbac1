package exec

import (
	"logdb/sql/catalog"
	"logdb/sql/types"
)

// Triggers run around a DML statement's writes, as PostgreSQL's do:
// BEFORE STATEMENT triggers before its first row, BEFORE ROW triggers on
// each row before it is written (their result replaces the row; NULL
// skips it), AFTER ROW events queued in the transaction (Txn.AfterRow)
// and run, in order, when the statement's rows are written, then AFTER
// STATEMENT triggers. Within each, a table's triggers fire in name order
// (catalog.Table.Triggers is kept sorted). The trigger functions
// themselves run through the session (TriggerHost).

// TriggerHost runs one trigger function; package sql implements it on
// the value of Ctx.Host.
type TriggerHost interface {
	// RunTrigger runs g's function for one event of t (op: INSERT,
	// UPDATE, DELETE or TRUNCATE; old and new nil where the event has
	// none). For a row trigger whose WHEN is false, fired is false.
	// ret is the row it returned (nil: NULL).
	RunTrigger(ec *Ctx, t *catalog.Table, g *catalog.Trigger, op string, old, new []types.Datum) (ret []types.Datum, fired bool, err error)
}

// TriggerEvent is an AFTER ROW event waiting for its statement's end.
type TriggerEvent struct {
	T        *catalog.Table
	G        *catalog.Trigger
	Op       string
	Old, New []types.Datum
}

// Trigger event kinds of a statement (catalog.TrigInsert, …) by tag word.
var triggerOps = map[int]string{catalog.TrigInsert: "INSERT", catalog.TrigUpdate: "UPDATE",
	catalog.TrigDelete: "DELETE", catalog.TrigTruncate: "TRUNCATE"}

func (ec *Ctx) triggerHost() TriggerHost {
	h, _ := ec.Host.(TriggerHost)
	return h
}

// triggersFor lists t's enabled triggers of the event, timing and level;
// setCols (UPDATE) are the positions of the columns SET assigns.
func triggersFor(t *catalog.Table, ev int, before, row bool, setCols []int) []*catalog.Trigger {
	var out []*catalog.Trigger
	for _, g := range t.Triggers {
		if g.Enabled == 'D' || g.Events&ev == 0 || g.Before != before || g.Row != row {
			continue
		}
		if ev == catalog.TrigUpdate && len(g.UpdateCols) > 0 && row && !anySet(t, g.UpdateCols, setCols) {
			continue
		}
		out = append(out, g)
	}
	return out
}

func anySet(t *catalog.Table, ids []uint32, setCols []int) bool {
	for _, c := range setCols {
		for _, id := range ids {
			if t.Columns[c].ID == id {
				return true
			}
		}
	}
	return false
}

// HasTriggers reports whether t has any trigger (so a writer need not
// look further when it has none).
func HasTriggers(t *catalog.Table) bool { return len(t.Triggers) > 0 }

// StatementTriggers runs t's BEFORE or AFTER STATEMENT triggers of ev.
func (ec *Ctx) StatementTriggers(t *catalog.Table, ev int, before bool) error {
	h := ec.triggerHost()
	if h == nil || !HasTriggers(t) {
		return nil
	}
	for _, g := range triggersFor(t, ev, before, false, nil) {
		if _, _, err := h.RunTrigger(ec, t, g, triggerOps[ev], nil, nil); err != nil {
			return err
		}
	}
	return nil
}

// BeforeRow runs t's BEFORE ROW triggers of ev on a row: the row to
// write (each trigger's result is the next one's NEW), or skip when one
// returned NULL. For DELETE, old is the row and the result only tells
// skip or not.
func (ec *Ctx) BeforeRow(t *catalog.Table, ev int, old, new []types.Datum, setCols []int) (row []types.Datum, skip bool, err error) {
	h := ec.triggerHost()
	row = new
	if ev == catalog.TrigDelete {
		row = old
	}
	if h == nil || !HasTriggers(t) {
		return row, false, nil
	}
	for _, g := range triggersFor(t, ev, true, true, setCols) {
		n := new
		if ev != catalog.TrigDelete {
			n = row
		}
		ret, fired, err := h.RunTrigger(ec, t, g, triggerOps[ev], old, n)
		if err != nil {
			return nil, false, err
		}
		if !fired {
			continue
		}
		if ret == nil {
			return nil, true, nil
		}
		if ev != catalog.TrigDelete {
			row = ret
		}
	}
	return row, false, nil
}

// QueueAfterRow queues t's AFTER ROW triggers of ev for a written row.
func (ec *Ctx) QueueAfterRow(t *catalog.Table, ev int, old, new []types.Datum, setCols []int) {
	if ec.Txn == nil || !HasTriggers(t) || ec.triggerHost() == nil {
		return
	}
	for _, g := range triggersFor(t, ev, false, true, setCols) {
		ec.Txn.AfterRow = append(ec.Txn.AfterRow, TriggerEvent{T: t, G: g, Op: triggerOps[ev], Old: old, New: new})
	}
}

// AfterRowMark is where the current statement's AFTER ROW events begin
// (a statement run by a trigger queues and runs its own after it).
func (ec *Ctx) AfterRowMark() int {
	if ec.Txn == nil {
		return 0
	}
	return len(ec.Txn.AfterRow)
}

// RunAfterRow runs the AFTER ROW events queued since mark, in order,
// and removes them; on error the rest are dropped.
func (ec *Ctx) RunAfterRow(mark int) error {
	if ec.Txn == nil {
		return nil
	}
	h := ec.triggerHost()
	defer ec.DropAfterRow(mark)
	for i := mark; i < len(ec.Txn.AfterRow); i++ {
		e := ec.Txn.AfterRow[i]
		if _, _, err := h.RunTrigger(ec, e.T, e.G, e.Op, e.Old, e.New); err != nil {
			return err
		}
	}
	return nil
}

// DropAfterRow drops the AFTER ROW events queued since mark (their
// statement failed).
func (ec *Ctx) DropAfterRow(mark int) {
	if ec.Txn != nil && len(ec.Txn.AfterRow) > mark {
		ec.Txn.AfterRow = ec.Txn.AfterRow[:mark]
	}
}

// triggeredDelete deletes a row for a foreign key's action, firing the
// child table's DELETE row triggers as PostgreSQL does.
func (ec *Ctx) triggeredDelete(w *TableWriter, ref RowRef, row []types.Datum) error {
	_, skip, err := ec.BeforeRow(w.T, catalog.TrigDelete, row, nil, nil)
	if err != nil || skip {
		return err
	}
	if err := w.Delete(ec, ref, row); err != nil {
		return err
	}
	ec.QueueAfterRow(w.T, catalog.TrigDelete, row, nil, nil)
	return nil
}

// triggeredUpdate updates a row for a foreign key's action (cols are
// the columns it sets), firing the child table's UPDATE row triggers.
func (ec *Ctx) triggeredUpdate(w *TableWriter, ref RowRef, row, nr []types.Datum, cols []int) error {
	nr, skip, err := ec.BeforeRow(w.T, catalog.TrigUpdate, row, nr, cols)
	if err != nil || skip {
		return err
	}
	if _, err := w.Update(ec, ref, row, nr); err != nil {
		return err
	}
	ec.QueueAfterRow(w.T, catalog.TrigUpdate, row, nr, cols)
	return nil
}

// AfterStatement runs a statement's AFTER ROW events (from mark) and its
// foreign key events, until neither queue has more (an action of a
// foreign key fires the child's triggers; a trigger's writes queue
// foreign key events).
func (ec *Ctx) AfterStatement(mark int) error {
	for {
		if err := ec.RunAfterRow(mark); err != nil {
			return err
		}
		if err := ec.FKAfterStatement(); err != nil {
			return err
		}
		if ec.AfterRowMark() <= mark {
			return nil
		}
	}
}
