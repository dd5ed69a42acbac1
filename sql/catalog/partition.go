package catalog

import (
	"sort"
	"strconv"
	"strings"

	"logdb/sql/types"
)

// Declarative partitioning, as PostgreSQL 15's. A partitioned table
// (relkind 'p') has a PartSpec and stores no rows: its Space stays empty.
// Each partition is an ordinary table (or itself partitioned) with
// PartOf naming its parent and Bound its partition bound; it owns its
// rows, indexes and constraints. DDL that attaches or detaches a
// partition rewrites the parent's descriptor too, so a statement planned
// against the parent's old set of partitions conflicts (40001) rather
// than committing rows routed by it. Descriptors written before
// partitioning existed have neither field: nothing to convert.

// Partition strategies (pg_partitioned_table.partstrat).
const (
	PartList  = 'l'
	PartRange = 'r'
	PartHash  = 'h'
)

// PartSpec is a partitioned table's PARTITION BY: its strategy and key
// columns (column IDs).
type PartSpec struct {
	Strategy byte     `json:"strategy"`
	Columns  []uint32 `json:"columns"`
}

// BoundValue is one value of a partition bound: Text in the key column's
// type's text form (timestamps in UTC), Null for NULL, or Inf -1
// (MINVALUE) / +1 (MAXVALUE) in a range bound.
type BoundValue struct {
	Text string `json:"text,omitempty"`
	Null bool   `json:"null,omitempty"`
	Inf  int8   `json:"inf,omitempty"`
}

// PartBound is a partition's FOR VALUES clause: DEFAULT, IN (list, one
// value per entry: list keys have one column), FROM … TO (range, one value
// per key column), or WITH (MODULUS, REMAINDER) (hash).
type PartBound struct {
	Default   bool         `json:"default,omitempty"`
	In        []BoundValue `json:"in,omitempty"`
	From      []BoundValue `json:"from,omitempty"`
	To        []BoundValue `json:"to,omitempty"`
	Modulus   int          `json:"modulus,omitempty"`
	Remainder int          `json:"remainder,omitempty"`
}

// Partitioned reports whether t is a partitioned table (relkind 'p').
func (t *Table) Partitioned() bool { return t.Part != nil }

// Partitions returns the partitions of the partitioned table oid in OID
// order (nil for any other table).
func (c *Catalog) Partitions(oid uint32) []*Table {
	var out []*Table
	for _, t := range c.ByOID {
		if t.PartOf == oid && t.Bound != nil {
			out = append(out, t)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].OID < out[j].OID })
	return out
}

// PartKeyTypes returns the types of t's partition key columns.
func (t *Table) PartKeyTypes() []types.T {
	out := make([]types.T, len(t.Part.Columns))
	for i, id := range t.Part.Columns {
		out[i] = t.Columns[t.ColIndexByID(id)].Type
	}
	return out
}

// PartKeyIdx returns the positions in t.Columns of its partition key.
func (t *Table) PartKeyIdx() []int {
	out := make([]int, len(t.Part.Columns))
	for i, id := range t.Part.Columns {
		out[i] = t.ColIndexByID(id)
	}
	return out
}

// Root returns the topmost partitioned ancestor of t (t itself when it is
// not a partition).
func (c *Catalog) Root(t *Table) *Table {
	for t.PartOf != 0 {
		p, ok := c.ByOID[t.PartOf]
		if !ok {
			break
		}
		t = p
	}
	return t
}

// BoundLiteral prints a bound value as PostgreSQL's ruleutils does.
func BoundLiteral(t types.T, text string) string {
	switch t.OID {
	case types.Int2OID, types.Int4OID, types.Int8OID, types.NumericOID, types.Float8OID, types.Float4OID, types.OidOID:
		if !strings.HasPrefix(text, "-") {
			return text
		}
	case types.BoolOID:
		if text == "t" {
			return "true"
		}
		return "false"
	}
	return "'" + strings.ReplaceAll(text, "'", "''") + "'"
}

