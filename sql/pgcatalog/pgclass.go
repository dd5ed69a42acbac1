package pgcatalog

import (
	"strings"
	"sync"

	"logdb/sql/types"
)

// This file generates the relation catalogs: pg_class, pg_attribute,
// pg_attrdef, pg_index, pg_constraint, pg_sequence, pg_depend.

func init() {
	rowFuncs["pg_catalog.pg_class"] = pgClassRows
	rowFuncs["pg_catalog.pg_attribute"] = pgAttributeRows
	rowFuncs["pg_catalog.pg_attrdef"] = pgAttrdefRows
	rowFuncs["pg_catalog.pg_index"] = pgIndexRows
	rowFuncs["pg_catalog.pg_constraint"] = pgConstraintRows
	rowFuncs["pg_catalog.pg_sequence"] = pgSequenceRows
}

// static caches the rows that describe the catalog relations themselves;
// they never change, so they are built once and shared (read only).
var static struct {
	once      sync.Once
	class     [][]types.Datum
	attribute [][]types.Datum
}

func buildStatic() {
	static.once.Do(func() {
		cls, att := newRows(Lookup("pg_catalog", "pg_class")), newRows(Lookup("pg_catalog", "pg_attribute"))
		for _, v := range allViews {
			ns := PgCatalogNamespace
			if v.Schema == "information_schema" {
				ns = InformationSchemaNS
			}
			am, replident := HeapAM, "n"
			if v.Kind == 'v' {
				am = 0
			}
			cls.add("oid", v.OID, "relname", v.Name, "relnamespace", ns, "relowner", SuperuserOID,
				"relam", am, "relfilenode", v.OID*boolInt(v.Kind == 'r'), "relkind", v.Kind,
				"relnatts", len(v.Columns), "relpersistence", "p", "relispopulated", true,
				"relreplident", replident, "reltuples", float64(-1))
			// PostgreSQL's bootstrap marks a catalog column NOT NULL when it
			// and every column before it are fixed-width.
			fixedSoFar := v.Kind == 'r'
			for i, c := range v.Columns {
				f := factsOf(c.Type)
				fixedSoFar = fixedSoFar && (f.len > 0 || v.regproc[i])
				att.add("attrelid", v.OID, "attname", c.Name, "atttypid", c.Type.OID, "attstattarget", -1,
					"attlen", f.len, "attnum", i+1, "attndims", f.ndims, "attcacheoff", -1, "atttypmod", c.Type.Mod,
					"attbyval", f.byVal, "attalign", f.align, "attstorage", f.storage,
					"attnotnull", fixedSoFar, "attislocal", true, "attcollation", f.collation)
			}
		}
		static.class, static.attribute = cls.out, att.out
	})
}

// replident is a table's pg_class.relreplident.
func replident(t *Table) string {
	if t.ReplIdent == 0 {
		return "d"
	}
	return string(t.ReplIdent)
}

