package pgwire

import (
	"net"
	"strings"
	"testing"
)

// TestHBA: pg_hba.conf rules as PostgreSQL reads them: the first match
// wins; hostssl and hostnossl by encryption; databases and users as
// names, lists, all, sameuser and +role; CIDR and ADDRESS MASK forms; a
// logical replication connection (replication=database) matched by its
// database like any other, never by the "replication" keyword (which is
// for physical replication); bad lines refused with their number.
func TestHBA(t *testing.T) {
	h, err := ParseHBA(strings.Join([]string{
		"# comment",
		"hostssl  all          +admins   10.0.0.0/8            cert",
		"host     replication  all       all                   reject",
		"host     app,other    alice     10.1.0.0 255.255.0.0  md5",
		"hostnossl all         bob       10.0.0.0/8            password # trailing comment",
		"host     sameuser     all       192.168.0.0/16        trust",
		"host     all          all       all                   scram-sha-256",
	}, "\n"))
	if err != nil {
		t.Fatal(err)
	}
	ip := net.ParseIP
	for _, tc := range []struct {
		q    hbaRequest
		want string
	}{
		{hbaRequest{ssl: true, ip: ip("10.2.3.4"), db: "x", user: "carol", memberOf: []string{"admins"}}, "cert"},
		{hbaRequest{ssl: false, ip: ip("10.2.3.4"), db: "x", user: "carol", memberOf: []string{"admins"}}, "scram-sha-256"},
		{hbaRequest{ip: ip("10.1.9.9"), db: "other", user: "alice"}, "md5"},
		{hbaRequest{ip: ip("10.2.9.9"), db: "other", user: "alice"}, "scram-sha-256"},
		{hbaRequest{ip: ip("10.5.5.5"), db: "app", user: "bob"}, "password"},
		{hbaRequest{ssl: true, ip: ip("10.5.5.5"), db: "app", user: "bob"}, "scram-sha-256"},
		{hbaRequest{ip: ip("192.168.1.1"), db: "dave", user: "dave"}, "trust"},
		{hbaRequest{ip: ip("192.168.1.1"), db: "logdb", user: "dave"}, "scram-sha-256"},
		// physical replication matches only "replication"
		{hbaRequest{ip: ip("192.168.1.1"), db: "logdb", user: "dave", replication: true}, "reject"},
	} {
		if got := h.match(tc.q); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.q, got, tc.want)
		}
	}
	// No rule: no method.
	only, err := ParseHBA("hostssl all all 127.0.0.1/32 trust\n")
	if err != nil {
		t.Fatal(err)
	}
	if got := only.match(hbaRequest{ip: ip("127.0.0.1"), db: "logdb", user: "x"}); got != "" {
		t.Errorf("a plain connection matched a hostssl rule: %q", got)
	}
	for _, bad := range []string{
		"hots all all all trust",
		"host all all all",
		"host all all 10.0.0.0/33 trust",
		"host all all 10.0.0.1 trust",
		"host all all all ident",
	} {
		if _, err := ParseHBA("# ok\n" + bad + "\n"); err == nil || !strings.Contains(err.Error(), "line 2") {
			t.Errorf("%q: %v, want an error naming line 2", bad, err)
		}
	}
	// The default: loopback trusted, everything else needs scram-sha-256.
	d := DefaultHBA()
	if got := d.match(hbaRequest{ip: ip("127.0.0.1"), db: "logdb", user: "x"}); got != "trust" {
		t.Errorf("default, loopback: %q", got)
	}
	if got := d.match(hbaRequest{ip: ip("10.0.0.1"), db: "logdb", user: "x"}); got != "scram-sha-256" {
		t.Errorf("default, elsewhere: %q", got)
	}
}
