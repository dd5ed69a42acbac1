package sql

// Temporary tables: a session's temporary relations live in its own schema
// pg_temp_<backend pid> (the pid carries the node id, so the name is unique
// in the cluster), made by its first CREATE TEMP TABLE / VIEW in that
// statement's transaction (ddl.tempSchema). Its tables are ordinary tables:
// they go through the log like any other. The schema is searched first for
// relations unless search_path places pg_temp; pg_temp names it. When the
// session ends it is dropped with everything in it (dropTempSchema);
// ON COMMIT DELETE ROWS / DROP tables are handled at each COMMIT
// (onCommitActions).

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"logdb/sql/catalog"
	"logdb/sql/exec"
	"logdb/sql/pgcatalog"
	"logdb/sql/pgerror"
	"logdb/sql/plan"
	"logdb/sql/types"
)

// tempSchema is the name of the session's temporary schema.
func (s *Session) tempSchema() string {
	return catalog.TempPrefix + strconv.FormatUint(uint64(uint32(s.pid)), 10)
}

// tempAlias maps pg_temp to the session's temporary schema.
func (s *Session) tempAlias(schema string) string {
	if schema == catalog.TempAlias {
		return s.tempSchema()
	}
	return schema
}

// tempFirst puts the session's temporary schema, when it exists, before
// path unless path already places it (PostgreSQL searches pg_temp first
// for relations).
func (s *Session) tempFirst(cat *catalog.Catalog, path []string) []string {
	ts := s.tempSchema()
	if cat == nil || !cat.SchemaExists(ts) || slices.Contains(path, ts) {
		return path
	}
	return append([]string{ts}, path...)
}

// relPath is the path unqualified relation names resolve against outside
// the planner: searchPath with the temporary schema first.
func (s *Session) relPath(cat *catalog.Catalog) []string {
	return s.tempFirst(cat, s.searchPath(cat))
}

// printPath is search_path's schemas as written, pg_temp as the
// session's temporary schema (pg_table_is_visible).
func (s *Session) printPath() []string {
	out := searchPathSchemas(s.set.Vals["search_path"])
	for i, n := range out {
		out[i] = s.tempAlias(n)
	}
	return out
}

// dropTempSchema drops the session's temporary schema, if it made one,
// with everything in it, through the log; best effort (a node without a
// quorum logs the failure, and the node's startup cleanup retries).
func (s *Session) dropTempSchema() {
	if !s.madeTemp {
		return
	}
	s.madeTemp = false
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s.role = "" // the session user owns the schema
	if s.mode != modeIdle {
		_ = s.simpleQuery(ctx, "ROLLBACK", nopWriter{})
	}
	q := "DROP SCHEMA IF EXISTS " + pgcatalog.QuoteIdent(s.tempSchema()) + " CASCADE"
	if err := s.simpleQuery(ctx, q, nopWriter{}); err != nil {
		s.e.cfg.Logger.Warn("sql: dropping a closed session's temporary schema", "schema", s.tempSchema(), "err", err)
	}
}

// onCommitActions runs, in the committing transaction, the ON COMMIT
// actions of the session's temporary tables: DROP for ON COMMIT DROP
// (which only a table made in this transaction still has), DELETE for
// ON COMMIT DELETE ROWS (at every commit that writes).
func (s *Session) onCommitActions(ctx context.Context) error {
	ts := s.tempSchema()
	var qs []string
	for _, t := range s.tx.cat.SortedTables() {
		if t.Schema != ts || t.OnCommit == "" {
			continue
		}
		name := pgcatalog.QuoteIdent(ts) + "." + pgcatalog.QuoteIdent(t.Name)
		if t.OnCommit == catalog.OnCommitDrop {
			qs = append(qs, "DROP TABLE "+name+" CASCADE")
		} else {
			qs = append(qs, "DELETE FROM "+name)
		}
	}
	for _, q := range qs {
		stmts, err := s.e.parse(q)
		if err != nil {
			return err
		}
		for _, st := range stmts {
			if err := s.runSimple(ctx, st, nopWriter{}); err != nil {
				return err
			}
		}
	}
	return nil
}

// discardTemp is DISCARD ALL's (and TEMP's) drop of the session's
// temporary relations, in the statement's implicit transaction if any.
func (s *Session) discardTemp(ctx context.Context) error {
	if !s.madeTemp {
		return nil
	}
	q := "DROP SCHEMA IF EXISTS " + pgcatalog.QuoteIdent(s.tempSchema()) + " CASCADE"
	if s.mode == modeIdle {
		if err := s.simpleQuery(ctx, q, nopWriter{}); err != nil {
			return err
		}
	} else {
		stmts, err := s.e.parse(q)
		if err != nil {
			return err
		}
		if err := s.runSimple(ctx, stmts[0], nopWriter{}); err != nil {
			return err
		}
	}
	s.madeTemp = false
	return nil
}

// nopWriter discards a statement's results.
type nopWriter struct{}

func (nopWriter) Columns([]Column) error      { return nil }
func (nopWriter) Row([][]byte) error          { return nil }
func (nopWriter) Complete(string) error       { return nil }
func (nopWriter) Empty() error                { return nil }
func (nopWriter) Notice(*pgerror.Error) error { return nil }

