package sql

import (
	"context"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/exec"
	"logdb/sql/pgcatalog"
	"logdb/sql/pgerror"
	"logdb/sql/plan"
	"logdb/sql/settings"
	"logdb/sql/types"
)

// execTxnStmt runs BEGIN / COMMIT / ROLLBACK / SAVEPOINT ... and returns
// the command tag.
func (s *Session) execTxnStmt(ctx context.Context, ts *pg_query.TransactionStmt, w ResultWriter) (string, error) {
	switch ts.Kind {
	case pg_query.TransactionStmtKind_TRANS_STMT_BEGIN, pg_query.TransactionStmtKind_TRANS_STMT_START:
		if s.mode == modeFailed {
			return "", errAborted
		}
		readOnly := s.set.Vals["default_transaction_read_only"] == "on"
		iso := ""
		for _, o := range ts.Options {
			de := o.GetDefElem()
			if de == nil {
				continue
			}
			if de.Defname == "transaction_read_only" {
				if c := de.Arg.GetAConst(); c != nil && c.GetIval() != nil {
					readOnly = c.GetIval().Ival == 1
				}
			}
			if de.Defname == "transaction_isolation" {
				if c := de.Arg.GetAConst(); c != nil && c.GetSval() != nil {
					v, err := isolationValue(c.GetSval().Sval)
					if err != nil {
						return "", err
					}
					iso = v
				}
			}
		}
		if s.mode == modeBlock {
			_ = w.Notice(&pgerror.Error{Code: pgerror.ActiveSQLTransaction, Severity: "WARNING", Message: "there is already a transaction in progress"})
			return "BEGIN", nil
		}
		s.beginBlock(readOnly)
		if iso != "" && !s.tx.queried {
			s.tx.iso = iso // isolation.go
		}
		return "BEGIN", nil
	case pg_query.TransactionStmtKind_TRANS_STMT_COMMIT:
		switch s.mode {
		case modeFailed:
			readOnly := s.tx != nil && s.tx.readOnly
			_ = s.finishTxn(ctx, false)
			if ts.Chain { // PostgreSQL rolls back and chains all the same
				s.beginBlock(readOnly)
			}
			return "ROLLBACK", nil
		case modeIdle, modeImplicit:
			if ts.Chain {
				return "", pgerror.New(pgerror.NoActiveSQLTransaction, "COMMIT AND CHAIN can only be used in transaction blocks")
			}
			_ = w.Notice(&pgerror.Error{Code: pgerror.NoActiveSQLTransaction, Severity: "WARNING", Message: "there is no transaction in progress"})
			if s.mode == modeImplicit {
				if err := s.finishTxn(ctx, true); err != nil {
					return "", err
				}
			}
			return "COMMIT", nil
		}
		readOnly := s.tx != nil && s.tx.readOnly
		if err := s.finishTxn(ctx, true); err != nil {
			return "", err
		}
		if ts.Chain {
			s.beginBlock(readOnly)
		}
		return "COMMIT", nil
	case pg_query.TransactionStmtKind_TRANS_STMT_ROLLBACK:
		if ts.Chain && (s.mode == modeIdle || s.mode == modeImplicit) {
			return "", pgerror.New(pgerror.NoActiveSQLTransaction, "ROLLBACK AND CHAIN can only be used in transaction blocks")
		}
		if s.mode == modeIdle {
			_ = w.Notice(&pgerror.Error{Code: pgerror.NoActiveSQLTransaction, Severity: "WARNING", Message: "there is no transaction in progress"})
		}
		readOnly := s.tx != nil && s.tx.readOnly
		wasBlock := s.mode == modeBlock || s.mode == modeFailed
		_ = s.finishTxn(ctx, false)
		if ts.Chain && wasBlock {
			s.beginBlock(readOnly)
		}
		return "ROLLBACK", nil
	case pg_query.TransactionStmtKind_TRANS_STMT_SAVEPOINT:
		if s.mode == modeFailed {
			return "", errAborted
		}
		if s.mode != modeBlock {
			return "", pgerror.New(pgerror.NoActiveSQLTransaction, "SAVEPOINT can only be used in transaction blocks")
		}
		return "SAVEPOINT", s.savepoint(ctx, ts.SavepointName)
	case pg_query.TransactionStmtKind_TRANS_STMT_RELEASE:
		if s.mode == modeFailed {
			return "", errAborted
		}
		if s.mode != modeBlock {
			return "", pgerror.New(pgerror.NoActiveSQLTransaction, "RELEASE SAVEPOINT can only be used in transaction blocks")
		}
		return "RELEASE", s.releaseSavepoint(ts.SavepointName)
	case pg_query.TransactionStmtKind_TRANS_STMT_ROLLBACK_TO:
		if s.mode != modeBlock && s.mode != modeFailed {
			return "", pgerror.New(pgerror.NoActiveSQLTransaction, "ROLLBACK TO SAVEPOINT can only be used in transaction blocks")
		}
		if err := s.rollbackTo(ts.SavepointName); err != nil {
			return "", err
		}
		s.mode = modeBlock
		return "ROLLBACK", nil
	}
	return "", pgerror.Unsupported(strings.ToLower(strings.TrimPrefix(ts.Kind.String(), "TRANS_STMT_")) + " transaction")
}

