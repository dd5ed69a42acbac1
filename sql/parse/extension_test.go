package parse

import (
	"testing"
	"time"

	"logdb/sql/extparse"
	"logdb/sql/pgerror"
)

func TestParseSubscribe(t *testing.T) {
	for _, tc := range []struct {
		q    string
		want extparse.Stmt
		sub  extparse.SubscribeSpec
	}{
		{q: "SUBSCRIBE orders", want: extparse.Stmt{Kind: extparse.ExtSubscribe}, sub: extparse.SubscribeSpec{Tables: []string{"orders"}}},
		{q: `subscribe to Public."Orders", messages 'order-events', MESSAGES WITH (slot = 'billing', Progress = on);`,
			want: extparse.Stmt{Kind: extparse.ExtSubscribe},
			sub:  extparse.SubscribeSpec{Tables: []string{"public.Orders"}, Prefixes: []string{"order-events"}, AllMessages: true, Slot: "billing", Progress: true}},
		{q: "COPY (SUBSCRIBE orders WITH (FROM_LSN = '0/3000001', SNAPSHOT = false)) TO STDOUT",
			want: extparse.Stmt{Kind: extparse.ExtCopySubscribe}, sub: extparse.SubscribeSpec{Tables: []string{"orders"}, FromLSN: 0x3000001, HasFromLSN: true}},
		{q: "copy ( subscribe orders ) to stdout with (format text)", want: extparse.Stmt{Kind: extparse.ExtCopySubscribe}, sub: extparse.SubscribeSpec{Tables: []string{"orders"}}},
		{q: "DECLARE c NO SCROLL CURSOR WITHOUT HOLD FOR SUBSCRIBE orders WITH (SNAPSHOT = true)",
			want: extparse.Stmt{Kind: extparse.ExtDeclare, Cursor: "c"}, sub: extparse.SubscribeSpec{Tables: []string{"orders"}, Snapshot: true}},
		{q: "FETCH 10 c WITH (timeout = '1s')", want: extparse.Stmt{Kind: extparse.ExtFetch, Cursor: "c", Count: 10, Timeout: time.Second}},
		{q: "FETCH FORWARD ALL FROM c WITH (TIMEOUT = '250ms')", want: extparse.Stmt{Kind: extparse.ExtFetch, Cursor: "c", Count: -1, Timeout: 250 * time.Millisecond}},
		{q: "FETCH NEXT IN c WITH (timeout = '2 seconds')", want: extparse.Stmt{Kind: extparse.ExtFetch, Cursor: "c", Count: 1, Timeout: 2 * time.Second}},
		{q: "FETCH c WITH (timeout = 0)", want: extparse.Stmt{Kind: extparse.ExtFetch, Cursor: "c", Count: 1, Timeout: 0}},
	} {
		stmts, err := Parse(tc.q)
		if err != nil {
			t.Errorf("%s: %v", tc.q, err)
			continue
		}
		if len(stmts) != 1 || stmts[0].Ext == nil {
			t.Errorf("%s: parsed as %+v", tc.q, stmts)
			continue
		}
		x := stmts[0].Ext
		if x.Kind != tc.want.Kind || x.Cursor != tc.want.Cursor || (x.Kind == extparse.ExtFetch && (x.Count != tc.want.Count || x.Timeout != tc.want.Timeout)) {
			t.Errorf("%s: got %+v, want %+v", tc.q, *x, tc.want)
		}
		if x.Sub != nil && x.Sub.Slot != tc.sub.Slot {
			t.Errorf("%s: slot %q", tc.q, x.Sub.Slot)
		}
		if x.Sub != nil {
			got, want := *x.Sub, tc.sub
			if len(got.Tables) != len(want.Tables) || (len(got.Tables) > 0 && got.Tables[0] != want.Tables[0]) ||
				len(got.Prefixes) != len(want.Prefixes) || got.AllMessages != want.AllMessages || got.FromLSN != want.FromLSN ||
				got.HasFromLSN != want.HasFromLSN || got.Snapshot != want.Snapshot || got.Progress != want.Progress {
				t.Errorf("%s: got %+v, want %+v", tc.q, got, want)
			}
		}
	}
}

func TestParseSubscribeMixed(t *testing.T) {
	stmts, err := Parse("BEGIN; DECLARE c CURSOR FOR SUBSCRIBE t; FETCH 5 c WITH (timeout = '1s'); SELECT ';'; COMMIT")
	if err != nil {
		t.Fatal(err)
	}
	kinds := ""
	for _, s := range stmts {
		if s.Ext != nil {
			kinds += "x"
		} else {
			kinds += "p"
		}
	}
	if kinds != "pxxpp" {
		t.Fatalf("statement kinds %q, want pxxpp", kinds)
	}
}

func TestParseSubscribeErrors(t *testing.T) {
	for q, code := range map[string]string{
		"SUBSCRIBE orders WITH (bogus = 1)":                         pgerror.InvalidParameterValue,
		"SUBSCRIBE orders WITH (FROM_LSN = 'x')":                    pgerror.InvalidParameterValue,
		"SUBSCRIBE orders WITH (SNAPSHOT = true, FROM_LSN = '0/1')": pgerror.InvalidParameterValue,
		"SUBSCRIBE orders WITH (PROGRESS = maybe)":                  pgerror.InvalidParameterValue,
		"SUBSCRIBE":                                                  pgerror.SyntaxError,
		"SUBSCRIBE orders extra":                                     pgerror.SyntaxError,
		"COPY (SUBSCRIBE orders) TO '/tmp/x'":                        pgerror.FeatureNotSupported,
		"DECLARE c SCROLL CURSOR FOR SUBSCRIBE orders":               pgerror.FeatureNotSupported,
		"DECLARE c CURSOR WITH HOLD FOR SUBSCRIBE orders":            pgerror.FeatureNotSupported,
		"FETCH 1 c WITH (wait = '1s')":                               pgerror.InvalidParameterValue,
		"FETCH 1 c WITH (timeout = 'soon')":                          pgerror.InvalidParameterValue,
		"SUBSCRIBE orders WITH (SLOT = 'a'":                          pgerror.SyntaxError,
		"SUBSCRIBE 'orders'":                                         pgerror.SyntaxError,
		"COPY (SUBSCRIBE orders) TO STDOUT WITH (FORMAT binary)":     pgerror.FeatureNotSupported,
		"SELECT 1; SUBSCRIBE orders WITH (unknown_option = 'value')": pgerror.InvalidParameterValue,
	} {
		_, err := Parse(q)
		if got := pgerror.Code(err); got != code {
			t.Errorf("%s: got %s (%v), want %s", q, got, err, code)
		}
	}
	// ordinary syntax errors keep pg_query's report
	if _, err := Parse("SELEC 1"); pgerror.Code(err) != pgerror.SyntaxError {
		t.Errorf("SELEC 1: %v", err)
	}
}
