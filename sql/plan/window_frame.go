package plan

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/exec"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// compileFrame checks a window's frame clause as PostgreSQL's
// transformWindowDefinitions does and compiles its offsets: ROWS and
// GROUPS offsets are bigint; a RANGE offset is typed by the single ORDER
// BY column (integers by an integer, float and numeric columns by a
// number, date, timestamp, timestamptz and interval columns by an
// interval), as PostgreSQL's in_range support functions allow.
func (p *Planner) compileFrame(wc *exec.WindowCall, wd *pg_query.WindowDef, sc *Scope) error {
	opts := int(wd.FrameOptions)
	if opts&exec.FrameNonDefault == 0 {
		return nil
	}
	wc.Frame = opts
	mode := "RANGE"
	switch {
	case opts&exec.FrameRows != 0:
		mode = "ROWS"
	case opts&exec.FrameGroups != 0:
		mode = "GROUPS"
		if len(wc.Order) == 0 {
			return pgerror.New("42P20", "GROUPS mode requires an ORDER BY clause")
		}
	}
	hasOffset := opts&(exec.FrameStartOffset|exec.FrameEndOffset) != 0
	if !hasOffset {
		return nil
	}
	if mode == "RANGE" && len(wc.Order) != 1 {
		return pgerror.New("42P20", "RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column")
	}
	compile := func(n *pg_query.Node) (exec.Expr, error) {
		e, err := p.CompileExpr(n, sc)
		if err != nil {
			return nil, err
		}
		vars := false
		exec.WalkExpr(e, func(x exec.Expr) {
			if _, ok := x.(*exec.ColExpr); ok {
				vars = true
			}
		})
		if vars {
			return nil, pgerror.New(pgerror.InvalidColumnReference, "argument of %s must not contain variables", mode)
		}
		if mode != "RANGE" {
			c, err := p.Coerce(e, exec.Int8T, types.CastImplicit)
			if err != nil {
				if pe, ok := err.(*pgerror.Error); ok && pe.Code == pgerror.DatatypeMismatch {
					return nil, pgerror.New(pgerror.DatatypeMismatch, "argument of %s must be type bigint, not type %s", mode, types.FormatType(e.Type()))
				}
				return nil, err
			}
			return c, nil
		}
		return p.rangeOffset(wc, e)
	}
	var err error
	if opts&exec.FrameStartOffset != 0 {
		if wc.StartOff, err = compile(wd.StartOffset); err != nil {
			return err
		}
	}
	if opts&exec.FrameEndOffset != 0 {
		if wc.EndOff, err = compile(wd.EndOffset); err != nil {
			return err
		}
	}
	return nil
}

// rangeOffset types a RANGE offset for the ORDER BY column and sets how
// it is added to that column's values.
func (p *Planner) rangeOffset(wc *exec.WindowCall, e exec.Expr) (exec.Expr, error) {
	col := wc.Order[0].T
	col.Mod = -1
	off := e.Type()
	unsupported := func() error {
		return pgerror.New(pgerror.FeatureNotSupported, "RANGE with offset PRECEDING/FOLLOWING is not supported for column type %s and offset type %s",
			types.FormatType(col), types.FormatType(off))
	}
	isInt := func(o types.OID) bool { return o == types.Int2OID || o == types.Int4OID || o == types.Int8OID }
	want := col
	wc.OrderT = col
	switch col.OID {
	case types.Int2OID, types.Int4OID, types.Int8OID:
		if !isInt(off.OID) && !isUnknown(e) {
			return nil, unsupported()
		}
		if isUnknown(e) {
			want = col
		} else {
			want = exec.Int8T
		}
		wc.RangeKind = exec.RangeInt
	case types.Float4OID, types.Float8OID:
		want = exec.Float8T
		wc.RangeKind = exec.RangeFloat
	case types.NumericOID:
		wc.RangeKind = exec.RangeNumeric
	case types.DateOID, types.TimestampOID, types.TimestamptzOID, types.IntervalOID:
		want = types.T{OID: types.IntervalOID, Mod: -1}
		wc.RangeKind = exec.RangeDatetime
	default:
		return nil, pgerror.New(pgerror.FeatureNotSupported, "RANGE with offset PRECEDING/FOLLOWING is not supported for column type %s", types.FormatType(col))
	}
	if !isUnknown(e) && off.OID != want.OID && !exec.CanCast(off, want, types.CastImplicit) {
		return nil, unsupported()
	}
	c, err := p.Coerce(e, want, types.CastImplicit)
	if err != nil {
		return nil, err
	}
	if wc.RangeKind == exec.RangeInt && c.Type().OID != types.Int8OID {
		if c, err = p.Coerce(c, exec.Int8T, types.CastImplicit); err != nil {
			return nil, err
		}
	}
	wc.OffT = c.Type()
	if wc.RangeKind == exec.RangeNumeric || wc.RangeKind == exec.RangeDatetime {
		base := col
		if col.OID == types.DateOID {
			base = types.T{OID: types.TimestampOID, Mod: -1}
			wc.RangeCastT = base
		}
		if wc.RangeAdd, err = exec.LookupBinaryOp("+", base, wc.OffT); err != nil {
			return nil, err
		}
		if wc.RangeSub, err = exec.LookupBinaryOp("-", base, wc.OffT); err != nil {
			return nil, err
		}
	}
	return c, nil
}
