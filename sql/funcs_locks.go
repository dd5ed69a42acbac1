package sql

import (
	"strings"

	"logdb/locks"
	"logdb/sql/exec"
	"logdb/sql/pgcatalog"
	"logdb/sql/pgerror"
	"logdb/sql/plan"
	"logdb/sql/types"
)

// The advisory lock functions (PostgreSQL's pg_advisory_lock family), over
// the cluster's lock table (locks.go).

// advisoryFunc describes one function of the family.
type advisoryFunc struct {
	shared, xact, try, unlock bool
}

func init() {
	for _, name := range []string{"pg_advisory_lock", "pg_try_advisory_lock", "pg_advisory_xact_lock",
		"pg_try_advisory_xact_lock", "pg_advisory_unlock"} {
		for _, shared := range []bool{false, true} {
			n := name
			if shared {
				n += "_shared"
			}
			f := advisoryFunc{shared: shared, xact: strings.Contains(name, "xact"),
				try: strings.Contains(name, "try"), unlock: strings.Contains(name, "unlock")}
			plan.Builtins[n] = func(p *plan.Planner, args []exec.Expr) (exec.Expr, error) { return f.build(p, n, args) }
		}
	}
	plan.Builtins["pg_advisory_unlock_all"] = func(p *plan.Planner, args []exec.Expr) (exec.Expr, error) {
		if len(args) != 0 {
			return nil, plan.NoFunc("pg_advisory_unlock_all", args)
		}
		return &exec.BuiltinExpr{Name: "pg_advisory_unlock_all", Ret: voidT, Fn: func(rc *exec.Ctx, _ []types.Datum) (types.Datum, error) {
			ec := hostOf(rc)
			if err := ec.s.checkLocksLost(); err != nil {
				return nil, err
			}
			return "", ec.s.releaseAllLocks(rc.Context, true, false)
		}}, nil
	}
}

func (f advisoryFunc) build(p *plan.Planner, name string, args []exec.Expr) (exec.Expr, error) {
	var argT types.T
	switch len(args) {
	case 1:
		argT = exec.Int8T
	case 2:
		argT = exec.Int4T
	default:
		return nil, plan.NoFunc(name, args)
	}
	for i := range args {
		if from := args[i].Type().OID; from != types.UnknownOID && from != 0 && !(from == types.Int2OID || from == types.Int4OID || from == types.Int8OID && argT.OID == types.Int8OID) {
			return nil, plan.NoFunc(name, args)
		}
		c, err := p.Coerce(args[i], argT, types.CastImplicit)
		if err != nil {
			return nil, err // an unknown literal that is no integer: 22P02
		}
		args[i] = c
	}
	ret := exec.BoolT
	if !f.try && !f.unlock {
		ret = voidT
	}
	return &exec.BuiltinExpr{Name: name, Args: args, Ret: ret, Strict: true, Fn: func(rc *exec.Ctx, v []types.Datum) (types.Datum, error) {
		var tag []byte
		if len(v) == 1 {
			k := uint64(v[0].(int64))
			tag = advisoryTag(uint32(k>>32), uint32(k), 1)
		} else {
			tag = advisoryTag(uint32(int32Of(v[0])), uint32(int32Of(v[1])), 2)
		}
		mode := locks.ModeExclusive
		if f.shared {
			mode = locks.ModeShare
		}
		s := hostOf(rc).s
		if f.unlock {
			ok, err := s.releaseLock(rc.Context, tag, mode)
			if err == nil && !ok {
				s.notices = append(s.notices, &pgerror.Error{Code: pgerror.Warning, Severity: "WARNING",
					Message: "you don't own a lock of type " + mode.String()})
			}
			return ok, err
		}
		ok, err := s.acquireLock(rc.Context, tag, mode, f.xact, !f.try)
		if err != nil {
			return nil, err
		}
		if !f.try {
			return "", nil
		}
		return ok, nil
	}}, nil
}

func int32Of(d types.Datum) int32 {
	switch x := d.(type) {
	case int32:
		return x
	case int64:
		return int32(x)
	}
	return 0
}

// flushNotices sends the warnings functions queued (pg_advisory_unlock's).
func (s *Session) flushNotices(w ResultWriter) {
	for _, n := range s.notices {
		_ = w.Notice(n)
	}
	s.notices = nil
}

// lockRows lists the cluster's advisory locks for pg_locks: a row per
// owner and mode, holders then waiters.
func (s *Session) lockRows() []pgcatalog.LockInfo {
	if s.e.cfg.Locks == nil {
		return nil
	}
	var out []pgcatalog.LockInfo
	_ = locks.List(s.e.cfg.Store, func(l locks.Listed) {
		if len(l.Tag) != 11 || l.Tag[0] != 'a' {
			return
		}
		out = append(out, pgcatalog.LockInfo{LockType: "advisory",
			ClassID: be32(l.Tag[1:]), ObjID: be32(l.Tag[5:]), ObjSubID: int16(l.Tag[9])<<8 | int16(l.Tag[10]),
			PID: int32(l.Owner.PID), Mode: l.Mode.String(), Granted: l.Granted})
	})
	return out
}

func be32(b []byte) uint32 {
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}
