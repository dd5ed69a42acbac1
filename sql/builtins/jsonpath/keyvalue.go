package jsonpath

import (
	"strings"

	"github.com/cockroachdb/apd/v3"

	"logdb/sql/types/jsondoc"
)

// .keyvalue() ids: PostgreSQL numbers each object by its byte offset in
// the jsonb container; these functions compute the same layout.

// keyvalue ids: PostgreSQL numbers the objects .keyvalue() visits by their
// byte offset inside the binary jsonb document they belong to, plus 10^10
// times the document's number (0 the target, 1 the vars). containerOffsets
// computes those offsets from jsonb's on-disk layout: a container is a
// 4-byte header and 4 bytes per entry (objects: keys, then values), then
// the entries' data in that order; strings are their bytes, numerics are
// 4-byte aligned numeric varlenas, nested containers are 4-byte aligned.
func containerOffsets(root *jsondoc.Value, offs map[*jsondoc.Value]int64) {
	if root.Kind == jsondoc.Array || root.Kind == jsondoc.Object {
		layout(root, 0, offs)
	}
}

func align4(p int64) int64 { return (p + 3) &^ 3 }

func layout(v *jsondoc.Value, pos int64, offs map[*jsondoc.Value]int64) int64 {
	offs[v] = pos
	vals := v.Elems
	n := len(v.Elems)
	if v.Kind == jsondoc.Object {
		vals, n = v.Vals, 2*len(v.Keys)
	}
	p := pos + 4 + 4*int64(n)
	for _, k := range v.Keys {
		p += int64(len(k))
	}
	for _, e := range vals {
		switch e.Kind {
		case jsondoc.String:
			p += int64(len(e.Text))
		case jsondoc.Number:
			p = align4(p) + numericSize(e.Num)
		case jsondoc.Array, jsondoc.Object:
			p = layout(e, align4(p), offs)
		}
	}
	return p
}

// numericSize is the size of numeric d as numeric_in makes it: a 4-byte
// varlena header, a 2-byte (short form) or 4-byte header, and 2 bytes per
// base-10000 digit, leading and trailing zero digits stripped.
func numericSize(d *apd.Decimal) int64 {
	var a apd.Decimal
	a.Abs(d)
	s := a.Text('f')
	intPart, frac, _ := strings.Cut(s, ".")
	intPart = strings.TrimLeft(intPart, "0")
	dscale := len(frac)
	for len(intPart)%4 != 0 {
		intPart = "0" + intPart
	}
	for len(frac)%4 != 0 {
		frac += "0"
	}
	digits := intPart + frac
	var groups []string
	for i := 0; i+4 <= len(digits); i += 4 {
		groups = append(groups, digits[i:i+4])
	}
	weight := len(intPart)/4 - 1
	for len(groups) > 0 && groups[0] == "0000" {
		groups = groups[1:]
		weight--
	}
	for len(groups) > 0 && groups[len(groups)-1] == "0000" {
		groups = groups[:len(groups)-1]
	}
	if len(groups) == 0 {
		weight = 0
	}
	hdr := int64(2)
	if dscale > 63 || weight < -64 || weight > 63 {
		hdr = 4
	}
	return 4 + hdr + 2*int64(len(groups))
}

// keyValueID is the id .keyvalue() gives object v.
func (cx *execCtx) keyValueID(v *jsondoc.Value) int64 {
	if cx.offsets == nil {
		cx.offsets = map[*jsondoc.Value]int64{}
		containerOffsets(cx.root, cx.offsets)
		if cx.vars != nil {
			cx.varOffsets = map[*jsondoc.Value]int64{}
			containerOffsets(cx.vars, cx.varOffsets)
		}
	}
	if off, ok := cx.offsets[v]; ok {
		return off
	}
	if off, ok := cx.varOffsets[v]; ok {
		return 10000000000 + off
	}
	return 0
}
