package ddl

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/catalog"
	"logdb/sql/pgerror"
	"logdb/sql/plan"
	"logdb/sql/types"
)

// CreateTrigger runs CREATE [OR REPLACE] TRIGGER. The trigger is stored
// in its table's descriptor (catalog.Trigger).
func CreateTrigger(ec *Ctx, d *catalog.Writer, cs *pg_query.CreateTrigStmt) error {
	if cs.Isconstraint {
		return pgerror.Unsupported("CREATE CONSTRAINT TRIGGER")
	}
	if len(cs.TransitionRels) > 0 {
		return pgerror.Unsupported("transition tables (REFERENCING) of triggers")
	}
	key, err := relKey(ec, d, cs.Relation)
	if err != nil {
		return err
	}
	t0, ok := d.Cat.Tables[key]
	if !ok {
		if d.Cat.RelationExists(key) {
			if cs.Timing&64 != 0 {
				return pgerror.Unsupported("INSTEAD OF triggers")
			}
			return pgerror.New(pgerror.WrongObjectType, "\"%s\" is not a table", cs.Relation.Relname)
		}
		return plan.UndefinedTable(cs.Relation)
	}
	if cs.Timing&64 != 0 {
		return &pgerror.Error{Code: pgerror.WrongObjectType, Message: "\"" + t0.Name + "\" is a table",
			Detail: "Tables cannot have INSTEAD OF triggers."}
	}
	if err := ec.Session.CheckOwner(d.Cat, t0.Owner, "table", t0.Name); err != nil {
		return err
	}
	g := &catalog.Trigger{Name: cs.Trigname, Before: cs.Timing&2 != 0, Row: cs.Row, Events: int(cs.Events), Enabled: 'O'}
	if g.Events&catalog.TrigTruncate != 0 && g.Row {
		return pgerror.New(pgerror.FeatureNotSupported, "TRUNCATE FOR EACH ROW triggers are not supported")
	}
	for _, c := range cs.Columns {
		name := c.GetString_().Sval
		_, col := t0.Column(name)
		if col == nil {
			return pgerror.New(pgerror.UndefinedColumn, "column \"%s\" of relation \"%s\" does not exist", name, t0.Name)
		}
		g.UpdateCols = append(g.UpdateCols, col.ID)
	}
	for _, a := range cs.Args {
		g.Args = append(g.Args, a.GetString_().Sval)
	}
	if cs.WhenClause != nil {
		if g.When, err = storedExpr(ec.Session.Planner(d.Cat), cs.WhenClause); err != nil {
			return err
		}
		lw := strings.ToLower(g.When)
		if !g.Row && (strings.Contains(lw, "new.") || strings.Contains(lw, "old.")) {
			return pgerror.New(pgerror.FeatureNotSupported, "statement trigger's WHEN condition cannot reference column values")
		}
		if g.Events&catalog.TrigInsert != 0 && strings.Contains(lw, "old.") {
			return pgerror.New("42P17", "INSERT trigger's WHEN condition cannot reference OLD values")
		}
		if g.Events&catalog.TrigDelete != 0 && strings.Contains(lw, "new.") {
			return pgerror.New("42P17", "DELETE trigger's WHEN condition cannot reference NEW values")
		}
	}
	f, err := triggerFunction(ec, d, cs.Funcname)
	if err != nil {
		return err
	}
	g.Func = f.OID
	t := t0.Clone()
	if old := t.Trigger(g.Name); old != nil {
		if !cs.Replace {
			return pgerror.New(pgerror.DuplicateObject, "trigger \"%s\" for relation \"%s\" already exists", g.Name, t.Name)
		}
		g.OID = old.OID
		*old = *g
	} else {
		if len(t.Triggers) >= MaxTriggersPerTable {
			return pgerror.New(pgerror.ProgramLimitExceeded, "too many triggers on table \"%s\" (at most %d)", t.Name, MaxTriggersPerTable)
		}
		if g.OID, err = d.NewOID(); err != nil {
			return err
		}
		t.Triggers = append(t.Triggers, g)
	}
	t.SortTriggers()
	if err := d.PutTable(t); err != nil {
		return err
	}
	if t.Partitioned() && g.Row {
		// a row trigger of a partitioned table is one on each partition,
		// as PostgreSQL clones it (partition.go: and on those attached later)
		for _, c := range partitionsDeep(d.Cat, t) {
			if err := cloneRowTrigger(d, c, t, g, cs.Replace); err != nil {
				return err
			}
		}
	}
	return nil
}

// cloneRowTrigger gives partition c a copy of its partitioned ancestor
// p's row trigger g (its UPDATE OF columns found by name).
func cloneRowTrigger(d *catalog.Writer, c, p *catalog.Table, g *catalog.Trigger, replace bool) error {
	nc := c.Clone()
	ng := *g
	ng.UpdateCols = nil
	for _, id := range g.UpdateCols {
		if _, col := nc.Column(p.Columns[p.ColIndexByID(id)].Name); col != nil {
			ng.UpdateCols = append(ng.UpdateCols, col.ID)
		}
	}
	if old := nc.Trigger(g.Name); old != nil {
		if !replace {
			return pgerror.New(pgerror.DuplicateObject, "trigger \"%s\" for relation \"%s\" already exists", g.Name, nc.Name)
		}
		ng.OID = old.OID
		*old = ng
	} else {
		var err error
		if ng.OID, err = d.NewOID(); err != nil {
			return err
		}
		nc.Triggers = append(nc.Triggers, &ng)
	}
	nc.SortTriggers()
	return d.PutTable(nc)
}

