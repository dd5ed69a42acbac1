package builtins

import "logdb/sql/types"

// Functions of a value of any type.

func registerAnyFuncs() {
	// pg_typeof: returns the regtype of its argument.
	types.RegisterFunc(&types.Func{Name: "pg_typeof", Args: []types.T{tt(types.AnyOID)}, Ret: tt(types.RegtypeOID),
		TypedFn: func(_ *types.EvalContext, ts []types.T, _ []types.Datum) (types.Datum, error) {
			return int64(ts[0].OID), nil
		}})
	types.RegisterFunc(&types.Func{Name: "num_nulls", Args: []types.T{tt(types.AnyOID)}, Variadic: true, Ret: tt(types.Int4OID),
		Fn: func(_ *types.EvalContext, args []types.Datum) (types.Datum, error) {
			n := int64(0)
			for _, a := range args {
				if a == nil {
					n++
				}
			}
			return n, nil
		}})
	types.RegisterFunc(&types.Func{Name: "num_nonnulls", Args: []types.T{tt(types.AnyOID)}, Variadic: true, Ret: tt(types.Int4OID),
		Fn: func(_ *types.EvalContext, args []types.Datum) (types.Datum, error) {
			n := int64(0)
			for _, a := range args {
				if a != nil {
					n++
				}
			}
			return n, nil
		}})
}
