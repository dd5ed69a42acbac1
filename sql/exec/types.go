package exec

// The few entry points into sql/types that the engine uses, in one place.

import (
	// The function and operator library registers itself with
	// sql/types at init; the engine resolves calls through types.Lookup*.
	_ "logdb/sql/builtins"
	"logdb/sql/types"
)

func CastDatum(ec *Ctx, v types.Datum, from, to types.T, cc types.CastContext) (types.Datum, error) {
	var ev *types.EvalContext
	if ec != nil {
		ev = ec.Ev
	}
	if from.OID == types.RegclassOID && IsStringType(to.OID) && ec != nil {
		if oid, ok := v.(int64); ok {
			return ec.Host.RelationName(uint32(oid)), nil
		}
	}
	if from.OID == types.RegtypeOID && IsStringType(to.OID) && ev != nil {
		// a user type is qualified unless the search path shows it
		if r, ok := ev.Session.(regtypeNamer); ok {
			if oid, ok := v.(int64); ok {
				if name, ok := r.RegtypeText(uint32(oid)); ok {
					return name, nil
				}
			}
		}
	}
	return types.Cast(ev, v, from, to, cc)
}

// regtypeNamer is what the session offers to print a regtype naming a
// user type (package sql's Session.RegtypeText).
type regtypeNamer interface {
	RegtypeText(oid uint32) (string, bool)
}

// CanCast reports whether a cast from → to may be applied in context cc.
func CanCast(from, to types.T, cc types.CastContext) bool {
	if from.OID == 0 {
		return true
	}
	have, ok := types.CastContextOf(from.OID, to.OID)
	if !ok {
		return false
	}
	switch cc {
	case types.CastExplicit:
		return true
	case types.CastAssignment:
		return have == types.CastImplicit || have == types.CastAssignment
	default:
		return have == types.CastImplicit
	}
}

func CompareDatums(t types.T, a, b types.Datum) int { return types.Compare(t, a, b) }

func LookupBinaryOp(name string, l, r types.T) (*types.Op, error) {
	return types.LookupBinaryOp(name, l, r)
}

func LookupUnaryOp(name string, t types.T) (*types.Op, error) {
	return types.LookupUnaryOp(name, t)
}

func LookupFunc(name string, args []types.T) (*types.Func, error) {
	return types.LookupFunc(name, args)
}