func boolInt(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

func pgClassRows(v *View, s *Schema) [][]types.Datum {
	buildStatic()
	r := newRows(v)
	r.out = append(r.out, static.class...)
	referenced := s.tablesWithTriggers()
	hasSubclass := map[uint32]bool{}
	for i := range s.Tables {
		if p := s.Tables[i].Part.Parent; p != 0 {
			hasSubclass[p] = true
		}
	}
	for i := range s.Types { // a composite type's relation (relkind 'c', usertypes.go)
		if u := &s.Types[i]; u.Kind == 'c' {
			r.add("oid", u.RelOID, "relname", u.Name, "relnamespace", s.namespaceOID(u.Schema), "reltype", u.OID,
				"relowner", owner(u.Owner), "relpersistence", "p", "relkind", "c", "relnatts", len(u.Fields),
				"relispopulated", true, "relreplident", "n")
		}
	}
	for i := range s.Tables {
		t := &s.Tables[i]
		ns := s.namespaceOID(t.Schema)
		checks := 0
		for _, c := range t.Constraints {
			if c.Kind == 'c' {
				checks++
			}
		}
		tuples := float64(-1)
		if t.RowEstimate > 0 {
			tuples = float64(t.RowEstimate)
		}
		kind, ikind, am, node := "r", "i", HeapAM, t.OID
		if t.Part.Strategy != 0 { // partitioned: no storage
			kind, ikind, am, node = "p", "I", 0, 0
		}
		var bound any
		if t.Part.Parent != 0 {
			bound = t.Part.Bound
		}
		r.add("oid", t.OID, "relname", t.Name, "relnamespace", ns, "reltype", rowTypeOID(t.OID), "relowner", owner(t.Owner), "relacl", acl(t.ACL),
			"relam", am, "relfilenode", node, "reltuples", tuples, "relhasindex", len(t.Indexes) > 0,
			"relpersistence", persistence(t.Schema), "relkind", kind, "relnatts", len(t.Columns), "relchecks", checks,
			"relhastriggers", referenced[t.OID], "relispopulated", true, "relreplident", replident(t),
			"relrowsecurity", t.RowSecurity, "relforcerowsecurity", t.ForceRowSecurity,
			"relhassubclass", hasSubclass[t.OID], "relispartition", t.Part.Parent != 0, "relpartbound", bound)
		for j := range t.Indexes {
			ix := &t.Indexes[j]
			inode := ix.OID
			if ikind == "I" {
				inode = 0
			}
			r.add("oid", ix.OID, "relname", ix.Name, "relnamespace", ns, "relowner", owner(t.Owner),
				"relam", ix.amOID(), "relfilenode", inode, "relpages", 1, "relpersistence", persistence(t.Schema),
				"relkind", ikind, "relnatts", len(ix.Columns), "relispopulated", true, "relreplident", "n")
		}
	}
	for i := range s.Sequences {
		q := &s.Sequences[i]
		r.add("oid", q.OID, "relname", q.Name, "relnamespace", s.namespaceOID(q.Schema), "relowner", owner(q.Owner), "relacl", acl(q.ACL),
			"relfilenode", q.OID, "relpages", 1, "reltuples", float64(1), "relpersistence", persistence(q.Schema),
			"relkind", "S", "relnatts", 3, "relispopulated", true, "relreplident", "n")
	}
	for i := range s.Views {
		uv := &s.Views[i]
		r.add("oid", uv.OID, "relname", uv.Name, "relnamespace", s.namespaceOID(uv.Schema), "reltype", rowTypeOID(uv.OID), "relowner", owner(uv.Owner), "relacl", acl(uv.ACL),
			"relpersistence", persistence(uv.Schema), "relkind", "v", "relnatts", len(uv.Columns), "relhasrules", true,
			"relispopulated", true, "relreplident", "n", "reltuples", float64(-1))
	}
	return r.out
}

// tablesWithTriggers are the tables PostgreSQL gives internal triggers:
// both ends of every foreign key.
func (s *Schema) tablesWithTriggers() map[uint32]bool {
	m := map[uint32]bool{}
	for i := range s.Tables {
		if len(s.Tables[i].Triggers) > 0 {
			m[s.Tables[i].OID] = true
		}
		for _, c := range s.Tables[i].Constraints {
			if c.Kind == 'f' {
				m[c.RefTableOID] = true
				m[s.Tables[i].OID] = true
			}
		}
	}
	return m
}

func pgAttributeRows(v *View, s *Schema) [][]types.Datum {
	buildStatic()
	r := newRows(v)
	r.out = append(r.out, static.attribute...)
	addCol := func(rel uint32, c *Column, attnum int16, inIndex bool) {
		f := factsOf(c.Type)
		identity, generated := charString(c.Identity), ""
		if c.Generated != "" {
			generated = "s"
		}
		hasDef := (c.Default != "" || c.Generated != "") && !inIndex
		if inIndex {
			identity = ""
		}
		r.add("attrelid", rel, "attname", c.Name, "atttypid", attTypeOID(c), "attstattarget", -1,
			"attlen", f.len, "attnum", attnum, "attndims", f.ndims, "attcacheoff", -1, "atttypmod", attTypmod(c),
			"attbyval", f.byVal, "attalign", f.align, "attstorage", f.storage,
			"attnotnull", c.NotNull && !inIndex, "atthasdef", hasDef, "attidentity", identity,
			"attgenerated", generated, "attislocal", true, "attcollation", f.collation)
	}
	for i := range s.Types { // a composite type's fields (usertypes.go)
		u := &s.Types[i]
		for j := range u.Fields {
			addCol(u.RelOID, &Column{Name: u.Fields[j].Name, Type: u.Fields[j].T}, int16(j+1), false)
		}
	}
	for i := range s.Tables {
		t := &s.Tables[i]
		for j := range t.Columns {
			addCol(t.OID, &t.Columns[j], t.Columns[j].AttNum, false)
		}
		for j := range t.Indexes {
			ix := &t.Indexes[j]
			for k, attnum := range ix.Columns {
				if c := t.column(attnum); c != nil {
					addCol(ix.OID, c, int16(k+1), true)
				} else if k < len(ix.ExprAttrs) && ix.ExprAttrs[k] != nil {
					addCol(ix.OID, ix.ExprAttrs[k], int16(k+1), true)
				}
			}
		}
	}
	for i := range s.Sequences {
		q := &s.Sequences[i]
		for j, name := range []string{"last_value", "log_cnt", "is_called"} {
			typ := types.T{OID: types.Int8OID, Mod: -1}
			if name == "is_called" {
				typ.OID = types.BoolOID
			}
			addCol(q.OID, &Column{Name: name, Type: typ, NotNull: true}, int16(j+1), false)
		}
	}
	for i := range s.Views {
		uv := &s.Views[i]
		for j := range uv.Columns {
			c := uv.Columns[j]
			c.NotNull, c.Default = false, ""
			addCol(uv.OID, &c, int16(j+1), false)
		}
	}
	return r.out
}

// attrdefOID is the OID logdb gives the pg_attrdef row of a column default;
// the engine has no OIDs for defaults, so they are derived and stable.
func attrdefOID(rel uint32, attnum int16) uint32 {
	return 0x40000000 | (rel&0x3fffff)<<8 | uint32(attnum)&0xff
}

func pgAttrdefRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	for i := range s.Tables {
		t := &s.Tables[i]
		for _, c := range t.Columns {
			expr := c.Default
			if c.Generated != "" {
				expr = c.Generated
			}
			if expr == "" {
				continue
			}
			r.add("oid", attrdefOID(t.OID, c.AttNum), "adrelid", t.OID, "adnum", c.AttNum, "adbin", expr)
		}
	}
	return r.out
}

