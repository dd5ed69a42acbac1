package exec

import (
	"sort"

	"logdb/sql/pgerror"
	"logdb/sql/types"
)

type WindowCall struct {
	Name    string
	Args    []Expr
	Parts   []Expr
	Order   []SortKey // over the order exprs, indexes into orderBy
	OrderBy []Expr
	Agg     *AggSpec // aggregate used as a window function
	T       types.T

	// The frame (window_frame.go): Frame is the FRAMEOPTION_* bits (0:
	// the default), StartOff/EndOff the offsets (constant expressions).
	// A RANGE offset adds to the single ORDER BY value (of type OrderT)
	// as RangeKind says: RangeAdd/RangeSub are the + and - of the
	// (ordering value, OffT) pair, after a cast to RangeCastT when
	// RangeCast is set (date → timestamp).
	Frame              int
	StartOff, EndOff   Expr
	RangeKind          RangeKind
	OrderT, OffT       types.T
	RangeAdd, RangeSub *types.Op
	RangeCastT         types.T
}

type WindowNode struct {
	Src   Node
	Calls []*WindowCall
	Cols  []Column
}

var WindowOnly = map[string]bool{"row_number": true, "rank": true, "dense_rank": true, "lag": true, "lead": true,
	"first_value": true, "last_value": true, "nth_value": true, "ntile": true, "percent_rank": true, "cume_dist": true}

func (w *WindowNode) Columns() []Column { return w.Cols }

func (w *WindowNode) Start(ec *Ctx) (Iterator, error) {
	rows, err := runNodeIn(ec, w.Src, ec.Budget("window aggregate"))
	if err != nil {
		return nil, err
	}
	width := len(w.Cols) - len(w.Calls)
	out := make([][]types.Datum, len(rows))
	for i, r := range rows {
		row := make([]types.Datum, len(w.Cols))
		copy(row, r[:width])
		out[i] = row
	}
	for ci, wc := range w.Calls {
		if err := wc.compute(ec, out, width+ci); err != nil {
			return nil, err
		}
	}
	return &SliceIter{Rows: out}, nil
}

// windowItem is a row of a window's input with its partition key and
// ORDER BY values.
type windowItem struct {
	row  []types.Datum
	part string
	keys []types.Datum
}

// compute fills column col of rows with the window function's values.
func (wc *WindowCall) compute(ec *Ctx, rows [][]types.Datum, col int) error {
	type item = windowItem
	items := make([]item, len(rows))
	pts := make([]types.T, len(wc.Parts))
	for i, p := range wc.Parts {
		pts[i] = p.Type()
	}
	for i, r := range rows {
		var kb []byte
		for j, p := range wc.Parts {
			v, err := p.Eval(ec, r)
			if err != nil {
				return err
			}
			kb = appendHashKey(kb, pts[j], v)
		}
		keys := make([]types.Datum, len(wc.OrderBy))
		for j, o := range wc.OrderBy {
			v, err := o.Eval(ec, r)
			if err != nil {
				return err
			}
			keys[j] = v
		}
		items[i] = item{row: r, part: string(kb), keys: keys}
	}
	sort.SliceStable(items, func(a, b int) bool {
		if items[a].part != items[b].part {
			return items[a].part < items[b].part
		}
		return compareRows(items[a].keys, items[b].keys, wc.Order) < 0
	})
	var fs *frameSpec // evaluated when the first partition needs it
	var err error
	if wc.Frame&(FrameStartOffset|FrameEndOffset) != 0 {
		// offsets are evaluated (and checked) even when there are no rows
		if fs, err = wc.evalFrame(ec); err != nil {
			return err
		}
	}
	for start := 0; start < len(items); {
		end := start
		for end < len(items) && items[end].part == items[start].part {
			end++
		}
		part := items[start:end]
		peerEnd := func(i int) int {
			j := i + 1
			for j < len(part) && compareRows(part[i].keys, part[j].keys, wc.Order) == 0 {
				j++
			}
			return j
		}
		n := len(part)
		switch {
		case wc.Agg != nil || wc.Name == "first_value" || wc.Name == "last_value" || wc.Name == "nth_value":
			if fs == nil {
				if fs, err = wc.evalFrame(ec); err != nil {
					return err
				}
			}
			if err := wc.computeFramed(ec, fs, part, col, peerEnd); err != nil {
				return err
			}
		case wc.Name == "row_number":
			for i, it := range part {
				it.row[col] = int64(i + 1)
			}
		case wc.Name == "rank", wc.Name == "dense_rank", wc.Name == "percent_rank", wc.Name == "cume_dist":
			dense := int64(0)
			for i := 0; i < n; {
				j := peerEnd(i)
				dense++
				for k := i; k < j; k++ {
					switch wc.Name {
					case "rank":
						part[k].row[col] = int64(i + 1)
					case "dense_rank":
						part[k].row[col] = dense
					case "percent_rank":
						if n > 1 {
							part[k].row[col] = float64(i) / float64(n-1)
						} else {
							part[k].row[col] = float64(0)
						}
					default:
						part[k].row[col] = float64(j) / float64(n)
					}
				}
				i = j
			}
		case wc.Name == "ntile":
			for i, it := range part {
				v, err := wc.Args[0].Eval(ec, it.row)
				if err != nil {
					return err
				}
				b, _ := v.(int64)
				if b <= 0 {
					return pgerror.New(pgerror.InvalidParameterValue, "argument of ntile must be greater than zero")
				}
				it.row[col] = int64(i)*b/int64(n) + 1
			}
		default: // lag, lead
			for i, it := range part {
				off := int64(1)
				if len(wc.Args) > 1 {
					v, err := wc.Args[1].Eval(ec, it.row)
					if err != nil {
						return err
					}
					off, _ = v.(int64)
				}
				target := -1
				switch wc.Name {
				case "lag":
					target = i - int(off)
				case "lead":
					target = i + int(off)
				}
				if target < 0 || target >= n {
					var dv types.Datum
					if len(wc.Args) > 2 {
						v, err := wc.Args[2].Eval(ec, it.row)
						if err != nil {
							return err
						}
						dv = v
					}
					it.row[col] = dv
					continue
				}
				v, err := wc.Args[0].Eval(ec, part[target].row)
				if err != nil {
					return err
				}
				it.row[col] = v
			}
		}
		start = end
	}
	return nil
}

