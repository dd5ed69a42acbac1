package test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A netnsCluster is a Cluster whose nodes run in network namespaces of
// their own, joined by a bridge, so faults are real packet loss: iptables
// rules inside a node's namespace drop its traffic with chosen peers (the
// raft connections see timeouts and retransmissions, not closed sockets),
// while clients in the test's own namespace reach every node through the
// bridge's address. Needs root and ip(8), iptables(8); skips otherwise.
type netnsCluster struct {
	*Cluster
	ns map[uint64]string // node id → namespace
	ip map[uint64]string // node id → address on the bridge
}

// requireNetns skips t unless namespaces, a bridge and iptables can be
// made here.
func requireNetns(t *testing.T) {
	t.Helper()
	requireLogdb(t)
	if os.Geteuid() != 0 {
		t.Skip("partition tests need root (network namespaces and iptables)")
	}
	for _, tool := range []string{"ip", "iptables"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("partition tests need %s (apt-get install iproute2 iptables)", tool)
		}
	}
}

// mustStartNetnsCluster makes size namespaces on a fresh bridge and
// subnet, starts a node in each and waits for a leader. Everything is
// removed when the test ends.
func mustStartNetnsCluster(t *testing.T, size int, extra ...string) *netnsCluster {
	t.Helper()
	requireNetns(t)
	tag := fmt.Sprintf("%05x", rand.IntN(1<<20))
	subnet := fmt.Sprintf("10.%d.%d", 100+rand.IntN(100), rand.IntN(250))
	br := "lb" + tag
	nc := &netnsCluster{ns: map[uint64]string{}, ip: map[uint64]string{}}
	run := func(args ...string) error {
		out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s: %v: %s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	// Registered before the cluster's cleanup, so it runs after the nodes
	// are killed.
	t.Cleanup(func() {
		for _, ns := range nc.ns {
			_ = run("ip", "netns", "del", ns)
		}
		_ = run("ip", "link", "del", br)
	})
	setup := [][]string{
		{"ip", "link", "add", br, "type", "bridge"},
		{"ip", "addr", "add", subnet + ".1/24", "dev", br},
		{"ip", "link", "set", br, "up"},
	}
	for _, cmd := range setup {
		if err := run(cmd...); err != nil {
			t.Skipf("cannot make a bridge here: %v", err)
		}
	}
	for id := uint64(1); id <= uint64(size); id++ {
		ns, host, peer := fmt.Sprintf("ln%s%d", tag, id), fmt.Sprintf("lv%s%d", tag, id), fmt.Sprintf("lp%s%d", tag, id)
		nc.ns[id], nc.ip[id] = ns, fmt.Sprintf("%s.%d", subnet, 10+id)
		for _, cmd := range [][]string{
			{"ip", "netns", "add", ns},
			{"ip", "-n", ns, "link", "set", "lo", "up"},
			{"ip", "link", "add", host, "type", "veth", "peer", "name", peer},
			{"ip", "link", "set", peer, "netns", ns},
			{"ip", "link", "set", host, "master", br},
			{"ip", "link", "set", host, "up"},
			{"ip", "-n", ns, "addr", "add", nc.ip[id] + "/24", "dev", peer},
			{"ip", "-n", ns, "link", "set", peer, "up"},
			{"ip", "netns", "exec", ns, "iptables", "-L", "-n"},
		} {
			if err := run(cmd...); err != nil {
				t.Skipf("cannot set up network namespaces here: %v", err)
			}
		}
	}
	// Addresses on the bridge are not loopback: without certificates the
	// nodes must be told that plain text is intended, and the test's
	// clients there are trusted by a rule (the default asks for a password).
	hba := filepath.Join(t.TempDir(), "pg_hba.conf")
	if err := os.WriteFile(hba, []byte("host all all 0.0.0.0/0 trust\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := newCluster(t, size, append([]string{"--insecure", "--hba-file", hba}, extra...)...)
	for id, n := range c.Nodes {
		c.raft[id] = nc.ip[id] + ":7000"
		n.Addr = nc.ip[id] + ":5432"
		n.Wrap = []string{"ip", "netns", "exec", nc.ns[id]}
	}
	nc.Cluster = c
	c.startAll()
	return nc
}

// iptables runs iptables in node id's namespace.
func (nc *netnsCluster) iptables(id uint64, args ...string) {
	nc.t.Helper()
	argv := append([]string{"netns", "exec", nc.ns[id], "iptables", "-w"}, args...)
	if out, err := exec.Command("ip", argv...).CombinedOutput(); err != nil {
		nc.t.Fatalf("iptables %s in node %d's namespace: %v: %s", strings.Join(args, " "), id, err, out)
	}
}

// cut drops every packet between nodes a and b, both ways (in a's
// namespace).
func (nc *netnsCluster) cut(a, b uint64) {
	nc.iptables(a, "-A", "INPUT", "-s", nc.ip[b], "-j", "DROP")
	nc.iptables(a, "-A", "OUTPUT", "-d", nc.ip[b], "-j", "DROP")
}

// deaf makes node id drop everything its peers send it; what it sends
// still arrives (an asymmetric partition).
func (nc *netnsCluster) deaf(id uint64) {
	for peer := range nc.Nodes {
		if peer != id {
			nc.iptables(id, "-A", "INPUT", "-s", nc.ip[peer], "-j", "DROP")
		}
	}
}

// lossy drops a share p of the packets every node receives from its
// peers, at random (iptables' statistic match; tc netem needs a kernel
// module this machine may lack).
func (nc *netnsCluster) lossy(p float64) {
	for id := range nc.Nodes {
		for peer := range nc.Nodes {
			if peer != id {
				nc.iptables(id, "-A", "INPUT", "-s", nc.ip[peer], "-m", "statistic", "--mode", "random",
					"--probability", fmt.Sprint(p), "-j", "DROP")
			}
		}
	}
}

// heal removes every fault.
func (nc *netnsCluster) heal() {
	for id := range nc.Nodes {
		nc.iptables(id, "-F")
	}
}

// logPath is node id's log file (kept in LOGDB_CLUSTER_LOGS if set).
func (nc *netnsCluster) logPath(id uint64) string { return filepath.Clean(nc.Nodes[id].Log) }