// constraintOf returns the constraint backed by index ix, if any.
func (t *Table) constraintOf(ix *Index) *Constraint {
	for i := range t.Constraints {
		c := &t.Constraints[i]
		if (c.Kind == 'p' || c.Kind == 'u') && c.IndexOID == ix.OID {
			return c
		}
	}
	return nil
}

func pgIndexRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	for i := range s.Tables {
		t := &s.Tables[i]
		for j := range t.Indexes {
			ix := &t.Indexes[j]
			immediate := true
			if c := t.constraintOf(ix); c != nil && c.Deferrable {
				immediate = false
			}
			n := len(ix.Columns)
			colls, classes, options := make([]uint32, n), make([]uint32, n), make([]int16, n)
			for k, attnum := range ix.Columns {
				if c := t.column(attnum); c != nil {
					colls[k] = typCollation(c.Type.OID)
					classes[k] = opclassFor(c.Type.OID, ix.amOID())
				}
				if k < len(ix.Options) {
					options[k] = ix.Options[k]
				}
			}
			var exprs, pred types.Datum
			if len(ix.Exprs) > 0 {
				var parts []string
				for _, e := range ix.Exprs {
					if e != "" {
						parts = append(parts, e)
					}
				}
				exprs = strings.Join(parts, ", ")
			}
			if ix.Pred != "" {
				pred = ix.Pred
			}
			r.add("indexrelid", ix.OID, "indrelid", t.OID, "indnatts", n, "indnkeyatts", n,
				"indisunique", ix.Unique, "indnullsnotdistinct", ix.NullsNotDistinct, "indisprimary", ix.Primary, "indimmediate", immediate, "indisreplident", ix.ReplIdent,
				"indisvalid", true, "indisready", true, "indislive", true,
				"indkey", int2Vector(ix.Columns), "indcollation", oidVector(colls),
				"indclass", oidVector(classes), "indoption", int2Vector(options),
				"indexprs", exprs, "indpred", pred)
		}
	}
	return r.out
}

