package sql

import (
	"strconv"
	"strings"

	"logdb/sql/catalog"
	"logdb/sql/ddl"
	"logdb/sql/exec"
	"logdb/sql/pgcatalog"
	"logdb/sql/settings"
	"logdb/sql/types"
)

// CatalogSchema describes the current transaction's catalog for the
// pg_catalog views and catalog functions (pgcatalog.SchemaProvider).
func (s *Session) CatalogSchema() *pgcatalog.Schema {
	return s.catalogSchema(s.tx)
}

func (s *Session) catalogSchema(t *txnState) *pgcatalog.Schema {
	var cat *catalog.Catalog
	if t != nil {
		cat = t.cat
	}
	if cat == nil {
		cat = s.e.cacheOf(s.dbOID).Latest()
	}
	if cat == nil {
		cat = catalog.NewCatalogWithRoles()
	}
	// A transaction that runs DDL changes its catalog copy in place, so its
	// schema is built afresh each time (the cache would show its first).
	pendingDDL := t != nil && t.ddl != nil
	if s.schemaCache != nil && s.schemaCat == cat && s.schemaSettingsGen == s.set.Gen && !pendingDDL {
		s.schemaCache.ReplicationSlots = s.replicationSlots(t) // slots change without the catalog
		return s.schemaCache
	}
	sch := &pgcatalog.Schema{
		Database:   s.db,
		User:       s.user,
		Databases:  databaseSchemas(cat),
		SearchPath: s.relPath(cat), // temp.go: the temporary schema first
		PrintPath:  s.tempFirst(cat, s.printPath()),
	}
	sch.Namespaces = namespaceSchemas(cat) // searchpath.go
	for _, t := range cat.SortedTables() {
		sch.Tables = append(sch.Tables, tableSchema(t, cat))
	}
	sch.Types = ddl.TypeSchemas(cat) // sql/ddl/types_schema.go
	sch.Views = ddl.ViewSchemas(cat)
	sch.Functions = functionSchemas(cat) // routines.go
	sch.Publications = ddl.PublicationSchemas(cat)
	sch.Roles, sch.RoleMembers = roleSchemas(cat)
	for _, sq := range cat.Seqs {
		ps := pgcatalog.Sequence{OID: sq.OID, Name: sq.Name, Schema: catalog.SchemaName(sq.Schema), Owner: sq.Owner, ACL: catalog.ACLTexts(cat, sq.ACL), OwnerTable: sq.OwnerTab, Type: sq.Type,
			Start: sq.Start, Increment: sq.Increment, Min: sq.Min, Max: sq.Max, Cache: sq.Cache, Cycle: sq.Cycle}
		if t, ok := cat.ByOID[sq.OwnerTab]; ok {
			ps.OwnerAttNum = int16(t.ColIndexByID(sq.OwnerCol) + 1)
		}
		if v, ok := s.seqLast[sq.OID]; ok {
			ps.LastValue, ps.IsCalled = v, true
		}
		sch.Sequences = append(sch.Sequences, ps)
	}
	for _, kv := range s.set.All() {
		d, _ := settings.Lookup(kv[0])
		st := pgcatalog.Setting{Name: kv[0], Setting: kv[1], ShortDesc: kv[2], Context: "user", Source: "default", Category: "Client Connection Defaults"}
		if d != nil {
			st.Unit, st.VarType = d.Unit, d.Vartype
			if d.Unit == "ms" {
				st.Setting = strconv.FormatInt(settings.MS(kv[1]), 10) // pg_settings counts in the unit
			}
			if d.Check != nil && d.Unit == "kB" {
				if kb, err := exec.ParseMemoryKB(kv[1]); err == nil {
					st.Setting = strconv.FormatInt(kb, 10) // pg_settings counts in the unit
				}
			}
			if d.ReadOnly {
				st.Context = "internal"
			} else if d.Superuser {
				st.Context = "superuser"
			}
		}
		sch.Settings = append(sch.Settings, st)
	}
	sch.Cluster = s.e.clusterRows
	sch.Replication = s.e.replicationStats
	sch.Activity = s.e.activityRows
	sch.Locks = s.lockRows
	sch.DatabaseStats = s.e.databaseStats
	sch.TableStats = func(oid uint32) pgcatalog.TableStats {
		st := s.e.tableStats(oid)
		if t := cat.ByOID[oid]; t != nil && s.e.cfg.Store != nil {
			st.LiveRows = s.e.cfg.Store.LiveKeys(t.Space) // kv counts the row space's keys
		}
		return st
	}
	sch.Session = pgcatalog.SessionInfo{PID: int64(s.pid), ApplicationName: s.set.Vals["application_name"], BackendStart: s.started}
	sch.ReplicationSlots = s.replicationSlots(t)
	s.schemaCache, s.schemaCat, s.schemaSettingsGen = sch, cat, s.set.Gen
	return sch
}

