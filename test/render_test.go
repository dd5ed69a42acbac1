package test

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// renderValue formats a value decoded by pgx for comparison in tests. It
// follows PostgreSQL's text output where that is unambiguous (numbers,
// numeric, bytea as \x…, uuid, date), booleans as t/f, timestamps in RFC 3339
// (UTC for timestamptz), json re-encoded compactly.
func renderValue(v any) string { return renderTyped(v, 0) }

// renderTyped is renderValue knowing the column's type OID, which tells a
// date from a timestamp at midnight: dates print as 2006-01-02, timestamps
// as 2006-01-02 15:04:05[.ffffff], timestamptz in UTC with +00 as psql does
// with TimeZone UTC.
func renderTyped(v any, oid uint32) string {
	if tv, ok := v.(time.Time); ok {
		switch oid {
		case 1082:
			return tv.Format("2006-01-02")
		case 1184:
			return tv.UTC().Format("2006-01-02 15:04:05.999999") + "+00"
		}
	}
	switch v := v.(type) {
	case nil:
		return "NULL"
	case bool:
		if v {
			return "t"
		}
		return "f"
	case string:
		return v
	case []byte:
		return `\x` + hex.EncodeToString(v)
	case float32:
		return strconv.FormatFloat(float64(v), 'g', -1, 32)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case pgtype.Numeric:
		if !v.Valid {
			return "NULL"
		}
		if v.NaN {
			return "NaN"
		}
		b, err := v.MarshalJSON()
		if err != nil {
			return fmt.Sprintf("numeric(%v)", err)
		}
		return string(b)
	case [16]byte:
		return fmt.Sprintf("%x-%x-%x-%x-%x", v[0:4], v[4:6], v[6:8], v[8:10], v[10:16])
	case time.Time:
		if v.Location() == time.UTC && v.Hour() == 0 && v.Minute() == 0 && v.Second() == 0 && v.Nanosecond() == 0 {
			// date or midnight: both print the same in tests that care
			return v.Format("2006-01-02 15:04:05")
		}
		return v.UTC().Format("2006-01-02 15:04:05.999999")
	case map[string]any, []any:
		b, _ := json.Marshal(v)
		return string(b)
	default:
		return fmt.Sprint(v)
	}
}
