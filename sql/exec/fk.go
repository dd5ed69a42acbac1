package exec

import (
	"bytes"
	"strings"

	"logdb/kv"
	"logdb/sql/catalog"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// Foreign keys are enforced around TableWriter, as PostgreSQL's RI
// triggers do: a row write queues an event in the transaction (FKQueue),
// and the events run at the end of the statement, or at COMMIT for a
// deferred constraint (FKAfterStatement, FKRunDeferred):
//
//	child row inserted, or its key updated   the parent key must exist: a
//	                                         Get of the parent's primary
//	                                         key or unique index entry
//	parent row deleted, or its key updated   NO ACTION: unless the key is
//	                                         present again, no child may
//	                                         reference it; RESTRICT: none
//	                                         may; CASCADE / SET NULL / SET
//	                                         DEFAULT change the children
//
// Children are found through an index of the child led by the foreign
// key's columns, else by a scan of the child's rows. Both the Get and the
// scan are reads of the transaction, so optimistic concurrency validates
// them at apply: a child insert and a concurrent parent delete cannot both
// commit (sql/doc.go gives the argument). An event re-reads what it
// checks (the child row, the parent key), so a row changed again later in
// the transaction is judged by its last version.

// FKPlan is one foreign key as the writers of its two tables use it.
type FKPlan struct {
	FK            *catalog.ForeignKey
	Child, Parent *catalog.Table
	// ChildCols and ParentCols are column positions, pairwise.
	ChildCols, ParentCols []int
	// ParentSpace holds the referenced unique key: the parent's rows
	// (its primary key) or a unique index; ParentKey lists the pair of
	// each key column, in key order.
	ParentSpace kv.Space
	ParentKey   []int
	// ChildByPK: the child's primary key, else ChildIndex, an index of
	// the child, has the foreign key's columns first (ChildKey: the pair
	// of each); neither: the child's rows are scanned.
	ChildByPK    bool
	ChildIndex   *catalog.Index
	ChildKey     []int
	ChildRowCols []types.RowColumn
	// ChildWriter writes the child's rows for CASCADE, SET NULL and SET
	// DEFAULT; DeleteSet are the positions ON DELETE SET … changes.
	ChildWriter *TableWriter
	DeleteSet   []int
	// ChildName names the child in a referenced row's error: the
	// partitioned table that declared the key, else Child.
	ChildName string
}

type fkEventKind uint8

const (
	fkChildWritten fkEventKind = iota // a child row's key was written: check the parent
	fkParentDeleted
	fkParentUpdated
)

type fkEvent struct {
	p    *FKPlan
	kind fkEventKind
	key  []byte        // fkChildWritten: the child row's key
	vals []types.Datum // the child's key values, or the parent's old ones
	newV []types.Datum // fkParentUpdated: the parent's new key values
	u    *uniqueCheck  // a deferrable unique constraint's check (unique_deferred.go)
}

// FKQueue is a transaction's pending foreign key events and its SET
// CONSTRAINTS modes.
type FKQueue struct {
	pending  []fkEvent // this statement's
	deferred []fkEvent // for COMMIT (or SET CONSTRAINTS … IMMEDIATE)
	all      int8      // SET CONSTRAINTS ALL: 1 deferred, -1 immediate, 0 not said
	named    map[uint32]bool
}

// SetAll is SET CONSTRAINTS ALL DEFERRED (true) or IMMEDIATE.
func (q *FKQueue) SetAll(deferred bool) {
	q.named = nil
	q.all = -1
	if deferred {
		q.all = 1
	}
}

// SetNamed is SET CONSTRAINTS for one constraint (by OID).
func (q *FKQueue) SetNamed(oid uint32, deferred bool) {
	if q.named == nil {
		q.named = map[uint32]bool{}
	}
	q.named[oid] = deferred
}

// IsDeferred reports whether fk's checks wait for COMMIT now.
func (q *FKQueue) IsDeferred(fk *catalog.ForeignKey) bool {
	return q.deferredNow(fk.OID, fk.Deferrable, fk.Deferred)
}

// deferredNow reports whether the checks of constraint oid wait for
// COMMIT now: it is deferrable, and SET CONSTRAINTS (by name, else ALL)
// or else its INITIALLY DEFERRED says so.
func (q *FKQueue) deferredNow(oid uint32, deferrable, initially bool) bool {
	if !deferrable {
		return false
	}
	if d, ok := q.named[oid]; ok {
		return d
	}
	if q.all != 0 {
		return q.all > 0
	}
	return initially
}

// isDeferred reports whether ev waits for COMMIT now.
func (ev *fkEvent) isDeferred(q *FKQueue) bool {
	if ev.u != nil {
		return q.deferredNow(ev.u.ix.ConOID, true, ev.u.ix.Deferred)
	}
	return ev.deferrable() && q.IsDeferred(ev.p.FK)
}

// conOID is the constraint ev checks.
func (ev *fkEvent) conOID() uint32 {
	if ev.u != nil {
		return ev.u.ix.ConOID
	}
	return ev.p.FK.OID
}

// DeferredMark and RollbackDeferred keep the deferred events in step with
// ROLLBACK TO SAVEPOINT.
func (q *FKQueue) DeferredMark() int { return len(q.deferred) }

func (q *FKQueue) RollbackDeferred(mark int) {
	if mark < len(q.deferred) {
		q.deferred = q.deferred[:mark]
	}
	q.pending = nil
}

// HasDeferred reports whether checks wait for COMMIT.
func (q *FKQueue) HasDeferred() bool { return len(q.deferred) > 0 }

// PendingMark is a position in the running statement's events (a
// nested statement's start).
func (q *FKQueue) PendingMark() int { return len(q.pending) }

// RollbackPending forgets the events queued after mark (a READ
// COMMITTED statement about to run again; the enclosing statement's stay).
func (q *FKQueue) RollbackPending(mark int) {
	if mark < len(q.pending) {
		clear(q.pending[mark:])
		q.pending = q.pending[:mark]
	}
}

// FKDropPending forgets the events of a statement that failed.
func (ec *Ctx) FKDropPending() {
	if ec.Txn != nil {
		ec.Txn.FK.pending = nil
	}
}

// FKAfterStatement runs the statement's foreign key events (and those
// they cause), moving deferred checks to the COMMIT queue.
func (ec *Ctx) FKAfterStatement() error {
	if ec.Txn == nil {
		return nil
	}
	q := &ec.Txn.FK
	for len(q.pending) > 0 {
		ev := q.pending[0]
		q.pending = q.pending[1:]
		if ev.isDeferred(q) {
			q.deferred = append(q.deferred, ev)
			continue
		}
		if err := ec.runFKEvent(&ev); err != nil {
			q.pending = nil
			return err
		}
	}
	q.pending = nil
	return nil
}

// FKRunDeferred runs the deferred checks of the constraints match
// selects by OID (nil: all, at COMMIT) now: foreign keys' and deferrable
// unique constraints'.
func (ec *Ctx) FKRunDeferred(match func(conOID uint32) bool) error {
	q := &ec.Txn.FK
	var keep []fkEvent
	for _, ev := range q.deferred {
		if match == nil || match(ev.conOID()) {
			q.pending = append(q.pending, ev)
		} else {
			keep = append(keep, ev)
		}
	}
	q.deferred = keep
	for len(q.pending) > 0 {
		ev := q.pending[0]
		q.pending = q.pending[1:]
		if match != nil && !match(ev.conOID()) && ev.isDeferred(q) {
			q.deferred = append(q.deferred, ev)
			continue
		}
		if err := ec.runFKEvent(&ev); err != nil {
			q.pending = nil
			return err
		}
	}
	return nil
}

// deferrable: checks may wait for COMMIT; actions (RESTRICT, CASCADE,
// SET NULL, SET DEFAULT) never do, as in PostgreSQL.
func (ev *fkEvent) deferrable() bool {
	if ev.u != nil {
		return true
	}
	switch ev.kind {
	case fkParentDeleted:
		return ev.p.FK.OnDelete == 'a'
	case fkParentUpdated:
		return ev.p.FK.OnUpdate == 'a'
	}
	return true
}

// fkInserted queues the checks of a new row of the child.
func (w *TableWriter) fkInserted(ec *Ctx, key []byte, row []types.Datum) {
	for _, p := range w.FKOut {
		w.queueChildCheck(ec, p, key, row)
	}
}

func (w *TableWriter) queueChildCheck(ec *Ctx, p *FKPlan, key []byte, row []types.Datum) {
	vals := pick(row, p.ChildCols)
	nulls := 0
	for _, v := range vals {
		if v == nil {
			nulls++
		}
	}
	// MATCH SIMPLE: a NULL anywhere skips the check; MATCH FULL: all NULL
	// does, some NULL is an error (raised by the check).
	if nulls > 0 && (p.FK.Match != 'f' || nulls == len(vals)) {
		return
	}
	ec.Txn.FK.pending = append(ec.Txn.FK.pending, fkEvent{p: p, kind: fkChildWritten, key: bytes.Clone(key), vals: vals})
}

// fkUpdated queues the checks and actions of an updated row.
func (w *TableWriter) fkUpdated(ec *Ctx, newKey []byte, old, newRow []types.Datum) {
	for _, p := range w.FKOut {
		if !sameVals(w.T, p.ChildCols, old, newRow) {
			w.queueChildCheck(ec, p, newKey, newRow)
		}
	}
	for _, p := range w.FKIn {
		if sameVals(w.T, p.ParentCols, old, newRow) {
			continue
		}
		vals := pick(old, p.ParentCols)
		if hasNull(vals) {
			continue
		}
		ec.Txn.FK.pending = append(ec.Txn.FK.pending, fkEvent{p: p, kind: fkParentUpdated, vals: vals, newV: pick(newRow, p.ParentCols)})
	}
}

// fkDeleted queues the actions of a deleted row.
func (w *TableWriter) fkDeleted(ec *Ctx, old []types.Datum) {
	for _, p := range w.FKIn {
		vals := pick(old, p.ParentCols)
		if hasNull(vals) {
			continue
		}
		ec.Txn.FK.pending = append(ec.Txn.FK.pending, fkEvent{p: p, kind: fkParentDeleted, vals: vals})
	}
}

func pick(row []types.Datum, cols []int) []types.Datum {
	out := make([]types.Datum, len(cols))
	for i, c := range cols {
		out[i] = row[c]
	}
	return out
}

func hasNull(vals []types.Datum) bool {
	for _, v := range vals {
		if v == nil {
			return true
		}
	}
	return false
}

// sameVals reports whether a and b hold the same values in cols (as
// their keys encode them; NULL equals NULL).
func sameVals(t *catalog.Table, cols []int, a, b []types.Datum) bool {
	for _, c := range cols {
		if !sameDatum(t.Columns[c].Type, a[c], b[c]) {
			return false
		}
	}
	return true
}

func sameDatum(t types.T, a, b types.Datum) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return bytes.Equal(types.AppendKey(nil, t, a), types.AppendKey(nil, t, b))
}

