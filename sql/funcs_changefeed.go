package sql

// The changefeed's SQL functions: pg_current_wal_lsn (and its insert /
// flush variants), pg_logical_emit_message, the slot functions and the
// pg_replication_slots view, and the commit-time limit on the number of
// changes one transaction may make.
//
// Slot functions buffer their writes in the session's kv transaction, so
// they commit through the log with it: advancing a slot in the
// transaction that records the consumer's own work makes both atomic.

import (
	"context"
	"strings"
	"time"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/changefeed"
	"logdb/kv"
	"logdb/sql/catalog"
	"logdb/sql/exec"
	"logdb/sql/pgcatalog"
	"logdb/sql/pgerror"
	"logdb/sql/plan"
	"logdb/sql/types"
)

// IndexProposer is a Proposer that also reports the log index of the
// applied entry (cmd/logdb's proposer over raftlog implements it). With
// it, pg_logical_emit_message(false, …) returns its message's LSN.
type IndexProposer interface {
	ProposeIndex(ctx context.Context, cmd *kv.Command) (kv.Result, uint64, error)
}

var pgLSNT = types.T{OID: types.PgLSNOID, Mod: -1}

// This file's init runs after builtins.go's (files initialize in name
// order), so its entries complete, and for pg_logical_emit_message
// replace, the map built there.
func init() {
	walLSN := func(name string) plan.Builtin {
		return func(p *plan.Planner, args []exec.Expr) (exec.Expr, error) {
			if len(args) != 0 {
				return nil, plan.NoFunc(name, args)
			}
			return &exec.BuiltinExpr{Name: name, Ret: pgLSNT, Fn: func(rc *exec.Ctx, _ []types.Datum) (types.Datum, error) {
				ec := hostOf(rc)
				f, err := ec.s.feed()
				if err != nil {
					return nil, err
				}
				return types.LSN(f.CurrentLSN()), nil
			}}, nil
		}
	}
	for _, name := range []string{"pg_current_wal_lsn", "pg_current_wal_insert_lsn", "pg_current_wal_flush_lsn"} {
		plan.Builtins[name] = walLSN(name)
	}
	// A node is never a physical standby: these are NULL, as on a
	// PostgreSQL primary (Debezium names them inside a CASE).
	for _, name := range []string{"pg_last_wal_receive_lsn", "pg_last_wal_replay_lsn"} {
		plan.Builtins[name] = func(p *plan.Planner, args []exec.Expr) (exec.Expr, error) {
			if len(args) != 0 {
				return nil, plan.NoFunc(name, args)
			}
			return &exec.ConstExpr{V: nil, T: pgLSNT}, nil
		}
	}
	plan.Builtins["pg_logical_emit_message"] = emitMessageLSN
	plan.Builtins["pg_drop_replication_slot"] = dropSlotFunc
	// The record-returning slot functions also work in the select list,
	// returning their record's text, "(billing,0/3000001)".
	for name, tf := range slotTableFuncs {
		plan.Builtins[name] = tf.scalar(name)
	}
}