var errAborted = pgerror.New(pgerror.InFailedSQLTransaction, "current transaction is aborted, commands ignored until end of transaction block")

func sessionStmtCols(ps *prepStmt) []exec.Column {
	if vs := ps.st.Node.GetVariableShowStmt(); vs != nil {
		if strings.EqualFold(vs.Name, "all") {
			return []exec.Column{{Name: "name", T: exec.TextT}, {Name: "setting", T: exec.TextT}, {Name: "description", T: exec.TextT}}
		}
		name := strings.ToLower(vs.Name)
		if d, err := settings.Lookup(name); err == nil {
			name = d.Name // as PostgreSQL names the column: SHOW timezone is "TimeZone"
		}
		return []exec.Column{{Name: name, T: exec.TextT}}
	}
	return nil
}

// execSessionStmt runs SET / SHOW / RESET / DISCARD / DEALLOCATE.
func (s *Session) execSessionStmt(ctx context.Context, ps *prepStmt, w ResultWriter) (*cursor, error) {
	n := ps.st.Node
	switch {
	case n.GetVariableSetStmt() != nil:
		tag := "SET"
		if k := n.GetVariableSetStmt().Kind; k == pg_query.VariableSetKind_VAR_RESET || k == pg_query.VariableSetKind_VAR_RESET_ALL {
			tag = "RESET"
		}
		return &cursor{tag: tag}, s.execSet(n.GetVariableSetStmt(), w)
	case n.GetVariableShowStmt() != nil:
		vs := n.GetVariableShowStmt()
		cols := sessionStmtCols(ps)
		var rows [][]types.Datum
		if strings.EqualFold(vs.Name, "all") {
			for _, kv := range s.set.All() {
				rows = append(rows, []types.Datum{kv[0], kv[1], kv[2]})
			}
		} else {
			v, err := s.showValue(vs.Name)
			if err != nil {
				return nil, err
			}
			rows = [][]types.Datum{{v}}
		}
		return &cursor{cols: cols, it: &exec.SliceIter{Rows: rows}, tag: "SHOW"}, nil
	case n.GetDiscardStmt() != nil:
		if s.mode == modeBlock {
			return nil, pgerror.New(pgerror.ActiveSQLTransaction, "DISCARD ALL cannot run inside a transaction block")
		}
		for k := range s.prepared {
			delete(s.prepared, k)
		}
		s.closeNamedPortals()
		s.set = newSettingsFrom(s.set)
		s.role = ""
		s.seqLast = map[uint32]int64{}
		s.unlistenAll() // notify.go
		// the temporary relations (temp.go)
		if err := s.discardTemp(ctx); err != nil {
			return nil, err
		}
		return &cursor{tag: "DISCARD ALL"}, nil
	case n.GetDeallocateStmt() != nil:
		d := n.GetDeallocateStmt()
		if d.Isall || d.Name == "" {
			for k := range s.prepared {
				if k != "" {
					delete(s.prepared, k)
				}
			}
		} else {
			if _, ok := s.prepared[d.Name]; !ok {
				return nil, pgerror.New(pgerror.UndefinedPreparedStatement, "prepared statement \"%s\" does not exist", d.Name)
			}
			delete(s.prepared, d.Name)
		}
		return &cursor{tag: "DEALLOCATE"}, nil
	case n.GetCheckPointStmt() != nil:
		return &cursor{tag: "CHECKPOINT"}, nil
	case n.GetListenStmt() != nil, n.GetUnlistenStmt() != nil, n.GetNotifyStmt() != nil:
		return s.execListenStmt(n)
	}
	return nil, pgerror.Unsupported(strings.TrimPrefix(plan.NodeName(n), "") + " (LISTEN/NOTIFY)")
}