// computeFramed computes an aggregate, first_value, last_value or
// nth_value over each row's frame in one sorted partition.
func (wc *WindowCall) computeFramed(ec *Ctx, fs *frameSpec, part []windowItem, col int, peerEnd func(int) int) error {
	n := len(part)
	grp := make([]int, n)
	var gstart, gend []int
	for i := 0; i < n; {
		j := peerEnd(i)
		if len(wc.Order) == 0 {
			j = n // without ORDER BY every row is a peer
		}
		for k := i; k < j; k++ {
			grp[k] = len(gstart)
		}
		gstart, gend = append(gstart, i), append(gend, j)
		i = j
	}
	keys := make([][]types.Datum, n)
	for i := range part {
		keys[i] = part[i].keys
	}
	lo, hi, err := wc.frameBounds(ec, fs, keys, grp, gstart, gend)
	if err != nil {
		return err
	}
	excl := fs.opts & FrameExclusion
	var buf []int
	if wc.Agg == nil {
		for i := range part {
			buf = frameRows(fs.opts, i, lo[i], hi[i], grp, gstart, gend, buf)
			target := -1
			switch wc.Name {
			case "first_value":
				if len(buf) > 0 {
					target = buf[0]
				}
			case "last_value":
				if len(buf) > 0 {
					target = buf[len(buf)-1]
				}
			default: // nth_value
				v, err := wc.Args[1].Eval(ec, part[i].row)
				if err != nil {
					return err
				}
				if v == nil {
					part[i].row[col] = nil
					continue
				}
				k := v.(int64)
				if k <= 0 {
					return pgerror.New("22016", "argument of nth_value must be greater than zero")
				}
				if k <= int64(len(buf)) {
					target = buf[k-1]
				}
			}
			if target < 0 {
				part[i].row[col] = nil
				continue
			}
			v, err := wc.Args[0].Eval(ec, part[target].row)
			if err != nil {
				return err
			}
			part[i].row[col] = v
		}
		return nil
	}
	// aggregates: grow one state while the frame only extends at its end;
	// start over when its start moves or rows are excluded
	var st *aggState
	var v types.Datum
	stLo, stHi := -1, -1
	for i := range part {
		switch {
		case excl == 0 && st != nil && lo[i] == stLo && hi[i] == stHi:
			// the same frame: the same value
		case excl == 0 && st != nil && lo[i] == stLo && hi[i] > stHi:
			for k := stHi; k < hi[i]; k++ {
				if err := wc.Agg.step(ec, st, part[k].row); err != nil {
					return err
				}
			}
			stHi = hi[i]
			if v, err = wc.Agg.final(ec, st); err != nil {
				return err
			}
		default:
			st = &aggState{}
			buf = frameRows(fs.opts, i, lo[i], hi[i], grp, gstart, gend, buf)
			for _, k := range buf {
				if err := wc.Agg.step(ec, st, part[k].row); err != nil {
					return err
				}
				if err := ec.Tick(); err != nil {
					return err
				}
			}
			stLo, stHi = lo[i], hi[i]
			if v, err = wc.Agg.final(ec, st); err != nil {
				return err
			}
		}
		part[i].row[col] = v
	}
	return nil
}
