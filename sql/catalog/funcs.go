package catalog

import (
	"encoding/json"
	"slices"
	"sort"
	"strconv"
	"strings"

	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// Function is a function or procedure made by CREATE FUNCTION or CREATE
// PROCEDURE, stored at "f/<oid>". Its body is kept as written and parsed
// when it is called (sql/plpgsql for LANGUAGE plpgsql; the session runs
// LANGUAGE sql bodies statement by statement).
type Function struct {
	OID    uint32 `json:"oid"`
	Name   string `json:"name"`
	Schema string `json:"schema,omitempty"` // "" is public (schema.go)
	// Kind is pg_proc.prokind: "f" function, "p" procedure.
	Kind string    `json:"kind"`
	Lang string    `json:"lang"` // "sql" or "plpgsql"
	Args []FuncArg `json:"args,omitempty"`
	// Ret is the result type: void, trigger, a base or composite type,
	// or record; RetSet: RETURNS SETOF / TABLE.
	Ret    types.T `json:"ret"`
	RetSet bool    `json:"ret_set,omitempty"`
	// RetRel: the result is this table's row type (Ret is then record;
	// the row type follows the table's columns).
	RetRel uint32 `json:"ret_rel,omitempty"`
	Body   string `json:"body"`
	// Volatility is pg_proc.provolatile: "i", "s" or "v".
	Volatility string   `json:"volatility"`
	Strict     bool     `json:"strict,omitempty"`
	SecDef     bool     `json:"secdef,omitempty"`
	Config     []string `json:"config,omitempty"` // SET name = value, as "name=value"
	Owner      uint32   `json:"owner,omitempty"`
	// ACL is GRANT/REVOKE's record (proacl); nil: the default, EXECUTE
	// for the owner and PUBLIC. EXECUTE is not checked at calls.
	ACL []ACLItem `json:"acl,omitempty"`
}

// EffectiveACL is f's ACL, or the default one.
func (f *Function) EffectiveACL() []ACLItem {
	if f.ACL != nil {
		return f.ACL
	}
	o := OwnerOID(f.Owner)
	return []ACLItem{{Grantee: 0, Privs: FunctionPrivs, Grantor: o}, {Grantee: o, Privs: FunctionPrivs, Grantor: o}}
}

// FuncArg is one declared argument. Mode is pg_proc.proargmodes' letter:
// "i" IN, "o" OUT, "b" INOUT, "v" VARIADIC, "t" a RETURNS TABLE column.
type FuncArg struct {
	Name    string  `json:"name,omitempty"`
	Type    types.T `json:"type"`
	Mode    string  `json:"mode"`
	Default string  `json:"default,omitempty"` // SQL text of the DEFAULT expression
	// Rel: the argument is of this table's row type (an OUT argument;
	// Type is then record, the row type follows the table's columns).
	Rel uint32 `json:"rel,omitempty"`
}

// IsInput reports whether the argument is passed by the caller.
func (a FuncArg) IsInput() bool { return a.Mode == "i" || a.Mode == "b" || a.Mode == "v" }

// IsOutput reports whether the argument is part of the result.
func (a FuncArg) IsOutput() bool { return a.Mode == "o" || a.Mode == "b" || a.Mode == "t" }

// MaxFunctions bounds the functions and procedures one catalog holds
// (CREATE FUNCTION past it fails with 54000).
const MaxFunctions = 10_000

// InputArgs are the arguments a call passes, in order.
func (f *Function) InputArgs() []FuncArg {
	var out []FuncArg
	for _, a := range f.Args {
		if a.IsInput() {
			out = append(out, a)
		}
	}
	return out
}

// OutputArgs are the OUT, INOUT and TABLE arguments, in order.
func (f *Function) OutputArgs() []FuncArg {
	var out []FuncArg
	for _, a := range f.Args {
		if a.IsOutput() {
			out = append(out, a)
		}
	}
	return out
}

// Variadic reports whether the last input argument is VARIADIC.
func (f *Function) Variadic() bool {
	in := f.InputArgs()
	return len(in) > 0 && in[len(in)-1].Mode == "v"
}

// Signature is name(type, …) over the input argument types, as
// PostgreSQL's messages print it.
func (f *Function) Signature() string {
	parts := []string{}
	for _, a := range f.InputArgs() {
		parts = append(parts, types.FormatType(a.Type))
	}
	return f.Name + "(" + strings.Join(parts, ", ") + ")"
}

// sigKey identifies the function by schema, name and input types: two
// functions may not share it (42723), and concurrent creates of one
// conflict on it.
func (f *Function) sigKey() string {
	var b strings.Builder
	b.WriteString(Key(f.Schema, f.Name))
	for _, a := range f.InputArgs() {
		b.WriteByte('/')
		b.WriteString(strconv.FormatUint(uint64(a.Type.OID), 10))
		if a.Rel != 0 {
			b.WriteByte(':')
			b.WriteString(strconv.FormatUint(uint64(a.Rel), 10))
		}
	}
	return b.String()
}

// SameSignature reports whether f and g take the same input types.
func (f *Function) SameSignature(g *Function) bool { return f.sigKey() == g.sigKey() }

// Functions lists the functions called name in schema (a Key).
func (c *Catalog) Functions(key string) []*Function { return c.Funcs[key] }

// HasFunctionNamed reports whether any schema holds a function called name.
func (c *Catalog) HasFunctionNamed(name string) bool {
	_, ok := c.FuncNames[name]
	return ok
}

// FunctionByOID returns the function with the given OID.
func (c *Catalog) FunctionByOID(oid uint32) (*Function, bool) {
	f, ok := c.FuncOID[oid]
	return f, ok
}

// SortedFunctions lists every function by OID.
func (c *Catalog) SortedFunctions() []*Function {
	out := make([]*Function, 0, len(c.FuncOID))
	for _, f := range c.FuncOID {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].OID < out[j].OID })
	return out
}