func init() {
	plan.Builtins["pg_my_temp_schema"] = func(p *plan.Planner, args []exec.Expr) (exec.Expr, error) {
		if len(args) != 0 {
			return nil, plan.NoFunc("pg_my_temp_schema", args)
		}
		return &exec.BuiltinExpr{Name: "pg_my_temp_schema", Ret: exec.OIDT, Fn: func(rc *exec.Ctx, _ []types.Datum) (types.Datum, error) {
			ec := hostOf(rc)
			if sc, ok := ec.tx.cat.Schemas[ec.s.tempSchema()]; ok {
				return int64(sc.OID), nil
			}
			return int64(0), nil
		}}, nil
	}
	plan.Builtins["pg_is_other_temp_schema"] = func(p *plan.Planner, args []exec.Expr) (exec.Expr, error) {
		if len(args) != 1 {
			return nil, plan.NoFunc("pg_is_other_temp_schema", args)
		}
		a, err := p.Coerce(args[0], exec.OIDT, types.CastImplicit)
		if err != nil {
			return nil, err
		}
		return &exec.BuiltinExpr{Name: "pg_is_other_temp_schema", Args: []exec.Expr{a}, Strict: true, Ret: exec.BoolT,
			Fn: func(rc *exec.Ctx, v []types.Datum) (types.Datum, error) {
				ec := hostOf(rc)
				oid, _ := v[0].(int64)
				for name, sc := range ec.tx.cat.Schemas {
					if int64(sc.OID) == oid {
						return catalog.IsTempSchema(name) && name != ec.s.tempSchema(), nil
					}
				}
				return false, nil
			}}, nil
	}
}

// tempSchemaPID is the backend pid a temporary schema's name carries.
func tempSchemaPID(name string) (int32, bool) {
	if !catalog.IsTempSchema(name) {
		return 0, false
	}
	n, err := strconv.ParseUint(name[len(catalog.TempPrefix):], 10, 31)
	return int32(n), err == nil
}

// DropStaleTempSchemas removes the temporary schemas this node's sessions
// left when the node stopped without closing them (a crash, a kill): the
// pg_temp_<pid> schemas whose pid carries this node's id. Called once at
// start, before any session: their pids are never handed out again by this
// process (newPID), so the drop, run in the background through the log
// and retried while the cluster has no quorum, cannot take a live
// session's schema.
func (e *Engine) DropStaleTempSchemas(ctx context.Context) {
	if e.cfg.Store == nil {
		return
	}
	txn, err := e.cfg.Store.Begin()
	if err != nil {
		e.cfg.Logger.Warn("sql: reading the catalog for stale temporary schemas", "err", err)
		return
	}
	defer txn.Release()
	cat, err := e.catalogFor(txn)
	if err != nil {
		e.cfg.Logger.Warn("sql: reading the catalog for stale temporary schemas", "err", err)
		return
	}
	user := ""
	for _, r := range cat.Roles {
		if r.OID == catalog.LogdbRoleOID {
			user = r.Name
		}
	}
	// Every database's temporary schemas (databases.go).
	for _, db := range cat.SortedDatabases() {
		dcat, err := e.cacheOf(db.OID).For(txn)
		if err != nil {
			e.cfg.Logger.Warn("sql: reading the catalog for stale temporary schemas", "database", db.Name, "err", err)
			continue
		}
		e.dropStaleTempSchemasIn(ctx, dcat, user, db.Name)
	}
}

func (e *Engine) dropStaleTempSchemasIn(ctx context.Context, cat *catalog.Catalog, user, db string) {
	node := int32(e.cfg.NodeID % 512)
	var names []string
	for name := range cat.Schemas {
		if pid, ok := tempSchemaPID(name); ok && pid>>22 == node {
			names = append(names, pgcatalog.QuoteIdent(name))
			if e.stalePIDs == nil {
				e.stalePIDs = map[int32]bool{}
			}
			e.stalePIDs[pid] = true
		}
	}
	if len(names) == 0 {
		return
	}
	slices.Sort(names)
	q := "DROP SCHEMA IF EXISTS " + strings.Join(names, ", ") + " CASCADE"
	go func() {
		for {
			err := e.runInternal(ctx, user, db, q)
			if err == nil {
				e.cfg.Logger.Info("sql: dropped the temporary schemas of sessions that ended with the node", "database", db, "schemas", len(names))
				return
			}
			if pgerror.Code(err) == pgerror.InvalidCatalogName {
				return // the database was dropped, and its schemas with it
			}
			e.cfg.Logger.Warn("sql: dropping stale temporary schemas; retrying", "database", db, "err", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(5 * time.Second):
			}
		}
	}()
}

// runInternal runs query in a session of its own as user.
func (e *Engine) runInternal(ctx context.Context, user, db, query string) error {
	s, err := e.newSession(SessionParams{User: user, Database: db})
	if err != nil {
		return err
	}
	defer s.Close()
	qctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return s.SimpleQuery(qctx, query, nopWriter{})
}