// emitMessageLSN is pg_logical_emit_message(transactional, prefix,
// content) → pg_lsn. A transactional message rides in the transaction's
// log entry and is delivered only if it commits; its LSN is known only
// after commit, so it returns the current end of the log, a position
// below the message's (FROM_LSN = it includes the message). Another one is
// proposed at once as its own entry (delivered even if the transaction
// rolls back) and returns its exact LSN.
func emitMessageLSN(p *plan.Planner, args []exec.Expr) (exec.Expr, error) {
	if len(args) != 3 {
		return nil, plan.NoFunc("pg_logical_emit_message", args)
	}
	var err error
	if args[0], err = p.Coerce(args[0], exec.BoolT, types.CastImplicit); err != nil {
		return nil, err
	}
	if args[1], err = p.Coerce(args[1], exec.TextT, types.CastImplicit); err != nil {
		return nil, err
	}
	if args[2].Type().OID != types.ByteaOID {
		if args[2], err = p.Coerce(args[2], exec.TextT, types.CastImplicit); err != nil {
			return nil, err
		}
	}
	return &exec.BuiltinExpr{Name: "pg_logical_emit_message", Args: args, Strict: true, Ret: pgLSNT,
		Fn: func(rc *exec.Ctx, v []types.Datum) (types.Datum, error) {
			ec := hostOf(rc)
			var content []byte
			switch c := v[2].(type) {
			case string:
				content = []byte(c)
			case []byte:
				content = c
			}
			// A message belongs to the database it is emitted in.
			m := kv.Message{Transactional: v[0] == true, Prefix: v[1].(string), Content: content, Database: feedDB(ec.s.dbOID)}
			if ec.tx != nil && ec.tx.readOnly {
				return nil, errReadOnly("pg_logical_emit_message()")
			}
			if m.Transactional {
				if ec.tx == nil || ec.tx.Kv == nil {
					return nil, pgerror.New(pgerror.Internal, "no transaction for pg_logical_emit_message")
				}
				ec.tx.Kv.Emit(m)
				if f := ec.s.e.cfg.Feed; f != nil {
					return types.LSN(f.CurrentLSN()), nil
				}
				return types.LSN(0), nil
			}
			ec.s.effects++ // delivered even if the transaction rolls back: not re-run
			cmd := &kv.Command{Kind: kv.KindMessage, CommitTime: time.Now().UnixMicro(), Messages: []kv.Message{m}}
			ip, ok := ec.s.e.cfg.Proposer.(IndexProposer)
			if !ok {
				if _, err := ec.s.e.proposeInTxn(ec.Context, cmd); err != nil {
					return nil, err
				}
				return types.LSN(0), nil
			}
			index, err := ec.s.e.proposeIndexInTxn(ec.Context, ip, cmd)
			if err != nil {
				return nil, err
			}
			// A KindMessage entry has no row changes: its k-th message is
			// change k+1 (what Feed.MessageLSN computes, without reading
			// the log while this transaction holds its snapshot).
			return types.LSN(changefeed.LSN(index, 1)), nil
		}}, nil
}

// proposeIndexInTxn is proposeInTxn through an IndexProposer.
func (e *Engine) proposeIndexInTxn(ctx context.Context, ip IndexProposer, cmd *kv.Command) (uint64, error) {
	tctx, cancel := context.WithTimeout(ctx, inTxnProposeTimeout)
	defer cancel()
	res, index, err := ip.ProposeIndex(tctx, cmd)
	if err != nil {
		if ctx.Err() != nil {
			return 0, errCanceled
		}
		if tctx.Err() != nil {
			return 0, &pgerror.Error{Code: pgerror.SerializationFailure,
				Message: "could not serialize access: the log did not apply a request made inside this transaction in time",
				Hint:    "Retry the transaction."}
		}
		return 0, pgerror.Wrap(err, pgerror.ConnectionException, "propose")
	}
	if res.Err != nil {
		return 0, pgerror.Wrap(res.Err, pgerror.Internal, "apply")
	}
	return index, nil
}

// slotTxn returns the writable kv transaction a slot function buffers in.
func slotTxn(ec *execCtx, fn string) (*changefeed.Feed, *kv.Txn, error) {
	if err := ec.s.checkReplication("use replication slots"); err != nil {
		return nil, nil, err
	}
	f, err := ec.s.feed()
	if err != nil {
		return nil, nil, err
	}
	if ec.tx == nil || ec.tx.Kv == nil {
		return nil, nil, pgerror.New(pgerror.Internal, "no transaction for %s", fn)
	}
	if ec.tx.readOnly {
		return nil, nil, errReadOnly(fn + "()")
	}
	return f, ec.tx.Kv, nil
}

func dropSlotFunc(p *plan.Planner, args []exec.Expr) (exec.Expr, error) {
	if len(args) != 1 {
		return nil, plan.NoFunc("pg_drop_replication_slot", args)
	}
	a, err := p.Coerce(args[0], exec.NameT, types.CastImplicit)
	if err != nil {
		return nil, err
	}
	return &exec.BuiltinExpr{Name: "pg_drop_replication_slot", Args: []exec.Expr{a}, Strict: true, Ret: voidT,
		Fn: func(rc *exec.Ctx, v []types.Datum) (types.Datum, error) {
			ec := hostOf(rc)
			f, txn, err := slotTxn(ec, "pg_drop_replication_slot")
			if err != nil {
				return nil, err
			}
			return "", f.DropSlot(txn, v[0].(string))
		}}, nil
}

