package sql

import (
	"time"

	"logdb/sql/catalog"
	"logdb/sql/exec"
	"logdb/sql/pgerror"
	"logdb/sql/plan"
	"logdb/sql/types"
)

func init() {
	str := func(name string, get func(ec *execCtx) string) plan.Builtin {
		return func(p *plan.Planner, args []exec.Expr) (exec.Expr, error) {
			if len(args) != 0 {
				return nil, plan.NoFunc(name, args)
			}
			t := exec.TextT
			if name != "version" {
				t = exec.NameT
			}
			return &exec.BuiltinExpr{Name: name, Ret: t, Fn: func(rc *exec.Ctx, _ []types.Datum) (types.Datum, error) { return get(hostOf(rc)), nil }}, nil
		}
	}
	for name, f := range map[string]plan.Builtin{
		"version": str("version", func(ec *execCtx) string {
			return "PostgreSQL 15.0 (logdb " + ec.s.e.cfg.Version + ") on x86_64-pc-linux-gnu"
		}),
		"current_database": str("current_database", func(ec *execCtx) string { return ec.s.db }),
		"current_catalog":  str("current_catalog", func(ec *execCtx) string { return ec.s.db }),
		"current_user":     str("current_user", func(ec *execCtx) string { return ec.s.currentUser() }),
		"session_user":     str("session_user", func(ec *execCtx) string { return ec.s.user }),
		"user":             str("user", func(ec *execCtx) string { return ec.s.currentUser() }),
		"current_role":     str("current_role", func(ec *execCtx) string { return ec.s.currentUser() }),
		"current_schemas": func(p *plan.Planner, args []exec.Expr) (exec.Expr, error) {
			if len(args) != 1 {
				return nil, plan.NoFunc("current_schemas", args)
			}
			a, err := p.Coerce(args[0], exec.BoolT, types.CastImplicit)
			if err != nil {
				return nil, err
			}
			return &exec.BuiltinExpr{Name: "current_schemas", Args: []exec.Expr{a}, Strict: true, Ret: types.T{OID: types.NameArrayOID, Mod: -1},
				Fn: func(rc *exec.Ctx, v []types.Datum) (types.Datum, error) {
					ec := hostOf(rc)
					return ec.s.currentSchemas(ec, v[0] == true), nil // searchpath.go
				}}, nil
		},
		"pg_backend_pid": func(p *plan.Planner, args []exec.Expr) (exec.Expr, error) {
			return &exec.BuiltinExpr{Name: "pg_backend_pid", Ret: exec.Int4T, Fn: func(rc *exec.Ctx, _ []types.Datum) (types.Datum, error) {
				ec := hostOf(rc)
				return int64(ec.s.pid), nil
			}}, nil
		},
		"current_setting": func(p *plan.Planner, args []exec.Expr) (exec.Expr, error) {
			if len(args) < 1 || len(args) > 2 {
				return nil, plan.NoFunc("current_setting", args)
			}
			for i := range args {
				want := exec.TextT
				if i == 1 {
					want = exec.BoolT
				}
				var err error
				if args[i], err = p.Coerce(args[i], want, types.CastImplicit); err != nil {
					return nil, err
				}
			}
			return &exec.BuiltinExpr{Name: "current_setting", Args: args, Strict: true, Ret: exec.TextT, Fn: func(rc *exec.Ctx, v []types.Datum) (types.Datum, error) {
				ec := hostOf(rc)
				val, err := ec.s.showValue(v[0].(string))
				if err != nil {
					if len(v) == 2 && v[1] == true {
						return nil, nil
					}
					return nil, err
				}
				return val, nil
			}}, nil
		},
		"set_config": func(p *plan.Planner, args []exec.Expr) (exec.Expr, error) {
			if len(args) != 3 {
				return nil, plan.NoFunc("set_config", args)
			}
			want := []types.T{exec.TextT, exec.TextT, exec.BoolT}
			for i := range args {
				var err error
				if args[i], err = p.Coerce(args[i], want[i], types.CastImplicit); err != nil {
					return nil, err
				}
			}
			return &exec.BuiltinExpr{Name: "set_config", Args: args, Ret: exec.TextT, Fn: func(rc *exec.Ctx, v []types.Datum) (types.Datum, error) {
				ec := hostOf(rc)
				if v[0] == nil {
					return nil, pgerror.New(pgerror.NullValueNotAllowed, "SET requires parameter name")
				}
				val := ""
				if v[1] != nil {
					val = v[1].(string)
				}
				if err := ec.s.setVar(v[0].(string), val, v[2] == true); err != nil {
					return nil, err
				}
				return ec.s.showValue(v[0].(string))
			}}, nil
		},
		"pg_typeof": func(p *plan.Planner, args []exec.Expr) (exec.Expr, error) {
			if len(args) != 1 {
				return nil, plan.NoFunc("pg_typeof", args)
			}
			t := args[0].Type()
			if t.OID == 0 {
				t = exec.UnknownT
			}
			return &exec.ConstExpr{V: int64(t.OID), T: types.T{OID: types.RegtypeOID, Mod: -1}}, nil
		},
		"pg_sleep": func(p *plan.Planner, args []exec.Expr) (exec.Expr, error) {
			if len(args) != 1 {
				return nil, plan.NoFunc("pg_sleep", args)
			}
			a, err := p.Coerce(args[0], exec.Float8T, types.CastImplicit)
			if err != nil {
				return nil, err
			}
			return &exec.BuiltinExpr{Name: "pg_sleep", Args: []exec.Expr{a}, Ret: voidT, Strict: true, Fn: func(rc *exec.Ctx, v []types.Datum) (types.Datum, error) {
				ec := hostOf(rc)
				d := time.Duration(v[0].(float64) * float64(time.Second))
				ec.s.setWait("Timeout", "PgSleep")
				defer ec.s.setWait("", "")
				select {
				case <-time.After(d):
					return "", nil
				case <-ec.Context.Done():
					return nil, ec.s.ctxErr(ec.Context)
				}
			}}, nil
		},
		"pg_cancel_backend":    signalBackend("pg_cancel_backend", false),
		"pg_terminate_backend": signalBackend("pg_terminate_backend", true),
		"nextval":              seqFunc("nextval"),
		"currval":              seqFunc("currval"),
		"setval":               seqFunc("setval"),
		"lastval": func(p *plan.Planner, args []exec.Expr) (exec.Expr, error) {
			return &exec.BuiltinExpr{Name: "lastval", Ret: exec.Int8T, Fn: func(rc *exec.Ctx, _ []types.Datum) (types.Datum, error) {
				ec := hostOf(rc)
				if !ec.s.hasLast {
					return nil, pgerror.New(pgerror.ObjectNotInPrerequisiteState, "lastval is not yet defined in this session")
				}
				return ec.s.lastVal, nil
			}}, nil
		},
	} {
		plan.Builtins[name] = f
	}
}

