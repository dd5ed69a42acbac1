package exec

import (
	"bufio"
	"container/heap"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"time"

	"github.com/cockroachdb/apd/v3"

	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// External sort. A sort whose rows pass work_mem writes them, sorted, to
// a temporary file (a run) and starts the next run in memory; at the end
// it merges the runs and what is left in memory, as PostgreSQL's tuplesort
// does. Run files are unlinked as soon as they are created, so nothing is
// left behind by a crash; they live in Config.TempDir. Rows spill only
// when every column has a type the storage encoding round-trips
// (types.AppendRow); other sorts fail with 53200 past work_mem.

// sortSpiller writes the runs of one sort.
type sortSpiller struct {
	dir   string
	cols  []types.RowColumn
	runs  []*os.File
	buf   []byte
	bytes int64 // written to all runs
}

// newSortSpiller returns a spiller for rows of cols, or nil when a column
// type does not round-trip through the row encoding.
func newSortSpiller(dir string, cols []Column) *sortSpiller {
	sp := &sortSpiller{dir: dir, cols: make([]types.RowColumn, len(cols))}
	for i, c := range cols {
		if spillGoType(c.T.OID) == "" {
			return nil
		}
		sp.cols[i] = types.RowColumn{ID: uint32(i + 1), T: c.T}
	}
	return sp
}

// spillGoType names the Go type a value of oid must have to be spilled
// (the one DecodeRow gives back); "" when it cannot be.
func spillGoType(oid types.OID) string {
	switch oid {
	case types.Int2OID, types.Int4OID, types.Int8OID, types.OidOID:
		return "int64"
	case types.Float4OID, types.Float8OID:
		return "float64"
	case types.NumericOID:
		return "numeric"
	case types.BoolOID:
		return "bool"
	case types.TextOID, types.VarcharOID, types.BpcharOID, types.NameOID:
		return "string"
	case types.ByteaOID:
		return "bytea"
	case types.DateOID:
		return "date"
	case types.TimestampOID, types.TimestamptzOID:
		return "time"
	case types.IntervalOID:
		return "interval"
	case types.UUIDOID:
		return "uuid"
	case types.JSONOID:
		return "json"
	case types.JSONBOID:
		return "jsonb"
	}
	return ""
}

func spillable(oid types.OID, d types.Datum) bool {
	var ok bool
	switch spillGoType(oid) {
	case "int64":
		_, ok = d.(int64)
	case "float64":
		_, ok = d.(float64)
	case "numeric":
		_, ok = d.(*apd.Decimal)
	case "bool":
		_, ok = d.(bool)
	case "string":
		_, ok = d.(string)
	case "bytea":
		_, ok = d.([]byte)
	case "date":
		_, ok = d.(types.Date)
	case "time":
		var t time.Time
		t, ok = d.(time.Time)
		ok = ok && t.Nanosecond()%1000 == 0
	case "interval":
		_, ok = d.(types.Interval)
	case "uuid":
		_, ok = d.(types.UUID)
	case "json":
		_, ok = d.(types.JSON)
	case "jsonb":
		_, ok = d.(types.JSONB)
	}
	return ok
}

// errNotSpillable: a row holds a value the encoding would not give back
// as it is; the sort fails with 53200 instead.
var errNotSpillable = errors.New("sql: row cannot spill")

// writeRun writes rows (sorted) as one run file.
func (sp *sortSpiller) writeRun(rows [][]types.Datum) error {
	for _, r := range rows {
		for i, d := range r {
			if d != nil && !spillable(sp.cols[i].T.OID, d) {
				return errNotSpillable
			}
		}
	}
	f, err := os.CreateTemp(sp.dir, "logdb-sort-*")
	if err != nil {
		return pgerror.Wrap(err, pgerror.DiskFull, "could not create temporary file for a sort")
	}
	os.Remove(f.Name()) // open until the sort ends, gone after a crash
	sp.runs = append(sp.runs, f)
	w := bufio.NewWriterSize(f, 64<<10)
	for _, r := range rows {
		sp.buf = types.AppendRow(sp.buf[:0], sp.cols, r)
		var lb [binary.MaxVarintLen64]byte
		n := binary.PutUvarint(lb[:], uint64(len(sp.buf)))
		w.Write(lb[:n])
		w.Write(sp.buf)
		sp.bytes += int64(n + len(sp.buf))
	}
	if err := w.Flush(); err != nil {
		return pgerror.Wrap(err, pgerror.DiskFull, "could not write to temporary file for a sort")
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return pgerror.Wrap(err, pgerror.Internal, "could not rewind temporary file for a sort")
	}
	return nil
}

func (sp *sortSpiller) Close() {
	for _, f := range sp.runs {
		f.Close()
	}
	sp.runs = nil
}

// runReader reads one run back.
type runReader struct {
	r    *bufio.Reader
	cols []types.RowColumn
	buf  []byte
}

func (rr *runReader) Next() ([]types.Datum, error) {
	n, err := binary.ReadUvarint(rr.r)
	if err == io.EOF {
		return nil, nil
	}
	if err != nil {
		return nil, pgerror.Wrap(err, pgerror.Internal, "could not read temporary file of a sort")
	}
	if uint64(cap(rr.buf)) < n {
		rr.buf = make([]byte, n)
	}
	rr.buf = rr.buf[:n]
	if _, err := io.ReadFull(rr.r, rr.buf); err != nil {
		return nil, pgerror.Wrap(err, pgerror.Internal, "could not read temporary file of a sort")
	}
	row := make([]types.Datum, len(rr.cols))
	if err := types.DecodeRow(rr.buf, rr.cols, row); err != nil {
		return nil, err
	}
	return row, nil
}

// runMergeIter merges sorted sources; ties come from the earlier source
// first, so the merge is as stable as the in-memory sort.
type runMergeIter struct {
	srcs []Iterator
	h    runHeap
	sp   *sortSpiller
	init bool
}

type runHead struct {
	row []types.Datum
	src int
}

type runHeap struct {
	items []runHead
	keys  []SortKey
}

func (h *runHeap) Len() int { return len(h.items) }
func (h *runHeap) Less(i, j int) bool {
	if c := compareRows(h.items[i].row, h.items[j].row, h.keys); c != 0 {
		return c < 0
	}
	return h.items[i].src < h.items[j].src
}
func (h *runHeap) Swap(i, j int) { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *runHeap) Push(x any)    { h.items = append(h.items, x.(runHead)) }
func (h *runHeap) Pop() any {
	e := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return e
}

func (m *runMergeIter) Next() ([]types.Datum, error) {
	if !m.init {
		m.init = true
		for i, s := range m.srcs {
			r, err := s.Next()
			if err != nil {
				return nil, err
			}
			if r != nil {
				m.h.items = append(m.h.items, runHead{row: r, src: i})
			}
		}
		heap.Init(&m.h)
	}
	if len(m.h.items) == 0 {
		return nil, nil
	}
	top := m.h.items[0]
	r, err := m.srcs[top.src].Next()
	if err != nil {
		return nil, err
	}
	if r != nil {
		m.h.items[0].row = r
		heap.Fix(&m.h, 0)
	} else {
		heap.Pop(&m.h)
	}
	return top.row, nil
}

func (m *runMergeIter) Close() { m.sp.Close() }

// externalSort sorts src's rows within mem, spilling runs to files when
// they do not fit.
func (s *SortNode) externalSort(ec *Ctx, it Iterator, mem *memBudget) (Iterator, error) {
	defer it.Close()
	var sp *sortSpiller
	spillTried := false
	var rows [][]types.Datum
	for {
		r, err := it.Next()
		if err != nil {
			if sp != nil {
				sp.Close()
			}
			return nil, err
		}
		if r == nil {
			break
		}
		size := rowSize(r)
		full := mem.used+size > mem.limit || ec.memUsed+size > ec.Limits.MaxStatementMemory
		if full && len(rows) > 0 {
			if !spillTried {
				spillTried = true
				sp = newSortSpiller(ec.Limits.TempDir, s.Src.Columns())
			}
			if sp != nil {
				sortRows(rows, s.Keys)
				err := sp.writeRun(rows)
				if err == errNotSpillable {
					sp.Close()
					sp = nil
				} else if err != nil {
					sp.Close()
					return nil, err
				} else {
					rows = rows[:0:0]
					mem.release()
				}
			}
		}
		if err := mem.add(size); err != nil {
			if sp != nil {
				sp.Close()
			}
			return nil, err
		}
		rows = append(rows, r)
	}
	sortRows(rows, s.Keys)
	if sp == nil || len(sp.runs) == 0 {
		return &SliceIter{Rows: rows}, nil
	}
	m := &runMergeIter{sp: sp, h: runHeap{keys: s.Keys}}
	for _, f := range sp.runs {
		m.srcs = append(m.srcs, &runReader{r: bufio.NewReaderSize(f, 64<<10), cols: sp.cols})
	}
	m.srcs = append(m.srcs, &SliceIter{Rows: rows}) // the last rows, after every run
	return m, nil
}

func (rr *runReader) Close() {}