func (ec *Ctx) runFKEvent(ev *fkEvent) error {
	defer ec.CheckingReads()()
	if ev.u != nil {
		return ec.runUniqueCheck(ev.u)
	}
	if ev.kind == fkChildWritten {
		return ec.fkCheckChild(ev)
	}
	return ec.fkParentChanged(ev)
}

// fkCheckChild checks that the parent of a child row's key exists.
func (ec *Ctx) fkCheckChild(ev *fkEvent) error {
	p, txn := ev.p, ec.Txn.Kv
	val, ok, err := txn.Get(p.Child.Space, ev.key)
	if err != nil || !ok {
		return err // deleted since: nothing to check
	}
	row := make([]types.Datum, len(p.Child.Columns))
	if err := types.DecodeRow(val, p.ChildRowCols, row); err != nil {
		return err
	}
	for i, c := range p.ChildCols {
		if !sameDatum(p.Child.Columns[c].Type, row[c], ev.vals[i]) {
			return nil // changed since: its new key has its own event
		}
	}
	if hasNull(ev.vals) {
		return &pgerror.Error{Code: pgerror.ForeignKeyViolation, Table: p.Child.Name, Constraint: p.FK.Name,
			Message: "insert or update on table \"" + p.Child.Name + "\" violates foreign key constraint \"" + p.FK.Name + "\"",
			Detail:  "MATCH FULL does not allow mixing of null and nonnull key values."}
	}
	found, pk, err := ec.fkParentRow(p, ev.vals, true)
	if err != nil {
		return err
	}
	if found {
		if ec.RowLocker == nil {
			return nil
		}
		return ec.RowLocker.ParentLock(ec, LockRow{Table: p.Parent, Key: pk})
	}
	return p.childViolation(ec, ev.vals)
}

