package sql

import (
	"fmt"
	"math"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/exec"
	"logdb/sql/pgerror"
	"logdb/sql/plan"
	"logdb/sql/types"
)

// Scrollable cursors: FETCH and MOVE in every direction PostgreSQL 15 has
// (NEXT, PRIOR, FIRST, LAST, ABSOLUTE n, RELATIVE n, n, ALL, FORWARD and
// BACKWARD with a count or ALL), with PostgreSQL's position rules: this
// file ports DoPortalRunFetch, PortalRunSelect and DoPortalRewind
// (pquery.c) over a cursor's position.
//
// A cursor is scrollable when declared SCROLL, or when declared with
// neither SCROLL nor NO SCROLL and its plan could run backward in
// PostgreSQL (backwardCapable: scans, sorts, VALUES, functions, LIMIT and
// UNION ALL of such; not joins, aggregates, DISTINCT or a bare SELECT
// without FROM). A scrollable cursor keeps the rows it has read (counted
// against work_mem: past it the FETCH fails with 53200) so it can go
// back; others stream and fail a backward move with 55000.

const (
	cursorOptScroll   = 0x2
	cursorOptNoScroll = 0x4
	fetchAll          = math.MaxInt64
)

// cursorPos is a cursor's position: PostgreSQL's portal fields (portalPos,
// atStart, atEnd) over an executor position epos (0 before the first row,
// k on row k, rows+1 after the last).
type cursorPos struct {
	scroll    bool
	buf       [][]types.Datum // scroll: the rows read so far
	exhausted bool            // the query has given its last row
	epos      int64
	budget    *exec.MemBudget
	portalPos int64
	atEnd     bool
	notStart  bool // !atStart
}

// backwardCapable reports whether PostgreSQL's plan for n could scan
// backward (ExecSupportsBackwardScan), which makes a cursor declared
// without SCROLL or NO SCROLL scrollable.
func backwardCapable(n exec.Node) bool {
	switch x := n.(type) {
	case *exec.ScanNode, *exec.SortNode, *exec.ValuesNode, *plan.SRFNode, *exec.CteScanNode:
		return true
	case *exec.FilterNode:
		return backwardCapable(x.Src)
	case *exec.ProjectNode:
		return backwardCapable(x.Src)
	case *exec.RenameNode:
		return backwardCapable(x.Src)
	case *exec.TrimNode:
		return backwardCapable(x.Src)
	case *exec.LimitNode:
		return backwardCapable(x.Src)
	case *exec.SetOpNode:
		return x.All && x.Op == exec.SetOpKind(0) && backwardCapable(x.L) && backwardCapable(x.R)
	}
	return false
}

// forwardRow moves one row forward and returns it (nil past the end).
func (c *sqlCursor) forwardRow() ([]types.Datum, error) {
	p := &c.pos
	if p.scroll && p.epos < int64(len(p.buf)) {
		p.epos++
		return p.buf[p.epos-1], nil
	}
	if p.exhausted || c.it == nil {
		if p.scroll {
			p.epos = int64(len(p.buf)) + 1
		}
		return nil, nil
	}
	r, err := c.it.Next()
	if err != nil {
		return nil, err
	}
	if r == nil {
		p.exhausted = true
		p.epos++
		return nil, nil
	}
	if p.scroll {
		if err := p.budget.Keep(r); err != nil {
			return nil, err
		}
		p.buf = append(p.buf, r)
	}
	p.epos++
	return r, nil
}

// backwardRow moves one row back and returns it (nil before the start).
func (c *sqlCursor) backwardRow() []types.Datum {
	p := &c.pos
	if p.epos <= 1 {
		p.epos = 0
		return nil
	}
	p.epos--
	return p.buf[p.epos-1]
}

func errScanForward() error {
	return &pgerror.Error{Code: pgerror.ObjectNotInPrerequisiteState, Message: "cursor can only scan forward",
		Hint: "Declare it with SCROLL option to enable backward scan."}
}

// runSelect is PortalRunSelect: count rows (fetchAll: all) forward or
// backward, each passed to out (nil: MOVE); it returns how many.
func (c *sqlCursor) runSelect(forward bool, count int64, out *[][]types.Datum) (int64, error) {
	p := &c.pos
	var n int64
	if forward {
		if p.atEnd || count <= 0 {
			return 0, nil
		}
		for n < count {
			r, err := c.forwardRow()
			if err != nil {
				return n, err
			}
			if r == nil {
				break
			}
			if out != nil {
				*out = append(*out, r)
			}
			n++
		}
		if n > 0 {
			p.notStart = true
		}
		if count == fetchAll || n < count {
			p.atEnd = true
		}
		p.portalPos += n
		return n, nil
	}
	if !p.scroll {
		return 0, errScanForward()
	}
	if !p.notStart || count <= 0 {
		return 0, nil
	}
	for n < count {
		r := c.backwardRow()
		if r == nil {
			break
		}
		if out != nil {
			*out = append(*out, r)
		}
		n++
	}
	if n > 0 && p.atEnd {
		p.atEnd = false
		p.portalPos++
	}
	if count == fetchAll || n < count {
		p.notStart, p.portalPos = false, 0
	} else {
		p.portalPos -= n
	}
	return n, nil
}

