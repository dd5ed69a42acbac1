package pgcatalog

import (
	"strconv"
	"strings"

	"logdb/sql/types"
)

// UserFunction is a function or procedure made by CREATE FUNCTION or
// CREATE PROCEDURE, as pg_proc and the pg_get_function_* functions show
// it. The engine renders the texts (it knows the user types' names).
type UserFunction struct {
	OID        uint32
	Name       string
	Schema     string
	Owner      uint32
	Kind       string // prokind
	Lang       string // "sql" or "plpgsql"
	InTypes    []uint32
	AllTypes   []uint32 // every argument's type, when some are OUT
	Modes      []string // proargmodes, when some are not IN
	Names      []string // proargnames, when some are named
	NDefaults  int
	Ret        uint32
	RetSet     bool
	Volatility string
	Strict     bool
	SecDef     bool
	Src        string
	Config     []string
	Variadic   uint32   // the VARIADIC argument's element type
	ACL        []string // proacl; nil: the default
	// Arguments, IdentityArguments and Result are the texts of
	// pg_get_function_arguments, _identity_arguments and _result.
	Arguments, IdentityArguments, Result string
}

// Language OIDs (pg_language).
const (
	langInternal = 12
	langC        = 13
	langSQL      = 14
	LangPlpgsql  = 13_580
)

func (s *Schema) userFunction(oid uint32) *UserFunction {
	for i := range s.Functions {
		if s.Functions[i].OID == oid {
			return &s.Functions[i]
		}
	}
	return nil
}

func (f *UserFunction) langOID() uint32 {
	if f.Lang == "sql" {
		return langSQL
	}
	return LangPlpgsql
}

func userProcRows(r *rows, s *Schema) {
	for _, f := range s.Functions {
		var all, modes, names types.Datum
		if f.AllTypes != nil {
			elems := make([]types.Datum, len(f.AllTypes))
			for i, t := range f.AllTypes {
				elems[i] = t
			}
			all = types.Array{Elem: types.T{OID: types.OidOID, Mod: -1}, Elements: elems}
		}
		if f.Modes != nil {
			elems := make([]types.Datum, len(f.Modes))
			for i, m := range f.Modes {
				elems[i] = m
			}
			modes = types.Array{Elem: types.T{OID: types.CharOID, Mod: -1}, Elements: elems}
		}
		if f.Names != nil {
			elems := make([]types.Datum, len(f.Names))
			for i, n := range f.Names {
				elems[i] = n
			}
			names = types.Array{Elem: types.T{OID: types.TextOID, Mod: -1}, Elements: elems}
		}
		var config types.Datum
		if len(f.Config) > 0 {
			elems := make([]types.Datum, len(f.Config))
			for i, c := range f.Config {
				elems[i] = c
			}
			config = types.Array{Elem: types.T{OID: types.TextOID, Mod: -1}, Elements: elems}
		}
		owner := f.Owner
		if owner == 0 {
			owner = SuperuserOID
		}
		rowsEst := float64(0)
		if f.RetSet {
			rowsEst = 1000
		}
		r.add("oid", f.OID, "proname", f.Name, "pronamespace", s.namespaceOID(f.Schema), "proowner", owner,
			"prolang", f.langOID(), "procost", float64(100), "prorows", rowsEst, "provariadic", f.Variadic,
			"prokind", f.Kind, "prosecdef", f.SecDef, "proleakproof", false, "proisstrict", f.Strict, "proretset", f.RetSet,
			"provolatile", f.Volatility, "proparallel", "u", "pronargs", len(f.InTypes), "pronargdefaults", f.NDefaults,
			"prorettype", f.Ret, "proargtypes", oidVector(f.InTypes), "proallargtypes", all, "proargmodes", modes,
			"proargnames", names, "prosrc", f.Src, "proconfig", config, "proacl", acl(f.ACL))
	}
}

// functionDef is pg_get_functiondef of a user function.
func (f *UserFunction) functionDef(s *Schema) string {
	var b strings.Builder
	kind := "FUNCTION"
	if f.Kind == "p" {
		kind = "PROCEDURE"
	}
	b.WriteString("CREATE OR REPLACE " + kind + " " + QuoteIdent(f.Schema) + "." + QuoteIdent(f.Name) + "(" + f.Arguments + ")\n")
	if f.Kind != "p" {
		b.WriteString(" RETURNS " + f.Result + "\n")
	}
	b.WriteString(" LANGUAGE " + f.Lang + "\n")
	var attrs []string
	switch f.Volatility {
	case "i":
		attrs = append(attrs, "IMMUTABLE")
	case "s":
		attrs = append(attrs, "STABLE")
	}
	if f.Strict {
		attrs = append(attrs, "STRICT")
	}
	if f.SecDef {
		attrs = append(attrs, "SECURITY DEFINER")
	}
	if len(attrs) > 0 {
		b.WriteString(" " + strings.Join(attrs, " ") + "\n")
	}
	for _, c := range f.Config {
		name, val, _ := strings.Cut(c, "=")
		b.WriteString(" SET " + name + " TO " + quoteConfig(val) + "\n")
	}
	tag := "$" + strings.ToLower(kind) + "$"
	for strings.Contains(f.Src, tag) {
		tag = "$" + strings.ToLower(kind) + strconv.Itoa(len(tag)) + "$"
	}
	b.WriteString("AS " + tag + f.Src + tag + "\n")
	return b.String()
}

func quoteConfig(v string) string {
	parts := strings.Split(v, ", ")
	for i, p := range parts {
		parts[i] = "'" + strings.ReplaceAll(p, "'", "''") + "'"
	}
	return strings.Join(parts, ", ")
}

// onPath reports whether schema is on the search path.
func (s *Schema) onPath(schema string) bool {
	for _, p := range s.searchPath() {
		if p == schema {
			return true
		}
	}
	return false
}
