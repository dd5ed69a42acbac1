package sql

import (
	"slices"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/catalog"
	"logdb/sql/pgerror"
)

// Foreign keys: CREATE TABLE … REFERENCES / FOREIGN KEY, ALTER TABLE …
// ADD / VALIDATE / DROP CONSTRAINT, and what DROP TABLE, DROP COLUMN and
// TRUNCATE must respect. Enforcement is exec/fk.go's.

// setConstraints is SET CONSTRAINTS { ALL | name, … } { DEFERRED |
// IMMEDIATE }, for foreign keys and UNIQUE constraints declared
// DEFERRABLE; naming another constraint fails as in PostgreSQL.
// Checks deferred until now run at once when made IMMEDIATE.
func setConstraints(ec *execCtx, cs *pg_query.ConstraintsSetStmt, w ResultWriter) error {
	s := ec.s
	if s.mode != modeBlock {
		_ = w.Notice(&pgerror.Error{Code: pgerror.NoActiveSQLTransaction, Severity: "WARNING", Message: "SET CONSTRAINTS can only be used in transaction blocks"})
	}
	q := &ec.tx.FK
	if len(cs.Constraints) == 0 {
		q.SetAll(cs.Deferred)
		if !cs.Deferred && ec.Txn.Kv != nil {
			return ec.FKRunDeferred(nil)
		}
		return nil
	}
	chosen := map[uint32]bool{}
	for _, n := range cs.Constraints {
		rv := n.GetRangeVar()
		if rv == nil {
			continue
		}
		found := false
		// a qualified name looks in its schema, an unqualified one in the
		// search path's
		schemas := ec.s.searchPath(ec.tx.cat)
		if rv.Schemaname != "" {
			schemas = []string{rv.Schemaname}
		}
		for _, t := range ec.tx.cat.SortedTables() {
			if !slices.Contains(schemas, catalog.SchemaName(t.Schema)) {
				continue
			}
			{
				// Constraints that are not deferrable are skipped, or an
				// error when asked to defer (PostgreSQL's AfterTriggerSetState).
				if ix := deferrableUnique(t, rv.Relname); ix != nil {
					found = true
					chosen[ix.ConOID] = true
				} else if fk := t.FK(rv.Relname); fk != nil {
					found = true
					if fk.Deferrable {
						chosen[fk.OID] = true
					} else if cs.Deferred {
						return pgerror.New("42809", "constraint \"%s\" is not deferrable", rv.Relname)
					}
				} else if t.HasConstraintNamed(rv.Relname) {
					found = true
					if cs.Deferred {
						return pgerror.New("42809", "constraint \"%s\" is not deferrable", rv.Relname)
					}
				}
			}
		}
		if !found {
			return pgerror.New(pgerror.UndefinedObject, "constraint \"%s\" does not exist", rv.Relname)
		}
	}
	for oid := range chosen {
		q.SetNamed(oid, cs.Deferred)
	}
	if !cs.Deferred && ec.Txn.Kv != nil {
		return ec.FKRunDeferred(func(oid uint32) bool { return chosen[oid] })
	}
	return nil
}

// deferrableUnique is t's DEFERRABLE unique constraint called name, if any.
func deferrableUnique(t *catalog.Table, name string) *catalog.Index {
	for _, ix := range t.Indexes {
		if ix.Constraint && ix.Deferrable && ix.Name == name {
			return ix
		}
	}
	return nil
}