func (c *Catalog) addFunc(f *Function) {
	if c.Funcs == nil {
		c.Funcs, c.FuncOID, c.FuncNames = map[string][]*Function{}, map[uint32]*Function{}, map[string]int{}
	}
	k := Key(f.Schema, f.Name)
	c.Funcs[k] = append(slices.Clone(c.Funcs[k]), f)
	c.FuncOID[f.OID] = f
	c.FuncNames[f.Name]++
}

func (c *Catalog) removeFunc(f *Function) {
	k := Key(f.Schema, f.Name)
	list := slices.DeleteFunc(slices.Clone(c.Funcs[k]), func(g *Function) bool { return g.OID == f.OID })
	if len(list) == 0 {
		delete(c.Funcs, k)
	} else {
		c.Funcs[k] = list
	}
	delete(c.FuncOID, f.OID)
	if c.FuncNames[f.Name]--; c.FuncNames[f.Name] <= 0 {
		delete(c.FuncNames, f.Name)
	}
}

func funcSigKey(sig string) []byte { return append([]byte("r/\x01f"), sig...) }

// PutFunction writes f (new, or replacing the function with its OID).
func (d *Writer) PutFunction(f *Function) error {
	if old, ok := d.Cat.FuncOID[f.OID]; ok {
		d.Cat.removeFunc(old)
		if old.sigKey() != f.sigKey() {
			k := funcSigKey(old.sigKey())
			d.Del(k)
		}
	} else if len(d.Cat.FuncOID) >= MaxFunctions {
		return pgerror.New(pgerror.ProgramLimitExceeded, "too many functions: this server holds at most %d", MaxFunctions)
	}
	d.Cat.addFunc(f)
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	key := OIDKey('f', f.OID)
	d.Put(key, b)
	sk := funcSigKey(f.sigKey())
	d.Put(sk, OIDKey('f', f.OID))
	return nil
}

// DeleteFunction removes f.
func (d *Writer) DeleteFunction(f *Function) {
	d.Cat.removeFunc(f)
	key := OIDKey('f', f.OID)
	d.Del(key)
	sk := funcSigKey(f.sigKey())
	d.Del(sk)
}

func (c *Catalog) loadFunction(v []byte) error {
	var f Function
	if err := json.Unmarshal(v, &f); err != nil {
		return pgerror.Wrap(err, pgerror.DataCorrupted, "catalog: function descriptor")
	}
	c.addFunc(&f)
	return nil
}

// FunctionsOnPath lists the functions called name visible through path
// (or in schema, when given), in path order.
func (c *Catalog) FunctionsOnPath(path []string, schema, name string) []*Function {
	if len(c.Funcs) == 0 {
		return nil
	}
	if schema != "" {
		return c.Funcs[Key(schema, name)]
	}
	var out []*Function
	for _, s := range path {
		out = append(out, c.Funcs[Key(s, name)]...)
	}
	return out
}
