package test

import (
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// TestDescribeMissingPortalRollsBackBatch sends, in one extended-protocol
// batch, an INSERT and then a Describe of a portal that does not exist. As
// in PostgreSQL, the Describe's error fails the implicit transaction, so the
// Sync that ends the batch rolls the INSERT back.
func TestDescribeMissingPortalRollsBackBatch(t *testing.T) {
	n := sharedNode(t)
	ctx := testCtx(t, 30*time.Second)
	c := mustConnect(t, n)
	mustExec(t, ctx, c, "CREATE TABLE batch_err (id int PRIMARY KEY)")

	pc := c.PgConn()
	fe := pc.Frontend()
	fe.Send(&pgproto3.Parse{Query: "INSERT INTO batch_err VALUES (1)"})
	fe.Send(&pgproto3.Bind{})
	fe.Send(&pgproto3.Execute{})
	fe.Send(&pgproto3.Describe{ObjectType: 'P', Name: "no_such_portal"})
	fe.Send(&pgproto3.Sync{})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	var code string
	for {
		msg, err := fe.Receive()
		if err != nil {
			t.Fatal(err)
		}
		if e, ok := msg.(*pgproto3.ErrorResponse); ok {
			code = e.Code
		}
		if rfq, ok := msg.(*pgproto3.ReadyForQuery); ok {
			if rfq.TxStatus != 'I' {
				t.Fatalf("status after Sync = %c, want I", rfq.TxStatus)
			}
			break
		}
	}
	if code != "34000" {
		t.Fatalf("Describe of a missing portal: SQLSTATE %q, want 34000", code)
	}
	checkQuery(t, ctx, c, "0", "SELECT count(*) FROM batch_err")
}