// fkParentExists looks up the parent key of vals (the child's values when
// fromChild, else the parent's): a Get the transaction records.
func (ec *Ctx) fkParentExists(p *FKPlan, vals []types.Datum, fromChild bool) (bool, error) {
	found, _, err := ec.fkParentRow(p, vals, fromChild)
	return found, err
}

// fkParentRow is fkParentExists returning the parent row's primary key
// too (its stored key, for a lock).
func (ec *Ctx) fkParentRow(p *FKPlan, vals []types.Datum, fromChild bool) (bool, []byte, error) {
	var k []byte
	for _, i := range p.ParentKey {
		pt := p.Parent.Columns[p.ParentCols[i]].Type
		v := vals[i]
		if fromChild {
			ct := p.Child.Columns[p.ChildCols[i]].Type
			if ct.OID != pt.OID {
				var err error
				if v, err = types.Cast(ec.Ev, v, ct, types.T{OID: pt.OID, Mod: -1}, types.CastAssignment); err != nil {
					return false, nil, nil // no parent can hold it (out of range)
				}
			}
		}
		k = types.AppendKey(k, pt, v)
	}
	val, found, err := ec.Txn.Kv.Get(p.ParentSpace, k)
	if err != nil || !found {
		return false, nil, err
	}
	if p.ParentSpace == p.Parent.Space {
		return true, k, nil
	}
	return true, val, nil // a unique index's entry holds the row's key
}

