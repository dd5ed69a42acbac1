package pgcatalog

import "logdb/sql/types"

// This file generates pg_catalog's convenience views over the relation
// catalogs: pg_tables, pg_indexes, pg_views, pg_sequences and the
// statistics views.

func init() {
	rowFuncs["pg_catalog.pg_tables"] = pgTablesRows
	rowFuncs["pg_catalog.pg_indexes"] = pgIndexesRows
	rowFuncs["pg_catalog.pg_views"] = pgViewsRows
	rowFuncs["pg_catalog.pg_sequences"] = pgSequencesRows
	rowFuncs["pg_catalog.pg_stat_user_tables"] = pgStatTablesRows
	rowFuncs["pg_catalog.pg_stat_all_tables"] = pgStatTablesRows
	rowFuncs["pg_catalog.pg_statio_user_tables"] = pgStatioTablesRows
	rowFuncs["pg_catalog.pg_stat_user_indexes"] = pgStatIndexesRows
}

func pgTablesRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	triggers := s.tablesWithTriggers()
	for i := range s.Tables {
		t := &s.Tables[i]
		hasTriggers := triggers[t.OID]
		r.add("schemaname", schemaOr(t.Schema), "tablename", t.Name, "tableowner", s.roleName(owner(t.Owner)),
			"hasindexes", len(t.Indexes) > 0, "hasrules", false, "hastriggers", hasTriggers, "rowsecurity", t.RowSecurity)
	}
	for _, cv := range allViews {
		if cv.Kind == 'r' {
			r.add("schemaname", cv.Schema, "tablename", cv.Name, "tableowner", s.user(),
				"hasindexes", true, "hasrules", false, "hastriggers", false, "rowsecurity", false)
		}
	}
	return r.out
}

func pgIndexesRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	for i := range s.Tables {
		t := &s.Tables[i]
		for j := range t.Indexes {
			r.add("schemaname", schemaOr(t.Schema), "tablename", t.Name, "indexname", t.Indexes[j].Name,
				"indexdef", s.indexDef(t, &t.Indexes[j], false))
		}
	}
	return r.out
}

func pgViewsRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	for i := range s.Views {
		uv := &s.Views[i]
		r.add("schemaname", schemaOr(uv.Schema), "viewname", uv.Name, "viewowner", s.roleName(owner(uv.Owner)), "definition", uv.Definition)
	}
	for _, cv := range allViews {
		if cv.Kind == 'v' {
			r.add("schemaname", cv.Schema, "viewname", cv.Name, "viewowner", s.user(), "definition", nil)
		}
	}
	return r.out
}

func pgSequencesRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	for i := range s.Sequences {
		q := &s.Sequences[i]
		var last any
		if q.IsCalled {
			last = q.LastValue
		}
		r.add("schemaname", schemaOr(q.Schema), "sequencename", q.Name, "sequenceowner", s.roleName(owner(q.Owner)),
			"data_type", seqType(q).OID, "start_value", q.Start, "min_value", q.Min, "max_value", q.Max,
			"increment_by", q.Increment, "cycle", q.Cycle, "cache_size", q.Cache, "last_value", last)
	}
	return r.out
}

// Counters come from Schema.TableStats (this node's since it started:
// scans, and rows changed by committed transactions) and the live-tuple
// count, exact, from the table's row space.
func pgStatTablesRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	for i := range s.Tables {
		t := &s.Tables[i]
		row := r.add("relid", t.OID, "schemaname", schemaOr(t.Schema), "relname", t.Name,
			"n_live_tup", t.RowEstimate)
		if s.TableStats != nil {
			st := s.TableStats(t.OID)
			v.set(row, "n_tup_ins", st.Inserted)
			v.set(row, "n_tup_upd", st.Updated)
			v.set(row, "n_tup_del", st.Deleted)
			v.set(row, "n_live_tup", st.LiveRows)
			v.set(row, "n_mod_since_analyze", st.Inserted+st.Updated+st.Deleted)
			v.set(row, "n_ins_since_vacuum", st.Inserted)
			v.set(row, "seq_scan", st.SeqScan)
			v.set(row, "seq_tup_read", st.SeqTupRead)
			v.set(row, "idx_scan", st.IdxScan)
			v.set(row, "idx_tup_fetch", st.IdxTupFetch)
		}
		zeroCounters(v, row)
		if len(t.Indexes) == 0 {
			v.set(row, "idx_scan", nil)
			v.set(row, "idx_tup_fetch", nil)
		}
	}
	return r.out
}

func pgStatioTablesRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	for i := range s.Tables {
		t := &s.Tables[i]
		r.add("relid", t.OID, "schemaname", schemaOr(t.Schema), "relname", t.Name,
			"heap_blks_read", 0, "heap_blks_hit", 0, "idx_blks_read", 0, "idx_blks_hit", 0)
	}
	return r.out
}

func pgStatIndexesRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	for i := range s.Tables {
		t := &s.Tables[i]
		for _, ix := range t.Indexes {
			r.add("relid", t.OID, "indexrelid", ix.OID, "schemaname", schemaOr(t.Schema), "relname", t.Name,
				"indexrelname", ix.Name, "idx_scan", 0, "idx_tup_read", 0, "idx_tup_fetch", 0)
		}
	}
	return r.out
}

// zeroCounters sets a statistics row's unset bigint counters to 0.
func zeroCounters(v *View, row []types.Datum) {
	for j, c := range v.Columns {
		if row[j] == nil && c.Type.OID == types.Int8OID {
			row[j] = int64(0)
		}
	}
}
