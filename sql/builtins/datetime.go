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

// isInfTime is 1 for 'infinity', -1 for '-infinity' and 0 for a finite
// timestamp.
func isInfTime(t time.Time) int {
	if t.Equal(types.TimestampInfinity) {
		return 1
	}
	if t.Equal(types.TimestampNegInfinity) {
		return -1
	}
	return 0
}

// daysIn is the number of days of month m (1-12) of year y in the
// proleptic Gregorian calendar.
func daysIn(m, y int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// floorDiv is a / b rounded toward negative infinity.
func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}
