package builtins

import (
	"crypto/sha256"
	"crypto/sha512"
	"math"
	"strings"

	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// toNumber is to_number(text, text) for the common patterns: the digits,
// sign and decimal point of s, with group separators and other text ignored.
func toNumber(s, f string) (types.Datum, error) {
	var b strings.Builder
	neg := strings.Contains(s, "-") || strings.HasPrefix(strings.TrimSpace(s), "(") && strings.Contains(f, "PR")
	seenPoint := false
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '.' && !seenPoint && (strings.ContainsAny(f, ".D") || !strings.ContainsAny(f, "9")):
			seenPoint = true
			b.WriteRune(r)
		}
	}
	txt := b.String()
	if txt == "" || txt == "." {
		return nil, pgerror.New(pgerror.InvalidTextRepresentation, "invalid input syntax for type numeric: \" \"")
	}
	if neg {
		txt = "-" + txt
	}
	return types.ParseText(tt(types.NumericOID), txt)
}

func registerMoreFuncs() {
	def("to_number", types.NumericOID, oids(types.TextOID, types.TextOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		return toNumber(str(a[0]), str(a[1]))
	})
	split := func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		flags := ""
		if len(a) > 2 {
			flags = str(a[2])
		}
		rx, err := compileRegex(str(a[1]), flags)
		if err != nil {
			return nil, err
		}
		s := str(a[0])
		out := types.Array{Elem: tt(types.TextOID), Elements: []types.Datum{}}
		last := 0
		for _, m := range rx.FindAllStringIndex(s, -1) {
			if m[1] == 0 || m[0] == len(s) && m[0] == m[1] {
				continue // no empty leading or trailing fields from empty matches
			}
			if m[0] == m[1] {
				// an empty match splits between characters
				out.Elements = append(out.Elements, s[last:m[0]])
				last = m[0]
				continue
			}
			out.Elements = append(out.Elements, s[last:m[0]])
			last = m[1]
		}
		out.Elements = append(out.Elements, s[last:])
		return out, nil
	}
	def("regexp_split_to_array", types.TextArrayOID, oids(types.TextOID, types.TextOID), split)
	def("regexp_split_to_array", types.TextArrayOID, oids(types.TextOID, types.TextOID, types.TextOID), split)
	overlay := func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		s, repl, from := []rune(str(a[0])), str(a[1]), i64(a[2])
		n := int64(len([]rune(repl)))
		if len(a) > 3 {
			n = i64(a[3])
		}
		if from < 1 {
			return nil, pgerror.New("22011", "negative substring length not allowed")
		}
		head, _ := substrRunes(string(s), 1, from-1, true)
		tail, _ := substrRunes(string(s), from+n, 0, false)
		return head.(string) + repl + tail.(string), nil
	}
	def("overlay", types.TextOID, oids(types.TextOID, types.TextOID, types.Int4OID), overlay)
	def("overlay", types.TextOID, oids(types.TextOID, types.TextOID, types.Int4OID, types.Int4OID), overlay)
	def("sha224", types.ByteaOID, oids(types.ByteaOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		h := sha256.Sum224(a[0].([]byte))
		return h[:], nil
	})
	def("sha256", types.ByteaOID, oids(types.ByteaOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		h := sha256.Sum256(a[0].([]byte))
		return h[:], nil
	})
	def("sha384", types.ByteaOID, oids(types.ByteaOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		h := sha512.Sum384(a[0].([]byte))
		return h[:], nil
	})
	def("sha512", types.ByteaOID, oids(types.ByteaOID), func(_ *types.EvalContext, a []types.Datum) (types.Datum, error) {
		h := sha512.Sum512(a[0].([]byte))
		return h[:], nil
	})
	unop("|/", types.Float8OID, types.Float8OID, func(_ *types.EvalContext, v types.Datum) (types.Datum, error) {
		if v.(float64) < 0 {
			return nil, pgerror.New("2201F", "cannot take square root of a negative number")
		}
		return math.Sqrt(v.(float64)), nil
	})
	unop("||/", types.Float8OID, types.Float8OID, func(_ *types.EvalContext, v types.Datum) (types.Datum, error) { return math.Cbrt(v.(float64)), nil })
}
