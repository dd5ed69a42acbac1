package plpgsql

import (
	"strings"

	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// Call is one invocation's inputs and result shape.
type Call struct {
	// Args are the values of every declared argument, OUT ones NULL, in
	// declaration order; ArgTypes their types.
	Args     []types.Datum
	ArgTypes []types.T
	// Ret is the result type (void for DO blocks and procedures);
	// RetSet: a set-returning function, whose rows RETURN NEXT and
	// RETURN QUERY collect. Outs are the OUT/INOUT/TABLE arguments'
	// positions in Args (the result row, or the record returned).
	Ret    types.T
	RetSet bool
	Outs   []int
	// MaxRows bounds the rows a set-returning call, or a FOR loop's
	// query, holds (54000 past it).
	MaxRows int
	// Name is the routine as an error's CONTEXT names it: "f(integer)",
	// or inline_code_block for DO.
	Name string
	// Trigger is set when the routine runs as a trigger (trigger.go).
	Trigger *TriggerData
}

type value struct {
	d   types.Datum
	t   types.T
	rec *record // a record variable's row; nil: not assigned yet
	// row: a variable of a composite type (t%ROWTYPE, or a table's
	// name), kept as a record of that type's fields
	row bool
	// null: a row variable holding NULL (its fields read as NULL), as it
	// is before its first assignment
	null bool
}

// isRec reports whether variable dno holds a row (record or composite).
func (f *frame) isRec(dno int) bool {
	return f.r.fn.Datums[dno].Kind == "rec" || f.vals[dno].row
}

// emptyRow is a composite variable's value before assignment: its
// fields, NULL (a record variable has none: nil).
func (f *frame) emptyRow(dno int) *record {
	v := f.vals[dno]
	if !v.row {
		return nil
	}
	fields, _ := types.RecordFields(v.t)
	r := &record{vals: make([]types.Datum, len(fields))}
	for _, x := range fields {
		r.names, r.types = append(r.names, x.Name), append(r.types, x.T)
	}
	return r
}

type record struct {
	names []string
	types []types.T
	vals  []types.Datum
}

// frame is one running call.
type frame struct {
	r      *Routine
	h      Host
	c      *Call
	vals   []value
	line   int
	rows   int64 // ROW_COUNT of the last SQL statement
	errs   []*pgerror.Error
	out    [][]types.Datum
	retVal types.Datum
	// placed is the last error given this frame's CONTEXT line (an
	// enclosing statement leaves it as it is)
	placed *pgerror.Error
}

func (f *frame) init() error {
	f.vals = make([]value, len(f.r.fn.Datums))
	for dno, d := range f.r.fn.Datums {
		if dno < f.r.nargs && dno < len(f.c.Args) {
			t := f.c.ArgTypes[dno]
			f.vals[dno] = value{d: f.c.Args[dno], t: t}
			if _, ok := types.RecordFields(t); ok && (t.OID == types.RecordOID && t.Mod >= 0 || types.IsComposite(t.OID)) {
				// an argument of a composite type or a table's row type
				f.vals[dno].row = true
				f.vals[dno].rec, f.vals[dno].null = f.emptyRow(dno), true
				if r, ok := f.c.Args[dno].(types.Record); ok && len(r.Values) == len(f.vals[dno].rec.vals) {
					f.vals[dno].rec.vals, f.vals[dno].null = append([]types.Datum(nil), r.Values...), false
				}
			}
			continue
		}
		if d.Kind == "rec" && f.c.Trigger != nil && (d.Refname == "new" || d.Refname == "old") && d.Lineno == 0 {
			f.vals[dno].rec = f.triggerRecord(d.Refname)
			continue
		}
		if d.Kind == "rec" && d.typname() != "" {
			// r t, whose fields the body assigns (parseRowVars)
			t, err := f.declaredType(d)
			if err != nil {
				return err
			}
			f.vals[dno] = value{t: t, row: true}
			f.vals[dno].rec, f.vals[dno].null = f.emptyRow(dno), true
			continue
		}
		if d.Kind == "var" {
			switch d.Refname {
			case "found":
				f.vals[dno] = value{d: false, t: types.T{OID: types.BoolOID, Mod: -1}}
				continue
			case "sqlstate", "sqlerrm":
				f.vals[dno] = value{t: types.T{OID: types.TextOID, Mod: -1}}
				continue
			}
			if strings.HasPrefix(d.Refname, "__Case__Variable_") {
				continue // typed when the CASE assigns it
			}
			if _, ok := f.loopDno(dno); ok {
				f.vals[dno] = value{t: types.T{OID: types.Int4OID, Mod: -1}}
				continue
			}
			t, err := f.declaredType(d)
			if err != nil {
				return err
			}
			f.vals[dno] = value{t: t}
			if _, ok := types.RecordFields(t); ok && (t.OID == types.RecordOID && t.Mod >= 0 || types.IsComposite(t.OID)) {
				f.vals[dno].row = true
				f.vals[dno].rec, f.vals[dno].null = f.emptyRow(dno), true
			}
		}
	}
	return nil
}

// declaredType resolves a variable's declared type (t%ROWTYPE is t).
func (f *frame) declaredType(d *Datum) (types.T, error) {
	name := strings.TrimSpace(d.typname())
	if l := strings.ToLower(name); strings.HasSuffix(l, "%rowtype") {
		name = strings.TrimSpace(strings.TrimRight(name[:len(name)-len("%rowtype")], " \t%"))
	}
	return f.h.Type(name)
}

func (f *frame) loopDno(dno int) (*Stmt, bool) {
	for s, d := range f.r.loopVar {
		if d == dno {
			return s, true
		}
	}
	return nil, false
}

// setFound sets FOUND.
func (f *frame) setFound(v bool) {
	for dno, d := range f.r.fn.Datums {
		if d.Refname == "found" && d.Kind == "var" {
			f.vals[dno].d = v
			return
		}
	}
}

// lookup finds the variable called name visible at the current line: the
// latest declared on or before it (arguments have line 0).
func (f *frame) lookup(name string) int {
	best := -1
	for dno, d := range f.r.fn.Datums {
		if d.Refname != name || d.Kind == "row" || d.Kind == "recfield" {
			continue
		}
		if d.Lineno <= f.line && (best < 0 || d.Lineno >= f.r.fn.Datums[best].Lineno) {
			best = dno
		}
	}
	return best
}

// Resolve implements Vars.
func (f *frame) Resolve(fields []string) (VarRef, types.T, bool, error) {
	if len(fields) == 0 || len(fields) > 2 {
		return VarRef{}, types.T{}, false, nil
	}
	dno := f.lookup(fields[0])
	if dno < 0 {
		ref, t, ok := f.resolveTriggerVar(fields)
		return ref, t, ok, nil
	}
	d, v := f.r.fn.Datums[dno], f.vals[dno]
	if len(fields) == 1 {
		if f.isRec(dno) {
			if v.rec == nil && f.isTriggerRecord(dno) {
				t, err := f.c.Trigger.rowType()
				return VarRef{Dno: dno}, t, true, err
			}
			if v.rec == nil {
				return VarRef{}, types.T{}, false, errUnassigned(d.Refname)
			}
			t, err := v.rec.recordType()
			return VarRef{Dno: dno}, t, true, err
		}
		return VarRef{Dno: dno}, v.t, true, nil
	}
	if !f.isRec(dno) {
		return VarRef{}, types.T{}, false, nil
	}
	if v.rec == nil && f.isTriggerRecord(dno) {
		// NEW or OLD where the event has none: its fields are NULL
		for i, n := range f.c.Trigger.Cols {
			if n == fields[1] {
				return VarRef{Dno: dno, Field: n}, f.c.Trigger.Types[i], true, nil
			}
		}
	}
	if v.rec == nil {
		return VarRef{}, types.T{}, false, errUnassigned(d.Refname)
	}
	for i, n := range v.rec.names {
		if n == fields[1] {
			return VarRef{Dno: dno, Field: n}, v.rec.types[i], true, nil
		}
	}
	return VarRef{}, types.T{}, false, pgerror.New(pgerror.UndefinedColumn, "record \"%s\" has no field \"%s\"", d.Refname, fields[1])
}

// Value implements Vars.
func (f *frame) Value(ref VarRef) (types.Datum, types.T, error) {
	if ref.Dno == triggerVar {
		return f.c.Trigger.Vars[ref.Field], f.c.Trigger.VarTs[ref.Field], nil
	}
	v := f.vals[ref.Dno]
	if !f.isRec(ref.Dno) {
		return v.d, v.t, nil
	}
	if v.rec == nil && f.isTriggerRecord(ref.Dno) {
		// NEW or OLD where the event has none: NULL, and its fields too
		if ref.Field != "" {
			for i, n := range f.c.Trigger.Cols {
				if n == ref.Field {
					return nil, f.c.Trigger.Types[i], nil
				}
			}
		}
		t, err := f.c.Trigger.rowType()
		return nil, t, err
	}
	if v.rec == nil {
		return nil, types.T{}, errUnassigned(f.r.fn.Datums[ref.Dno].Refname)
	}
	if ref.Field == "" {
		if v.row {
			if v.null {
				return nil, v.t, nil
			}
			return types.Record{Values: v.rec.vals}, v.t, nil
		}
		t, err := v.rec.recordType()
		return types.Record{Values: v.rec.vals}, t, err
	}
	for i, n := range v.rec.names {
		if n == ref.Field {
			return v.rec.vals[i], v.rec.types[i], nil
		}
	}
	return nil, types.T{}, pgerror.New(pgerror.UndefinedColumn, "record \"%s\" has no field \"%s\"", f.r.fn.Datums[ref.Dno].Refname, ref.Field)
}

func (r *record) recordType() (types.T, error) {
	fs := make([]types.RecordField, len(r.names))
	for i := range r.names {
		fs[i] = types.RecordField{Name: r.names[i], T: r.types[i]}
	}
	return types.RecordType(fs)
}

func errUnassigned(name string) error {
	return &pgerror.Error{Code: pgerror.ObjectNotInPrerequisiteState, Message: "record \"" + name + "\" is not assigned yet",
		Detail: "The tuple structure of a not-yet-assigned record is indeterminate."}
}

// assign stores d (of type from) in variable dno, cast to its type.
func (f *frame) assign(dno int, d types.Datum, from types.T) error {
	decl := f.r.fn.Datums[dno]
	kind := decl.Kind
	if f.vals[dno].row {
		kind = "rec"
	}
	switch kind {
	case "recfield":
		parent := &f.vals[decl.Recparentno]
		if parent.rec == nil {
			return errUnassigned(f.r.fn.Datums[decl.Recparentno].Refname)
		}
		for i, n := range parent.rec.names {
			if n == decl.Fieldname {
				v, err := f.cast(d, from, parent.rec.types[i])
				if err != nil {
					return err
				}
				vals := append([]types.Datum(nil), parent.rec.vals...)
				vals[i] = v
				parent.rec = &record{names: parent.rec.names, types: parent.rec.types, vals: vals}
				parent.null = false
				return nil
			}
		}
		return pgerror.New(pgerror.UndefinedColumn, "record \"%s\" has no field \"%s\"", f.r.fn.Datums[decl.Recparentno].Refname, decl.Fieldname)
	case "rec":
		if d == nil {
			f.vals[dno].rec = nil
			if f.vals[dno].row {
				f.vals[dno].rec, f.vals[dno].null = f.emptyRow(dno), true
			}
			return nil
		}
		rv, ok := d.(types.Record)
		if !ok {
			return pgerror.New(pgerror.DatatypeMismatch, "cannot assign non-composite value to a record variable")
		}
		if f.vals[dno].row {
			return f.assignRow(dno, &Result{Cols: recNames(from, len(rv.Values)), Types: recTypes(from, len(rv.Values))}, rv.Values)
		}
		fields, _ := types.RecordFields(from)
		rec := &record{vals: rv.Values}
		for i := range rv.Values {
			name, t := "f"+itoa(i+1), types.T{OID: types.TextOID, Mod: -1}
			if i < len(fields) {
				name, t = fields[i].Name, fields[i].T
			}
			rec.names, rec.types = append(rec.names, name), append(rec.types, t)
		}
		f.vals[dno].rec = rec
		return nil
	case "row":
		rv, ok := d.(types.Record)
		var vals []types.Datum
		var ts []types.T
		if ok {
			vals = rv.Values
			fields, _ := types.RecordFields(from)
			for _, x := range fields {
				ts = append(ts, x.T)
			}
		}
		for i, fld := range decl.Fields {
			var v types.Datum
			t := types.T{OID: types.UnknownOID, Mod: -1}
			if i < len(vals) {
				v = vals[i]
				if i < len(ts) {
					t = ts[i]
				}
			}
			if err := f.assign(fld.Varno, v, t); err != nil {
				return err
			}
		}
		return nil
	}
	if decl.IsConst && f.line > decl.Lineno && decl.Lineno > 0 {
		return pgerror.New("22005", "variable \"%s\" is declared CONSTANT", decl.Refname)
	}
	to := f.vals[dno].t
	if to.OID == 0 {
		to = from
		f.vals[dno].t = from
	}
	v, err := f.cast(d, from, to)
	if err != nil {
		return err
	}
	if v == nil && decl.NotNull {
		return pgerror.New(pgerror.NullValueNotAllowed, "null value cannot be assigned to variable \"%s\" declared NOT NULL", decl.Refname)
	}
	f.vals[dno].d = v
	return nil
}

// assignRow stores a result row in a target: a record, a row of
// variables, or one variable.
func (f *frame) assignRow(dno int, res *Result, row []types.Datum) error {
	decl := f.r.fn.Datums[dno]
	if f.vals[dno].row {
		// a composite variable keeps its type: the row's columns are
		// cast to its fields in order
		rec := f.emptyRow(dno)
		for i := range rec.vals {
			if row != nil && i < len(row) && i < len(res.Types) {
				v, err := f.cast(row[i], res.Types[i], rec.types[i])
				if err != nil {
					return err
				}
				rec.vals[i] = v
			}
		}
		f.vals[dno].rec, f.vals[dno].null = rec, row == nil
		return nil
	}
	switch decl.Kind {
	case "rec":
		if row == nil {
			row = make([]types.Datum, len(res.Cols))
		}
		f.vals[dno].rec = &record{names: res.Cols, types: res.Types, vals: append([]types.Datum(nil), row...)}
		return nil
	case "row":
		if len(decl.Fields) == 1 && f.isRec(decl.Fields[0].Varno) {
			return f.assignRow(decl.Fields[0].Varno, res, row) // SELECT … INTO a record
		}
		for i, fld := range decl.Fields {
			var v types.Datum
			t := types.T{OID: types.UnknownOID, Mod: -1}
			if row != nil && i < len(row) {
				v, t = row[i], res.Types[i]
			}
			if err := f.assign(fld.Varno, v, t); err != nil {
				return err
			}
		}
		return nil
	}
	var v types.Datum
	t := types.T{OID: types.UnknownOID, Mod: -1}
	if len(res.Types) > 0 {
		t = res.Types[0]
		if row != nil {
			v = row[0]
		}
	}
	return f.assign(dno, v, t)
}

func (f *frame) cast(d types.Datum, from, to types.T) (types.Datum, error) {
	if d == nil || to.OID == 0 || from == to || to.OID == types.RecordOID && from.OID == types.RecordOID {
		return d, nil
	}
	if from.OID == types.UnknownOID {
		from = types.T{OID: types.TextOID, Mod: -1}
	}
	return types.Cast(f.h.Ev(), d, from, to, types.CastExplicit)
}

func itoa(i int) string {
	b := []byte{}
	if i == 0 {
		return "0"
	}
	for i > 0 {
		b = append([]byte{byte('0' + i%10)}, b...)
		i /= 10
	}
	return string(b)
}

func recNames(t types.T, n int) []string {
	fields, _ := types.RecordFields(t)
	out := make([]string, n)
	for i := range out {
		out[i] = "f" + itoa(i+1)
		if i < len(fields) {
			out[i] = fields[i].Name
		}
	}
	return out
}

func recTypes(t types.T, n int) []types.T {
	fields, _ := types.RecordFields(t)
	out := make([]types.T, n)
	for i := range out {
		out[i] = textT
		if i < len(fields) {
			out[i] = fields[i].T
		}
	}
	return out
}
