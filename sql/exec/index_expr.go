package exec

import (
	"strings"

	"logdb/sql/catalog"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// IndexEval is an expression or partial index compiled for a table's
// writer: Exprs[i] computes key element i (nil for a column), Pred
// decides which rows have an entry (nil: all). Names are the key
// elements as PostgreSQL's DETAIL prints them ("lower(email)").
type IndexEval struct {
	Exprs []Expr
	Pred  Expr
	Names []string
}

// IndexEntry returns row's entry in index ix: its key, whether the key is
// checked for uniqueness (a unique index and no NULL among its elements)
// and whether the row has an entry at all (a partial index's predicate).
// Plain indexes need no evaluation; others use w.IxEvals.
func (w *TableWriter) IndexEntry(ec *Ctx, ix *catalog.Index, row []types.Datum, pk []byte) (key []byte, unique, in bool, err error) {
	if ix.Plain() {
		k, u := w.IndexKey(ix, row, pk)
		return k, u, true, nil
	}
	ie := w.IxEvals[ix.OID]
	if ie == nil {
		return nil, false, false, pgerror.New(pgerror.Internal, "BUG: index %q has no compiled expressions", ix.Name)
	}
	if ie.Pred != nil {
		if ok, err := evalBool(ec, ie.Pred, row); err != nil || !ok {
			return nil, false, false, err
		}
	}
	vals, ts, err := w.indexValues(ec, ix, ie, row)
	if err != nil {
		return nil, false, false, err
	}
	hasNull := false
	for i, v := range vals {
		hasNull = hasNull || v == nil
		key = types.AppendKey(key, ts[i], v)
	}
	if !ix.Unique || (hasNull && !ix.NullsNotDistinct) || ix.Deferrable {
		return append(key, pk...), false, true, nil
	}
	return key, true, true, nil
}

// indexValues computes the key elements of row in index ix.
func (w *TableWriter) indexValues(ec *Ctx, ix *catalog.Index, ie *IndexEval, row []types.Datum) ([]types.Datum, []types.T, error) {
	vals, ts := make([]types.Datum, len(ix.Columns)), make([]types.T, len(ix.Columns))
	for i, id := range ix.Columns {
		if ie != nil && i < len(ie.Exprs) && ie.Exprs[i] != nil {
			v, err := ie.Exprs[i].Eval(ec, row)
			if err != nil {
				return nil, nil, err
			}
			vals[i], ts[i] = v, ie.Exprs[i].Type()
			continue
		}
		c := w.T.ColIndexByID(id)
		vals[i], ts[i] = row[c], w.T.Columns[c].Type
	}
	return vals, ts, nil
}

// IndexUniqueErr is the 23505 error for row's key in unique index ix,
// naming its elements as PostgreSQL does: "Key (lower(email))=(a@b)
// already exists."
func (w *TableWriter) IndexUniqueErr(ec *Ctx, ix *catalog.Index, row []types.Datum) error {
	if ix.Plain() {
		return w.UniqueErr(ec, ix.Name, ix.Columns, row)
	}
	ie := w.IxEvals[ix.OID]
	vals, ts, err := w.indexValues(ec, ix, ie, row)
	if err != nil {
		return err
	}
	names := make([]string, len(vals))
	texts := make([]string, len(vals))
	for i, v := range vals {
		if i < len(ie.Names) && ie.Names[i] != "" {
			names[i] = ie.Names[i]
		} else {
			names[i] = w.T.Columns[w.T.ColIndexByID(ix.Columns[i])].Name
		}
		if v == nil {
			texts[i] = "null"
		} else {
			texts[i] = string(types.AppendTextLoc(nil, ts[i], v, ec.Ev.Location))
		}
	}
	return &pgerror.Error{Code: pgerror.UniqueViolation, Table: w.T.Name, Constraint: ix.Name,
		Message: "duplicate key value violates unique constraint \"" + ix.Name + "\"",
		Detail:  "Key (" + strings.Join(names, ", ") + ")=(" + strings.Join(texts, ", ") + ") already exists."}
}