// searchPathSchemas resolves the search_path setting for pgcatalog:
// the listed schemas without "$user" (no schema is named after a role).
// pg_dump's empty search_path makes pg_get_constraintdef and pg_get_expr
// qualify names, as PostgreSQL's do.
func searchPathSchemas(setting string) []string {
	out := []string{}
	for _, item := range strings.Split(setting, ",") {
		item = strings.TrimSpace(item)
		if len(item) >= 2 && item[0] == '"' && item[len(item)-1] == '"' {
			item = strings.ReplaceAll(item[1:len(item)-1], `""`, `"`)
		}
		if item != "" && item != "$user" {
			out = append(out, item)
		}
	}
	return out
}

func tableSchema(t *catalog.Table, cat *catalog.Catalog) pgcatalog.Table {
	pt := pgcatalog.Table{OID: t.OID, Name: t.Name, Schema: catalog.SchemaName(t.Schema), Owner: t.Owner, ACL: catalog.ACLTexts(cat, t.ACL),
		RowSecurity: t.RowSecurity, ForceRowSecurity: t.ForceRowSecurity}
	for _, p := range t.Policies {
		pt.Policies = append(pt.Policies, pgcatalog.Policy{OID: p.OID, Name: p.Name, Cmd: p.Cmd, Permissive: !p.Restrictive,
			Roles: p.Roles, Using: p.Using, WithCheck: p.Check})
	}
	on := " ON " + pgcatalog.QuoteIdent(pt.Schema) + "." + pgcatalog.QuoteIdent(t.Name) + " USING btree ("
	if t.Partitioned() { // pg_get_indexdef of a partitioned index
		on = " ON ONLY " + on[len(" ON "):]
	}
	if t.ReplIdent != "" {
		pt.ReplIdent = t.ReplIdent[0]
	}
	if t.Part != nil {
		pt.Part.Strategy = t.Part.Strategy
		for _, id := range t.Part.Columns {
			pt.Part.Attrs = append(pt.Part.Attrs, int16(t.ColIndexByID(id)+1))
		}
		for _, c := range cat.Partitions(t.OID) {
			if c.Bound.Default {
				pt.Part.Default = c.OID
			}
		}
	}
	if parent, ok := cat.ByOID[t.PartOf]; ok && t.PartOf != 0 && t.Bound != nil && parent.Part != nil {
		pt.Part.Parent = t.PartOf
		pt.Part.Bound = catalog.BoundSQL(parent, t.Bound)
		pt.Part.Constraint = catalog.ConstraintSQL(parent, t.Bound, cat.Partitions(parent.OID))
	}
	for i, c := range t.Columns {
		pt.Columns = append(pt.Columns, pgcatalog.Column{Name: c.Name, AttNum: int16(i + 1), Type: c.Type, NotNull: c.NotNull || t.IsPK(c.ID), Default: c.Default, Domain: c.Domain, Generated: c.Generated})
	}
	attnums := func(ids []uint32) []int16 {
		out := make([]int16, len(ids))
		for i, id := range ids {
			out[i] = int16(t.ColIndexByID(id) + 1)
		}
		return out
	}
	for _, g := range t.Triggers {
		pt.Triggers = append(pt.Triggers, pgcatalog.Trigger{OID: g.OID, Name: g.Name, FuncOID: g.Func, Type: g.TgType(),
			Enabled: g.Enabled, Args: g.Args, Attr: attnums(g.UpdateCols), When: g.When})
	}
	colNames := func(ids []uint32) string {
		var names []string
		for _, id := range ids {
			names = append(names, pgcatalog.QuoteIdent(t.Columns[t.ColIndexByID(id)].Name))
		}
		return strings.Join(names, ", ")
	}
	if len(t.PK) > 0 {
		pt.Indexes = append(pt.Indexes, pgcatalog.Index{OID: t.PKOID, Name: t.PKName, Columns: attnums(t.PK), Unique: true, Primary: true,
			ReplIdent: t.ReplIdent == "i" && t.ReplIndex == t.PKOID,
			Def:       "CREATE UNIQUE INDEX " + pgcatalog.QuoteIdent(t.PKName) + on + colNames(t.PK) + ")"})
		pt.Constraints = append(pt.Constraints, pgcatalog.Constraint{OID: t.PKCon, Name: t.PKName, Kind: 'p', Columns: attnums(t.PK), IndexOID: t.PKOID,
			Def: "PRIMARY KEY (" + colNames(t.PK) + ")"})
	}
	for _, ix := range t.Indexes {
		u := ""
		if ix.Unique {
			u = "UNIQUE "
		}
		if !ix.Plain() || len(ix.Options) > 0 {
			pt.Indexes = append(pt.Indexes, indexSchema(t, ix, attnums(ix.Columns)))
			continue
		}
		nnd, cnnd := "", ""
		if ix.NullsNotDistinct {
			nnd, cnnd = " NULLS NOT DISTINCT", "NULLS NOT DISTINCT "
		}
		pt.Indexes = append(pt.Indexes, pgcatalog.Index{OID: ix.OID, Name: ix.Name, Columns: attnums(ix.Columns), Unique: ix.Unique,
			NullsNotDistinct: ix.NullsNotDistinct, ReplIdent: t.ReplIdent == "i" && t.ReplIndex == ix.OID,
			Def: "CREATE " + u + "INDEX " + pgcatalog.QuoteIdent(ix.Name) + on + colNames(ix.Columns) + ")" + nnd})
		if ix.Constraint {
			def := "UNIQUE " + cnnd + "(" + colNames(ix.Columns) + ")"
			if ix.Deferrable {
				def += " DEFERRABLE"
			}
			if ix.Deferred {
				def += " INITIALLY DEFERRED"
			}
			pt.Constraints = append(pt.Constraints, pgcatalog.Constraint{OID: ix.ConOID, Name: ix.Name, Kind: 'u', Columns: attnums(ix.Columns), IndexOID: ix.OID,
				Def: def, Deferrable: ix.Deferrable, Deferred: ix.Deferred})
		}
	}
	for _, ck := range t.Checks {
		pt.Constraints = append(pt.Constraints, pgcatalog.Constraint{OID: ck.OID, Name: ck.Name, Kind: 'c', Def: "CHECK ((" + ck.Expr + "))"})
	}
	for _, fk := range t.FKs {
		c := pgcatalog.Constraint{OID: fk.OID, Name: fk.Name, Kind: 'f', Columns: attnums(fk.Columns), IndexOID: fk.RefIndex,
			RefTableOID: fk.RefTable, OnUpdate: fk.OnUpdate, OnDelete: fk.OnDelete, MatchType: fk.Match,
			Deferrable: fk.Deferrable, Deferred: fk.Deferred, NotValid: fk.NotValid}
		if len(fk.DeleteSetCols) > 0 {
			c.DeleteSetColumns = attnums(fk.DeleteSetCols)
		}
		if ref := cat.ByOID[fk.RefTable]; ref != nil {
			for _, id := range fk.RefColumns {
				c.RefColumns = append(c.RefColumns, int16(ref.ColIndexByID(id)+1))
			}
		}
		pt.Constraints = append(pt.Constraints, c)
	}
	if parent := cat.ByOID[t.PartOf]; t.PartOf != 0 && parent != nil {
		for i := range pt.Indexes {
			pt.Indexes[i].Parent = catalog.ParentIndex(parent, t, pt.Indexes[i].OID)
		}
	}
	return pt
}

