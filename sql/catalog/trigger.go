package catalog

import "sort"

// Trigger is a CREATE TRIGGER of the table holding it (Table.Triggers):
// it lives in the table's descriptor, so it is written, replicated and
// dropped with the table through the Writer.
type Trigger struct {
	OID  uint32 `json:"oid"`
	Name string `json:"name"`
	Func uint32 `json:"func"` // the function's OID (RETURNS trigger)
	// Before: BEFORE, else AFTER; Row: FOR EACH ROW, else STATEMENT.
	Before bool `json:"before,omitempty"`
	Row    bool `json:"row,omitempty"`
	// Events is a bit set of TrigInsert, TrigDelete, TrigUpdate and
	// TrigTruncate (pg_trigger.tgtype's event bits).
	Events int `json:"events"`
	// UpdateCols are the column IDs of UPDATE OF (empty: any column).
	UpdateCols []uint32 `json:"update_cols,omitempty"`
	When       string   `json:"when,omitempty"` // WHEN's condition, as SQL text
	Args       []string `json:"args,omitempty"`
	// Enabled is pg_trigger.tgenabled: 'O' (enabled) or 'D' (disabled).
	Enabled byte `json:"enabled"`
}

// Trigger event bits, as pg_trigger.tgtype has them.
const (
	TrigInsert   = 1 << 2
	TrigDelete   = 1 << 3
	TrigUpdate   = 1 << 4
	TrigTruncate = 1 << 5
)

// TgType is pg_trigger.tgtype.
func (g *Trigger) TgType() int16 {
	v := g.Events
	if g.Row {
		v |= 1
	}
	if g.Before {
		v |= 2
	}
	return int16(v)
}

// Trigger is t's trigger called name, or nil.
func (t *Table) Trigger(name string) *Trigger {
	for _, g := range t.Triggers {
		if g.Name == name {
			return g
		}
	}
	return nil
}

// SortTriggers keeps t's triggers in name order, the order they fire in.
func (t *Table) SortTriggers() {
	sort.Slice(t.Triggers, func(i, j int) bool { return t.Triggers[i].Name < t.Triggers[j].Name })
}

// TriggersUsing lists the tables whose triggers call function oid.
func (c *Catalog) TriggersUsing(oid uint32) []*Table {
	var out []*Table
	for _, t := range c.SortedTables() {
		for _, g := range t.Triggers {
			if g.Func == oid {
				out = append(out, t)
				break
			}
		}
	}
	return out
}