// seqFunc compiles nextval/currval/setval; the sequence argument may be a
// name (text or regclass) resolved now when constant.
func seqFunc(name string) plan.Builtin {
	return func(p *plan.Planner, args []exec.Expr) (exec.Expr, error) {
		if name == "setval" && (len(args) < 2 || len(args) > 3) || name != "setval" && len(args) != 1 {
			return nil, plan.NoFunc(name, args)
		}
		var err error
		if args[0], err = p.ResolveUnknown(args[0]); err != nil {
			return nil, err
		}
		if name == "setval" {
			if args[1], err = p.Coerce(args[1], exec.Int8T, types.CastImplicit); err != nil {
				return nil, err
			}
			if len(args) == 3 {
				if args[2], err = p.Coerce(args[2], exec.BoolT, types.CastImplicit); err != nil {
					return nil, err
				}
			}
		}
		return &exec.BuiltinExpr{Name: name, Args: args, Strict: true, Ret: exec.Int8T, Fn: func(rc *exec.Ctx, v []types.Datum) (types.Datum, error) {
			ec := hostOf(rc)
			sq, err := ec.s.lookupSeqArg(ec.tx, v[0])
			if err != nil {
				return nil, err
			}
			need := map[string]string{"nextval": "Uw", "currval": "rU", "setval": "w"}[name]
			if err := ec.s.checkSeqPriv(ec.tx.cat, sq, need); err != nil {
				return nil, err
			}
			switch name {
			case "nextval":
				return ec.s.nextval(ec, sq)
			case "currval":
				cur, ok := ec.s.seqLast[sq.OID]
				if !ok {
					return nil, pgerror.New(pgerror.ObjectNotInPrerequisiteState, "currval of sequence \"%s\" is not yet defined in this session", sq.Name)
				}
				return cur, nil
			default:
				called := true
				if len(v) == 3 {
					called = v[2] == true
				}
				return ec.s.setval(ec, sq, v[1].(int64), called)
			}
		}}, nil
	}
}