// newSettingsFrom resets settings to their defaults, keeping the session
// identity (DISCARD ALL / RESET ALL).
func newSettingsFrom(old *settings.Settings) *settings.Settings {
	n := settings.NewWithBase(old.Base)
	for _, k := range []string{"session_authorization", "application_name"} {
		n.Vals[k] = old.Vals[k]
	}
	for k, v := range old.Vals {
		if n.Vals[k] != v {
			n.Changed[k] = true
		}
	}
	n.Gen = old.Gen + 1
	return n
}

func (s *Session) execSet(vs *pg_query.VariableSetStmt, w ResultWriter) error {
	name := strings.ToLower(vs.Name)
	if name == "role" {
		if vs.Kind == pg_query.VariableSetKind_VAR_SET_VALUE {
			parts, err := s.setArgs(vs)
			if err != nil {
				return err
			}
			return s.setRole(strings.Join(parts, ""))
		}
		return s.setRole("")
	}
	switch vs.Kind {
	case pg_query.VariableSetKind_VAR_RESET_ALL:
		s.role = ""
		changed := s.set.Changed
		ns := newSettingsFrom(s.set)
		for k := range changed {
			ns.Changed[k] = true
		}
		s.set = ns
		return nil
	case pg_query.VariableSetKind_VAR_RESET, pg_query.VariableSetKind_VAR_SET_DEFAULT:
		if err := s.checkSetPrivilege(name); err != nil {
			return err
		}
		return s.set.Reset(name)
	case pg_query.VariableSetKind_VAR_SET_MULTI:
		if name == "transaction snapshot" && len(vs.Args) == 1 && vs.Args[0].GetAConst().GetSval() != nil {
			return s.setTransactionSnapshot(vs.Args[0].GetAConst().GetSval().Sval) // replication.go
		}
		// SET TRANSACTION ... (this transaction), SET SESSION
		// CHARACTERISTICS AS TRANSACTION ... (the session's default)
		for _, a := range vs.Args {
			de := a.GetDefElem()
			if de != nil && de.Defname == "transaction_isolation" {
				c := de.Arg.GetAConst()
				if c == nil || c.GetSval() == nil {
					continue
				}
				if name == "session characteristics" {
					if err := s.set.Set("default_transaction_isolation", c.GetSval().Sval); err != nil {
						return err
					}
					continue
				}
				if err := s.setTxnIsolation(c.GetSval().Sval, true, w); err != nil { // isolation.go
					return err
				}
				continue
			}
			if de == nil || de.Defname != "transaction_read_only" {
				continue
			}
			c := de.Arg.GetAConst()
			if c == nil || c.GetIval() == nil {
				continue
			}
			readOnly := c.GetIval().Ival == 1
			if name == "session characteristics" {
				if err := s.set.Set("default_transaction_read_only", map[bool]string{true: "on", false: "off"}[readOnly]); err != nil {
					return err
				}
				continue
			}
			if err := s.setTxnReadOnly(readOnly, nil); err != nil {
				return err
			}
		}
		return nil
	case pg_query.VariableSetKind_VAR_SET_CURRENT:
		return pgerror.Unsupported("SET ... FROM CURRENT")
	}
	parts, err := s.setArgs(vs)
	if err != nil {
		return err
	}
	val := strings.Join(parts, ", ")
	if name == "timezone" && len(parts) == 1 && strings.EqualFold(parts[0], "local") {
		val = "UTC"
	}
	return s.setVar(name, val, vs.IsLocal)
}

// setArgs is the text of SET's value list, item by item.
func (s *Session) setArgs(vs *pg_query.VariableSetStmt) ([]string, error) {
	name := strings.ToLower(vs.Name)
	var parts []string
	for _, a := range vs.Args {
		switch {
		case a.GetAConst() != nil:
			c := a.GetAConst()
			switch {
			case c.GetSval() != nil:
				parts = append(parts, c.GetSval().Sval)
			case c.GetIval() != nil:
				parts = append(parts, exec.Itoa(int(c.GetIval().Ival)))
			case c.GetFval() != nil:
				parts = append(parts, c.GetFval().Fval)
			case c.GetBoolval() != nil:
				parts = append(parts, map[bool]string{true: "on", false: "off"}[c.GetBoolval().Boolval])
			}
		case a.GetTypeCast() != nil:
			// SET TIME ZONE INTERVAL '+02:00' HOUR TO MINUTE: a zone that
			// many hours east of UTC, shown as PostgreSQL shows it
			tc := a.GetTypeCast()
			c := tc.Arg.GetAConst()
			if c == nil || c.GetSval() == nil {
				return nil, pgerror.New(pgerror.InvalidParameterValue, "invalid value for parameter \"%s\"", vs.Name)
			}
			t, err := newPlanner(s, nil, nil).TypeFromNode(tc.TypeName)
			if err != nil {
				return nil, err
			}
			if name != "timezone" || t.OID != types.IntervalOID {
				parts = append(parts, c.GetSval().Sval)
				break
			}
			v, err := types.ParseText(t, c.GetSval().Sval)
			if err != nil {
				return nil, err
			}
			iv := v.(types.Interval)
			if iv.Months != 0 || iv.Days != 0 {
				e := pgerror.New(pgerror.InvalidParameterValue, "invalid value for parameter \"TimeZone\": \"INTERVAL '%s'\"", c.GetSval().Sval)
				e.Detail = "Cannot specify months in time zone interval."
				if iv.Months == 0 {
					e.Detail = "Cannot specify days in time zone interval."
				}
				return nil, e
			}
			parts = append(parts, types.OffsetZoneSetting(int(iv.Micros/1e6)))
		default:
			parts = append(parts, strings.Join(plan.NodeStrings([]*pg_query.Node{a}), ""))
		}
	}
	if name == "search_path" {
		// a list of names: each item quoted as needed (PostgreSQL's
		// GUC_LIST_QUOTE), so SHOW prints "Mixed Case", public
		for i := range parts {
			parts[i] = pgcatalog.QuoteIdent(parts[i])
		}
	}
	return parts, nil
}

