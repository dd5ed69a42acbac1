package jsondoc

import (
	"cmp"
	"sort"
	"strings"

	"github.com/cockroachdb/apd/v3"
)

// Kind is the kind of a JSON value. The kinds are in jsonb's btree order:
// null < string < number < bool < array < object. Their numbers are part
// of sql/types' key encoding of jsonb, which is durable: never renumber.
type Kind uint8

const (
	Null Kind = iota
	String
	Number
	Bool
	Array
	Object
)

// Value is one node of a parsed json document.
type Value struct {
	Kind Kind
	Bool bool   // Bool: the value
	Text string // String: the decoded string; Number: its text (canonical in jsonb)
	// Num is a Number's value in a jsonb document (sql/types sets it when
	// it puts the document in jsonb's form); nil in json.
	Num   *apd.Decimal
	Elems []*Value // Array: the elements
	Keys  []string // Object: the keys, and the values in Vals
	Vals  []*Value
	Raw   string // the input text of this value (json keeps it as given)
}

// SortKeys puts every object in v in jsonb's form: its keys unique (a
// later duplicate wins) and sorted by length, then bytes. Values dropped
// as duplicates are left as they are.
func (v *Value) SortKeys() {
	switch v.Kind {
	case Array:
		for _, e := range v.Elems {
			e.SortKeys()
		}
	case Object:
		idx := make([]int, len(v.Keys))
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(a, b int) bool { return keyLess(v.Keys[idx[a]], v.Keys[idx[b]]) })
		keys := make([]string, 0, len(idx))
		vals := make([]*Value, 0, len(idx))
		for n, i := range idx {
			if n+1 < len(idx) && v.Keys[idx[n+1]] == v.Keys[i] {
				continue // a later duplicate wins
			}
			v.Vals[i].SortKeys()
			keys = append(keys, v.Keys[i])
			vals = append(vals, v.Vals[i])
		}
		v.Keys, v.Vals = keys, vals
	}
}

func keyLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// AppendJSONB writes v in jsonb's output form: `{"a": 1, "b": [1, 2]}`.
func (v *Value) AppendJSONB(dst []byte) []byte {
	switch v.Kind {
	case Null:
		return append(dst, "null"...)
	case Bool:
		if v.Bool {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case Number:
		return append(dst, v.Text...)
	case String:
		return AppendString(dst, v.Text)
	case Array:
		dst = append(dst, '[')
		for i, e := range v.Elems {
			if i > 0 {
				dst = append(dst, ',', ' ')
			}
			dst = e.AppendJSONB(dst)
		}
		return append(dst, ']')
	case Object:
		dst = append(dst, '{')
		for i, k := range v.Keys {
			if i > 0 {
				dst = append(dst, ',', ' ')
			}
			dst = AppendString(dst, k)
			dst = append(dst, ':', ' ')
			dst = v.Vals[i].AppendJSONB(dst)
		}
		return append(dst, '}')
	}
	return dst
}

// AppendString writes s as a JSON string (PostgreSQL's escape_json).
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			dst = append(dst, '\\', '"')
		case '\\':
			dst = append(dst, '\\', '\\')
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			if c < 0x20 {
				dst = append(dst, '\\', 'u', '0', '0', "0123456789abcdef"[c>>4], "0123456789abcdef"[c&15])
			} else {
				dst = append(dst, c)
			}
		}
	}
	return append(dst, '"')
}

// CompareDocuments is jsonb's btree order of whole documents: Compare,
// except that an empty top-level array sorts below
// everything (PostgreSQL keeps that for historical reasons).
func CompareDocuments(a, b *Value) int {
	ae := a.Kind == Array && len(a.Elems) == 0
	be := b.Kind == Array && len(b.Elems) == 0
	switch {
	case ae && be:
		return 0
	case ae:
		return -1
	case be:
		return 1
	}
	return Compare(a, b)
}

// Compare is jsonb's order of values: by Kind, then strings by bytes,
// numbers as numeric (Num), arrays and objects by length, then element by
// element (objects: key, then value).
func Compare(a, b *Value) int {
	if a.Kind != b.Kind {
		return cmp.Compare(int64(a.Kind), int64(b.Kind))
	}
	switch a.Kind {
	case Null:
		return 0
	case Bool:
		return cmpBool(a.Bool, b.Bool)
	case Number:
		return a.Num.Cmp(b.Num)
	case String:
		return strings.Compare(a.Text, b.Text)
	case Array:
		if len(a.Elems) != len(b.Elems) {
			return cmp.Compare(int64(len(a.Elems)), int64(len(b.Elems)))
		}
		for i := range a.Elems {
			if c := Compare(a.Elems[i], b.Elems[i]); c != 0 {
				return c
			}
		}
	case Object:
		if len(a.Keys) != len(b.Keys) {
			return cmp.Compare(int64(len(a.Keys)), int64(len(b.Keys)))
		}
		for i := range a.Keys {
			if a.Keys[i] != b.Keys[i] {
				if keyLess(a.Keys[i], b.Keys[i]) {
					return -1
				}
				return 1
			}
			if c := Compare(a.Vals[i], b.Vals[i]); c != 0 {
				return c
			}
		}
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
