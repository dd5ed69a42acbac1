package exec

import (
	"bytes"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/catalog"
	"logdb/sql/pgcatalog"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// TableWriter writes rows of one table and its indexes, enforcing NOT
// NULL, CHECK and unique constraints. Uniqueness is a Get of the key in the
// transaction: OCC validates at apply that no one else wrote it meanwhile.
// Its reads are integrity checks (CheckingReads): recorded at every
// isolation level.
type TableWriter struct {
	T        *catalog.Table
	RowCols  []types.RowColumn
	Defaults []Expr
	Checks   []CheckExpr
	Domains  []DomainColumn // columns of a domain type (domain.go)
	// Generated computes the stored generated columns (nil: none; else
	// nil for an ordinary column), before the constraints are checked.
	Generated []Expr
	// InsertRLS and UpdateRLS are the row level security checks of a new
	// row inserted or updated (nil: none hold for the role); ConflictRLS
	// those of the existing row ON CONFLICT DO UPDATE updates
	// (rowsecurity.go). The planner sets them for a statement's target
	// only: foreign key actions are not held to them, as in PostgreSQL.
	InsertRLS, UpdateRLS, ConflictRLS []RLSCheck
	buf                               []byte
	// touched holds the keys this statement inserted or updated through
	// ON CONFLICT (a row may not be affected twice); reset per statement.
	Touched map[string]bool
	// FKOut are the table's foreign keys, FKIn those referencing it
	// (fk.go): writes queue their checks and actions.
	FKOut, FKIn []*FKPlan
	// IxEvals are the table's expression and partial indexes, compiled
	// (by index OID; index_expr.go).
	IxEvals map[uint32]*IndexEval
	// Upserted tells whether the last Insert updated the conflicting row
	// (ON CONFLICT DO UPDATE) rather than inserting one.
	Upserted bool
	// Part is a partition's partition constraint (partition.go), nil
	// for any other table.
	Part *PartConstraint
}

type CheckExpr struct {
	Name string
	E    Expr
}

func PgCatalogName(schema, name string) bool {
	return (schema == "" || schema == "pg_catalog" || schema == "information_schema") && pgcatalog.Lookup(schema, name) != nil
}

var treeVersion int32

func ParseTreeVersion() int32 {
	if treeVersion == 0 {
		if r, err := pg_query.Parse("SELECT 1"); err == nil {
			treeVersion = r.Version
		}
	}
	return treeVersion
}

// DeparseExpr prints an expression node as SQL text.
func DeparseExpr(n *pg_query.Node) (string, error) {
	res := &pg_query.ParseResult{Version: ParseTreeVersion(), Stmts: []*pg_query.RawStmt{{Stmt: &pg_query.Node{Node: &pg_query.Node_SelectStmt{SelectStmt: &pg_query.SelectStmt{
		TargetList: []*pg_query.Node{{Node: &pg_query.Node_ResTarget{ResTarget: &pg_query.ResTarget{Val: n}}}},
	}}}}}}
	s, err := pg_query.Deparse(res)
	if err != nil {
		return "", pgerror.Wrap(err, pgerror.Internal, "deparse")
	}
	return strings.TrimPrefix(s, "SELECT "), nil
}

func (w *TableWriter) DefaultValue(ec *Ctx, c int) (types.Datum, error) {
	if w.Defaults[c] == nil {
		return nil, nil
	}
	return w.Defaults[c].Eval(ec, nil)
}

// validate computes the generated columns of a new row version, then
// checks its row level security (rls), NOT NULL and CHECK constraints.
func (w *TableWriter) validate(ec *Ctx, row []types.Datum, rls []RLSCheck) error {
	for i, g := range w.Generated {
		if g == nil {
			continue
		}
		row[i] = nil // an expression never reads a generated column
	}
	for i, g := range w.Generated {
		if g == nil {
			continue
		}
		v, err := g.Eval(ec, row)
		if err != nil {
			return err
		}
		row[i] = v
	}
	if err := w.checkDomains(ec, row); err != nil {
		return err
	}
	if err := checkRowSecurity(ec, w.T.Name, rls, row); err != nil {
		return err
	}
	for i, c := range w.T.Columns {
		if row[i] == nil && (c.NotNull || w.T.IsPK(c.ID)) {
			return &pgerror.Error{Code: pgerror.NotNullViolation, Table: w.T.Name, Column: c.Name,
				Message: "null value in column \"" + c.Name + "\" of relation \"" + w.T.Name + "\" violates not-null constraint",
				Detail:  "Failing row contains " + w.rowText(ec, row) + "."}
		}
	}
	for _, ck := range w.Checks {
		v, err := ck.E.Eval(ec, row)
		if err != nil {
			return err
		}
		if v == false {
			return &pgerror.Error{Code: pgerror.CheckViolation, Table: w.T.Name, Constraint: ck.Name,
				Message: "new row for relation \"" + w.T.Name + "\" violates check constraint \"" + ck.Name + "\"",
				Detail:  "Failing row contains " + w.rowText(ec, row) + "."}
		}
	}
	return w.checkPartition(ec, row)
}

func (w *TableWriter) rowText(ec *Ctx, row []types.Datum) string {
	parts := make([]string, len(row))
	for i, v := range row {
		if v == nil {
			parts[i] = "null"
			continue
		}
		parts[i] = string(types.AppendTextLoc(nil, w.T.Columns[i].Type, v, ec.Ev.Location))
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func (w *TableWriter) pkKey(ec *Ctx, row []types.Datum) []byte {
	if len(w.T.PKIdx) == 0 {
		return types.AppendKey(nil, Int8T, ec.Host.NewRowID())
	}
	var k []byte
	for _, i := range w.T.PKIdx {
		k = types.AppendKey(k, w.T.Columns[i].Type, row[i])
	}
	return k
}

// indexKey returns an index entry's key and whether it is checked for
// uniqueness (unique index, no NULL in its columns).
func (w *TableWriter) IndexKey(ix *catalog.Index, row []types.Datum, pk []byte) ([]byte, bool) {
	var k []byte
	hasNull := false
	for _, id := range ix.Columns {
		i := w.T.ColIndexByID(id)
		if row[i] == nil {
			hasNull = true
		}
		k = types.AppendKey(k, w.T.Columns[i].Type, row[i])
	}
	if !ix.Unique || (hasNull && !ix.NullsNotDistinct) || ix.Deferrable {
		return append(k, pk...), false
	}
	return k, true
}

func (w *TableWriter) UniqueErr(ec *Ctx, name string, ids []uint32, row []types.Datum) error {
	var cols, vals []string
	for _, id := range ids {
		i := w.T.ColIndexByID(id)
		cols = append(cols, w.T.Columns[i].Name)
		if row[i] == nil {
			vals = append(vals, "null")
		} else {
			vals = append(vals, string(types.AppendTextLoc(nil, w.T.Columns[i].Type, row[i], ec.Ev.Location)))
		}
	}
	return &pgerror.Error{Code: pgerror.UniqueViolation, Table: w.T.Name, Constraint: name,
		Message: "duplicate key value violates unique constraint \"" + name + "\"",
		Detail:  "Key (" + strings.Join(cols, ", ") + ")=(" + strings.Join(vals, ", ") + ") already exists."}
}

// insert writes a new row; with ON CONFLICT it may skip or update the
// conflicting row instead (inserted reports whether a row was affected).
func (w *TableWriter) Insert(ec *Ctx, row []types.Datum, oc *OnConflictPlan) ([]types.Datum, bool, error) {
	defer ec.CheckingReads()()
	w.Upserted = false
	if err := w.validate(ec, row, w.InsertRLS); err != nil {
		return nil, false, err
	}
	txn := ec.Txn.Kv
	t := w.T
	key := w.pkKey(ec, row)
	uniq := make([][]byte, len(t.Indexes)) // keys checked for uniqueness
	conflict := func(name string, ix *catalog.Index, pk []byte) ([]types.Datum, bool, error) {
		if oc == nil || (len(oc.Arbiters) > 0 && !Contains(oc.Arbiters, name)) {
			if ix == nil {
				return nil, false, w.UniqueErr(ec, name, t.PK, row)
			}
			return nil, false, w.IndexUniqueErr(ec, ix, row)
		}
		if oc.DoNothing {
			return nil, false, nil
		}
		if w.Touched[string(pk)] {
			return nil, false, &pgerror.Error{Code: pgerror.CardinalityViolation,
				Message: "ON CONFLICT DO UPDATE command cannot affect row a second time",
				Hint:    "Ensure that no rows proposed for insertion within the same command have duplicate constrained values."}
		}
		val, ok, err := txn.Get(t.Space, pk)
		if err != nil || !ok {
			return nil, false, err
		}
		old := make([]types.Datum, len(t.Columns))
		if err := types.DecodeRow(val, w.RowCols, old); err != nil {
			return nil, false, err
		}
		comb := append(append([]types.Datum(nil), old...), row...)
		if oc.Where != nil {
			ok, err := evalBool(ec, oc.Where, comb)
			if err != nil || !ok {
				return nil, false, err
			}
		}
		if err := checkRowSecurity(ec, t.Name, w.ConflictRLS, old); err != nil {
			return nil, false, err
		}
		nr := append([]types.Datum(nil), old...)
		for _, s := range oc.Sets {
			v, err := s.E.Eval(ec, comb)
			if err != nil {
				return nil, false, err
			}
			nr[s.Col] = v
		}
		// the row is updated: UPDATE's row triggers fire (trigger.go)
		setCols := make([]int, len(oc.Sets))
		for i, s := range oc.Sets {
			setCols[i] = s.Col
		}
		nr, skip, err := ec.BeforeRow(t, catalog.TrigUpdate, old, nr, setCols)
		if err != nil || skip {
			return nil, false, err
		}
		if _, err := w.Update(ec, RowRef{Key: pk, Val: val}, old, nr); err != nil {
			return nil, false, err
		}
		ec.QueueAfterRow(t, catalog.TrigUpdate, old, nr, setCols)
		if w.Touched != nil {
			w.Touched[string(w.pkKeyOf(nr, pk))] = true
		}
		w.Upserted = true
		return nr, true, nil
	}
	entries := make([][]byte, len(t.Indexes))
	for i, ix := range t.Indexes {
		k, unique, in, err := w.IndexEntry(ec, ix, row, key)
		if err != nil {
			return nil, false, err
		}
		if in {
			entries[i] = k
		}
		if !unique || !in {
			k = nil
		}
		uniq[i] = k
	}
	// ON CONFLICT's arbiters are checked first, as PostgreSQL's
	// speculative insertion does: a conflict there is resolved even when
	// another unique index would also refuse the row.
	for pass := 0; pass < 2; pass++ {
		arbiterPass := pass == 0
		if oc == nil || len(oc.Arbiters) == 0 {
			if arbiterPass {
				continue
			}
		}
		isArbiter := func(name string) bool {
			return oc != nil && len(oc.Arbiters) > 0 && Contains(oc.Arbiters, name)
		}
		if len(t.PKIdx) > 0 && (oc == nil || len(oc.Arbiters) == 0 || isArbiter(t.PKName) == arbiterPass) {
			_, exists, err := txn.Get(t.Space, key)
			if err != nil {
				return nil, false, err
			}
			if exists && !ec.deletedByStatement(t.Space, key) {
				return conflict(t.PKName, nil, key)
			}
		}
		for i, ix := range t.Indexes {
			if uniq[i] == nil || oc != nil && len(oc.Arbiters) > 0 && isArbiter(ix.Name) != arbiterPass {
				continue
			}
			pk, exists, err := txn.Get(ix.Space, uniq[i])
			if err != nil {
				return nil, false, err
			}
			if exists && !ec.deletedByStatement(ix.Space, uniq[i]) {
				return conflict(ix.Name, ix, pk)
			}
		}
	}
	w.buf = types.AppendRow(w.buf[:0], w.RowCols, row)
	txn.Put(t.Space, key, append([]byte(nil), w.buf...), nil)
	if w.Touched != nil {
		w.Touched[string(key)] = true
	}
	for i, ix := range t.Indexes {
		if entries[i] != nil {
			txn.Put(ix.Space, entries[i], key, nil)
		}
	}
	if len(w.FKOut) > 0 {
		w.fkInserted(ec, key, row)
	}
	if err := w.queueUniqueChecks(ec, row, key); err != nil {
		return nil, false, err
	}
	ec.Txn.CountRow(t.OID, rowInserted)
	if err := ec.checkTxnSize(); err != nil {
		return nil, false, err
	}
	ec.QueueAfterRow(t, catalog.TrigInsert, nil, row, nil) // trigger.go
	return row, true, nil
}

func Contains(xs []string, x string) bool {
	for _, s := range xs {
		if s == x {
			return true
		}
	}
	return false
}

// update replaces the row at ref with newRow (moving it when its primary
// key changed) and maintains the indexes.
func (w *TableWriter) Update(ec *Ctx, ref RowRef, old, newRow []types.Datum) ([]types.Datum, error) {
	defer ec.CheckingReads()()
	if err := w.validate(ec, newRow, w.UpdateRLS); err != nil {
		return nil, err
	}
	txn := ec.Txn.Kv
	t := w.T
	newKey := ref.Key
	if len(t.PKIdx) > 0 {
		newKey = w.pkKey(ec, newRow)
	}
	moved := !bytes.Equal(newKey, ref.Key)
	if moved {
		if _, exists, err := txn.Get(t.Space, newKey); err != nil {
			return nil, err
		} else if exists {
			return nil, w.UniqueErr(ec, t.PKName, t.PK, newRow)
		}
	}
	type change struct {
		ix       *catalog.Index
		oldK     []byte
		newK     []byte
		changed  bool
		checkNew bool
	}
	changes := make([]change, len(t.Indexes))
	for i, ix := range t.Indexes {
		ok, _, oldIn, err := w.IndexEntry(ec, ix, old, ref.Key)
		if err != nil {
			return nil, err
		}
		nk, unique, newIn, err := w.IndexEntry(ec, ix, newRow, newKey)
		if err != nil {
			return nil, err
		}
		if !oldIn {
			ok = nil // no entry to remove
		}
		if !newIn {
			nk = nil // no entry to write
		}
		c := change{ix: ix, oldK: ok, newK: nk, changed: !bytes.Equal(ok, nk) || oldIn != newIn}
		if c.changed && unique && newIn {
			if pk, exists, err := txn.Get(ix.Space, nk); err != nil {
				return nil, err
			} else if exists && !bytes.Equal(pk, ref.Key) {
				return nil, w.IndexUniqueErr(ec, ix, newRow)
			}
		}
		changes[i] = c
	}
	val := types.AppendRow(nil, w.RowCols, newRow)
	if moved {
		txn.Delete(t.Space, ref.Key, ref.Val)
		txn.Put(t.Space, newKey, val, nil)
	} else {
		txn.Put(t.Space, ref.Key, val, ref.Val)
	}
	for _, c := range changes {
		if c.changed {
			if c.oldK != nil {
				txn.Delete(c.ix.Space, c.oldK, ref.Key)
			}
			if c.newK != nil {
				txn.Put(c.ix.Space, c.newK, newKey, nil)
			}
		} else if moved && c.newK != nil {
			txn.Put(c.ix.Space, c.newK, newKey, ref.Key)
		}
	}
	if len(w.FKOut) > 0 || len(w.FKIn) > 0 {
		w.fkUpdated(ec, newKey, old, newRow)
	}
	if err := w.queueUniqueChecks(ec, newRow, newKey); err != nil {
		return nil, err
	}
	ec.Txn.CountRow(t.OID, RowUpdated)
	if err := ec.checkTxnSize(); err != nil {
		return nil, err
	}
	return newRow, nil
}

func (w *TableWriter) Delete(ec *Ctx, ref RowRef, old []types.Datum) error {
	txn := ec.Txn.Kv
	txn.Delete(w.T.Space, ref.Key, ref.Val)
	for _, ix := range w.T.Indexes {
		k, _, in, err := w.IndexEntry(ec, ix, old, ref.Key)
		if err != nil {
			return err
		}
		if in {
			txn.Delete(ix.Space, k, ref.Key)
		}
	}
	if len(w.FKIn) > 0 {
		w.fkDeleted(ec, old)
	}
	ec.Txn.CountRow(w.T.OID, rowDeleted)
	return ec.checkTxnSize()
}

// CheckingReads records the reads made until the returned function is
// called even in a READ COMMITTED or REPEATABLE READ transaction, which
// records no plain read (kv.Txn.Checking): unique-key and foreign-key
// checks, whose loss at commit validation would let a constraint be
// broken.
func (ec *Ctx) CheckingReads() func() {
	if ec.Txn == nil || ec.Txn.Kv == nil {
		return func() {}
	}
	return ec.Txn.Kv.Checking()
}

// checkTxnSize fails with 54000 once the transaction's buffered writes
// pass Config.MaxTxnBytes: its log entry would be refused at COMMIT anyway,
// and the buffer is bounded instead of growing with the statement.
func (ec *Ctx) checkTxnSize() error {
	if size, limit := ec.Txn.Kv.Size(), ec.Limits.MaxTxnBytes; size > limit {
		return ec.Host.TxnTooLarge(size, limit)
	}
	return nil
}

// pkKeyOf returns the primary key of row (or old for tables without one).
func (w *TableWriter) pkKeyOf(row []types.Datum, old []byte) []byte {
	if len(w.T.PKIdx) == 0 {
		return old
	}
	var k []byte
	for _, i := range w.T.PKIdx {
		k = types.AppendKey(k, w.T.Columns[i].Type, row[i])
	}
	return k
}

type SetItem struct {
	Col int
	E   Expr
}

type OnConflictPlan struct {
	DoNothing bool
	Arbiters  []string // constraint names; empty: any
	Sets      []SetItem
	Where     Expr // over existing row ++ excluded row
}
