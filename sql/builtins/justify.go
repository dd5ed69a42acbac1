package builtins

import (
	"math"

	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// justify_hours, justify_days and justify_interval as PostgreSQL 15's
// timestamp.c computes them: whole days out of the time part, whole
// 30-day months out of the days, signs made to agree, and 22008 when a
// field leaves its int32 range.

func errIntervalRange() error {
	return pgerror.New(pgerror.DatetimeFieldOverflow, "interval out of range")
}

// addInt32 adds b to a, failing when the sum leaves int32.
func addInt32(a int32, b int64) (int32, error) {
	s := int64(a) + b
	if s > math.MaxInt32 || s < math.MinInt32 {
		return 0, errIntervalRange()
	}
	return int32(s), nil
}

func justifyHours(iv types.Interval) (types.Datum, error) {
	wholeDay := iv.Micros / usPerDay
	iv.Micros -= wholeDay * usPerDay
	var err error
	if iv.Days, err = addInt32(iv.Days, wholeDay); err != nil {
		return nil, err
	}
	if iv.Days > 0 && iv.Micros < 0 {
		iv.Micros += usPerDay
		iv.Days--
	} else if iv.Days < 0 && iv.Micros > 0 {
		iv.Micros -= usPerDay
		iv.Days++
	}
	return iv, nil
}

func justifyDays(iv types.Interval) (types.Datum, error) {
	wholeMonth := iv.Days / 30
	iv.Days -= wholeMonth * 30
	var err error
	if iv.Months, err = addInt32(iv.Months, int64(wholeMonth)); err != nil {
		return nil, err
	}
	if iv.Months > 0 && iv.Days < 0 {
		iv.Days += 30
		iv.Months--
	} else if iv.Months < 0 && iv.Days > 0 {
		iv.Days -= 30
		iv.Months++
	}
	return iv, nil
}

func justifyInterval(iv types.Interval) (types.Datum, error) {
	var err error
	// Days first when that may prevent an overflow, as PostgreSQL does.
	if (iv.Days > 0 && iv.Micros > 0) || (iv.Days < 0 && iv.Micros < 0) {
		wholeMonth := iv.Days / 30
		iv.Days -= wholeMonth * 30
		if iv.Months, err = addInt32(iv.Months, int64(wholeMonth)); err != nil {
			return nil, err
		}
	}
	wholeDay := iv.Micros / usPerDay
	iv.Micros -= wholeDay * usPerDay
	if iv.Days, err = addInt32(iv.Days, wholeDay); err != nil {
		return nil, err
	}
	wholeMonth := iv.Days / 30
	iv.Days -= wholeMonth * 30
	if iv.Months, err = addInt32(iv.Months, int64(wholeMonth)); err != nil {
		return nil, err
	}
	if iv.Months > 0 && (iv.Days < 0 || (iv.Days == 0 && iv.Micros < 0)) {
		iv.Days += 30
		iv.Months--
	} else if iv.Months < 0 && (iv.Days > 0 || (iv.Days == 0 && iv.Micros > 0)) {
		iv.Days -= 30
		iv.Months++
	}
	if iv.Days > 0 && iv.Micros < 0 {
		iv.Micros += usPerDay
		iv.Days--
	} else if iv.Days < 0 && iv.Micros > 0 {
		iv.Micros -= usPerDay
		iv.Days++
	}
	return iv, nil
}
