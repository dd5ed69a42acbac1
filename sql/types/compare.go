package types

import (
	"bytes"
	"math"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"

	"logdb/sql/types/jsondoc"
)

// Compare orders two non-NULL values of type t as PostgreSQL's btree
// operators do: text bytewise (C collation), floats with NaN above
// everything and -0 = 0, numeric NaN above everything, bpchar ignoring
// trailing spaces, intervals by their span.
func Compare(t T, a, b Datum) int {
	switch x := a.(type) {
	case int64:
		return cmpInt(x, b.(int64))
	case float64:
		return cmpFloat(x, b.(float64))
	case *apd.Decimal:
		return cmpDecimal(x, b.(*apd.Decimal))
	case bool:
		return cmpBool(x, b.(bool))
	case string:
		y := b.(string)
		if t.OID == BpcharOID {
			return strings.Compare(strings.TrimRight(x, " "), strings.TrimRight(y, " "))
		}
		return strings.Compare(x, y)
	case []byte:
		return bytes.Compare(x, b.([]byte))
	case Date:
		return cmpInt(int64(x), int64(b.(Date)))
	case time.Time:
		return x.Compare(b.(time.Time))
	case TimeOfDay:
		return cmpInt(int64(x), int64(b.(TimeOfDay)))
	case Interval:
		return compareInterval(x, b.(Interval))
	case UUID:
		y := b.(UUID)
		return bytes.Compare(x[:], y[:])
	case LSN:
		y := b.(LSN)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	case JSONB:
		return jsondoc.CompareDocuments(mustParseJSONB(x), mustParseJSONB(b.(JSONB)))
	case JSON:
		return strings.Compare(string(x), string(b.(JSON)))
	case Bits:
		return strings.Compare(string(x), string(b.(Bits)))
	case Array:
		y := b.(Array)
		for i := 0; i < len(x.Elements) && i < len(y.Elements); i++ {
			ea, eb := x.Elements[i], y.Elements[i]
			switch {
			case ea == nil && eb == nil:
				continue
			case ea == nil:
				return 1 // NULL elements sort last, as in PostgreSQL
			case eb == nil:
				return -1
			}
			if c := Compare(x.Elem, ea, eb); c != 0 {
				return c
			}
		}
		if c := cmpInt(int64(len(x.Elements)), int64(len(y.Elements))); c != 0 {
			return c
		}
		return compareShapes(x, y)
	case Record:
		return compareRecords(t, x, b.(Record))
	case Enum:
		return cmpEnum(x, b.(Enum))
	}
	return 0
}

func cmpFloat(a, b float64) int {
	an, bn := math.IsNaN(a), math.IsNaN(b)
	switch {
	case an && bn:
		return 0
	case an:
		return 1
	case bn:
		return -1
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpDecimal(a, b *apd.Decimal) int {
	an, bn := a.Form == apd.NaN || a.Form == apd.NaNSignaling, b.Form == apd.NaN || b.Form == apd.NaNSignaling
	switch {
	case an && bn:
		return 0
	case an:
		return 1
	case bn:
		return -1
	}
	return a.Cmp(b)
}

// Equal reports whether Compare(t, a, b) == 0, treating two NULLs as equal
// (IS NOT DISTINCT FROM).
func Equal(t T, a, b Datum) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return Compare(t, a, b) == 0
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpBool(a, b bool) int {
	if a == b {
		return 0
	}
	if !a {
		return -1
	}
	return 1
}
