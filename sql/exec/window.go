package exec

import (
	"sort"

	"logdb/sql/pgerror"
	"logdb/sql/types"
)

const (
	FrameNonDefault        = 0x00001
	FrameRows              = 0x00004
	FrameStartUnboundedPre = 0x00020
	FrameEndUnboundedFol   = 0x00100
	FrameEndCurrentRow     = 0x00400
	FrameExclusion         = 0x08000 | 0x10000 | 0x20000 // EXCLUDE CURRENT ROW | GROUP | TIES
)

type WindowCall struct {
	Name     string
	Args     []Expr
	Parts    []Expr
	Order    []SortKey // over the order exprs, indexes into orderBy
	OrderBy  []Expr
	Agg      *AggSpec // aggregate used as a window function
	T        types.T
	Whole    bool // frame is the whole partition
	RowFrame bool // ROWS frame ending at the current row (no peers)
}

type WindowNode struct {
	Src   Node
	Calls []*WindowCall
	Cols  []Column
}

var WindowOnly = map[string]bool{"row_number": true, "rank": true, "dense_rank": true, "lag": true, "lead": true,
	"first_value": true, "last_value": true, "ntile": true, "percent_rank": true, "cume_dist": true}

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

// compute fills column col of rows with the window function's values.
func (wc *WindowCall) compute(ec *Ctx, rows [][]types.Datum, col int) error {
	type item struct {
		row  []types.Datum
		part string
		keys []types.Datum
	}
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
		case wc.Agg != nil:
			st := &aggState{}
			if wc.Whole || len(wc.Order) == 0 {
				for _, it := range part {
					if err := wc.Agg.step(ec, st, it.row); err != nil {
						return err
					}
				}
				v, err := wc.Agg.final(ec, st)
				if err != nil {
					return err
				}
				for _, it := range part {
					it.row[col] = v
				}
				break
			}
			for i := 0; i < n; {
				j := peerEnd(i)
				if wc.RowFrame {
					j = i + 1
				}
				for k := i; k < j; k++ {
					if err := wc.Agg.step(ec, st, part[k].row); err != nil {
						return err
					}
				}
				v, err := wc.Agg.final(ec, st)
				if err != nil {
					return err
				}
				for k := i; k < j; k++ {
					part[k].row[col] = v
				}
				i = j
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
		default: // lag, lead, first_value, last_value
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
				case "first_value":
					target = 0
				case "last_value":
					target = n - 1
					if !wc.Whole {
						target = peerEnd(i) - 1
						if wc.RowFrame {
							target = i
						}
					}
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
