package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"logdb/raftlog"
)

const recoverUsage = `Usage: logdb recover --data-dir DIR --node-id N --force-new-cluster

For a cluster that lost its quorum for good (a majority of its members and
their data are gone): turns the data directory of one surviving member,
node N, into a one-member group that keeps everything that member holds
(every entry in its log counts as committed; membership changes still in
flight are dropped). Run it on the member whose log reaches furthest (the
highest applied_index in logdb_cluster), with the node stopped. Then start
that node alone, with the same --node-id and data directory and no
--peers (add --raft-listen to grow it again with logdb_add_node), and never
start the other members' old data directories again. See the README's
lost-quorum runbook.

Flags:
`

// runRecover is `logdb recover`.
func runRecover(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("logdb recover", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data-dir", "", "the surviving member's data directory (required; the node must be stopped)")
	nodeID := fs.Uint64("node-id", 0, "the member's raft id, as it was started with (required)")
	force := fs.Bool("force-new-cluster", false, "make the directory a one-member group keeping all its data (required: the only recovery there is)")
	fs.Usage = func() { fmt.Fprint(fs.Output(), recoverUsage); fs.PrintDefaults() }
	if code, done := parseSubcommand(fs, args, stdout); done {
		return code
	}
	switch {
	case *dataDir == "":
		fmt.Fprintln(stderr, "logdb recover: --data-dir DIR is required")
		return 2
	case *nodeID == 0:
		fmt.Fprintln(stderr, "logdb recover: --node-id N is required (the id this member ran with)")
		return 2
	case !*force:
		fmt.Fprintln(stderr, "logdb recover: --force-new-cluster is required: it is what this command does")
		return 2
	}
	if _, err := os.Stat(filepath.Join(*dataDir, "raft")); err != nil {
		fmt.Fprintf(stderr, "logdb recover: %s holds no raft log: %v\n", *dataDir, err)
		return 1
	}
	release, err := lockDataDir(*dataDir)
	if err != nil {
		fmt.Fprintln(stderr, "logdb recover:", err)
		return 1
	}
	defer release()
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	last, err := raftlog.ForceNewCluster(filepath.Join(*dataDir, "raft"), *nodeID, logger)
	if err != nil {
		fmt.Fprintln(stderr, "logdb recover:", err)
		return 1
	}
	fmt.Fprintf(stdout, "%s is now a one-member group (node %d) holding the log up to index %d.\n"+
		"Start it with: logdb start --node-id %d --data-dir %s [--raft-listen HOST:PORT] --listen ...\n",
		*dataDir, *nodeID, last, *nodeID, *dataDir)
	return 0
}