// ValidateRow is ALTER TABLE … ADD FOREIGN KEY's and VALIDATE
// CONSTRAINT's check of one existing child row.
func (p *FKPlan) ValidateRow(ec *Ctx, row []types.Datum) error {
	vals := pick(row, p.ChildCols)
	nulls := 0
	for _, v := range vals {
		if v == nil {
			nulls++
		}
	}
	if nulls == len(vals) || nulls > 0 && p.FK.Match != 'f' {
		return nil
	}
	if nulls > 0 {
		return &pgerror.Error{Code: pgerror.ForeignKeyViolation, Table: p.Child.Name, Constraint: p.FK.Name,
			Message: "insert or update on table \"" + p.Child.Name + "\" violates foreign key constraint \"" + p.FK.Name + "\"",
			Detail:  "MATCH FULL does not allow mixing of null and nonnull key values."}
	}
	if found, err := ec.fkParentExists(p, vals, true); err != nil || found {
		return err
	}
	return p.childViolation(ec, vals)
}

func (p *FKPlan) childViolation(ec *Ctx, vals []types.Datum) error {
	return &pgerror.Error{Code: pgerror.ForeignKeyViolation, Table: p.Child.Name, Constraint: p.FK.Name,
		Message: "insert or update on table \"" + p.Child.Name + "\" violates foreign key constraint \"" + p.FK.Name + "\"",
		Detail:  "Key " + keyText(ec, p.Child, p.ChildCols, vals) + " is not present in table \"" + p.Parent.Name + "\"."}
}

func (p *FKPlan) parentViolation(ec *Ctx, vals []types.Datum) error {
	return &pgerror.Error{Code: pgerror.ForeignKeyViolation, Table: p.Child.Name, Constraint: p.FK.Name,
		Message: "update or delete on table \"" + p.Parent.Name + "\" violates foreign key constraint \"" + p.FK.Name + "\" on table \"" + p.childName() + "\"",
		Detail:  "Key " + keyText(ec, p.Parent, p.ParentCols, vals) + " is still referenced from table \"" + p.childName() + "\"."}
}

// keyText is "(a, b)=(1, 2)" as PostgreSQL's RI errors print keys.
func keyText(ec *Ctx, t *catalog.Table, cols []int, vals []types.Datum) string {
	names := make([]string, len(cols))
	texts := make([]string, len(cols))
	for i, c := range cols {
		names[i] = t.Columns[c].Name
		if vals[i] == nil {
			texts[i] = "null"
		} else {
			texts[i] = string(types.AppendTextLoc(nil, t.Columns[c].Type, vals[i], ec.Ev.Location))
		}
	}
	return "(" + strings.Join(names, ", ") + ")=(" + strings.Join(texts, ", ") + ")"
}

