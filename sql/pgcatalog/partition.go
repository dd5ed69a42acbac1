package pgcatalog

import (
	"strings"

	"logdb/sql/types"
)

// Declarative partitioning in the catalogs: relkind 'p' and
// relispartition/relpartbound in pg_class (pgclass.go), pg_inherits,
// pg_partitioned_table, pg_get_partkeydef, pg_partition_root and
// pg_partition_tree.

// Partitioning is a table's place in a partition tree (Table.Part).
type Partitioning struct {
	// Strategy is partstrat ('l', 'r', 'h') of a partitioned table, 0
	// for any other; Attrs its key's attnums, Default its DEFAULT
	// partition's OID (0: none).
	Strategy byte
	Attrs    []int16
	Default  uint32
	// Parent is a partition's partitioned table (0: not a partition),
	// Bound its FOR VALUES clause as pg_get_expr prints relpartbound.
	Parent uint32
	Bound  string
	// Constraint is pg_get_partition_constraintdef's text ("" for NULL).
	Constraint string
}

func init() {
	rowFuncs["pg_catalog.pg_inherits"] = pgInheritsRows
	rowFuncs["pg_catalog.pg_partitioned_table"] = pgPartitionedTableRows
}

// partitionFuncs registers pg_get_partkeydef and pg_partition_root.
func partitionFuncs(add func(...*types.Func)) {
	add(fn("pg_get_partkeydef", args(tOid), tText, true, getPartkeydef))
	add(fn("pg_get_partition_constraintdef", args(tOid), tText, true, func(ctx *types.EvalContext, a []types.Datum) (types.Datum, error) {
		t, _ := schemaOf(ctx).tableByOID(asOID(a[0]))
		if t == nil || t.Part.Constraint == "" {
			return nil, nil
		}
		return t.Part.Constraint, nil
	}))
	add(fn("pg_partition_root", args(tRegcls), tRegcls, true, func(ctx *types.EvalContext, a []types.Datum) (types.Datum, error) {
		s := schemaOf(ctx)
		t, _ := s.tableByOID(asOID(a[0]))
		if t == nil || t.Part.Strategy == 0 && t.Part.Parent == 0 {
			return nil, nil // not in a partition tree
		}
		for t.Part.Parent != 0 {
			p, _ := s.tableByOID(t.Part.Parent)
			if p == nil {
				break
			}
			t = p
		}
		return int64(t.OID), nil
	}))
}

func pgInheritsRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	for i := range s.Tables {
		t := &s.Tables[i]
		if t.Part.Parent != 0 {
			r.add("inhrelid", t.OID, "inhparent", t.Part.Parent, "inhseqno", 1, "inhdetachpending", false)
		}
		for j := range t.Indexes {
			if p := t.Indexes[j].Parent; p != 0 {
				r.add("inhrelid", t.Indexes[j].OID, "inhparent", p, "inhseqno", 1, "inhdetachpending", false)
			}
		}
	}
	return r.out
}

func pgPartitionedTableRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	for i := range s.Tables {
		t := &s.Tables[i]
		if t.Part.Strategy == 0 {
			continue
		}
		classes := make([]uint32, len(t.Part.Attrs))
		colls := make([]uint32, len(t.Part.Attrs))
		for j, a := range t.Part.Attrs {
			if int(a) >= 1 && int(a) <= len(t.Columns) {
				typ := t.Columns[a-1].Type
				am := BtreeAM
				if t.Part.Strategy == 'h' {
					am = HashAM
				}
				classes[j] = opclassFor(typ.OID, am)
				colls[j] = typCollation(typ.OID)
			}
		}
		r.add("partrelid", t.OID, "partstrat", string(t.Part.Strategy), "partnatts", len(t.Part.Attrs), "partdefid", t.Part.Default,
			"partattrs", int2Vector(t.Part.Attrs), "partclass", oidVector(classes), "partcollation", oidVector(colls))
	}
	return r.out
}

// getPartkeydef is pg_get_partkeydef: "LIST (name)".
func getPartkeydef(ctx *types.EvalContext, a []types.Datum) (types.Datum, error) {
	t, _ := schemaOf(ctx).tableByOID(asOID(a[0]))
	if t == nil || t.Part.Strategy == 0 {
		return nil, nil
	}
	names := make([]string, len(t.Part.Attrs))
	for i, at := range t.Part.Attrs {
		if int(at) >= 1 && int(at) <= len(t.Columns) {
			names[i] = QuoteIdent(t.Columns[at-1].Name)
		}
	}
	kind := map[byte]string{'l': "LIST", 'r': "RANGE", 'h': "HASH"}[t.Part.Strategy]
	return kind + " (" + strings.Join(names, ", ") + ")", nil
}
