package ddl

import (
	"strings"
	"unicode/utf8"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/catalog"
	"logdb/sql/exec"
	"logdb/sql/pgerror"
	"logdb/sql/plan"
	"logdb/sql/types"
)

// addIndex creates an index and builds its entries for existing rows.
func addIndex(ec *Ctx, d *catalog.Writer, t *catalog.Table, name string, ids []uint32, unique, constraint, existing bool) error {
	if d.Cat.RelationExists(catalog.Key(t.Schema, name)) {
		return pgerror.New(pgerror.DuplicateTable, "relation \"%s\" already exists", name)
	}
	oid, err := d.NewOID()
	if err != nil {
		return err
	}
	space, err := d.NewSpace()
	if err != nil {
		return err
	}
	ix := &catalog.Index{OID: oid, Name: name, Space: space, Columns: ids, Unique: unique, Constraint: constraint}
	if constraint {
		if ix.ConOID, err = d.NewOID(); err != nil {
			return err
		}
	}
	t.Indexes = append(t.Indexes, ix)
	d.Cat.Indexes[catalog.Key(t.Schema, name)] = t
	if !existing {
		return nil
	}
	w := &exec.TableWriter{T: t, RowCols: t.RowColumns()}
	txn := ec.Txn.Kv
	return forEachRow(ec, t, func(row []types.Datum, ref exec.RowRef) error {
		k, check := w.IndexKey(ix, row, ref.Key)
		if check {
			if _, exists, err := txn.Get(space, k); err != nil {
				return err
			} else if exists {
				e := w.UniqueErr(ec.Ctx, name, ids, row).(*pgerror.Error)
				e.Message = "could not create unique index \"" + name + "\""
				e.Detail = strings.Replace(e.Detail, "already exists", "is duplicated", 1)
				return e
			}
		}
		txn.Put(space, k, ref.Key, nil)
		return nil
	})
}

func CreateIndex(ec *Ctx, d *catalog.Writer, is *pg_query.IndexStmt, w Noticer) error {
	if is.NullsNotDistinct {
		return pgerror.Unsupported("UNIQUE NULLS NOT DISTINCT") // refused, not ignored
	}
	rv := is.Relation
	key, err := relKey(ec, d, rv) // schema.go
	if err != nil {
		return err
	}
	t, ok := d.Cat.Tables[key]
	if !ok {
		return plan.UndefinedTable(rv)
	}
	if err := ec.Session.CheckOwner(d.Cat, t.Owner, "table", t.Name); err != nil {
		return err
	}
	if is.WhereClause != nil {
		return pgerror.Unsupported("partial indexes")
	}
	var ids []uint32
	var names []string
	for _, p := range is.IndexParams {
		ie := p.GetIndexElem()
		if ie.Expr != nil {
			return pgerror.Unsupported("expression indexes")
		}
		_, c := t.Column(ie.Name)
		if c == nil {
			return pgerror.New(pgerror.UndefinedColumn, "column \"%s\" does not exist", ie.Name)
		}
		ids = append(ids, c.ID)
		names = append(names, c.Name)
	}
	name := is.Idxname
	if name == "" {
		name = chooseRelName(d, t.Schema, "idx", t.Name, strings.Join(names, "_")) // "key" is for constraints
	}
	if d.Cat.RelationExists(catalog.Key(t.Schema, name)) {
		if is.IfNotExists {
			_ = w.Notice(Notice(pgerror.DuplicateTable, "relation \""+name+"\" already exists, skipping"))
			return nil
		}
		return pgerror.New(pgerror.DuplicateTable, "relation \"%s\" already exists", name)
	}
	nt := t.Clone()
	if err := addIndex(ec, d, nt, name, ids, is.Unique, false, true); err != nil {
		return err
	}
	return d.PutTable(nt)
}

// dropIndex drops the index of key, which exists; an index backing a
// constraint cannot be dropped on its own (2BP01).
func dropIndex(d *catalog.Writer, key string) error {
	t := d.Cat.Indexes[key]
	_, name := catalog.SplitKey(key)
	nt := t.Clone()
	found := false
	for i, ix := range nt.Indexes {
		if ix.Name == name {
			if ix.Constraint {
				return pgerror.New("2BP01", "cannot drop index %s because constraint %s on table %s requires it", name, name, t.Name)
			}
			d.Txn.DropSpace(ix.Space)
			nt.Indexes = append(nt.Indexes[:i], nt.Indexes[i+1:]...)
			delete(d.Cat.Indexes, key)
			found = true
			break
		}
	}
	if !found {
		return pgerror.New("2BP01", "cannot drop index %s because constraint %s on table %s requires it", name, name, t.Name)
	}
	return d.PutTable(nt)
}

// chooseRelName picks the name PostgreSQL's ChooseRelationName would for
// an index, constraint or sequence that was given none: the names and the
// label joined by "_" (t_a_key, t_id_seq, t_pkey), the longer of the
// names shortened until it fits in 63 bytes, and a number after the label
// (t_a_key1, t_a_key2, …) until no relation has the name.
func chooseRelName(d *catalog.Writer, schema, label string, names ...string) string {
	for pass := 0; ; pass++ {
		l := label
		if pass > 0 {
			l += exec.Itoa(pass)
		}
		name := makeObjectName(l, names...)
		if !d.Cat.RelationExists(catalog.Key(schema, name)) {
			return name
		}
	}
}

// makeObjectName is PostgreSQL's makeObjectName: names_label, with the
// longest name trimmed (at a character boundary) while the whole is over
// 63 bytes.
func makeObjectName(label string, names ...string) string {
	parts := append([]string(nil), names...)
	total := func() int {
		n := len(label)
		for _, p := range parts {
			n += len(p) + 1
		}
		return n
	}
	for total() > 63 {
		longest := 0
		for i := range parts {
			if len(parts[i]) > len(parts[longest]) {
				longest = i
			}
		}
		p := parts[longest]
		cut := len(p) - 1
		for cut > 0 && !utf8.RuneStart(p[cut]) {
			cut--
		}
		parts[longest] = p[:cut]
	}
	return strings.Join(append(parts, label), "_")
}
