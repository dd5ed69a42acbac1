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

// addIndexDef creates index ix (its name, keys, flags and expressions
// set) on t and, when the table may have rows, builds its entries,
// failing with 23505 on a duplicate key of a unique index.
func addIndexDef(ec *Ctx, d *catalog.Writer, t *catalog.Table, ix *catalog.Index, existing bool) error {
	name := ix.Name
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
	ix.OID, ix.Space = oid, space
	if ix.Constraint {
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
	if !ix.Plain() {
		if w.IxEvals, err = ec.Session.Planner(d.Cat).IndexEvals(t); err != nil {
			return err
		}
	}
	txn := ec.Txn.Kv
	var seen map[string]bool // a deferrable index's keys, checked here
	if ix.Deferrable {
		seen = map[string]bool{}
	}
	return forEachRow(ec, t, func(row []types.Datum, ref exec.RowRef) error {
		k, check, in, err := w.IndexEntry(ec.Ctx, ix, row, ref.Key)
		if err != nil || !in {
			return err
		}
		if seen != nil {
			cp := *ix
			cp.Deferrable = false
			if uk, unique, _, _ := w.IndexEntry(ec.Ctx, &cp, row, ref.Key); unique {
				if seen[string(uk)] {
					e := w.IndexUniqueErr(ec.Ctx, ix, row).(*pgerror.Error)
					e.Message = "could not create unique index \"" + ix.Name + "\""
					e.Detail = strings.Replace(e.Detail, "already exists", "is duplicated", 1)
					return e
				}
				seen[string(uk)] = true
			}
		}
		if check {
			if _, exists, err := txn.Get(space, k); err != nil {
				return err
			} else if exists {
				e := w.IndexUniqueErr(ec.Ctx, ix, row).(*pgerror.Error)
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
	ix, names, err := indexDefinition(ec, d, t, is)
	if err != nil {
		return err
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
	ix.Name = name
	ix.NullsNotDistinct = is.NullsNotDistinct
	if ix.Unique {
		if err := checkUniqueOnPartitioned(t, ix.Columns, "UNIQUE"); err != nil { // partition.go
			return err
		}
	}
	nt := t.Clone()
	if err := addIndexDef(ec, d, nt, ix, true); err != nil {
		return err
	}
	if err := d.PutTable(nt); err != nil {
		return err
	}
	if !rv.Inh { // CREATE INDEX ON ONLY p
		return nil
	}
	return indexPartitions(ec, d, nt, is)
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
