package types

import (
	"bytes"
	"strings"
)

// jsonbCompare is jsonb's btree order: null < string < number < bool <
// array < object, except that an empty top-level array sorts below
// everything (PostgreSQL keeps that for historical reasons).
func jsonbCompare(a, b *jsonValue) int {
	ae := a.kind == jArray && len(a.arr) == 0
	be := b.kind == jArray && len(b.arr) == 0
	switch {
	case ae && be:
		return 0
	case ae:
		return -1
	case be:
		return 1
	}
	return jsonCompare(a, b)
}

// jsonCompare orders nested values (numbers compare as numeric).
func jsonCompare(a, b *jsonValue) int {
	if a.kind != b.kind {
		return cmpInt(int64(a.kind), int64(b.kind))
	}
	switch a.kind {
	case jNull:
		return 0
	case jBool:
		return cmpBool(a.b, b.b)
	case jNumber:
		return a.num.Cmp(b.num)
	case jString:
		return strings.Compare(a.s, b.s)
	case jArray:
		if len(a.arr) != len(b.arr) {
			return cmpInt(int64(len(a.arr)), int64(len(b.arr)))
		}
		for i := range a.arr {
			if c := jsonCompare(a.arr[i], b.arr[i]); c != 0 {
				return c
			}
		}
	case jObject:
		if len(a.keys) != len(b.keys) {
			return cmpInt(int64(len(a.keys)), int64(len(b.keys)))
		}
		for i := range a.keys {
			if a.keys[i] != b.keys[i] {
				if jsonbKeyLess(a.keys[i], b.keys[i]) {
					return -1
				}
				return 1
			}
			if c := jsonCompare(a.vals[i], b.vals[i]); c != 0 {
				return c
			}
		}
	}
	return 0
}

// jsonContains is jsonb @>.
func jsonContains(a, b *jsonValue, top bool) bool {
	if a.kind != b.kind {
		if top && a.kind == jArray && b.kind != jArray && b.kind != jObject {
			for _, e := range a.arr {
				if jsonCompare(e, b) == 0 {
					return true
				}
			}
		}
		return false
	}
	switch a.kind {
	case jObject:
		for i, k := range b.keys {
			j := a.find(k)
			if j < 0 {
				return false
			}
			if !jsonContains(a.vals[j], b.vals[i], false) {
				return false
			}
		}
		return true
	case jArray:
		for _, be := range b.arr {
			found := false
			for _, ae := range a.arr {
				if ae.kind == be.kind && (ae.kind == jArray || ae.kind == jObject) {
					if jsonContains(ae, be, false) {
						found = true
						break
					}
				} else if jsonCompare(ae, be) == 0 {
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
	return jsonCompare(a, b) == 0
}

func (v *jsonValue) find(key string) int {
	for i, k := range v.keys {
		if k == key {
			return i
		}
	}
	return -1
}

// toText is what ->> returns: strings unquoted, null as SQL NULL, others as json text.
func (v *jsonValue) toText(jsonb bool) Datum {
	switch v.kind {
	case jNull:
		return nil
	case jString:
		return v.s
	}
	if !jsonb {
		return v.raw
	}
	return string(v.appendJSONB(nil))
}

func (v *jsonValue) datum(jsonb bool) Datum {
	if jsonb {
		return JSONB(v.appendJSONB(nil))
	}
	return JSON(v.raw)
}

// appendPretty is jsonb_pretty.
func (v *jsonValue) appendPretty(dst []byte, indent int) []byte {
	pad := func(n int) {
		dst = append(dst, '\n')
		dst = append(dst, bytes.Repeat([]byte("    "), n)...)
	}
	switch v.kind {
	case jArray:
		if len(v.arr) == 0 {
			return append(dst, "[\n"+strings.Repeat("    ", indent)+"]"...)
		}
		dst = append(dst, '[')
		for i, e := range v.arr {
			if i > 0 {
				dst = append(dst, ',')
			}
			pad(indent + 1)
			dst = e.appendPretty(dst, indent+1)
		}
		pad(indent)
		return append(dst, ']')
	case jObject:
		if len(v.keys) == 0 {
			return append(dst, "{\n"+strings.Repeat("    ", indent)+"}"...)
		}
		dst = append(dst, '{')
		for i, k := range v.keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			pad(indent + 1)
			dst = appendJSONString(dst, k)
			dst = append(dst, ':', ' ')
			dst = v.vals[i].appendPretty(dst, indent+1)
		}
		pad(indent)
		return append(dst, '}')
	}
	return v.appendJSONB(dst)
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