// slotTableFunc is a record-returning slot function: in FROM it gives
// named columns; in the select list, its record's text.
type slotTableFunc struct {
	argTypes []types.T // required arguments, then optional ones
	required int
	cols     []exec.Column
	fn       func(ec *execCtx, args []types.Datum) ([]types.Datum, error)
}

var slotTableFuncs = map[string]*slotTableFunc{
	"pg_create_logical_replication_slot": {
		argTypes: []types.T{exec.NameT, exec.NameT, exec.BoolT, exec.BoolT}, required: 2,
		cols: []exec.Column{{Name: "slot_name", T: exec.NameT}, {Name: "lsn", T: pgLSNT}},
		fn: func(ec *execCtx, v []types.Datum) ([]types.Datum, error) {
			f, txn, err := slotTxn(ec, "pg_create_logical_replication_slot")
			if err != nil {
				return nil, err
			}
			name, plugin := v[0].(string), v[1].(string)
			if len(v) > 2 && v[2] == true {
				return nil, pgerror.Unsupported("temporary replication slots")
			}
			if err := changefeed.ValidateSlotName(name); err != nil {
				return nil, err
			}
			sl, err := f.CreateSlot(txn, name, plugin, feedDB(ec.s.dbOID), time.Now())
			if err != nil {
				return nil, err
			}
			return []types.Datum{sl.Name, types.LSN(sl.ConfirmedLSN)}, nil
		},
	},
	"pg_replication_slot_advance": {
		argTypes: []types.T{exec.NameT, pgLSNT}, required: 2,
		cols: []exec.Column{{Name: "slot_name", T: exec.NameT}, {Name: "end_lsn", T: pgLSNT}},
		fn: func(ec *execCtx, v []types.Datum) ([]types.Datum, error) {
			f, txn, err := slotTxn(ec, "pg_replication_slot_advance")
			if err != nil {
				return nil, err
			}
			if sl, ok, err := f.Slot(txn, v[0].(string)); err == nil && ok && sl.Database != feedDB(ec.s.dbOID) {
				return nil, changefeed.ErrSlotOtherDatabase(sl.Name)
			}
			sl, err := f.AdvanceSlot(txn, v[0].(string), uint64(v[1].(types.LSN)))
			if err != nil {
				return nil, err
			}
			return []types.Datum{sl.Name, types.LSN(sl.ConfirmedLSN)}, nil
		},
	},
}

func (tf *slotTableFunc) compileArgs(p *plan.Planner, name string, args []exec.Expr) ([]exec.Expr, error) {
	if len(args) < tf.required || len(args) > len(tf.argTypes) {
		return nil, plan.NoFunc(name, args)
	}
	for i := range args {
		var err error
		if args[i], err = p.Coerce(args[i], tf.argTypes[i], types.CastImplicit); err != nil {
			return nil, err
		}
	}
	return args, nil
}

func (tf *slotTableFunc) scalar(name string) plan.Builtin {
	return func(p *plan.Planner, args []exec.Expr) (exec.Expr, error) {
		args, err := tf.compileArgs(p, name, args)
		if err != nil {
			return nil, err
		}
		return &exec.BuiltinExpr{Name: name, Args: args, Strict: true, Ret: exec.TextT,
			Fn: func(rc *exec.Ctx, v []types.Datum) (types.Datum, error) {
				ec := hostOf(rc)
				row, err := tf.fn(ec, v)
				if err != nil {
					return nil, err
				}
				parts := make([]string, len(row))
				for i, d := range row {
					parts[i] = ec.s.textValue(ec.tx, tf.cols[i].T, d)
				}
				return "(" + strings.Join(parts, ",") + ")", nil
			}}, nil
	}
}

// slotFuncNode is a slot function in FROM: one row.
type slotFuncNode struct {
	tf   *slotTableFunc
	args []exec.Expr
	cols []exec.Column
}

