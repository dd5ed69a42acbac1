package pgcatalog

import (
	"sort"
	"strings"
	"sync"

	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// pg_proc lists every function registered with types.RegisterFunc, one row
// per overload, in pg_catalog. OIDs are logdb's own, from procOIDBase up,
// by name and then registration order; they are stable for a given build.
// The list is built on first use, after every package's init has run.

const procOIDBase = 8000

type proc struct {
	oid  uint32
	f    *types.Func
	ret  types.OID
	args []uint32
}

var procs struct {
	once sync.Once
	list []proc
}

func procList() []proc {
	procs.once.Do(func() {
		names := types.FuncNames()
		sort.Strings(names)
		for _, name := range names {
			for _, f := range types.Overloads(name) {
				p := proc{oid: procOIDBase + uint32(len(procs.list)), f: f, ret: f.Ret.OID}
				for _, a := range f.Args {
					p.args = append(p.args, a.OID)
				}
				if f.RetFunc != nil && p.ret == 0 {
					p.ret = types.AnyElementOID
				}
				procs.list = append(procs.list, p)
			}
		}
	})
	return procs.list
}

func procByOID(oid uint32) (proc, bool) {
	for _, p := range procList() {
		if p.oid == oid {
			return p, true
		}
	}
	return proc{}, false
}

func init() { rowFuncs["pg_catalog.pg_proc"] = pgProcRows }

func pgProcRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	for _, p := range procList() {
		volatile := "s"
		if p.f.Volatile {
			volatile = "v"
		}
		r.add("oid", p.oid, "proname", strings.ToLower(p.f.Name), "pronamespace", PgCatalogNamespace, "proowner", SuperuserOID,
			"prolang", 12, "procost", float64(1), "prokind", "f", "proisstrict", p.f.Strict,
			"provolatile", volatile, "proparallel", "s", "pronargs", len(p.args), "prorettype", p.ret,
			"proargtypes", oidVector(p.args), "prosrc", p.f.Name)
	}
	return r.out
}

func columnMissing(col, table string) error {
	return pgerror.New(pgerror.UndefinedColumn, "column \"%s\" of relation \"%s\" does not exist", col, table)
}