// rewind is DoPortalRewind.
func (c *sqlCursor) rewind() error {
	p := &c.pos
	if !p.notStart && !p.atEnd {
		return nil
	}
	if !p.scroll {
		return errScanForward()
	}
	p.epos, p.portalPos, p.atEnd, p.notStart = 0, 0, false, false
	return nil
}

// runFetch is DoPortalRunFetch: it moves the cursor as fs says and
// returns the rows FETCH gives (none for MOVE) and the count of the tag.
// A plain forward FETCH streams instead: stream is then set, rows nil and
// n the count to stream.
func (c *sqlCursor) runFetch(fs *pg_query.FetchStmt) (rows [][]types.Datum, n int64, stream bool, err error) {
	var out *[][]types.Datum
	if !fs.Ismove {
		out = &rows
	}
	count := fs.HowMany
	forward := true
	switch fs.Direction {
	case pg_query.FetchDirection_FETCH_FORWARD:
		if count < 0 {
			forward, count = false, -count
		}
	case pg_query.FetchDirection_FETCH_BACKWARD:
		forward = false
		if count < 0 {
			forward, count = true, -count
		}
	case pg_query.FetchDirection_FETCH_ABSOLUTE:
		switch {
		case count > 0:
			if uint64(count-1) <= uint64(c.pos.portalPos)/2 || c.pos.portalPos >= fetchAll {
				if err := c.rewind(); err != nil {
					return nil, 0, false, err
				}
				if count > 1 {
					if _, err := c.runSelect(true, count-1, nil); err != nil {
						return nil, 0, false, err
					}
				}
			} else {
				pos := c.pos.portalPos
				if c.pos.atEnd {
					pos++
				}
				if count <= pos {
					_, err = c.runSelect(false, pos-count+1, nil)
				} else if count > pos+1 {
					_, err = c.runSelect(true, count-pos-1, nil)
				}
				if err != nil {
					return nil, 0, false, err
				}
			}
			n, err = c.runSelect(true, 1, out)
			return rows, n, false, err
		case count < 0:
			if _, err := c.runSelect(true, fetchAll, nil); err != nil {
				return nil, 0, false, err
			}
			if count < -1 {
				if _, err := c.runSelect(false, -count-1, nil); err != nil {
					return nil, 0, false, err
				}
			}
			n, err = c.runSelect(false, 1, out)
			return rows, n, false, err
		default:
			err = c.rewind()
			return nil, 0, false, err
		}
	case pg_query.FetchDirection_FETCH_RELATIVE:
		switch {
		case count > 0:
			if count > 1 {
				if _, err := c.runSelect(true, count-1, nil); err != nil {
					return nil, 0, false, err
				}
			}
			n, err = c.runSelect(true, 1, out)
			return rows, n, false, err
		case count < 0:
			if count < -1 {
				if _, err := c.runSelect(false, -count-1, nil); err != nil {
					return nil, 0, false, err
				}
			}
			n, err = c.runSelect(false, 1, out)
			return rows, n, false, err
		}
	}
	if count == 0 {
		// re-fetch the current row, if any
		onRow := c.pos.notStart && !c.pos.atEnd
		if fs.Ismove {
			if onRow {
				return nil, 1, false, nil
			}
			return nil, 0, false, nil
		}
		if onRow {
			if _, err := c.runSelect(false, 1, nil); err != nil {
				return nil, 0, false, err
			}
			count, forward = 1, true
		}
	}
	if !forward && count == fetchAll && fs.Ismove {
		res := c.pos.portalPos
		if res > 0 && !c.pos.atEnd {
			res--
		}
		return nil, res, false, c.rewind()
	}
	if forward && !fs.Ismove && count > 0 {
		return nil, count, true, nil // fetchIter streams count rows
	}
	n, err = c.runSelect(forward, count, out)
	return rows, n, false, err
}

// fetchIter passes on at most n rows of a SQL cursor moving forward, as
// the client reads them (FETCH ALL of a large cursor streams), keeping the
// cursor's position as runSelect would.
type fetchIter struct {
	c *sqlCursor
	n int64
}

func (f *fetchIter) Next() ([]types.Datum, error) {
	p := &f.c.pos
	if f.n <= 0 || p.atEnd {
		return nil, nil
	}
	r, err := f.c.forwardRow()
	if err != nil {
		return nil, err
	}
	if r == nil {
		p.atEnd = true
		return nil, nil
	}
	f.n--
	p.notStart = true
	p.portalPos++
	return r, nil
}
func (f *fetchIter) Close() {}

// moveTag is MOVE's command tag.
func moveTag(n int64) string { return fmt.Sprintf("MOVE %d", n) }