// triggerFunction finds EXECUTE FUNCTION's function: no arguments,
// RETURNS trigger.
func triggerFunction(ec *Ctx, d *catalog.Writer, fname []*pg_query.Node) (*catalog.Function, error) {
	names := plan.NodeStrings(fname)
	schema, name := "", names[len(names)-1]
	if len(names) > 1 {
		schema = names[len(names)-2]
	}
	p := ec.Session.Planner(d.Cat)
	for _, f := range d.Cat.FunctionsOnPath(p.SearchPath(), schema, name) {
		if len(f.InputArgs()) != 0 {
			continue
		}
		if f.Ret.OID != types.TriggerOID {
			return nil, pgerror.New("42P17", "function %s must return type trigger", name)
		}
		return f, nil
	}
	if schema == "" || schema == "pg_catalog" {
		if _, err := types.LookupFunc(name, nil); err == nil {
			// a built-in function of no arguments: none returns trigger
			return nil, pgerror.New("42P17", "function %s must return type trigger", name)
		}
	}
	return nil, pgerror.New(pgerror.UndefinedFunction, "function %s() does not exist", strings.Join(names, "."))
}

// DropTrigger runs DROP TRIGGER [IF EXISTS] name ON t.
func DropTrigger(ec *Ctx, d *catalog.Writer, ds *pg_query.DropStmt, w Noticer) error {
	for _, obj := range ds.Objects {
		names := plan.NodeStrings(obj.GetList().Items)
		if len(names) < 2 {
			return pgerror.New(pgerror.SyntaxError, "DROP TRIGGER needs ON table")
		}
		tname := names[len(names)-2]
		rv := &pg_query.RangeVar{Relname: tname}
		if len(names) > 2 {
			rv.Schemaname = names[len(names)-3]
		}
		trig := names[len(names)-1]
		key, err := relKey(ec, d, rv)
		if err != nil {
			return err
		}
		t0, ok := d.Cat.Tables[key]
		if !ok {
			if ds.MissingOk {
				_ = w.Notice(Notice(pgerror.SuccessfulCompletion, "relation \""+tname+"\" does not exist, skipping"))
				continue
			}
			return plan.UndefinedTable(rv)
		}
		if t0.Trigger(trig) == nil {
			if ds.MissingOk {
				_ = w.Notice(Notice(pgerror.SuccessfulCompletion, "trigger \""+trig+"\" for relation \""+tname+"\" does not exist, skipping"))
				continue
			}
			return pgerror.New(pgerror.UndefinedObject, "trigger \"%s\" for table \"%s\" does not exist", trig, tname)
		}
		if err := ec.Session.CheckOwner(d.Cat, t0.Owner, "table", t0.Name); err != nil {
			return err
		}
		t := t0.Clone()
		dropTriggers(t, func(g *catalog.Trigger) bool { return g.Name == trig })
		if err := d.PutTable(t); err != nil {
			return err
		}
		for _, c := range partitionsDeep(d.Cat, t) { // the partitions' clones go too
			if c.Trigger(trig) != nil {
				nc := c.Clone()
				dropTriggers(nc, func(g *catalog.Trigger) bool { return g.Name == trig })
				if err := d.PutTable(nc); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func dropTriggers(t *catalog.Table, match func(*catalog.Trigger) bool) {
	var keep []*catalog.Trigger
	for _, g := range t.Triggers {
		if !match(g) {
			keep = append(keep, g)
		}
	}
	t.Triggers = keep
}

// enableTrigger runs ALTER TABLE … ENABLE | DISABLE TRIGGER name | ALL | USER.
func enableTrigger(t *catalog.Table, name string, all, enable bool) error {
	state := byte('D')
	if enable {
		state = 'O'
	}
	if all {
		for _, g := range t.Triggers {
			g.Enabled = state
		}
		return nil
	}
	g := t.Trigger(name)
	if g == nil {
		return pgerror.New(pgerror.UndefinedObject, "trigger \"%s\" for table \"%s\" does not exist", name, t.Name)
	}
	g.Enabled = state
	return nil
}

// dropFunctionTriggers handles the triggers that call f at DROP
// FUNCTION: 2BP01, or with CASCADE, their drop.
func dropFunctionTriggers(d *catalog.Writer, f *catalog.Function, cascade bool, w Noticer) error {
	for _, t0 := range d.Cat.TriggersUsing(f.OID) {
		if !cascade {
			var lines []string
			for _, g := range t0.Triggers {
				if g.Func == f.OID {
					lines = append(lines, "trigger "+g.Name+" on table "+t0.Name+" depends on function "+f.Name+"()")
				}
			}
			return &pgerror.Error{Code: pgerror.DependentObjectsStillExist, Message: "cannot drop function " + f.Name + "() because other objects depend on it",
				Detail: strings.Join(lines, "\n"), Hint: "Use DROP ... CASCADE to drop the dependent objects too."}
		}
		t := t0.Clone()
		for _, g := range t.Triggers {
			if g.Func == f.OID {
				_ = w.Notice(Notice(pgerror.SuccessfulCompletion, "drop cascades to trigger "+g.Name+" on table "+t.Name))
			}
		}
		dropTriggers(t, func(g *catalog.Trigger) bool { return g.Func == f.OID })
		if err := d.PutTable(t); err != nil {
			return err
		}
	}
	return nil
}

// MaxTriggersPerTable bounds a table's triggers (each one is in the
// table's descriptor, read by every statement that writes the table).
const MaxTriggersPerTable = 1000
