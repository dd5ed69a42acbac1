package sql

import (
	"strconv"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/exec"
	"logdb/sql/pgerror"
	"logdb/sql/plpgsql"
)

// PL/pgSQL's cursors (OPEN, FETCH, MOVE, CLOSE, FOR r IN c) are the
// session's cursors: OPEN reads the query's rows (as a FOR loop does) and
// registers them under the cursor's name, so a function may return the
// name (a refcursor) and its caller FETCH from it in SQL until the
// transaction ends, as from a DECLAREd cursor (cursors.go).

// MaxRoutineCursors bounds the cursors PL/pgSQL has open in one session,
// and MaxRoutineCursorRows the rows they hold together (54000 past
// either).
const (
	MaxRoutineCursors    = 1_000
	MaxRoutineCursorRows = plpgsql.DefaultMaxRows
)

// OpenCursor implements plpgsql.Host.
func (h *routineHost) OpenCursor(name string, res *plpgsql.Result, scroll bool) (string, error) {
	h.sync()
	s := h.ec.s
	if name == "" {
		for {
			s.unnamedPortalSeq++
			name = "<unnamed portal " + strconv.Itoa(s.unnamedPortalSeq) + ">"
			if _, ok := s.cursors[name]; !ok {
				break
			}
		}
	}
	if _, ok := s.cursors[name]; ok {
		return "", pgerror.New(pgerror.DuplicateCursor, "cursor \"%s\" already in use", name)
	}
	if _, ok := s.portals[name]; ok {
		return "", pgerror.New(pgerror.DuplicateCursor, "cursor \"%s\" already in use", name)
	}
	n, rows := 0, len(res.Rows)
	for _, c := range s.cursors {
		if c.routine {
			n++
			rows += len(c.pos.buf)
			if it, ok := c.it.(*exec.SliceIter); ok {
				rows += len(it.Rows)
			}
		}
	}
	if n >= MaxRoutineCursors {
		return "", pgerror.New(pgerror.ProgramLimitExceeded, "too many open PL/pgSQL cursors (at most %d)", MaxRoutineCursors)
	}
	if rows > MaxRoutineCursorRows {
		return "", pgerror.New(pgerror.ProgramLimitExceeded, "PL/pgSQL cursors hold more than %d rows", MaxRoutineCursorRows)
	}
	if s.cursors == nil {
		s.cursors = map[string]*sqlCursor{}
	}
	cols := make([]exec.Column, len(res.Cols))
	for i := range cols {
		cols[i] = exec.Column{Name: res.Cols[i], T: res.Types[i]}
	}
	s.cursorSeq++
	c := &sqlCursor{name: name, cols: cols, tx: h.ec.tx, seq: s.cursorSeq, routine: true}
	c.pos.scroll = scroll
	if scroll {
		c.pos.buf, c.pos.exhausted = res.Rows, true
	} else {
		c.it = &exec.SliceIter{Rows: res.Rows}
	}
	s.cursors[name] = c
	return name, nil
}

// fetchDirections maps PL/pgSQL's FETCH directions (PostgreSQL's
// FetchDirection) to pg_query's.
var fetchDirections = [...]pg_query.FetchDirection{pg_query.FetchDirection_FETCH_FORWARD, pg_query.FetchDirection_FETCH_BACKWARD,
	pg_query.FetchDirection_FETCH_ABSOLUTE, pg_query.FetchDirection_FETCH_RELATIVE}

// FetchCursor implements plpgsql.Host.
func (h *routineHost) FetchCursor(name string, dir int, count int64, move bool) (*plpgsql.Result, error) {
	if dir < 0 || dir >= len(fetchDirections) {
		return nil, pgerror.New(pgerror.Internal, "plpgsql: FETCH direction %d", dir)
	}
	fs := &pg_query.FetchStmt{Direction: fetchDirections[dir], HowMany: count, Portalname: name, Ismove: move}
	cur, _, err := h.ec.s.fetchCursor(h.ec.Context, fs)
	if err != nil {
		return nil, err
	}
	if move {
		res := &plpgsql.Result{}
		if n, err := strconv.ParseInt(cur.tag[len("MOVE "):], 10, 64); err == nil {
			res.RowCount = n
		}
		return res, nil
	}
	return drainCursor(h.ec.Context, h.ec.s, cur, 0)
}

// CloseCursor implements plpgsql.Host.
func (h *routineHost) CloseCursor(name string) error {
	s := h.ec.s
	c, ok := s.cursors[name]
	if !ok {
		return pgerror.New(pgerror.InvalidCursorName, "cursor \"%s\" does not exist", name)
	}
	c.Close()
	delete(s.cursors, name)
	return nil
}

// CursorIsOpen implements plpgsql.Host.
func (h *routineHost) CursorIsOpen(name string) bool {
	_, ok := h.ec.s.cursors[name]
	return ok
}
