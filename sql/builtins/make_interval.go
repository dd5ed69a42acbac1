package builtins

import (
	"math"

	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// make_interval takes all seven arguments here: the planner places named
// ones and fills in the missing with 0 (plan/call.go, namedBuiltinParams).
func init() {
	def("make_interval", types.IntervalOID, oids(types.Int4OID, types.Int4OID, types.Int4OID, types.Int4OID, types.Int4OID, types.Int4OID, types.Float8OID),
		func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
			return makeInterval(i64(a[0]), i64(a[1]), i64(a[2]), i64(a[3]), i64(a[4]), i64(a[5]), a[6].(float64))
		})
}

// makeInterval is PostgreSQL's make_interval: months from years and
// months, days from weeks and days, microseconds from the rest (22008
// when a field overflows, or secs is not finite).
func makeInterval(years, months, weeks, days, hours, mins int64, secs float64) (types.Datum, error) {
	out := pgerror.New(pgerror.DatetimeFieldOverflow, "interval out of range")
	if math.IsNaN(secs) || math.IsInf(secs, 0) {
		return nil, out
	}
	m := years*12 + months
	d := weeks*7 + days
	if m < math.MinInt32 || m > math.MaxInt32 || d < math.MinInt32 || d > math.MaxInt32 {
		return nil, out
	}
	us := float64(hours)*3600e6 + float64(mins)*60e6 + math.RoundToEven(secs*1e6)
	if us < math.MinInt64 || us >= math.MaxInt64 {
		return nil, out
	}
	return types.Interval{Months: int32(m), Days: int32(d), Micros: int64(us)}, nil
}
