package builtins

import (
	"time"

	"logdb/sql/types"
)

// Date and time helpers of the library; sql/types keeps its own copies for
// parsing and printing values.

const (
	usPerSec  = int64(1e6)
	usPerMin  = 60 * usPerSec
	usPerHour = 60 * usPerMin
	usPerDay  = 24 * usPerHour
)

// floorDiv is a / b rounded toward negative infinity.
func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// julianDay is the Julian day number of y-m-d (to_char's J, extract's
// julian).
func julianDay(y int, m time.Month, d int) int64 {
	return types.DaysFromCivil(int64(y), int64(m), int64(d)) + 2440588
}

// timestamptzIn is the timestamptz of the wall clock w in loc: the cast of
// a timestamp to timestamptz with loc as the session's zone.
func timestamptzIn(w time.Time, loc *time.Location) (types.Datum, error) {
	return types.Cast(&types.EvalContext{Location: loc}, w, tt(types.TimestampOID), tt(types.TimestamptzOID), types.CastExplicit)
}