func (s *Session) lookupSeqArg(t *txnState, v types.Datum) (*catalog.Sequence, error) {
	cat := t.cat
	switch x := v.(type) {
	case int64:
		if sq, ok := cat.SeqOID[uint32(x)]; ok {
			return sq, nil
		}
		return nil, pgerror.New(pgerror.UndefinedTable, "could not open relation with OID %d", x)
	case string:
		schema, name := plan.SplitQualified(x)
		if sq, ok := cat.Seqs[cat.RelKey(s.relPath(cat), s.tempAlias(schema), name)]; ok {
			return sq, nil
		}
		return nil, pgerror.New(pgerror.UndefinedTable, "relation \"%s\" does not exist", x)
	}
	return nil, pgerror.New(pgerror.DatatypeMismatch, "invalid sequence argument")
}

func (s *Session) nextval(ec *execCtx, sq *catalog.Sequence) (types.Datum, error) {
	if ec.tx != nil && ec.tx.readOnly {
		return nil, errReadOnly("nextval()")
	}
	ord, err := s.e.nextSeqOrdinal(ec.Context, sq.OID)
	if err != nil {
		return nil, err
	}
	v := sq.Start + (ord-1)*sq.Increment
	if sq.Increment > 0 && v > sq.Max || sq.Increment < 0 && v < sq.Min {
		if !sq.Cycle {
			return nil, pgerror.New("2200H", "nextval: reached maximum value of sequence \"%s\" (%d)", sq.Name, sq.Max)
		}
		span := sq.Max - sq.Min + 1
		if sq.Increment > 0 {
			v = sq.Min + (v-sq.Min)%span
		} else {
			v = sq.Max - (sq.Max-v)%span
		}
	}
	s.seqLast[sq.OID] = v
	s.lastVal, s.hasLast = v, true
	return v, nil
}

func (s *Session) setval(ec *execCtx, sq *catalog.Sequence, v int64, called bool) (types.Datum, error) {
	if v < sq.Min || v > sq.Max {
		return nil, pgerror.New(pgerror.NumericValueOutOfRange, "setval: value %d is out of bounds for sequence \"%s\" (%d..%d)", v, sq.Name, sq.Min, sq.Max)
	}
	// ordinal of v; the next nextval hands out ord+1 (or ord when !called)
	ord := (v - sq.Start) / sq.Increment
	if called {
		ord++
	}
	if err := s.e.setSeqOrdinal(ec.Context, sq.OID, ord); err != nil {
		return nil, err
	}
	if called {
		s.seqLast[sq.OID] = v
	}
	return v, nil
}

func errReadOnly(what string) error {
	return pgerror.New(pgerror.ReadOnlySQLTransaction, "cannot execute %s in a read-only transaction", what)
}