// relationName prints a regclass value: the relation's name, or the number.
func (s *Session) relationName(t *txnState, oid uint32) string {
	if t != nil && t.cat != nil {
		if tb, ok := t.cat.ByOID[oid]; ok {
			return s.qualifiedName(t.cat, tb.Schema, tb.Name)
		}
		for _, tb := range t.cat.Tables {
			if tb.PKOID == oid && len(tb.PK) > 0 {
				return s.qualifiedName(t.cat, tb.Schema, tb.PKName)
			}
			for _, ix := range tb.Indexes {
				if ix.OID == oid {
					return s.qualifiedName(t.cat, tb.Schema, ix.Name)
				}
			}
		}
		if sq, ok := t.cat.SeqOID[oid]; ok {
			return s.qualifiedName(t.cat, sq.Schema, sq.Name)
		}
		if v, ok := t.cat.ViewOID[oid]; ok {
			return s.qualifiedName(t.cat, v.Schema, v.Name)
		}
	}
	return s.catalogSchema(t).RegclassOut(oid)
}

// regclassText is used by the result encoder for regclass columns.
func (s *Session) regclassText(t *txnState, d types.Datum) string {
	if v, ok := d.(int64); ok {
		return s.relationName(t, uint32(v))
	}
	return strconv.Quote("?")
}