// setVar sets a parameter (SET, set_config). A LOCAL setting is undone
// when the transaction ends.
func (s *Session) setVar(name, val string, local bool) error {
	if err := s.checkSetPrivilege(name); err != nil {
		return err
	}
	if local {
		if s.tx == nil || s.mode == modeImplicit && s.tx.Kv == nil {
			return nil // PostgreSQL warns and ignores SET LOCAL outside a transaction
		}
		key := strings.ToLower(name)
		if d, err := settings.Lookup(name); err == nil {
			key = strings.ToLower(d.Name)
		}
		if s.tx.localRestore == nil {
			s.tx.localRestore = map[string]string{}
		}
		if _, saved := s.tx.localRestore[key]; !saved {
			s.tx.localRestore[key] = s.set.Vals[key]
		}
	}
	if !local && s.tx != nil && (s.mode == modeBlock || s.mode == modeImplicit) {
		key := strings.ToLower(name)
		if d, err := settings.Lookup(name); err == nil {
			key = strings.ToLower(d.Name)
		}
		if s.tx.setUndo == nil {
			s.tx.setUndo = map[string]string{}
		}
		if _, saved := s.tx.setUndo[key]; !saved {
			s.tx.setUndo[key] = s.set.Vals[key]
		}
	}
	switch strings.ToLower(name) {
	case "transaction_isolation", "transaction_read_only", "transaction_deferrable":
		if strings.ToLower(name) == "transaction_isolation" {
			return s.setTxnIsolation(val, false, nil) // isolation.go
		}
		if strings.ToLower(name) == "transaction_read_only" && s.tx != nil {
			v, err := settings.CheckBool(val)
			if err != nil {
				return err
			}
			if err := s.setTxnReadOnly(v == "on", nil); err != nil {
				return err
			}
		}
		_, err := settings.Lookup(name)
		return err
	case "search_path":
		for _, p := range strings.Split(val, ",") {
			p = strings.Trim(strings.TrimSpace(p), `"`)
			if p != "" && p != "public" && p != "pg_catalog" && p != "$user" && p != "information_schema" {
				// accepted: unknown schemas are skipped by PostgreSQL too
			}
		}
	}
	return s.set.Set(name, val)
}

// checkSetPrivilege refuses a change of a superuser-only parameter
// (log_statement and the other statement-logging settings) to others, as
// PostgreSQL does.
func (s *Session) checkSetPrivilege(name string) error {
	d, err := settings.Lookup(name)
	if err != nil || !d.Superuser || s.isSuperuser(s.currentCatalog()) {
		return nil
	}
	return pgerror.New(pgerror.InsufficientPrivilege, "permission denied to set parameter \"%s\"", d.Name)
}

func (s *Session) showValue(name string) (string, error) {
	switch strings.ToLower(name) {
	case "transaction_isolation", "transaction isolation level":
		return s.showIsolation(), nil // isolation.go
	case "transaction_read_only":
		if s.tx != nil && s.tx.readOnly {
			return "on", nil
		}
		return "off", nil
	case "server_version":
		return "15.0", nil
	case "is_superuser":
		return map[bool]string{true: "on", false: "off"}[s.isSuperuser(s.currentCatalog())], nil
	case "role":
		if s.role == "" {
			return "none", nil
		}
		return s.role, nil
	}
	return s.set.Get(name)
}
