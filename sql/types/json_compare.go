package types

import (
	"bytes"
	"strings"

	"logdb/sql/types/jsondoc"
)

// jsonContains is jsonb @>.
func jsonContains(a, b *jsondoc.Value, top bool) bool {
	if a.Kind != b.Kind {
		if top && a.Kind == jsondoc.Array && b.Kind != jsondoc.Array && b.Kind != jsondoc.Object {
			for _, e := range a.Elems {
				if jsondoc.Compare(e, b) == 0 {
					return true
				}
			}
		}
		return false
	}
	switch a.Kind {
	case jsondoc.Object:
		for i, k := range b.Keys {
			j := jsonFind(a, k)
			if j < 0 {
				return false
			}
			if !jsonContains(a.Vals[j], b.Vals[i], false) {
				return false
			}
		}
		return true
	case jsondoc.Array:
		for _, be := range b.Elems {
			found := false
			for _, ae := range a.Elems {
				if ae.Kind == be.Kind && (ae.Kind == jsondoc.Array || ae.Kind == jsondoc.Object) {
					if jsonContains(ae, be, false) {
						found = true
						break
					}
				} else if jsondoc.Compare(ae, be) == 0 {
					found = true
					break
				}
			}
			if !found {
				return false
			}
		}
		return true
	}
	return jsondoc.Compare(a, b) == 0
}

func jsonFind(v *jsondoc.Value, key string) int {
	for i, k := range v.Keys {
		if k == key {
			return i
		}
	}
	return -1
}

// toText is what ->> returns: strings unquoted, null as SQL NULL, others as json text.
func jsonToText(v *jsondoc.Value, jsonb bool) Datum {
	switch v.Kind {
	case jsondoc.Null:
		return nil
	case jsondoc.String:
		return v.Text
	}
	if !jsonb {
		return v.Raw
	}
	return string(v.AppendJSONB(nil))
}

func jsonDatum(v *jsondoc.Value, jsonb bool) Datum {
	if jsonb {
		return JSONB(v.AppendJSONB(nil))
	}
	return JSON(v.Raw)
}

// appendPretty is jsonb_pretty.
func appendPretty(dst []byte, v *jsondoc.Value, indent int) []byte {
	pad := func(n int) {
		dst = append(dst, '\n')
		dst = append(dst, bytes.Repeat([]byte("    "), n)...)
	}
	switch v.Kind {
	case jsondoc.Array:
		if len(v.Elems) == 0 {
			return append(dst, "[\n"+strings.Repeat("    ", indent)+"]"...)
		}
		dst = append(dst, '[')
		for i, e := range v.Elems {
			if i > 0 {
				dst = append(dst, ',')
			}
			pad(indent + 1)
			dst = appendPretty(dst, e, indent+1)
		}
		pad(indent)
		return append(dst, ']')
	case jsondoc.Object:
		if len(v.Keys) == 0 {
			return append(dst, "{\n"+strings.Repeat("    ", indent)+"}"...)
		}
		dst = append(dst, '{')
		for i, k := range v.Keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			pad(indent + 1)
			dst = jsondoc.AppendString(dst, k)
			dst = append(dst, ':', ' ')
			dst = appendPretty(dst, v.Vals[i], indent+1)
		}
		pad(indent)
		return append(dst, '}')
	}
	return v.AppendJSONB(dst)
}