// int2Vector and oidVector are the values of int2vector and oidvector
// columns: arrays whose text form is space-separated ("1 2") and whose
// subscripts start at 0.
func int2Vector(xs []int16) types.Array { return int2Array(xs) }

func oidVector(xs []uint32) types.Array { return oidArray(xs) }

func pgConstraintRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	for i := range s.Tables {
		t := &s.Tables[i]
		ns := s.namespaceOID(t.Schema)
		for j := range t.Constraints {
			c := &t.Constraints[j]
			row := r.add("oid", c.OID, "conname", c.Name, "connamespace", ns, "contype", c.Kind,
				"condeferrable", c.Deferrable, "condeferred", c.Deferred, "convalidated", !c.NotValid,
				"conrelid", t.OID, "conindid", c.IndexOID, "confupdtype", " ", "confdeltype", " ",
				"confmatchtype", " ", "conislocal", true, "connoinherit", c.Kind != 'c',
				"conkey", append([]int16{}, c.Columns...))
			switch c.Kind {
			case 'f':
				v.set(row, "confrelid", c.RefTableOID)
				v.set(row, "conindid", s.fkIndexOID(c))
				v.set(row, "confupdtype", actionCode(c.OnUpdate))
				v.set(row, "confdeltype", actionCode(c.OnDelete))
				v.set(row, "confmatchtype", matchCode(c.MatchType))
				v.set(row, "confkey", append([]int16{}, c.RefColumns...))
				if len(c.DeleteSetColumns) > 0 {
					v.set(row, "confdelsetcols", append([]int16{}, c.DeleteSetColumns...))
				}
			case 'c':
				v.set(row, "conbin", checkExpr(c.Def))
			}
			if len(c.Columns) == 0 {
				v.set(row, "conkey", nil)
			}
		}
	}
	domainConstraintRows(v, r, s) // usertypes.go
	return r.out
}

func actionCode(a byte) string {
	if a == 0 {
		return "a"
	}
	return string([]byte{a})
}

func matchCode(m byte) string {
	if m == 0 {
		return "s"
	}
	return string([]byte{m})
}

func pgSequenceRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	for i := range s.Sequences {
		q := &s.Sequences[i]
		r.add("seqrelid", q.OID, "seqtypid", seqType(q).OID, "seqstart", q.Start, "seqincrement", q.Increment,
			"seqmax", q.Max, "seqmin", q.Min, "seqcache", q.Cache, "seqcycle", q.Cycle)
	}
	return r.out
}

func seqType(q *Sequence) types.T {
	if q.Type.OID == 0 {
		return types.T{OID: types.Int8OID, Mod: -1}
	}
	return q.Type
}

// owner is an object's owning role: 0 means the bootstrap superuser.
func owner(oid uint32) uint32 {
	if oid == 0 {
		return SuperuserOID
	}
	return oid
}

// acl is relacl: NULL for the default privileges.
func acl(items []string) any {
	if items == nil {
		return nil
	}
	return items
}

// persistence is relpersistence of a relation in schema: t in a session's
// temporary schema (pg_temp_<pid>), else p.
func persistence(schema string) string {
	if strings.HasPrefix(schema, "pg_temp_") {
		return "t"
	}
	return "p"
}
