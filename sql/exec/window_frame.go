package exec

import (
	"math"

	"github.com/cockroachdb/apd/v3"

	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// Window frames as PostgreSQL 15's nodeWindowAgg.c defines them: ROWS,
// RANGE and GROUPS, bounded by UNBOUNDED PRECEDING/FOLLOWING, CURRENT ROW
// or an offset PRECEDING/FOLLOWING, with EXCLUDE CURRENT ROW, GROUP or
// TIES. Aggregates used as window functions and first_value, last_value
// and nth_value read the frame; the other window functions ignore it.

// Frame option bits (PostgreSQL's FRAMEOPTION_*, as pg_query gives them).
const (
	FrameNonDefault        = 0x00001
	FrameRange             = 0x00002
	FrameRows              = 0x00004
	FrameGroups            = 0x00008
	FrameStartUnboundedPre = 0x00020
	FrameEndUnboundedFol   = 0x00100
	FrameStartCurrentRow   = 0x00200
	FrameEndCurrentRow     = 0x00400
	FrameStartOffsetPre    = 0x00800
	FrameEndOffsetPre      = 0x01000
	FrameStartOffsetFol    = 0x02000
	FrameEndOffsetFol      = 0x04000
	FrameExcludeCurrentRow = 0x08000
	FrameExcludeGroup      = 0x10000
	FrameExcludeTies       = 0x20000
	FrameExclusion         = FrameExcludeCurrentRow | FrameExcludeGroup | FrameExcludeTies
	FrameStartOffset       = FrameStartOffsetPre | FrameStartOffsetFol
	FrameEndOffset         = FrameEndOffsetPre | FrameEndOffsetFol

	// FrameDefault is RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW.
	FrameDefault = FrameRange | FrameStartUnboundedPre | FrameEndCurrentRow
)

// RangeKind says how a RANGE offset is added to the ordering value.
type RangeKind int

const (
	RangeNone     RangeKind = iota
	RangeInt                // integer column, integer offset
	RangeFloat              // float column, float8 offset
	RangeNumeric            // numeric column and offset
	RangeDatetime           // date/timestamp/timestamptz/time/interval column, interval offset
)

// frameSpec is a window call's frame for one run: the options and the
// evaluated offsets.
type frameSpec struct {
	opts             int
	start, end       types.Datum
	startInt, endInt int64 // ROWS and GROUPS offsets
}

// addUpTo is a+b (both ≥ 0) or limit when that is more.
func addUpTo(a, b, limit int64) int64 {
	if b >= limit-a {
		return limit
	}
	return a + b
}

func errFrameOffset(which, what string) error {
	code := pgerror.NullValueNotAllowed
	if what == "negative" {
		code = "22013"
	}
	return pgerror.New(code, "frame %s offset must not be %s", which, what)
}

func errRangeSize() error {
	return pgerror.New("22013", "invalid preceding or following size in window function")
}

// evalFrame evaluates the frame's offsets (once per run, as PostgreSQL
// does when the first partition begins).
func (wc *WindowCall) evalFrame(ec *Ctx) (*frameSpec, error) {
	fs := &frameSpec{opts: wc.Frame}
	if fs.opts&FrameNonDefault == 0 {
		fs.opts = FrameDefault
	}
	for _, b := range []struct {
		set   bool
		e     Expr
		which string
		v     *types.Datum
		n     *int64
	}{
		{fs.opts&FrameStartOffset != 0, wc.StartOff, "starting", &fs.start, &fs.startInt},
		{fs.opts&FrameEndOffset != 0, wc.EndOff, "ending", &fs.end, &fs.endInt},
	} {
		if !b.set {
			continue
		}
		v, err := b.e.Eval(ec, nil)
		if err != nil {
			return nil, err
		}
		if v == nil {
			return nil, errFrameOffset(b.which, "null")
		}
		*b.v = v
		if fs.opts&FrameRange == 0 {
			*b.n = v.(int64)
			if *b.n < 0 {
				return nil, errFrameOffset(b.which, "negative")
			}
		}
	}
	return fs, nil
}

// checkRangeOffset refuses a negative (or NaN) RANGE offset, as the
// in_range support functions do when first called.
func (wc *WindowCall) checkRangeOffset(off types.Datum) error {
	switch wc.RangeKind {
	case RangeInt:
		if off.(int64) < 0 {
			return errRangeSize()
		}
	case RangeFloat:
		f := off.(float64)
		if math.IsNaN(f) || f < 0 {
			return errRangeSize()
		}
	case RangeNumeric:
		d := off.(*apd.Decimal)
		if d.Form == apd.NaN || d.Negative && !d.IsZero() {
			return errRangeSize()
		}
	case RangeDatetime:
		if types.Compare(wc.OffT, off, types.Interval{}) < 0 {
			return errRangeSize()
		}
	}
	return nil
}

// inRange is PostgreSQL's in_range(val, base, offset, sub, less): whether
// val lies on the "less" (≤) or not-less (≥) side of base ∓ offset.
func (wc *WindowCall) inRange(ec *Ctx, val, base, off types.Datum, sub, less bool) (bool, error) {
	switch wc.RangeKind {
	case RangeInt:
		v, b, o := val.(int64), base.(int64), off.(int64)
		if sub {
			o = -o
		}
		sum := b + o
		if (o > 0 && sum < b) || (o < 0 && sum > b) { // overflow: beyond every value
			if sub {
				return !less, nil
			}
			return less, nil
		}
		if less {
			return v <= sum, nil
		}
		return v >= sum, nil
	case RangeFloat:
		v, b, o := val.(float64), base.(float64), off.(float64)
		if math.IsNaN(v) {
			if math.IsNaN(b) {
				return true, nil
			}
			return !less, nil
		}
		if math.IsNaN(b) {
			return less, nil
		}
		if math.IsInf(o, 0) && math.IsInf(b, 0) && ((sub && b > 0) || (!sub && b < 0)) {
			return true, nil
		}
		sum := b + o
		if sub {
			sum = b - o
		}
		if less {
			return v <= sum, nil
		}
		return v >= sum, nil
	case RangeNumeric:
		v, b, o := val.(*apd.Decimal), base.(*apd.Decimal), off.(*apd.Decimal)
		if v.Form == apd.NaN {
			if b.Form == apd.NaN {
				return true, nil
			}
			return !less, nil
		}
		if b.Form == apd.NaN {
			return less, nil
		}
		if o.Form == apd.Infinite {
			// base ∓ infinity: infinitely before or after every value,
			// and +inf infinitely precedes +inf (as for floats)
			if b.Form == apd.Infinite && b.Negative != sub {
				return true, nil
			}
			if sub {
				return !less, nil
			}
			return less, nil
		}
	}
	op := wc.RangeAdd
	if sub {
		op = wc.RangeSub
	}
	if wc.RangeCastT.OID != 0 {
		var err error
		if val, err = CastDatum(ec, val, wc.OrderT, wc.RangeCastT, types.CastImplicit); err != nil {
			return false, err
		}
		if base, err = CastDatum(ec, base, wc.OrderT, wc.RangeCastT, types.CastImplicit); err != nil {
			return false, err
		}
	}
	sum, err := op.Fn(ec.Ev, base, off)
	if err != nil {
		// out of the type's range: beyond every value
		if sub {
			return !less, nil
		}
		return less, nil
	}
	c := types.Compare(op.Ret, val, sum)
	if less {
		return c <= 0, nil
	}
	return c >= 0, nil
}

// frameBounds computes, for every row of a sorted partition, the frame
// [lo, hi) before exclusion. keys are the rows' ORDER BY values; grp the
// rows' peer group numbers; gstart/gend each group's first row and end.
func (wc *WindowCall) frameBounds(ec *Ctx, fs *frameSpec, keys [][]types.Datum, grp, gstart, gend []int) (lo, hi []int, err error) {
	n := len(keys)
	lo, hi = make([]int, n), make([]int, n)
	opts := fs.opts
	desc, nullsFirst := false, false
	if len(wc.Order) > 0 {
		desc, nullsFirst = wc.Order[0].Desc, wc.Order[0].NullsFirst
	}
	head := 0
	tail := 0 // one past the frame's last row
	for i := 0; i < n; i++ {
		// start
		switch {
		case opts&FrameStartUnboundedPre != 0:
			lo[i] = 0
		case opts&FrameStartCurrentRow != 0:
			if opts&FrameRows != 0 {
				lo[i] = i
			} else {
				lo[i] = gstart[grp[i]]
			}
		case opts&FrameRows != 0:
			if opts&FrameStartOffsetPre != 0 {
				lo[i] = int(max(int64(i)-fs.startInt, 0))
			} else {
				lo[i] = int(addUpTo(int64(i), fs.startInt, int64(n)))
			}
		case opts&FrameGroups != 0:
			g := int64(grp[i])
			if opts&FrameStartOffsetPre != 0 {
				lo[i] = gstart[max(g-fs.startInt, 0)]
			} else if k := addUpTo(g, fs.startInt, int64(len(gstart))); k == int64(len(gstart)) {
				lo[i] = n
			} else {
				lo[i] = gstart[k]
			}
		default: // RANGE offset
			sub, less := opts&FrameStartOffsetPre != 0, false
			if desc {
				sub, less = !sub, true
			}
			cur := keys[i][0]
			for head < n {
				hv := keys[head][0]
				if hv == nil || cur == nil {
					if nullsFirst {
						if hv != nil || cur == nil {
							break
						}
					} else if hv == nil || cur != nil {
						break
					}
				} else {
					if err := wc.checkRangeOffset(fs.start); err != nil {
						return nil, nil, err
					}
					ok, err := wc.inRange(ec, hv, cur, fs.start, sub, less)
					if err != nil {
						return nil, nil, err
					}
					if ok {
						break
					}
				}
				head++
			}
			lo[i] = head
		}
		// end
		switch {
		case opts&FrameEndUnboundedFol != 0:
			hi[i] = n
		case opts&FrameEndCurrentRow != 0:
			if opts&FrameRows != 0 {
				hi[i] = i + 1
			} else {
				hi[i] = gend[grp[i]]
			}
		case opts&FrameRows != 0:
			if opts&FrameEndOffsetPre != 0 {
				hi[i] = int(max(int64(i)-fs.endInt+1, 0))
			} else {
				hi[i] = int(addUpTo(int64(i)+1, fs.endInt, int64(n)))
			}
		case opts&FrameGroups != 0:
			g := int64(grp[i])
			if opts&FrameEndOffsetPre != 0 {
				if g-fs.endInt < 0 {
					hi[i] = 0
				} else {
					hi[i] = gend[g-fs.endInt]
				}
			} else {
				hi[i] = gend[addUpTo(g, fs.endInt, int64(len(gend)-1))]
			}
		default: // RANGE offset
			sub, less := opts&FrameEndOffsetPre != 0, true
			if desc {
				sub, less = !sub, false
			}
			cur := keys[i][0]
			for tail < n {
				tv := keys[tail][0]
				if tv == nil || cur == nil {
					if nullsFirst {
						if tv != nil && cur == nil {
							break
						}
					} else if tv == nil && cur != nil {
						break
					}
				} else {
					if err := wc.checkRangeOffset(fs.end); err != nil {
						return nil, nil, err
					}
					ok, err := wc.inRange(ec, tv, cur, fs.end, sub, less)
					if err != nil {
						return nil, nil, err
					}
					if !ok {
						break
					}
				}
				tail++
			}
			hi[i] = tail
		}
		if err := ec.Tick(); err != nil {
			return nil, nil, err
		}
	}
	return lo, hi, nil
}

// frameRows lists the rows of row i's frame [lo, hi) left after the
// frame's exclusion.
func frameRows(opts int, i, lo, hi int, grp, gstart, gend []int, buf []int) []int {
	buf = buf[:0]
	exLo, exHi, keep := 0, 0, -1 // rows [exLo, exHi) are excluded, except keep
	switch {
	case opts&FrameExcludeCurrentRow != 0:
		exLo, exHi = i, i+1
	case opts&FrameExcludeGroup != 0:
		exLo, exHi = gstart[grp[i]], gend[grp[i]]
	case opts&FrameExcludeTies != 0:
		exLo, exHi, keep = gstart[grp[i]], gend[grp[i]], i
	}
	for j := lo; j < hi; j++ {
		if j >= exLo && j < exHi && j != keep {
			continue
		}
		buf = append(buf, j)
	}
	return buf
}
