package types

import (
	"github.com/cockroachdb/apd/v3"
)

type fnBody = func(ctx *EvalContext, args []Datum) (Datum, error)

// def registers a strict, immutable overload.
func def(name string, ret OID, args []OID, fn fnBody) *Func {
	f := &Func{Name: name, Ret: tt(ret), Strict: true, Fn: fn}
	for _, a := range args {
		f.Args = append(f.Args, tt(a))
	}
	RegisterFunc(f)
	return f
}

func oids(o ...OID) []OID { return o }

func str(d Datum) string       { return d.(string) }
func i64(d Datum) int64        { return d.(int64) }
func f64(d Datum) float64      { return d.(float64) }
func dec(d Datum) *apd.Decimal { return d.(*apd.Decimal) }

func init() {
	// pg_typeof: returns the regtype of its argument.
	RegisterFunc(&Func{Name: "pg_typeof", Args: []T{tt(AnyOID)}, Ret: tt(RegtypeOID),
		TypedFn: func(_ *EvalContext, types []T, _ []Datum) (Datum, error) { return int64(types[0].OID), nil }})
	RegisterFunc(&Func{Name: "num_nulls", Args: []T{tt(AnyOID)}, Variadic: true, Ret: tt(Int4OID),
		Fn: func(_ *EvalContext, args []Datum) (Datum, error) {
			n := int64(0)
			for _, a := range args {
				if a == nil {
					n++
				}
			}
			return n, nil
		}})
	RegisterFunc(&Func{Name: "num_nonnulls", Args: []T{tt(AnyOID)}, Variadic: true, Ret: tt(Int4OID),
		Fn: func(_ *EvalContext, args []Datum) (Datum, error) {
			n := int64(0)
			for _, a := range args {
				if a != nil {
					n++
				}
			}
			return n, nil
		}})
}
