package main

import (
	"errors"
	"fmt"

	"logdb/sql/pgerror"
)

// withXid names the transaction's id in a 40003 (commit outcome unknown):
// its DETAIL carries the id and its HINT says how to settle it, since
// txid_status(id) makes the outcome final (sql/xid.go). Drivers read both
// fields; the id is also the last word of the DETAIL.
func withXid(err error, xid uint64) error {
	var pe *pgerror.Error
	if xid == 0 || !errors.As(err, &pe) || pe.Code != pgerror.StatementCompletionUnknown {
		return err
	}
	e := *pe
	detail := fmt.Sprintf("The transaction's id is %d", xid)
	if e.Detail != "" {
		detail = e.Detail + " " + detail
	}
	e.Detail = detail
	e.Hint = fmt.Sprintf("Call SELECT txid_status(%d): 'committed' means it is done; 'aborted' means it never will be, so retry it. The answer is final.", xid)
	return &e
}
