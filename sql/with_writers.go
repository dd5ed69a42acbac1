package sql

import (
	"logdb/sql/exec"
	"logdb/sql/plan"
)

// runWithWriters runs a statement whose WITH holds INSERT, UPDATE or
// DELETE (sql/plan/with_dml.go): the WITH queries first, each once, then
// the main query against the statement's starting state. A main SELECT is
// read to its end (its rows count against work_mem) before the WITH
// queries' writes go back into the transaction; a main INSERT, UPDATE,
// DELETE or MERGE puts them back between its reading and its writing.
// Foreign key checks of all of them run at the end.
func (s *Session) runWithWriters(ec *execCtx, ps *prepStmt) (*cursor, error) {
	if ec.tx.readOnly {
		return nil, errReadOnly(ps.writers[0].Verb())
	}
	defer plan.EndWriters(ec.Ctx)
	mark := ec.Ctx.AfterRowMark()
	defer ec.Ctx.DropAfterRow(mark)
	c, err := s.runWithWritersIn(ec, ps)
	if err == nil {
		// the WITH queries' AFTER ROW triggers (the main statement's ran
		// at its end)
		err = ec.Ctx.AfterStatement(mark)
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

func (s *Session) runWithWritersIn(ec *execCtx, ps *prepStmt) (*cursor, error) {
	restore, err := plan.RunWriters(ec.Ctx, ps.writers)
	if err != nil {
		ec.Ctx.FKDropPending()
		return nil, err
	}
	if ps.dml != nil {
		ec.Ctx.BeforeWrite = restore
		rows, tag, err := ps.dml.Exec(ec.Ctx)
		if err != nil {
			return nil, err
		}
		c := &cursor{tag: tag, tx: ec.tx}
		if ps.dml.Returning != nil {
			c.cols, c.it = ps.dml.Cols, &exec.SliceIter{Rows: rows}
		}
		return c, nil
	}
	it, err := ps.plan.Start(ec.Ctx)
	if err != nil {
		ec.Ctx.FKDropPending()
		return nil, err
	}
	rows, err := exec.DrainIn(it, ec.Budget("query with data-modifying WITH"))
	if err == nil {
		err = restore()
	}
	if err == nil {
		err = ec.Ctx.FKAfterStatement()
	}
	if err != nil {
		ec.Ctx.FKDropPending()
		return nil, err
	}
	return &cursor{cols: ps.visCols, it: &exec.SliceIter{Rows: rows}, tag: "SELECT", countTag: true, tx: ec.tx, ec: ec}, nil
}
