package plpgsql

import (
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// Cursors: OPEN, FETCH, MOVE, CLOSE and FOR r IN c. A cursor variable
// (refcursor) holds the cursor's name; OPEN runs the query, reading its
// rows, and the Host keeps them as the session's cursor of that name
// until the transaction ends (a caller may FETCH from a returned
// refcursor in SQL). A bound cursor (c CURSOR (args) FOR query) is named
// after its variable unless the variable was given another name.

const (
	cursorOptScroll   = 0x2
	cursorOptNoScroll = 0x4
	fetchAllCount     = 1<<63 - 1
)

var refcursorT = types.T{OID: types.RefcursorOID, Mod: -1}

// cursorName is the name cursor variable dno holds ("" when NULL).
func (f *frame) cursorName(dno int) string {
	if s, ok := f.vals[dno].d.(string); ok {
		return s
	}
	return ""
}

// openCursor runs OPEN (and FOR's opening): it reads the rows and
// registers them under the variable's name, or a new one it stores.
func (f *frame) openCursor(s *Stmt) (string, *Result, error) {
	dno := s.Curvar
	d := f.r.fn.Datums[dno]
	name := f.cursorName(dno)
	if name != "" && f.h.CursorIsOpen(name) {
		return "", nil, pgerror.New(pgerror.DuplicateCursor, "cursor \"%s\" already in use", name)
	}
	opts := s.CurOptions | d.CursorOptions
	var res *Result
	var err error
	switch {
	case s.Query != nil:
		res, err = f.h.Query(s.Query.Query, f, f.c.maxRows())
	case s.DynQuery != nil:
		res, err = f.dynamic(s.DynQuery, s.Params, f.c.maxRows())
	case d.Cursor != nil:
		if s.ArgQuery != nil {
			// the arguments, evaluated as one row, into the cursor's
			// argument variables
			ar, err := f.h.Query("SELECT "+s.ArgQuery.Query, f, 2)
			if err != nil {
				return "", nil, err
			}
			var row []types.Datum
			if len(ar.Rows) > 0 {
				row = ar.Rows[0]
			}
			if err := f.assignRow(d.CursorArgrow, ar, row); err != nil {
				return "", nil, err
			}
		}
		res, err = f.h.Query(d.Cursor.Query, f, f.c.maxRows())
	default:
		return "", nil, pgerror.New(pgerror.Internal, "plpgsql: OPEN without a query")
	}
	if err != nil {
		return "", nil, err
	}
	if res.RowCount > int64(len(res.Rows)) {
		return "", nil, errTooManyRows(f.c.maxRows())
	}
	if !res.Returns {
		return "", nil, pgerror.New("42P11", "cannot open a query that returns no rows as a cursor")
	}
	name, err = f.h.OpenCursor(name, res, opts&cursorOptNoScroll == 0)
	if err != nil {
		return "", nil, err
	}
	f.vals[dno].d = name
	if f.vals[dno].t.OID == 0 {
		f.vals[dno].t = refcursorT
	}
	return name, res, nil
}

// openName is the open cursor variable dno names (22004 when NULL).
func (f *frame) openName(dno int) (string, error) {
	name := f.cursorName(dno)
	if name == "" {
		return "", pgerror.New(pgerror.NullValueNotAllowed, "cursor variable \"%s\" is null", f.r.fn.Datums[dno].Refname)
	}
	return name, nil
}

// fetch runs FETCH … INTO and MOVE.
func (f *frame) fetch(s *Stmt) error {
	name, err := f.openName(s.Curvar)
	if err != nil {
		return err
	}
	count := s.HowMany
	if s.Expr != nil {
		v, t, err := f.eval(s.Expr)
		if err != nil {
			return err
		}
		if v, err = f.cast(v, t, types.T{OID: types.Int8OID, Mod: -1}); err != nil {
			return err
		}
		if v == nil {
			return pgerror.New(pgerror.NullValueNotAllowed, "relative or absolute cursor position is null")
		}
		count = v.(int64)
	}
	res, err := f.h.FetchCursor(name, s.Direction, count, s.IsMove)
	if err != nil {
		return err
	}
	f.rows = res.RowCount
	f.setFound(res.RowCount > 0)
	if s.IsMove || s.Target == nil {
		return nil
	}
	var row []types.Datum
	if len(res.Rows) > 0 {
		row = res.Rows[0]
	}
	return f.assignRow(f.target(s.Target), res, row)
}

// closeCursor runs CLOSE.
func (f *frame) closeCursor(s *Stmt) error {
	name, err := f.openName(s.Curvar)
	if err != nil {
		return err
	}
	return f.h.CloseCursor(name)
}

// forCursor opens the cursor for FOR r IN c(args) LOOP: its rows, and
// the close to run when the loop ends.
func (f *frame) forCursor(s *Stmt) (*Result, func(), error) {
	name, res, err := f.openCursor(s)
	if err != nil {
		return nil, nil, err
	}
	return res, func() { _ = f.h.CloseCursor(name) }, nil
}
