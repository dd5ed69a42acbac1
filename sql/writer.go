package sql

import (
	"bytes"
	"fmt"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/catalog"
	"logdb/sql/pgcatalog"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// tableWriter writes rows of one table and its indexes, enforcing NOT
// NULL, CHECK and unique constraints. Uniqueness is a Get of the key in the
// transaction: OCC validates at apply that no one else wrote it meanwhile.
type tableWriter struct {
	t        *catalog.Table
	rowCols  []types.RowColumn
	defaults []expr
	checks   []checkExpr
	buf      []byte
	// touched holds the keys this statement inserted or updated through
	// ON CONFLICT (a row may not be affected twice); reset per statement.
	touched map[string]bool
}

type checkExpr struct {
	name string
	e    expr
}

func pgcatalogName(schema, name string) bool {
	return (schema == "" || schema == "pg_catalog" || schema == "information_schema") && pgcatalog.Lookup(schema, name) != nil
}

// parseExpr parses a stored SQL expression (defaults, checks).
func (e *Engine) parseExpr(text string) (*pg_query.Node, error) {
	stmts, err := e.parse("SELECT " + text)
	if err != nil {
		return nil, err
	}
	if len(stmts) != 1 || stmts[0].node.GetSelectStmt() == nil || len(stmts[0].node.GetSelectStmt().TargetList) != 1 {
		return nil, pgerror.New(pgerror.DataCorrupted, "bad stored expression %q", text)
	}
	return stmts[0].node.GetSelectStmt().TargetList[0].GetResTarget().Val, nil
}

var treeVersion int32

func parseTreeVersion() int32 {
	if treeVersion == 0 {
		if r, err := pg_query.Parse("SELECT 1"); err == nil {
			treeVersion = r.Version
		}
	}
	return treeVersion
}

// deparseExpr prints an expression node as SQL text.
func deparseExpr(n *pg_query.Node) (string, error) {
	res := &pg_query.ParseResult{Version: parseTreeVersion(), Stmts: []*pg_query.RawStmt{{Stmt: &pg_query.Node{Node: &pg_query.Node_SelectStmt{SelectStmt: &pg_query.SelectStmt{
		TargetList: []*pg_query.Node{{Node: &pg_query.Node_ResTarget{ResTarget: &pg_query.ResTarget{Val: n}}}},
	}}}}}}
	s, err := pg_query.Deparse(res)
	if err != nil {
		return "", pgerror.Wrap(err, pgerror.Internal, "deparse")
	}
	return strings.TrimPrefix(s, "SELECT "), nil
}

func (p *planner) defaultExpr(t *catalog.Table, i int) (expr, error) {
	c := t.Columns[i]
	if c.Default == "" {
		return &constExpr{v: nil, t: c.Type}, nil
	}
	n, err := p.s.e.parseExpr(c.Default)
	if err != nil {
		return nil, err
	}
	e, err := p.compileExpr(n, &scope{})
	if err != nil {
		return nil, err
	}
	return p.coerce(e, c.Type, types.CastAssignment)
}

func (p *planner) newTableWriter(t *catalog.Table) (*tableWriter, error) {
	w := &tableWriter{t: t, rowCols: t.RowColumns(), defaults: make([]expr, len(t.Columns))}
	for i, c := range t.Columns {
		if c.Default == "" {
			continue
		}
		e, err := p.defaultExpr(t, i)
		if err != nil {
			return nil, err
		}
		w.defaults[i] = e
	}
	sc := tableScope(t, nil, nil)
	for _, ck := range t.Checks {
		n, err := p.s.e.parseExpr(ck.Expr)
		if err != nil {
			return nil, err
		}
		e, err := p.compilePredicate(n, sc, "CHECK")
		if err != nil {
			return nil, err
		}
		w.checks = append(w.checks, checkExpr{name: ck.Name, e: e})
	}
	return w, nil
}

func (w *tableWriter) defaultValue(ec *runCtx, c int) (types.Datum, error) {
	if w.defaults[c] == nil {
		return nil, nil
	}
	return w.defaults[c].eval(ec, nil)
}

// validate checks NOT NULL and CHECK constraints of a new row version.
func (w *tableWriter) validate(ec *runCtx, row []types.Datum) error {
	for i, c := range w.t.Columns {
		if row[i] == nil && (c.NotNull || w.t.IsPK(c.ID)) {
			return &pgerror.Error{Code: pgerror.NotNullViolation, Table: w.t.Name, Column: c.Name,
				Message: "null value in column \"" + c.Name + "\" of relation \"" + w.t.Name + "\" violates not-null constraint",
				Detail:  "Failing row contains " + w.rowText(ec, row) + "."}
		}
	}
	for _, ck := range w.checks {
		v, err := ck.e.eval(ec, row)
		if err != nil {
			return err
		}
		if v == false {
			return &pgerror.Error{Code: pgerror.CheckViolation, Table: w.t.Name, Constraint: ck.name,
				Message: "new row for relation \"" + w.t.Name + "\" violates check constraint \"" + ck.name + "\"",
				Detail:  "Failing row contains " + w.rowText(ec, row) + "."}
		}
	}
	return nil
}

func (w *tableWriter) rowText(ec *runCtx, row []types.Datum) string {
	parts := make([]string, len(row))
	for i, v := range row {
		if v == nil {
			parts[i] = "null"
			continue
		}
		parts[i] = string(types.AppendTextLoc(nil, w.t.Columns[i].Type, v, ec.ev.Location))
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func (w *tableWriter) pkKey(ec *runCtx, row []types.Datum) []byte {
	if len(w.t.PKIdx) == 0 {
		return types.AppendKey(nil, int8T, ec.host.NewRowID())
	}
	var k []byte
	for _, i := range w.t.PKIdx {
		k = types.AppendKey(k, w.t.Columns[i].Type, row[i])
	}
	return k
}

// indexKey returns an index entry's key and whether it is checked for
// uniqueness (unique index, no NULL in its columns).
func (w *tableWriter) indexKey(ix *catalog.Index, row []types.Datum, pk []byte) ([]byte, bool) {
	var k []byte
	hasNull := false
	for _, id := range ix.Columns {
		i := w.t.ColIndexByID(id)
		if row[i] == nil {
			hasNull = true
		}
		k = types.AppendKey(k, w.t.Columns[i].Type, row[i])
	}
	if !ix.Unique || hasNull {
		return append(k, pk...), false
	}
	return k, true
}

func (w *tableWriter) uniqueErr(ec *runCtx, name string, ids []uint32, row []types.Datum) error {
	var cols, vals []string
	for _, id := range ids {
		i := w.t.ColIndexByID(id)
		cols = append(cols, w.t.Columns[i].Name)
		if row[i] == nil {
			vals = append(vals, "null")
		} else {
			vals = append(vals, string(types.AppendTextLoc(nil, w.t.Columns[i].Type, row[i], ec.ev.Location)))
		}
	}
	return &pgerror.Error{Code: pgerror.UniqueViolation, Table: w.t.Name, Constraint: name,
		Message: "duplicate key value violates unique constraint \"" + name + "\"",
		Detail:  "Key (" + strings.Join(cols, ", ") + ")=(" + strings.Join(vals, ", ") + ") already exists."}
}

// insert writes a new row; with ON CONFLICT it may skip or update the
// conflicting row instead (inserted reports whether a row was affected).
func (w *tableWriter) insert(ec *runCtx, row []types.Datum, oc *onConflictPlan) ([]types.Datum, bool, error) {
	if err := w.validate(ec, row); err != nil {
		return nil, false, err
	}
	txn := ec.txn.kv
	t := w.t
	key := w.pkKey(ec, row)
	conflict := func(name string, ids []uint32, pk []byte) ([]types.Datum, bool, error) {
		if oc == nil || (len(oc.arbiters) > 0 && !contains(oc.arbiters, name)) {
			return nil, false, w.uniqueErr(ec, name, ids, row)
		}
		if oc.doNothing {
			return nil, false, nil
		}
		if w.touched[string(pk)] {
			return nil, false, &pgerror.Error{Code: pgerror.CardinalityViolation,
				Message: "ON CONFLICT DO UPDATE command cannot affect row a second time",
				Hint:    "Ensure that no rows proposed for insertion within the same command have duplicate constrained values."}
		}
		val, ok, err := txn.Get(t.Space, pk)
		if err != nil || !ok {
			return nil, false, err
		}
		old := make([]types.Datum, len(t.Columns))
		if err := types.DecodeRow(val, w.rowCols, old); err != nil {
			return nil, false, err
		}
		comb := append(append([]types.Datum(nil), old...), row...)
		if oc.where != nil {
			ok, err := evalBool(ec, oc.where, comb)
			if err != nil || !ok {
				return nil, false, err
			}
		}
		nr := append([]types.Datum(nil), old...)
		for _, s := range oc.sets {
			v, err := s.e.eval(ec, comb)
			if err != nil {
				return nil, false, err
			}
			nr[s.col] = v
		}
		if _, err := w.update(ec, rowRef{key: pk, val: val}, old, nr); err != nil {
			return nil, false, err
		}
		if w.touched != nil {
			w.touched[string(w.pkKeyOf(nr, pk))] = true
		}
		return nr, true, nil
	}
	if len(t.PKIdx) > 0 {
		_, exists, err := txn.Get(t.Space, key)
		if err != nil {
			return nil, false, err
		}
		if exists {
			return conflict(t.PKName, t.PK, key)
		}
	}
	entries := make([][]byte, len(t.Indexes))
	for i, ix := range t.Indexes {
		k, unique := w.indexKey(ix, row, key)
		entries[i] = k
		if unique {
			pk, exists, err := txn.Get(ix.Space, k)
			if err != nil {
				return nil, false, err
			}
			if exists {
				return conflict(ix.Name, ix.Columns, pk)
			}
		}
	}
	w.buf = types.AppendRow(w.buf[:0], w.rowCols, row)
	txn.Put(t.Space, key, append([]byte(nil), w.buf...), nil)
	if w.touched != nil {
		w.touched[string(key)] = true
	}
	for i, ix := range t.Indexes {
		txn.Put(ix.Space, entries[i], key, nil)
	}
	ec.txn.countRow(t.OID, rowInserted)
	if err := ec.checkTxnSize(); err != nil {
		return nil, false, err
	}
	return row, true, nil
}

func contains(xs []string, x string) bool {
	for _, s := range xs {
		if s == x {
			return true
		}
	}
	return false
}

// update replaces the row at ref with newRow (moving it when its primary
// key changed) and maintains the indexes.
func (w *tableWriter) update(ec *runCtx, ref rowRef, old, newRow []types.Datum) ([]types.Datum, error) {
	if err := w.validate(ec, newRow); err != nil {
		return nil, err
	}
	txn := ec.txn.kv
	t := w.t
	newKey := ref.key
	if len(t.PKIdx) > 0 {
		newKey = w.pkKey(ec, newRow)
	}
	moved := !bytes.Equal(newKey, ref.key)
	if moved {
		if _, exists, err := txn.Get(t.Space, newKey); err != nil {
			return nil, err
		} else if exists {
			return nil, w.uniqueErr(ec, t.PKName, t.PK, newRow)
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
		ok, _ := w.indexKey(ix, old, ref.key)
		nk, unique := w.indexKey(ix, newRow, newKey)
		c := change{ix: ix, oldK: ok, newK: nk, changed: !bytes.Equal(ok, nk)}
		if c.changed && unique {
			if pk, exists, err := txn.Get(ix.Space, nk); err != nil {
				return nil, err
			} else if exists && !bytes.Equal(pk, ref.key) {
				return nil, w.uniqueErr(ec, ix.Name, ix.Columns, newRow)
			}
		}
		changes[i] = c
	}
	val := types.AppendRow(nil, w.rowCols, newRow)
	if moved {
		txn.Delete(t.Space, ref.key, ref.val)
		txn.Put(t.Space, newKey, val, nil)
	} else {
		txn.Put(t.Space, ref.key, val, ref.val)
	}
	for _, c := range changes {
		if c.changed {
			txn.Delete(c.ix.Space, c.oldK, ref.key)
			txn.Put(c.ix.Space, c.newK, newKey, nil)
		} else if moved {
			txn.Put(c.ix.Space, c.newK, newKey, ref.key)
		}
	}
	ec.txn.countRow(t.OID, rowUpdated)
	if err := ec.checkTxnSize(); err != nil {
		return nil, err
	}
	return newRow, nil
}

func (w *tableWriter) delete(ec *runCtx, ref rowRef, old []types.Datum) error {
	txn := ec.txn.kv
	txn.Delete(w.t.Space, ref.key, ref.val)
	for _, ix := range w.t.Indexes {
		k, _ := w.indexKey(ix, old, ref.key)
		txn.Delete(ix.Space, k, ref.key)
	}
	ec.txn.countRow(w.t.OID, rowDeleted)
	return ec.checkTxnSize()
}

// checkTxnSize fails with 54000 once the transaction's buffered writes
// pass Config.MaxTxnBytes: its log entry would be refused at COMMIT anyway,
// and the buffer is bounded instead of growing with the statement.
func (ec *runCtx) checkTxnSize() error {
	if size, limit := ec.txn.kv.Size(), ec.limits.maxTxnBytes; size > limit {
		return ec.host.TxnTooLarge(size, limit)
	}
	return nil
}

// TxnTooLarge is the 54000 error for a transaction whose log entry would
// be size bytes, over limit; the proposer's check at COMMIT uses it too.
func TxnTooLarge(size, limit int64) error {
	return &pgerror.Error{Code: pgerror.ProgramLimitExceeded,
		Message: fmt.Sprintf("transaction too large: its log entry would exceed %d bytes (%d so far)", limit, size),
		Detail:  "Every transaction is one entry in the replicated log, limited by logdb start --max-txn-bytes; nothing of this transaction is applied.",
		Hint:    "Split the work into smaller transactions, or raise --max-txn-bytes (at most " + fmt.Sprint(MaxTxnBytesLimit) + ")."}
}

// pkKeyOf returns the primary key of row (or old for tables without one).
func (w *tableWriter) pkKeyOf(row []types.Datum, old []byte) []byte {
	if len(w.t.PKIdx) == 0 {
		return old
	}
	var k []byte
	for _, i := range w.t.PKIdx {
		k = types.AppendKey(k, w.t.Columns[i].Type, row[i])
	}
	return k
}
