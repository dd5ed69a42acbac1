package plpgsql

import (
	"strings"

	"logdb/sql/types"
)

// TriggerData is what a trigger function sees: NEW and OLD (nil where
// the event has none) and the TG_ variables.
type TriggerData struct {
	Cols     []string
	Types    []types.T
	New, Old []types.Datum
	// Vars are TG_OP, TG_NAME, …, by lower-case name, with their types.
	Vars  map[string]types.Datum
	VarTs map[string]types.T
}

// triggerVar is the Dno of a TG_ variable's VarRef (Field names it).
const triggerVar = -1

func (f *frame) triggerRecord(name string) *record {
	td := f.c.Trigger
	var vals []types.Datum
	switch name {
	case "new":
		vals = td.New
	case "old":
		vals = td.Old
	}
	if vals == nil {
		return nil
	}
	return &record{names: td.Cols, types: td.Types, vals: append([]types.Datum(nil), vals...)}
}

// resolveTriggerVar binds a TG_ variable.
func (f *frame) resolveTriggerVar(fields []string) (VarRef, types.T, bool) {
	if f.c.Trigger == nil || len(fields) != 1 {
		return VarRef{}, types.T{}, false
	}
	name := strings.ToLower(fields[0])
	t, ok := f.c.Trigger.VarTs[name]
	if !ok {
		return VarRef{}, types.T{}, false
	}
	return VarRef{Dno: triggerVar, Field: name}, t, true
}

// isTriggerRecord reports whether variable dno is a trigger's NEW or OLD.
func (f *frame) isTriggerRecord(dno int) bool {
	d := f.r.fn.Datums[dno]
	return f.c.Trigger != nil && d.Kind == "rec" && d.Lineno == 0 && (d.Refname == "new" || d.Refname == "old")
}

// rowType is the record type of the table's rows.
func (td *TriggerData) rowType() (types.T, error) {
	fs := make([]types.RecordField, len(td.Cols))
	for i := range td.Cols {
		fs[i] = types.RecordField{Name: td.Cols[i], T: td.Types[i]}
	}
	return types.RecordType(fs)
}