// fkParentChanged runs the action for a deleted or re-keyed parent row.
func (ec *Ctx) fkParentChanged(ev *fkEvent) error {
	p := ev.p
	action := p.FK.OnDelete
	if ev.kind == fkParentUpdated {
		action = p.FK.OnUpdate
	}
	if action == 'a' {
		// NO ACTION: a row holding the same key again satisfies the children.
		if found, err := ec.fkParentExists(p, ev.vals, false); err != nil || found {
			return err
		}
	}
	refs, rows, err := ec.fkChildren(p, ev.vals, action == 'a' || action == 'r')
	if err != nil || len(rows) == 0 {
		return err
	}
	switch action {
	case 'a', 'r':
		return p.parentViolation(ec, ev.vals)
	case 'c':
		for i, row := range rows {
			if ev.kind == fkParentDeleted {
				if err := ec.triggeredDelete(p.ChildWriter, refs[i], row); err != nil {
					return err
				}
				continue
			}
			nr := append([]types.Datum(nil), row...)
			for j, c := range p.ChildCols {
				v, err := castTo(ec, ev.newV[j], p.Parent.Columns[p.ParentCols[j]].Type, p.Child.Columns[c].Type)
				if err != nil {
					return err
				}
				nr[c] = v
			}
			if err := ec.triggeredUpdate(p.ChildWriter, refs[i], row, nr, p.ChildCols); err != nil {
				return err
			}
		}
	case 'n', 'd':
		cols := p.ChildCols
		if ev.kind == fkParentDeleted && len(p.DeleteSet) > 0 {
			cols = p.DeleteSet
		}
		for i, row := range rows {
			nr := append([]types.Datum(nil), row...)
			for _, c := range cols {
				nr[c] = nil
				if action == 'd' {
					v, err := p.ChildWriter.DefaultValue(ec, c)
					if err != nil {
						return err
					}
					nr[c] = v
				}
			}
			if err := ec.triggeredUpdate(p.ChildWriter, refs[i], row, nr, cols); err != nil {
				return err
			}
		}
	}
	return nil
}

func castTo(ec *Ctx, v types.Datum, from, to types.T) (types.Datum, error) {
	if v == nil || from.OID == to.OID {
		return v, nil
	}
	return types.Cast(ec.Ev, v, from, to, types.CastAssignment)
}

// fkChildren returns the child rows referencing the parent key vals (at
// most one when first). The index range or the scan is recorded as read.
func (ec *Ctx) fkChildren(p *FKPlan, vals []types.Datum, first bool) ([]RowRef, [][]types.Datum, error) {
	cv := make([]types.Datum, len(vals))
	for i, c := range p.ChildCols {
		v, err := castTo(ec, vals[i], p.Parent.Columns[p.ParentCols[i]].Type, types.T{OID: p.Child.Columns[c].Type.OID, Mod: -1})
		if err != nil {
			return nil, nil, nil // no child can hold it
		}
		cv[i] = v
	}
	txn := ec.Txn.Kv
	var refs []RowRef
	var rows [][]types.Datum
	consider := func(key, val []byte) (bool, error) {
		row := make([]types.Datum, len(p.Child.Columns))
		if err := types.DecodeRow(val, p.ChildRowCols, row); err != nil {
			return false, err
		}
		for i, c := range p.ChildCols {
			if row[c] == nil || !sameDatum(p.Child.Columns[c].Type, row[c], cv[i]) {
				return false, nil
			}
		}
		refs = append(refs, RowRef{Key: bytes.Clone(key), Val: bytes.Clone(val)})
		rows = append(rows, row)
		return first, nil
	}
	var prefix []byte
	for _, i := range p.ChildKey {
		prefix = types.AppendKey(prefix, p.Child.Columns[p.ChildCols[i]].Type, cv[i])
	}
	if p.ChildIndex != nil {
		it := txn.Scan(p.ChildIndex.Space, prefix, prefixEnd(prefix), false)
		defer it.Close()
		for it.Next() {
			pk := it.Value()
			val, ok, err := txn.Get(p.Child.Space, pk)
			if err != nil {
				return nil, nil, err
			}
			if !ok {
				continue
			}
			if stop, err := consider(pk, val); err != nil || stop {
				return refs, rows, err
			}
		}
		return refs, rows, it.Err()
	}
	var end []byte
	if p.ChildByPK {
		end = prefixEnd(prefix)
	}
	it := txn.Scan(p.Child.Space, prefix, end, false)
	defer it.Close()
	for it.Next() {
		if err := ec.Tick(); err != nil {
			return nil, nil, err
		}
		if stop, err := consider(it.Key(), it.Value()); err != nil || stop {
			return refs, rows, err
		}
	}
	return refs, rows, it.Err()
}

func (p *FKPlan) childName() string {
	if p.ChildName != "" {
		return p.ChildName
	}
	return p.Child.Name
}
