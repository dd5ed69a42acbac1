// Command logdb runs a logdb node: a PostgreSQL-compatible database over one
// replicated log. See README.md for a tour and
// docs/architecture.md for the architecture.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

// version is logdb's version, shown by `logdb version` and SQL version().
var version = "0.1.0-dev"

const usage = `logdb — a PostgreSQL-compatible database over one replicated log.

Usage:
  logdb start [flags]   start a node (run 'logdb start --help' for its flags)
  logdb backup --host H --port P --to FILE
                        take an online backup through a running node
  logdb restore --from FILE --data-dir DIR
                        make DIR a new single-node cluster holding the backup
  logdb cert create-ca | create-node | create-client --certs-dir DIR …
                        make the cluster's TLS certificates
  logdb recover --data-dir DIR --node-id N --force-new-cluster
                        after a lost quorum: make one surviving member a
                        one-member group keeping all its data
  logdb version         print the version
  logdb help            show this help

Connect with any PostgreSQL client, e.g.
  psql -h 127.0.0.1 -p 5433 -U logdb logdb
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main without the process exit, so it can be read as a list of
// commands.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "-h", "--help", "-help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	case "version", "--version":
		fmt.Fprintln(stdout, "logdb", version)
		return 0
	case "start":
		cfg, err := parseStartFlags(args[1:], stdout, stderr)
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		if err != nil {
			fmt.Fprintln(stderr, "logdb start:", err)
			return 2
		}
		if err := start(context.Background(), cfg); err != nil {
			fmt.Fprintln(stderr, "logdb:", err)
			return 1
		}
		return 0
	case "backup":
		return runBackup(args[1:], stdout, stderr) // backup_cmd.go
	case "restore":
		return runRestore(args[1:], stdout, stderr)
	case "cert":
		return runCert(args[1:], stdout, stderr) // tls.go
	case "recover":
		return runRecover(args[1:], stdout, stderr) // recover.go
	default:
		fmt.Fprintf(stderr, "logdb: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
}
