package ddl

import (
	"fmt"
	"slices"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/catalog"
	"logdb/sql/pgerror"
)

// CREATE TABLE t (LIKE src [INCLUDING … | EXCLUDING …], …), as PostgreSQL
// 15: the source's columns (names, types, NOT NULL) are copied where the
// LIKE stands; defaults, CHECK constraints and indexes (primary key,
// unique constraints and plain indexes, named for the new table) only when
// included. Foreign keys are never copied; generation expressions with
// INCLUDING GENERATED (else the column is a plain one). logdb's identity columns are serial columns, so INCLUDING DEFAULTS
// copies an identity column's nextval default (PostgreSQL copies the
// identity only with INCLUDING IDENTITY, making a new sequence).

// PostgreSQL's TableLikeOption bits (parsenodes.h).
const (
	likeConstraints = 1 << 2
	likeDefaults    = 1 << 3
	likeGenerated   = 1 << 4
	likeIndexes     = 1 << 6
)

// likeIndex is a plain index of the source, made on the new table once its
// columns and constraints exist.
type likeIndex struct {
	cols     []string       // its key columns by name ("" for an expression element)
	src      *catalog.Index // the source's index: flags, expressions, predicate
	srcTable *catalog.Table
}

// likeColumns appends the columns of lc's source to t and returns the
// constraints and plain indexes to add after the table's own.
func likeColumns(ec *Ctx, d *catalog.Writer, t *catalog.Table, lc *pg_query.TableLikeClause) ([]*pg_query.Constraint, []likeIndex, error) {
	rv := lc.Relation
	key, err := relKey(ec, d, rv) // schema.go
	if err != nil {
		return nil, nil, err
	}
	src, ok := d.Cat.Tables[key]
	if !ok {
		if v, isView := d.Cat.Views[key]; isView && v != nil {
			return nil, nil, pgerror.Unsupported("CREATE TABLE … (LIKE a view)")
		}
		return nil, nil, pgerror.New(pgerror.UndefinedTable, "relation \"%s\" does not exist", rv.Relname)
	}
	if err := ec.Session.CheckTablePriv(d.Cat, src, 'r'); err != nil {
		return nil, nil, err
	}
	for _, sc := range src.Columns {
		if _, c := t.Column(sc.Name); c != nil {
			return nil, nil, pgerror.New(pgerror.DuplicateColumn, "column \"%s\" specified more than once", sc.Name)
		}
		t.NextCol++
		c := &catalog.Column{ID: t.NextCol, Name: sc.Name, Type: sc.Type, NotNull: sc.NotNull}
		if lc.Options&likeDefaults != 0 {
			c.Default = sc.Default
		}
		if lc.Options&likeGenerated != 0 {
			c.Generated = sc.Generated
		}
		t.Columns = append(t.Columns, c)
		t.Init()
	}
	names := func(ids []uint32) []string {
		out := make([]string, len(ids))
		for i, id := range ids {
			if id != 0 { // 0: an expression element
				out[i] = src.Columns[src.ColIndexByID(id)].Name
			}
		}
		return out
	}
	keys := func(ids []uint32) []*pg_query.Node {
		var out []*pg_query.Node
		for _, n := range names(ids) {
			out = append(out, pg_query.MakeStrNode(n))
		}
		return out
	}
	var cons []*pg_query.Constraint
	var idx []likeIndex
	if lc.Options&likeConstraints != 0 {
		for _, ck := range src.Checks {
			res, err := pg_query.Parse("SELECT " + ck.Expr)
			if err != nil || len(res.Stmts) != 1 {
				return nil, nil, fmt.Errorf("LIKE: the stored CHECK expression %q does not parse: %v", ck.Expr, err)
			}
			expr := res.Stmts[0].Stmt.GetSelectStmt().TargetList[0].GetResTarget().Val
			cons = append(cons, &pg_query.Constraint{Contype: pg_query.ConstrType_CONSTR_CHECK, Conname: ck.Name, RawExpr: expr})
		}
	}
	if lc.Options&likeIndexes != 0 {
		if len(src.PK) > 0 {
			cons = append(cons, &pg_query.Constraint{Contype: pg_query.ConstrType_CONSTR_PRIMARY, Keys: keys(src.PK)})
		}
		for _, ix := range src.Indexes {
			if ix.Constraint && len(ix.Exprs) == 0 && ix.Pred == "" {
				cons = append(cons, &pg_query.Constraint{Contype: pg_query.ConstrType_CONSTR_UNIQUE, Keys: keys(ix.Columns)})
			} else {
				idx = append(idx, likeIndex{cols: names(ix.Columns), src: ix, srcTable: src})
			}
		}
	}
	return cons, idx, nil
}

// addLikeIndexes makes the plain indexes LIKE … INCLUDING INDEXES copies,
// named as PostgreSQL names them (t_a_b_idx).
// existing says t may hold rows (the indexes are filled).
func addLikeIndexes(ec *Ctx, d *catalog.Writer, t *catalog.Table, idx []likeIndex, existing bool) error {
	for _, li := range idx {
		s := li.src
		ids := make([]uint32, len(li.cols))
		label := make([]string, len(li.cols))
		for i, n := range li.cols {
			if n == "" { // an expression element keeps column 0 and its name
				if i < len(s.ExprNames) {
					label[i] = s.ExprNames[i]
				}
				continue
			}
			_, c := t.Column(n)
			ids[i], label[i] = c.ID, n
		}
		// the columns the expressions and predicate read, by name
		var exprCols []uint32
		for _, id := range s.ExprCols {
			if k := li.srcTable.ColIndexByID(id); k >= 0 {
				if _, c := t.Column(li.srcTable.Columns[k].Name); c != nil {
					exprCols = append(exprCols, c.ID)
				}
			}
		}
		ix := &catalog.Index{
			Name:    chooseRelName(d, t.Schema, "idx", t.Name, strings.Join(label, "_")),
			Columns: ids, Unique: s.Unique,
			Exprs: slices.Clone(s.Exprs), Pred: s.Pred, ExprCols: exprCols,
			ExprNames: slices.Clone(s.ExprNames), ExprTypes: slices.Clone(s.ExprTypes), Options: slices.Clone(s.Options),
		}
		if err := addIndexDef(ec, d, t, ix, existing); err != nil {
			return err
		}
	}
	return nil
}
