package types

import (
	"strconv"
	"strings"
	"time"
)

// DateOrder is the input half of DateStyle: how a date written only in
// numbers ("1/8/99", "01-02-03") is read, as PostgreSQL's DateOrder. The
// zero value is PostgreSQL's default, MDY.
type DateOrder uint8

const (
	DateOrderMDY DateOrder = iota
	DateOrderDMY
	DateOrderYMD
)

// The date fields a dateFields has seen (PostgreSQL's DTK_M(YEAR), …).
const (
	fieldYear = 1 << iota
	fieldMonth
	fieldDay
	fieldDOY
	fieldsDate = fieldYear | fieldMonth | fieldDay
)

// dateFields reads a date's fields one at a time, left to right, the way
// PostgreSQL's DecodeDateTime, DecodeDate and DecodeNumber do: a number
// of three or more digits is a year; a text month makes the numbers
// around it unambiguous; otherwise the first number is what order says
// and each later one is the field that can follow. A year of one or two
// digits is 1970–2069 (ValidateDate), unless the date is BC.
type dateFields struct {
	order        DateOrder
	mask         int
	y, mo, d     int
	doy          int
	textMonth    bool
	twoDigitYear bool
}

// month takes a month name. A number already read as the month becomes
// the day ("8 Jan 99" in MDY), as PostgreSQL substitutes it.
func (df *dateFields) month(m int) bool {
	if df.mask&fieldMonth != 0 {
		if df.textMonth || df.mask&fieldDay != 0 || df.mo < 1 || df.mo > 31 {
			return false
		}
		df.d = df.mo
		df.mask |= fieldDay
	}
	df.mo, df.textMonth = m, true
	df.mask |= fieldMonth
	return true
}

// number takes a field of digits (DecodeNumber).
func (df *dateFields) number(tok string) bool {
	val, err := strconv.Atoi(tok)
	if err != nil || val < 0 {
		return false
	}
	flen := len(tok)
	if flen == 3 && df.mask&fieldsDate == fieldYear && val >= 1 && val <= 366 {
		df.doy = val
		df.mask |= fieldDOY | fieldMonth | fieldDay
		return true
	}
	var field int
	switch df.mask & fieldsDate {
	case 0:
		switch {
		case flen >= 3 || df.order == DateOrderYMD:
			field = fieldYear
		case df.order == DateOrderDMY:
			field = fieldDay
		default:
			field = fieldMonth
		}
	case fieldYear, fieldDay:
		field = fieldMonth
	case fieldMonth:
		field = fieldDay
		if df.textMonth && (flen >= 3 || df.order == DateOrderYMD) {
			field = fieldYear
		}
	case fieldYear | fieldMonth:
		if df.textMonth && flen >= 3 && df.twoDigitYear {
			// DD-MON-YYYY even in YMD: the first number was the day
			df.d, df.y, df.twoDigitYear = df.y, val, false
			df.mask |= fieldDay
			return true
		}
		field = fieldDay
	case fieldMonth | fieldDay:
		field = fieldYear
	default:
		return false
	}
	switch field {
	case fieldYear:
		df.y, df.twoDigitYear = val, flen <= 2
	case fieldMonth:
		df.mo = val
	case fieldDay:
		df.d = val
	}
	df.mask |= field
	return true
}

// date takes a field with separators ("1999-01-08", "8/1/99",
// "08-Jan-99", "1.8.1999"): its month names first, then its numbers
// (DecodeDate). It must complete the date, and cannot follow a time.
func (df *dateFields) date(tok string, afterTime bool) bool {
	if afterTime || df.mask != 0 {
		return false
	}
	var parts []string
	for i := 0; i < len(tok); {
		c := tok[i]
		j := i
		switch {
		case isDigit(c):
			for j < len(tok) && isDigit(tok[j]) {
				j++
			}
		case c >= 'a' && c <= 'z':
			for j < len(tok) && tok[j] >= 'a' && tok[j] <= 'z' {
				j++
			}
		default:
			i++
			continue
		}
		parts = append(parts, tok[i:j])
		i = j
	}
	if len(parts) == 0 {
		return false
	}
	for i, p := range parts {
		if isDigit(p[0]) {
			continue
		}
		m := monthFromName(p)
		if m == 0 || df.mask&fieldMonth != 0 {
			return false
		}
		df.mo, df.textMonth = m, true
		df.mask |= fieldMonth
		parts[i] = ""
	}
	for _, p := range parts {
		if p != "" && !df.number(p) {
			return false
		}
	}
	return df.mask&fieldsDate == fieldsDate
}

// finish checks that the date is whole and sets f's year, month and day:
// the day of the year becomes a month and day, and a one- or two-digit
// year not BC is 1970–2069.
func (df *dateFields) finish(f *dtFields) bool {
	if df.mask&fieldsDate != fieldsDate {
		return false
	}
	f.y, f.mo, f.d = df.y, df.mo, df.d
	if df.twoDigitYear && !f.bc {
		if f.y < 70 {
			f.y += 2000
		} else if f.y < 100 {
			f.y += 1900
		}
	}
	if df.mask&fieldDOY != 0 {
		tm := time.Date(f.y, 1, df.doy, 0, 0, 0, 0, time.UTC)
		f.mo, f.d = int(tm.Month()), tm.Day()
	}
	f.hasDate = true
	return true
}

// isDateToken reports whether t is one field of a date with separators
// ("1999-01-08", "8/1/99", "1.8.1999", "08-jan-99", "jan-08-99").
func isDateToken(t string) bool {
	if strings.Count(t, "-") == 2 && isDigit(t[0]) || strings.Count(t, "/") == 2 || strings.Count(t, ".") == 2 {
		return true
	}
	if strings.Count(t, "-") == 2 {
		p := strings.Split(t, "-")
		return monthFromName(p[0]) > 0 && allDigits(p[1]) && allDigits(p[2])
	}
	return false
}
