package catalog

// Plain reports whether an index's keys are columns only and it covers
// every row: only such an index can serve a foreign key, ON CONFLICT
// (columns), a replica identity or a lookup by column values.
func (ix *Index) Plain() bool { return len(ix.Exprs) == 0 && ix.Pred == "" }

// Expr returns the SQL text of key element i's expression, "" for a
// column.
func (ix *Index) Expr(i int) string {
	if i < len(ix.Exprs) {
		return ix.Exprs[i]
	}
	return ""
}

// Reads reports whether the index depends on column id: as a key column,
// or read by a key expression or the predicate.
func (ix *Index) Reads(id uint32) bool {
	for _, c := range ix.Columns {
		if c == id {
			return true
		}
	}
	for _, c := range ix.ExprCols {
		if c == id {
			return true
		}
	}
	return false
}