// BoundSQL is a partition's FOR VALUES clause as pg_get_expr prints
// relpartbound; parent is its partitioned table.
func BoundSQL(parent *Table, b *PartBound) string {
	if b.Default {
		return "DEFAULT"
	}
	if b.Modulus > 0 {
		return "FOR VALUES WITH (modulus " + itoa(b.Modulus) + ", remainder " + itoa(b.Remainder) + ")"
	}
	keyT := parent.PartKeyTypes()
	list := func(vs []BoundValue) string {
		parts := make([]string, len(vs))
		for i, v := range vs {
			t := keyT[0]
			if i < len(keyT) && len(b.In) == 0 {
				t = keyT[i]
			}
			switch {
			case v.Null:
				parts[i] = "NULL"
			case v.Inf < 0:
				parts[i] = "MINVALUE"
			case v.Inf > 0:
				parts[i] = "MAXVALUE"
			default:
				parts[i] = BoundLiteral(t, v.Text)
			}
		}
		return "(" + strings.Join(parts, ", ") + ")"
	}
	if len(b.In) > 0 {
		return "FOR VALUES IN " + list(b.In)
	}
	return "FOR VALUES FROM " + list(b.From) + " TO " + list(b.To)
}

func itoa(n int) string { return strconv.Itoa(n) }

// ConstraintSQL is pg_get_partition_constraintdef of a partition of
// parent (siblings: parent's partitions, for a DEFAULT one), as
// PostgreSQL prints it for a one-column key; "" when logdb does not print
// it (hash and multi-column range bounds).
func ConstraintSQL(parent *Table, b *PartBound, siblings []*Table) string {
	if len(parent.Part.Columns) != 1 || b.Modulus > 0 {
		return ""
	}
	c := parent.Columns[parent.ColIndexByID(parent.Part.Columns[0])]
	col := quoteIdent(c.Name)
	lit := func(v BoundValue) string {
		l := BoundLiteral(c.Type, v.Text)
		if strings.HasPrefix(l, "'") {
			l += "::" + types.FormatType(c.Type)
		}
		return l
	}
	list := func(vs []BoundValue) string {
		var vals []string
		null := false
		for _, v := range vs {
			if v.Null {
				null = true
				continue
			}
			vals = append(vals, lit(v))
		}
		var in string
		switch len(vals) {
		case 0:
		case 1:
			in = "(" + col + " = " + vals[0] + ")"
		default:
			in = "(" + col + " = ANY (ARRAY[" + strings.Join(vals, ", ") + "]))"
		}
		switch {
		case null && in == "":
			return "(" + col + " IS NULL)"
		case null:
			return "((" + col + " IS NULL) OR " + in + ")"
		}
		return "((" + col + " IS NOT NULL) AND " + in + ")"
	}
	switch {
	case b.Default && parent.Part.Strategy == PartList:
		var all []BoundValue
		for _, s := range siblings {
			if s.Bound != nil && !s.Bound.Default {
				all = append(all, s.Bound.In...)
			}
		}
		if len(all) == 0 {
			return ""
		}
		return "(NOT " + list(all) + ")"
	case b.Default:
		return ""
	case len(b.In) > 0:
		return list(b.In)
	}
	parts := []string{"(" + col + " IS NOT NULL)"}
	if len(b.From) == 1 && b.From[0].Inf == 0 {
		parts = append(parts, "("+col+" >= "+lit(b.From[0])+")")
	}
	if len(b.To) == 1 && b.To[0].Inf == 0 {
		parts = append(parts, "("+col+" < "+lit(b.To[0])+")")
	}
	return "(" + strings.Join(parts, " AND ") + ")"
}

func quoteIdent(s string) string {
	plain := s != ""
	for i, r := range s {
		if !(r >= 'a' && r <= 'z' || r == '_' || i > 0 && r >= '0' && r <= '9') {
			plain = false
		}
	}
	if plain {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// ParentIndex returns the index (or primary key) of parent that
// partition t's index oid belongs to: the same key columns by name, the
// same uniqueness, expressions and predicate (0 for none).
func ParentIndex(parent, t *Table, oid uint32) uint32 {
	names := func(tb *Table, ids []uint32) string {
		var b strings.Builder
		for _, id := range ids {
			if id == 0 {
				b.WriteString("\x00,")
				continue
			}
			b.WriteString(tb.Columns[tb.ColIndexByID(id)].Name + ",")
		}
		return b.String()
	}
	if oid == t.PKOID && len(t.PK) > 0 {
		if len(parent.PK) > 0 && names(parent, parent.PK) == names(t, t.PK) {
			return parent.PKOID
		}
		return 0
	}
	var ix *Index
	for _, x := range t.Indexes {
		if x.OID == oid {
			ix = x
		}
	}
	if ix == nil {
		return 0
	}
	for _, px := range parent.Indexes {
		if px.Unique == ix.Unique && px.Pred == ix.Pred && strings.Join(px.Exprs, "\x00") == strings.Join(ix.Exprs, "\x00") &&
			names(parent, px.Columns) == names(t, ix.Columns) {
			return px.OID
		}
	}
	return 0
}
