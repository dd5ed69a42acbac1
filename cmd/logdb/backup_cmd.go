package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

const backupUsage = `Usage: logdb backup --host HOST --port PORT [--user USER] --to FILE

Takes an online, consistent backup through a running node (writers keep
running): the state as of one log position, with that position and the
cluster's membership. FILE is written under a temporary name and renamed
once complete and checked. The last line gives the backup's LSN and size.

Flags:
`

const restoreUsage = `Usage: logdb restore --from FILE --data-dir DIR [--node-id N]
                     [--until LSN [--log-archive DIR] [--host HOST --port PORT [--user USER]]]

Makes DIR (new or empty) a data directory holding the backup in FILE as a
new single-node cluster: 'logdb start --data-dir DIR' brings it up, and
SELECT logdb_add_node(...) grows it. With --until, the log after the
backup is replayed up to the transaction holding LSN (point-in-time
restore), read from a --log-archive directory and, for what it lacks, from
the running node at --host/--port, which must still retain it.

Flags:
`

// runBackup is `logdb backup`.
func runBackup(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("logdb backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	host := fs.String("host", "127.0.0.1", "the node's SQL host")
	port := fs.Int("port", 5433, "the node's SQL port")
	user := fs.String("user", "logdb", "user name")
	to := fs.String("to", "", "the backup file to write (required)")
	timeout := fs.Duration("timeout", 0, "give up after this long (0: no limit)")
	fs.Usage = func() { fmt.Fprint(fs.Output(), backupUsage); fs.PrintDefaults() }
	if code, done := parseSubcommand(fs, args, stdout); done {
		return code
	}
	if *to == "" {
		fmt.Fprintln(stderr, "logdb backup: --to FILE is required")
		return 2
	}
	ctx := context.Background()
	if *timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *timeout)
		defer cancel()
	}
	meta, size, err := takeBackup(ctx, *host, *port, *user, *to, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "logdb backup:", err)
		return 1
	}
	fmt.Fprintf(stdout, "backup %s: LSN %s (index %d, term %d) through node %d, %d bytes\n", *to, meta.LSN, meta.Index, meta.Term, meta.SourceNode, size)
	return 0
}

func takeBackup(ctx context.Context, host string, port int, user, to string, stderr io.Writer) (backupMeta, int64, error) {
	var meta backupMeta
	connStr := fmt.Sprintf("host=%s port=%d user=%s dbname=logdb sslmode=disable application_name=logdb_backup connect_timeout=10",
		host, port, user)
	conn, err := pgconn.Connect(ctx, connStr)
	if err != nil {
		return meta, 0, err
	}
	defer conn.Close(context.Background())
	tmp := to + ".partial"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return meta, 0, err
	}
	defer os.Remove(tmp) // a no-op once renamed
	counter := &countingWriter{}
	start := time.Now()
	stopProgress := showProgress(stderr, func() string {
		mib := float64(counter.n.Load()) / (1 << 20)
		return fmt.Sprintf("backup: %.1f MiB received, %.1f MiB/s", mib, mib/time.Since(start).Seconds())
	})
	_, err = conn.CopyTo(ctx, io.MultiWriter(f, counter), "BACKUP TO STDOUT")
	stopProgress()
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return meta, 0, err
	}
	r, err := os.Open(tmp)
	if err != nil {
		return meta, 0, err
	}
	meta, err = readBackup(r, nil)
	r.Close()
	if err != nil {
		return meta, 0, fmt.Errorf("the backup received is damaged: %w", err)
	}
	if err := os.Rename(tmp, to); err != nil {
		return meta, 0, err
	}
	if err := syncDirOf(to); err != nil {
		return meta, 0, err
	}
	return meta, counter.n.Load(), nil
}

// countingWriter counts the bytes written through it.
type countingWriter struct{ n atomic.Int64 }

func (c *countingWriter) Write(p []byte) (int, error) {
	c.n.Add(int64(len(p)))
	return len(p), nil
}

// showProgress redraws the line line() returns on stderr four times a
// second, when stderr is a terminal (a backup's bytes received, a
// restore's bytes read and entries replayed); stop erases it.
func showProgress(stderr io.Writer, line func() string) (stop func()) {
	f, ok := stderr.(*os.File)
	if !ok {
		return func() {}
	}
	if fi, err := f.Stat(); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				fmt.Fprint(f, "\r\033[K")
				return
			case <-t.C:
				fmt.Fprint(f, "\r\033[K"+line())
			}
		}
	}()
	return func() { close(done); <-finished }
}

func syncDirOf(path string) error {
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// runRestore is `logdb restore`.
func runRestore(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("logdb restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "", "the backup file (required)")
	dataDir := fs.String("data-dir", "", "the data directory to create (must be new or empty; required)")
	nodeID := fs.Uint64("node-id", 1, "the restored node's raft id in its new cluster")
	until := fs.String("until", "", "restore up to this LSN (X/Y): the backup, then the log read from --host/--port")
	host := fs.String("host", "127.0.0.1", "with --until: the SQL host of a node that retains the log")
	port := fs.Int("port", 5433, "with --until: that node's SQL port")
	user := fs.String("user", "logdb", "with --until: user name")
	archive := fs.String("log-archive", "", "with --until: a --log-archive directory to read the log from first (the node then serves only what it lacks)")
	fs.Usage = func() { fmt.Fprint(fs.Output(), restoreUsage); fs.PrintDefaults() }
	if code, done := parseSubcommand(fs, args, stdout); done {
		return code
	}
	if *from == "" || *dataDir == "" {
		fmt.Fprintln(stderr, "logdb restore: --from FILE and --data-dir DIR are required")
		return 2
	}
	if *nodeID == 0 {
		fmt.Fprintln(stderr, "logdb restore: --node-id must be positive")
		return 2
	}
	o := restoreOpts{From: *from, DataDir: *dataDir, NodeID: *nodeID, Until: *until, Archive: *archive,
		ConnStr: fmt.Sprintf("host=%s port=%d user=%s dbname=logdb sslmode=disable application_name=logdb_restore connect_timeout=10", *host, *port, *user)}
	if err := restore(context.Background(), o, stdout, stderr); err != nil {
		fmt.Fprintln(stderr, "logdb restore:", err)
		return 1
	}
	return 0
}

// parseSubcommand parses a subcommand's flags; done with the exit code
// when it must not go on (help, a bad flag, a stray argument).
func parseSubcommand(fs *flag.FlagSet, args []string, stdout io.Writer) (code int, done bool) {
	for _, a := range args {
		if a == "-h" || a == "--help" || a == "-help" {
			fs.SetOutput(stdout)
			fs.Usage()
			return 0, true
		}
	}
	if err := fs.Parse(args); err != nil {
		return 2, true
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "%s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return 2, true
	}
	return 0, false
}