func (n *slotFuncNode) Columns() []exec.Column { return n.cols }

func (n *slotFuncNode) Start(rc *exec.Ctx) (exec.Iterator, error) {
	ec := hostOf(rc)
	if err := ec.s.checkReplication("use replication slots"); err != nil {
		return nil, err
	}
	vals := make([]types.Datum, len(n.args))
	for i, a := range n.args {
		v, err := a.Eval(ec.Ctx, nil)
		if err != nil {
			return nil, err
		}
		if v == nil {
			return &exec.SliceIter{}, nil // strict
		}
		vals[i] = v
	}
	row, err := n.tf.fn(ec, vals)
	if err != nil {
		return nil, err
	}
	return &exec.SliceIter{Rows: [][]types.Datum{row}}, nil
}

// planSlotFunc plans a slot function in FROM; ok is false for other
// functions (planFunctionScan goes on).
func planSlotFunc(p *plan.Planner, name string, args []exec.Expr, rf *pg_query.RangeFunction) (*plan.FromItem, bool, error) {
	tf, ok := slotTableFuncs[name]
	if !ok {
		return nil, false, nil
	}
	args, err := tf.compileArgs(p, name, args)
	if err != nil {
		return nil, true, err
	}
	cols := append([]exec.Column(nil), tf.cols...)
	if cols, err = plan.AliasCols(cols, rf.Alias, name); err != nil {
		return nil, true, err
	}
	n := &slotFuncNode{tf: tf, args: args, cols: cols}
	return &plan.FromItem{N: n, Cols: cols}, true, nil
}

// replicationSlots fills pg_replication_slots from the slots in t's
// snapshot (none without one).
func (s *Session) replicationSlots(t *txnState) []pgcatalog.ReplicationSlot {
	f := s.e.cfg.Feed
	if f == nil || t == nil || t.Kv == nil {
		return nil
	}
	slots, err := f.Slots(t.Kv)
	if err != nil {
		s.e.cfg.Logger.Warn("sql: reading replication slots", "err", err)
		return nil
	}
	out := make([]pgcatalog.ReplicationSlot, len(slots))
	for i, sl := range slots {
		dbName := ""
		if t.cat != nil {
			oid := sl.Database
			if oid == 0 {
				oid = catalog.LogdbDBOID
			}
			if d := t.cat.DatabaseByOID(oid); d != nil {
				dbName = d.Name
			}
		}
		status := "reserved"
		if sl.Lost {
			status = "lost"
		}
		pid, active := f.SlotActivePID(sl.Name)
		out[i] = pgcatalog.ReplicationSlot{
			Name: sl.Name, Plugin: sl.Plugin, SlotType: "logical", Database: dbName,
			Active: active, ActivePID: int64(pid), RestartLSN: types.LSN(sl.RestartLSN),
			ConfirmedFlushLSN: types.LSN(sl.ConfirmedLSN), WALStatus: status,
		}
	}
	return out
}

// checkChangeCount refuses a commit whose entry would carry more changes
// than the changefeed can number (changefeed.MaxSeq-1): row writes to
// tables plus messages.
func checkChangeCount(cmd *kv.Command, cat *catalog.Catalog) error {
	return checkChangeLimit(cmd, cat, changefeed.MaxSeq-1)
}

func checkChangeLimit(cmd *kv.Command, cat *catalog.Catalog, limit int) error {
	if len(cmd.Writes)+len(cmd.Messages) <= limit {
		return nil
	}
	tables := map[kv.Space]bool{}
	if cat != nil {
		for _, t := range cat.Tables {
			tables[t.Space] = true
		}
	}
	n := len(cmd.Messages)
	for _, w := range cmd.Writes {
		if tables[w.Space] {
			n++
		}
	}
	if n <= limit {
		return nil
	}
	return &pgerror.Error{Code: pgerror.ProgramLimitExceeded,
		Message: "transaction is too large: it changes " + exec.Itoa(n) + " rows and messages, at most " + exec.Itoa(limit) + " are allowed",
		Hint:    "Split the work into smaller transactions."}
}
