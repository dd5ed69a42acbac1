package pgcatalog

import (
	"sort"
	"strconv"
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

func (p proc) result() string {
	return FormatType(p.ret, int64(-1))
}

// arguments prints the argument types as pg_get_function_arguments does:
// "oid, integer, boolean"; a variadic last argument is "VARIADIC type[]".
func (p proc) arguments() string {
	parts := make([]string, len(p.args))
	for i, a := range p.args {
		parts[i] = FormatType(a, int64(-1))
		if p.f.Variadic && i == len(p.args)-1 {
			if arr, ok := types.ArrayOf(types.T{OID: a, Mod: -1}); ok {
				parts[i] = "VARIADIC " + FormatType(arr.OID, int64(-1))
			} else {
				parts[i] = "VARIADIC " + parts[i]
			}
		}
	}
	return strings.Join(parts, ", ")
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
	userProcRows(r, s) // userfuncs.go
	return r.out
}

func columnMissing(col, table string) error {
	return pgerror.New(pgerror.UndefinedColumn, "column \"%s\" of relation \"%s\" does not exist", col, table)
}

// RegprocIn converts a function name (possibly pg_catalog-qualified, or a
// number) to its pg_proc OID, as 'now'::regproc does: 42883 when no
// function has the name, 42725 when several overloads do.
func (s *Schema) RegprocIn(text string) (uint32, error) {
	if n, err := strconv.ParseUint(strings.TrimSpace(text), 10, 32); err == nil {
		return uint32(n), nil
	}
	parts, err := splitQualifiedName(text)
	if err != nil {
		return 0, err
	}
	name := parts[len(parts)-1]
	if len(parts) > 2 {
		return 0, pgerror.New(pgerror.UndefinedFunction, "function \"%s\" does not exist", text)
	}
	var found []uint32
	if len(parts) == 1 || parts[0] != "pg_catalog" {
		for _, f := range s.Functions {
			if f.Name == name && (len(parts) == 1 && s.onPath(f.Schema) || len(parts) == 2 && f.Schema == parts[0]) {
				found = append(found, f.OID)
			}
		}
	}
	for _, h := range amHandlers {
		if h.name == name && (len(parts) == 1 || parts[0] == "pg_catalog") {
			found = append(found, h.oid)
		}
	}
	for _, p := range procList() {
		if strings.ToLower(p.f.Name) == name && (len(parts) == 1 || parts[0] == "pg_catalog") {
			found = append(found, p.oid)
		}
	}
	switch len(found) {
	case 0:
		return 0, pgerror.New(pgerror.UndefinedFunction, "function \"%s\" does not exist", text)
	case 1:
		return found[0], nil
	}
	return 0, pgerror.New(ambiguousFunction, "more than one function named \"%s\"", text)
}

// ambiguousFunction is SQLSTATE 42725.
const ambiguousFunction = "42725"

// RegprocOut converts a pg_proc OID to the function's name ("-" for 0,
// the number for an unknown OID), as regproc prints.
func (s *Schema) RegprocOut(oid uint32) string {
	if oid == 0 {
		return "-"
	}
	if p, ok := procByOID(oid); ok {
		return strings.ToLower(p.f.Name)
	}
	if f := s.userFunction(oid); f != nil {
		if s.onPath(f.Schema) {
			return f.Name
		}
		return QuoteIdent(f.Schema) + "." + QuoteIdent(f.Name)
	}
	for _, h := range amHandlers {
		if h.oid == oid {
			return h.name
		}
	}
	return strconv.FormatUint(uint64(oid), 10)
}
