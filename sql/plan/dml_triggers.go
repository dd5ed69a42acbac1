package plan

import "logdb/sql/catalog"

// triggerEvent is the statement's trigger event (catalog.TrigInsert, …;
// 0 for MERGE, whose triggers logdb does not fire).
func (d *DML) triggerEvent() int {
	return map[string]int{"insert": catalog.TrigInsert, "update": catalog.TrigUpdate, "delete": catalog.TrigDelete}[d.Verb]
}

// setCols are the positions of the columns UPDATE's SET assigns.
func (d *DML) setCols() []int {
	cols := make([]int, len(d.sets))
	for i, s := range d.sets {
		cols[i] = s.Col
	}
	return cols
}
