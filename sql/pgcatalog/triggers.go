package pgcatalog

import (
	"strings"

	"logdb/sql/types"
)

// Trigger is one CREATE TRIGGER of a table (pg_trigger).
type Trigger struct {
	OID     uint32
	Name    string
	FuncOID uint32
	Type    int16 // tgtype: 1 row, 2 before, 4 insert, 8 delete, 16 update, 32 truncate
	Enabled byte  // 'O' or 'D'
	Args    []string
	Attr    []int16 // UPDATE OF's attnums
	When    string  // WHEN's condition as SQL text, "" for none
}

func init() {
	rowFuncs["pg_catalog.pg_trigger"] = pgTriggerRows
}

func pgTriggerRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	for i := range s.Tables {
		t := &s.Tables[i]
		for _, g := range t.Triggers {
			var args []byte
			for _, a := range g.Args {
				args = append(append(args, a...), 0)
			}
			row := r.add("oid", g.OID, "tgrelid", t.OID, "tgparentid", uint32(0), "tgname", g.Name, "tgfoid", g.FuncOID,
				"tgtype", g.Type, "tgenabled", string(g.Enabled), "tgisinternal", false, "tgconstrrelid", uint32(0),
				"tgconstrindid", uint32(0), "tgconstraint", uint32(0), "tgdeferrable", false, "tginitdeferred", false,
				"tgnargs", int16(len(g.Args)), "tgattr", int2Vector(append([]int16{}, g.Attr...)), "tgargs", args)
			if g.When != "" {
				v.set(row, "tgqual", g.When)
			}
		}
	}
	return r.out
}

// triggerByOID finds a trigger and its table.
func (s *Schema) triggerByOID(oid uint32) (*Table, *Trigger) {
	for i := range s.Tables {
		for j := range s.Tables[i].Triggers {
			if s.Tables[i].Triggers[j].OID == oid {
				return &s.Tables[i], &s.Tables[i].Triggers[j]
			}
		}
	}
	return nil, nil
}

// getTriggerdef is pg_get_triggerdef(oid [, pretty]).
func getTriggerdef(ctx *types.EvalContext, a []types.Datum) (types.Datum, error) {
	s := schemaOf(ctx)
	t, g := s.triggerByOID(asOID(a[0]))
	if g == nil {
		return nil, nil
	}
	pretty := len(a) > 1 && asBool(a[1])
	return s.triggerDef(t, g, pretty), nil
}

// triggerDef prints a trigger as PostgreSQL's pg_get_triggerdef does.
func (s *Schema) triggerDef(t *Table, g *Trigger, pretty bool) string {
	var b strings.Builder
	b.WriteString("CREATE TRIGGER " + QuoteIdent(g.Name) + " ")
	if g.Type&2 != 0 {
		b.WriteString("BEFORE")
	} else {
		b.WriteString("AFTER")
	}
	var evs []string
	if g.Type&4 != 0 {
		evs = append(evs, "INSERT")
	}
	if g.Type&8 != 0 {
		evs = append(evs, "DELETE")
	}
	if g.Type&16 != 0 {
		ev := "UPDATE"
		if len(g.Attr) > 0 {
			var cols []string
			for _, n := range g.Attr {
				if int(n) >= 1 && int(n) <= len(t.Columns) {
					cols = append(cols, QuoteIdent(t.Columns[n-1].Name))
				}
			}
			ev += " OF " + strings.Join(cols, ", ")
		}
		evs = append(evs, ev)
	}
	if g.Type&32 != 0 {
		evs = append(evs, "TRUNCATE")
	}
	b.WriteString(" " + strings.Join(evs, " OR ") + " ON ")
	if pretty && s.visible(relation{oid: t.OID, name: t.Name, ns: schemaOr(t.Schema), kind: 'r'}) {
		b.WriteString(QuoteIdent(t.Name))
	} else {
		b.WriteString(QuoteIdent(schemaOr(t.Schema)) + "." + QuoteIdent(t.Name))
	}
	if g.Type&1 != 0 {
		b.WriteString(" FOR EACH ROW")
	} else {
		b.WriteString(" FOR EACH STATEMENT")
	}
	if when := s.printTypeNames(g.When); when != "" {
		if pretty {
			b.WriteString(" WHEN (" + when + ")")
		} else {
			b.WriteString(" WHEN ((" + when + "))")
		}
	}
	b.WriteString(" EXECUTE FUNCTION " + s.RegprocOut(g.FuncOID) + "(")
	for i, a := range g.Args {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(types.QuoteLiteral(a))
	}
	b.WriteString(")")
	return b.String()
}

// isTriggersRows is information_schema.triggers: a row per trigger and
// event (INSERT, DELETE, UPDATE; TRUNCATE is not listed).
func isTriggersRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	db := s.catalogName()
	for i := range s.Tables {
		t := &s.Tables[i]
		for _, ev := range []struct {
			bit  int16
			name string
		}{{4, "INSERT"}, {8, "DELETE"}, {16, "UPDATE"}} {
			for j := range t.Triggers {
				g := &t.Triggers[j]
				if g.Type&ev.bit == 0 {
					continue
				}
				order := int32(1) // rank among the table's triggers of the same event, timing and level
				for k := range t.Triggers {
					o := &t.Triggers[k]
					if o.Type&ev.bit != 0 && o.Type&3 == g.Type&3 && o.Name < g.Name {
						order++
					}
				}
				timing, orient := "AFTER", "STATEMENT"
				if g.Type&2 != 0 {
					timing = "BEFORE"
				}
				if g.Type&1 != 0 {
					orient = "ROW"
				}
				def := s.triggerDef(t, g, false)
				stmt := def[strings.Index(def, " EXECUTE FUNCTION ")+1:]
				row := r.add("trigger_catalog", db, "trigger_schema", schemaOr(t.Schema), "trigger_name", g.Name,
					"event_manipulation", ev.name, "event_object_catalog", db, "event_object_schema", schemaOr(t.Schema),
					"event_object_table", t.Name, "action_order", order, "action_statement", stmt,
					"action_orientation", orient, "action_timing", timing)
				if g.When != "" {
					v.set(row, "action_condition", "("+g.When+")")
				}
			}
		}
	}
	return r.out
}
