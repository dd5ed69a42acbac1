package sql

import (
	"strings"

	"logdb/sql/catalog"
	"logdb/sql/exec"
	"logdb/sql/pgerror"
	"logdb/sql/plan"
	"logdb/sql/plpgsql"
	"logdb/sql/types"
)

var (
	nameT    = types.T{OID: types.NameOID, Mod: -1}
	textT    = types.T{OID: types.TextOID, Mod: -1}
	textArrT = types.T{OID: types.TextArrayOID, Mod: -1}
)

// RunTrigger implements exec.TriggerHost: it runs g's PL/pgSQL function
// with NEW, OLD and the TG_ variables, in the statement's transaction.
func (ec *execCtx) RunTrigger(rc *exec.Ctx, t *catalog.Table, g *catalog.Trigger, op string, old, new []types.Datum) ([]types.Datum, bool, error) {
	f, ok := ec.tx.cat.FunctionByOID(g.Func)
	if !ok {
		return nil, false, pgerror.New(pgerror.UndefinedFunction, "function of trigger \"%s\" does not exist", g.Name)
	}
	if f.Lang != "plpgsql" {
		return nil, false, pgerror.New(pgerror.FeatureNotSupported, "trigger functions can only be written in PL/pgSQL")
	}
	td := ec.triggerData(t, g, op, old, new)
	if g.When != "" {
		ok, err := ec.triggerWhen(g, td)
		if err != nil || !ok {
			return nil, false, err
		}
	}
	v, err := ec.runTriggerRoutine(f, f.Name+"()", td, types.T{OID: types.RecordOID, Mod: -1})
	if err != nil || v == nil || !g.Before || !g.Row {
		// an AFTER or statement trigger's result is ignored
		return nil, true, err
	}
	r, ok := v.(types.Record)
	if !ok || len(r.Values) != len(t.Columns) {
		return nil, true, pgerror.New(pgerror.DatatypeMismatch, "returned row structure does not match the structure of the triggering table")
	}
	row := make([]types.Datum, len(t.Columns))
	for i, c := range t.Columns {
		d, err := types.Cast(ec.Ev, r.Values[i], td.Types[i], c.Type, types.CastAssignment)
		if err != nil {
			return nil, true, err
		}
		row[i] = d
	}
	return row, true, nil
}

func (ec *execCtx) triggerData(t *catalog.Table, g *catalog.Trigger, op string, old, new []types.Datum) *plpgsql.TriggerData {
	td := &plpgsql.TriggerData{Old: old, New: new}
	for _, c := range t.Columns {
		td.Cols, td.Types = append(td.Cols, c.Name), append(td.Types, c.Type)
	}
	when, level := "AFTER", "STATEMENT"
	if g.Before {
		when = "BEFORE"
	}
	if g.Row {
		level = "ROW"
	}
	schema := t.Schema
	if schema == "" {
		schema = "public"
	}
	args := make([]types.Datum, len(g.Args))
	for i, a := range g.Args {
		args[i] = a
	}
	argv := types.Array{Elem: textT, Elements: args}
	if len(args) > 0 {
		argv.Dims = []types.ArrayDim{{Len: len(args), Lower: 0}} // TG_ARGV counts from 0
	}
	td.Vars = map[string]types.Datum{"tg_op": op, "tg_name": g.Name, "tg_when": when, "tg_level": level,
		"tg_table_name": t.Name, "tg_relname": t.Name, "tg_table_schema": schema, "tg_relid": int64(t.OID),
		"tg_nargs": int64(len(g.Args)), "tg_argv": argv}
	td.VarTs = map[string]types.T{"tg_op": textT, "tg_name": nameT, "tg_when": textT, "tg_level": textT,
		"tg_table_name": nameT, "tg_relname": nameT, "tg_table_schema": nameT, "tg_relid": {OID: types.OidOID, Mod: -1},
		"tg_nargs": {OID: types.Int4OID, Mod: -1}, "tg_argv": textArrT}
	return td
}

// triggerWhen evaluates a trigger's WHEN condition over NEW and OLD, as
// a PL/pgSQL trigger function returning it (compiled once per trigger).
func (ec *execCtx) triggerWhen(g *catalog.Trigger, td *plpgsql.TriggerData) (bool, error) {
	s := ec.s
	f, ok := s.routines.whens[g]
	if !ok {
		f = &catalog.Function{Name: g.Name, Lang: "plpgsql", Ret: types.T{OID: types.TriggerOID, Mod: -1},
			Body: "BEGIN RETURN (" + g.When + "); END"}
		if s.routines.whens == nil || len(s.routines.whens) >= maxRoutineCache {
			s.routines.whens = map[*catalog.Trigger]*catalog.Function{}
		}
		s.routines.whens[g] = f
	}
	v, err := ec.runTriggerRoutine(f, "WHEN of trigger "+g.Name, td, types.T{OID: types.BoolOID, Mod: -1})
	if err != nil {
		return false, err
	}
	b, _ := v.(bool)
	return b, nil
}

func (ec *execCtx) runTriggerRoutine(f *catalog.Function, name string, td *plpgsql.TriggerData, ret types.T) (types.Datum, error) {
	s := ec.s
	if s.routines.depth >= MaxRoutineDepth {
		return nil, &pgerror.Error{Code: pgerror.StatementTooComplex, Message: "stack depth limit exceeded",
			Hint: "Increase the configuration parameter \"max_stack_depth\" (currently 2048kB), after ensuring the platform's stack depth limit is adequate."}
	}
	s.routines.depth++
	defer func() { s.routines.depth-- }()
	for _, c := range f.Config {
		cname, val, _ := strings.Cut(c, "=")
		old := s.set.Vals[strings.ToLower(cname)]
		if err := s.set.Set(cname, val); err != nil {
			return nil, err
		}
		defer func() { _ = s.set.Set(cname, old) }()
	}
	r, err := s.compiledRoutine(f)
	if err != nil {
		return nil, err
	}
	c := &plpgsql.Call{Ret: ret, Name: name, Trigger: td}
	h := &routineHost{ec: ec, f: f, conflict: varConflict(f.Body)}
	s.routines.triggerDepth++
	prev := s.routines.nonatomic
	s.routines.nonatomic = false // a trigger is atomic, and what it calls
	defer func() { s.routines.triggerDepth--; s.routines.nonatomic = prev }()
	v, _, err := r.Run(h, c)
	return v, err
}

func init() {
	plan.Builtins["pg_trigger_depth"] = func(p *plan.Planner, args []exec.Expr) (exec.Expr, error) {
		if len(args) != 0 {
			return nil, plan.NoFunc("pg_trigger_depth", args)
		}
		return &exec.BuiltinExpr{Name: "pg_trigger_depth", Ret: exec.Int4T, Fn: func(rc *exec.Ctx, _ []types.Datum) (types.Datum, error) {
			return int64(hostOf(rc).s.routines.triggerDepth), nil
		}}, nil
	}
}
