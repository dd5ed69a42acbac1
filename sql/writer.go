package sql

import (
	"fmt"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/pgerror"
)

// parseExpr parses a stored SQL expression (defaults, checks).
func (e *Engine) parseExpr(text string) (*pg_query.Node, error) {
	stmts, err := e.parse("SELECT " + text)
	if err != nil {
		return nil, err
	}
	if len(stmts) != 1 || stmts[0].Node.GetSelectStmt() == nil || len(stmts[0].Node.GetSelectStmt().TargetList) != 1 {
		return nil, pgerror.New(pgerror.DataCorrupted, "bad stored expression %q", text)
	}
	return stmts[0].Node.GetSelectStmt().TargetList[0].GetResTarget().Val, nil
}

// TxnTooLarge is the 54000 error for a transaction whose log entry would
// be size bytes, over limit; the proposer's check at COMMIT uses it too.
func TxnTooLarge(size, limit int64) error {
	return &pgerror.Error{Code: pgerror.ProgramLimitExceeded,
		Message: fmt.Sprintf("transaction too large: its log entry would exceed %d bytes (%d so far)", limit, size),
		Detail:  "Every transaction is one entry in the replicated log, limited by logdb start --max-txn-bytes; nothing of this transaction is applied.",
		Hint:    "Split the work into smaller transactions, or raise --max-txn-bytes (at most " + fmt.Sprint(MaxTxnBytesLimit) + ")."}
}
