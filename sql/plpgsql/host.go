package plpgsql

import (
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// Host is what the interpreter asks of the session that runs it. Every
// method runs inside the caller's transaction.
type Host interface {
	// Query plans and runs one SQL statement; names the statement does
	// not bind to columns are resolved through vars (as parameters).
	// At most maxRows rows are kept (0: all), RowCount counts them all.
	Query(sql string, vars Vars, maxRows int) (*Result, error)
	// Dynamic runs EXECUTE's string with USING's values as $1, $2, ….
	Dynamic(sql string, params []types.Datum, paramTypes []types.T, maxRows int) (*Result, error)
	// Type resolves a declared type name (int, varchar(10), t.c%TYPE).
	Type(name string) (types.T, error)
	// Ev is the evaluation context of casts and text output.
	Ev() *types.EvalContext
	// Notice sends a RAISE below ERROR to the client.
	Notice(e *pgerror.Error)
	// Subtransaction starts an implicit savepoint for a block with an
	// EXCEPTION clause; rollback undoes what the block did.
	Subtransaction() (release func(), rollback func(), err error)
	// Check fails when the statement is cancelled or timed out (57014).
	Check() error
	// AssignPart is cur (of type t) with the part path names replaced
	// by val (of type valT), as UPDATE … SET c[i].f = val replaces it.
	AssignPart(cur types.Datum, t types.T, path []PartStep, val types.Datum, valT types.T) (types.Datum, error)
	// OpenCursor makes a cursor called name (a new "<unnamed portal n>"
	// for "") holding res's rows until the transaction ends; FetchCursor
	// runs FETCH or MOVE on it (dir: 0 forward, 1 backward, 2 absolute,
	// 3 relative; count as FETCH's); CloseCursor closes it.
	OpenCursor(name string, res *Result, scroll bool) (string, error)
	FetchCursor(name string, dir int, count int64, move bool) (*Result, error)
	CloseCursor(name string) error
	CursorIsOpen(name string) bool
	// TxnControl runs COMMIT or ROLLBACK [AND CHAIN] of a procedure or
	// DO block: 2D000 where PostgreSQL refuses it (a function, a CALL in
	// a transaction block, an active subtransaction).
	TxnControl(rollback, chain bool) error
}

// Result is a statement's outcome.
type Result struct {
	Cols     []string
	Types    []types.T
	Rows     [][]types.Datum
	RowCount int64
	Returns  bool // the statement returns rows (a SELECT, or DML with RETURNING)
}

// Vars resolves the names a statement of the function uses.
type Vars interface {
	// Resolve binds a column reference (name, or record.field) to a
	// variable; ok is false when no variable has the name.
	Resolve(fields []string) (ref VarRef, t types.T, ok bool, err error)
	// Value is the variable's current value.
	Value(ref VarRef) (types.Datum, types.T, error)
}

// VarRef names a variable (Dno) or one field of a record variable.
type VarRef struct {
	Dno   int
	Field string
}
