package pgwire

import (
	"bufio"
	"fmt"
	"net"
	"slices"
	"strings"
)

// HBA is a list of client authentication rules in pg_hba.conf's syntax:
//
//	TYPE       DATABASE          USER           ADDRESS        METHOD
//	host       all|name[,…]      all|name|+role 10.0.0.0/8     trust|reject|scram-sha-256|md5|password|cert
//	hostssl    replication       …              all
//	hostnossl  …
//
// The first rule whose type, database, user and address match a
// connection decides its method; no match refuses it (28000). Rules are
// immutable once parsed: a reload (SIGHUP) swaps in a new HBA.
type HBA struct {
	rules []hbaRule
}

type hbaRule struct {
	line   int
	ssl    int // 0 host, 1 hostssl, -1 hostnossl
	dbs    []string
	users  []string
	nets   []*net.IPNet // nil: all
	method string
}

var hbaMethods = []string{"trust", "reject", "scram-sha-256", "md5", "password", "cert"}

// DefaultHBA is what a node without --hba-file uses: loopback connections
// are trusted, every other address needs scram-sha-256.
func DefaultHBA() *HBA {
	h, err := ParseHBA("host all all 127.0.0.0/8 trust\nhost all all ::1/128 trust\nhost all all all scram-sha-256\n" +
		"host replication all 127.0.0.0/8 trust\nhost replication all ::1/128 trust\nhost replication all all scram-sha-256\n")
	if err != nil {
		panic("BUG: default HBA: " + err.Error())
	}
	return h
}

// ParseHBA reads pg_hba.conf text; an error names the line.
func ParseHBA(text string) (*HBA, error) {
	h := &HBA{}
	sc := bufio.NewScanner(strings.NewReader(text))
	for ln := 1; sc.Scan(); ln++ {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		r := hbaRule{line: ln}
		switch f[0] {
		case "host":
		case "hostssl":
			r.ssl = 1
		case "hostnossl":
			r.ssl = -1
		case "local":
			continue // no Unix sockets: never matches
		default:
			return nil, fmt.Errorf("line %d: invalid connection type %q (host, hostssl or hostnossl)", ln, f[0])
		}
		if len(f) < 5 {
			return nil, fmt.Errorf("line %d: want TYPE DATABASE USER ADDRESS METHOD", ln)
		}
		r.dbs, r.users = strings.Split(f[1], ","), strings.Split(f[2], ",")
		addr, rest := f[3], f[4:]
		if addr != "all" {
			if !strings.Contains(addr, "/") {
				// ADDRESS MASK, as older files write it
				if len(f) < 6 {
					return nil, fmt.Errorf("line %d: address %q needs a CIDR mask", ln, addr)
				}
				mask := net.ParseIP(f[4])
				ip := net.ParseIP(addr)
				if ip == nil || mask == nil {
					return nil, fmt.Errorf("line %d: invalid address %q %q", ln, addr, f[4])
				}
				if ip4 := ip.To4(); ip4 != nil {
					ip, mask = ip4, mask.To4()
				}
				r.nets = []*net.IPNet{{IP: ip.Mask(net.IPMask(mask)), Mask: net.IPMask(mask)}}
				rest = f[5:]
			} else {
				_, n, err := net.ParseCIDR(addr)
				if err != nil {
					return nil, fmt.Errorf("line %d: invalid CIDR address %q", ln, addr)
				}
				r.nets = []*net.IPNet{n}
			}
		}
		if len(rest) == 0 {
			return nil, fmt.Errorf("line %d: missing authentication method", ln)
		}
		r.method = rest[0]
		if !slices.Contains(hbaMethods, r.method) {
			return nil, fmt.Errorf("line %d: invalid authentication method %q (one of %s)", ln, r.method, strings.Join(hbaMethods, ", "))
		}
		h.rules = append(h.rules, r)
	}
	return h, sc.Err()
}

// hbaRequest is what a rule is matched against.
type hbaRequest struct {
	ssl         bool
	ip          net.IP
	db, user    string
	replication bool
	memberOf    []string // roles the user is a member of (+role)
}

// match returns the method of the first rule that matches, "" for none.
func (h *HBA) match(q hbaRequest) string {
	for _, r := range h.rules {
		if r.ssl == 1 && !q.ssl || r.ssl == -1 && q.ssl {
			continue
		}
		if !r.matchDB(q) || !r.matchUser(q) {
			continue
		}
		if r.nets != nil && !slices.ContainsFunc(r.nets, func(n *net.IPNet) bool { return n.Contains(q.ip) }) {
			continue
		}
		return r.method
	}
	return ""
}

func (r *hbaRule) matchDB(q hbaRequest) bool {
	for _, d := range r.dbs {
		switch {
		case d == "replication":
			if q.replication {
				return true
			}
		case q.replication:
			// a replication connection matches only "replication"
		case d == "all", d == q.db, d == "sameuser" && q.db == q.user:
			return true
		}
	}
	return false
}

func (r *hbaRule) matchUser(q hbaRequest) bool {
	for _, u := range r.users {
		switch {
		case u == "all", u == q.user:
			return true
		case strings.HasPrefix(u, "+"):
			if u[1:] == q.user || slices.Contains(q.memberOf, u[1:]) {
				return true
			}
		}
	}
	return false
}
