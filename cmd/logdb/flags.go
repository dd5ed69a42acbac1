package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"logdb/kv"
	"logdb/sql"
	"logdb/sql/settings"
)

// startConfig is what `logdb start` was asked to do.
type startConfig struct {
	DataDir string
	Listen  string
	// HBAFile holds pg_hba.conf-style authentication rules, re-read on
	// SIGHUP; "" means pgwire.DefaultHBA (loopback trusted, others SCRAM).
	HBAFile string
	// Insecure allows a non-loopback --listen or --raft-listen without
	// --certs-dir (warned about at every start).
	Insecure   bool
	NodeID     uint64
	RaftListen string
	Peers      map[uint64]string
	// Join starts a node added with logdb_add_node: it takes its
	// membership from the cluster instead of bootstrapping one.
	Join     bool
	LogLevel slog.Level
	// LogFormat is "text" (logfmt-style key=value) or "json".
	LogFormat string
	// Retention and MaxSlotRetention are the changefeed's retention policy
	// (feed.go).
	Retention        time.Duration
	MaxSlotRetention time.Duration
	// HashInterval: the state hash is compared across replicas at every
	// index that is a multiple of it (kv/statehash.go); the same on every
	// node. 0 turns the comparison off.
	HashInterval int
	// NoLocks turns the cluster's lock table off (advisory locks fail
	// with 0A000): for a rolling upgrade from a build without it, whose
	// nodes cannot decode lock entries (command format 4).
	NoLocks bool
	// CheckpointInterval is how often the state database is checkpointed
	// (kv.Options); the log is never truncated past the last checkpoint.
	CheckpointInterval time.Duration
	// MaxTxnBytes bounds a transaction's log entry (54000 beyond it);
	// MaxExpressionDepth bounds a statement's nesting (54001).
	MaxTxnBytes        int64
	MaxExpressionDepth int
	// MaxStatementMemory bounds the rows one statement's operators hold
	// in memory together (53200 beyond it).
	MaxStatementMemory int64
	// MaxConnections bounds client sessions (53300 beyond it).
	MaxConnections int
	// DiskReserveBytes is the free space writes leave on the data
	// directory's filesystem (53100 beyond it; raftlog's disk.go).
	DiskReserveBytes int64
	// HTTPListen serves /metrics, /healthz and /readyz (http.go); "" for
	// none. Pprof adds Go's profiles there.
	HTTPListen string
	Pprof      bool
	// LogArchive, when set, gets every log entry before retention trims
	// it (archive.go).
	LogArchive string
	// CertsDir holds node.crt, node.key and ca.crt (logdb cert): TLS for
	// SQL clients that ask for it (sslmode=require and stronger), and
	// mutual TLS on the raft port.
	CertsDir string
	// Settings are server defaults of run-time parameters (the statement
	// logging flags), by name: sql.Config.Settings.
	Settings map[string]string
}

// defaultDiskReserve is --disk-reserve-bytes' default: room for a WAL
// segment filled at a roll, a follower's appends and bbolt's growth.
const defaultDiskReserve = 32 << 20

const startUsage = `Usage: logdb start [flags]

Starts a logdb node. On first start the data directory is created and a new
group is bootstrapped: a single node without --peers, or a cluster whose
members all start with the same --peers; later starts recover from the data
directory (its stored membership wins over --peers). A node added with
SELECT logdb_add_node(id, 'host:port') starts with --join.

Flags:
`

func parseStartFlags(args []string, stdout, stderr io.Writer) (startConfig, error) {
	var cfg startConfig
	fs := flag.NewFlagSet("logdb start", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.DataDir, "data-dir", "./logdb-data", "directory holding the raft log and the state database (created if missing)")
	fs.StringVar(&cfg.Listen, "listen", "127.0.0.1:5433", "address for PostgreSQL clients (host:port)")
	fs.StringVar(&cfg.CertsDir, "certs-dir", "", "directory with node.crt, node.key and ca.crt (made by 'logdb cert'): TLS for SQL clients that ask for it, and mutual TLS between nodes")
	fs.StringVar(&cfg.HBAFile, "hba-file", "", "client authentication rules in pg_hba.conf syntax (host/hostssl/hostnossl, methods trust, reject, scram-sha-256, md5, password, cert), first match wins, re-read on SIGHUP; empty: loopback clients are trusted, others need scram-sha-256")
	fs.BoolVar(&cfg.Insecure, "insecure", false, "allow a --listen or --raft-listen address that is not loopback without --certs-dir (traffic and passwords in plain text; a warning is logged at every start)")
	fs.Uint64Var(&cfg.NodeID, "node-id", 1, "this node's raft id (cluster mode; must appear in --peers)")
	fs.StringVar(&cfg.RaftListen, "raft-listen", "", "address for raft traffic from peers (cluster mode)")
	peers := fs.String("peers", "", "cluster members as id=host:port,... (every node of a new cluster gets the same list); empty: a single node")
	fs.BoolVar(&cfg.Join, "join", false, "join an existing cluster after logdb_add_node; --peers lists reachable members and this node")
	fs.DurationVar(&cfg.Retention, "retention", 24*time.Hour, "keep the log entries committed within this duration for the changefeed (SUBSCRIBE FROM_LSN); 0 keeps every entry")
	fs.DurationVar(&cfg.MaxSlotRetention, "max-slot-retention", 7*24*time.Hour, "a replication slot holds the log back at most this long (entries older than this are dropped and the slot is marked lost); 0: no cap")
	fs.BoolVar(&cfg.NoLocks, "no-locks", false, "turn advisory locks off (they fail with 0A000): while a rolling upgrade from a build without them is under way, since older nodes cannot decode lock entries")
	fs.IntVar(&cfg.HashInterval, "hash-interval", kv.DefaultHashInterval, "compare a hash of the state across the replicas every this many log entries (the same on every node; 0: never)")
	fs.DurationVar(&cfg.CheckpointInterval, "checkpoint-interval", 30*time.Second, "how often the state database is checkpointed (fsynced copy); the raft log is kept at least back to the last checkpoint")
	fs.Int64Var(&cfg.MaxTxnBytes, "max-txn-bytes", sql.DefaultMaxTxnBytes, fmt.Sprintf("largest transaction, in bytes of its log entry (writes with their before images, messages); beyond it the transaction fails with SQLSTATE 54000 (at most %d)", sql.MaxTxnBytesLimit))
	fs.IntVar(&cfg.MaxExpressionDepth, "max-expression-depth", sql.DefaultMaxExpressionDepth, fmt.Sprintf("deepest nesting of expressions, joins and set operations a statement may have; deeper ones fail with SQLSTATE 54001 before they are parsed (at most %d)", sql.MaxExpressionDepthLimit))
	fs.Int64Var(&cfg.MaxStatementMemory, "max-statement-memory", sql.DefaultMaxStatementMemory, "bytes of rows that all the sorts, hash tables and materialized results of one statement may hold together (each also at most work_mem); beyond it the statement fails with SQLSTATE 53200")
	fs.IntVar(&cfg.MaxConnections, "max-connections", 500, "most client sessions at once; one more is refused with SQLSTATE 53300 (lowered at start to fit the open-file limit)")
	fs.Int64Var(&cfg.DiskReserveBytes, "disk-reserve-bytes", defaultDiskReserve, "free space, in bytes, that writes leave on the data directory's filesystem: a commit that would leave less fails with SQLSTATE 53100 (reads and the changefeed go on; writes resume once space is freed); 0 turns the check off")
	fs.StringVar(&cfg.HTTPListen, "http-listen", "", "address for the operator's HTTP endpoints /metrics (Prometheus), /healthz and /readyz (host:port); empty: none")
	fs.StringVar(&cfg.LogArchive, "log-archive", "", "directory to copy log entries to before --retention trims them (point-in-time restore reads it: logdb restore --log-archive); empty: none")
	fs.BoolVar(&cfg.Pprof, "pprof", false, "also serve Go's pprof profiles under /debug/pprof/ on --http-listen")
	logStatement := fs.String("log-statement", "none", "server default of log_statement: which statements are logged before they run (none, ddl, mod, all); sessions and roles may override it")
	logMinDuration := fs.String("log-min-duration-statement", "-1", "server default of log_min_duration_statement: log every statement that takes at least this many milliseconds (units accepted: 250ms, 1s), with its duration; 0 logs all, -1 none")
	logMinError := fs.String("log-min-error-statement", "error", "server default of log_min_error_statement: log failing statements with their SQLSTATE at or above this level (error logs every failure; log, fatal or panic none)")
	level := fs.String("log-level", "info", "log level: debug, info, warn or error")
	fs.StringVar(&cfg.LogFormat, "log-format", "text", "log line format: text (key=value) or json (one object a line); a cluster node's lines carry node=<id>")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), startUsage)
		fs.PrintDefaults()
	}
	for _, a := range args {
		if a == "-h" || a == "--help" || a == "-help" {
			fs.SetOutput(stdout)
			fs.Usage()
			return cfg, flag.ErrHelp
		}
	}
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if cfg.Pprof && cfg.HTTPListen == "" {
		return cfg, fmt.Errorf("--pprof needs --http-listen")
	}
	if cfg.LogFormat != "text" && cfg.LogFormat != "json" {
		return cfg, fmt.Errorf("--log-format: %q is not text or json", cfg.LogFormat)
	}
	if err := cfg.LogLevel.UnmarshalText([]byte(*level)); err != nil {
		return cfg, fmt.Errorf("--log-level: %w", err)
	}
	set := map[string]string{}
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "log-statement":
			set["log_statement"] = *logStatement
		case "log-min-duration-statement":
			set["log_min_duration_statement"] = *logMinDuration
		case "log-min-error-statement":
			set["log_min_error_statement"] = *logMinError
		}
	})
	for name, v := range set {
		if _, err := settings.CheckBase(map[string]string{name: v}); err != nil {
			return cfg, fmt.Errorf("--%s: %v", strings.ReplaceAll(name, "_", "-"), err)
		}
	}
	cfg.Settings = set
	if cfg.MaxTxnBytes < 1 || cfg.MaxTxnBytes > sql.MaxTxnBytesLimit {
		return cfg, fmt.Errorf("--max-txn-bytes %d not in [1, %d]", cfg.MaxTxnBytes, sql.MaxTxnBytesLimit)
	}
	if cfg.MaxStatementMemory < 1 {
		return cfg, fmt.Errorf("--max-statement-memory %d is not positive", cfg.MaxStatementMemory)
	}
	if cfg.MaxExpressionDepth < 1 || cfg.MaxExpressionDepth > sql.MaxExpressionDepthLimit {
		return cfg, fmt.Errorf("--max-expression-depth %d not in [1, %d]", cfg.MaxExpressionDepth, sql.MaxExpressionDepthLimit)
	}
	if cfg.DiskReserveBytes < 0 {
		return cfg, fmt.Errorf("--disk-reserve-bytes %d must not be negative", cfg.DiskReserveBytes)
	}
	if cfg.CertsDir == "" && !cfg.Insecure {
		for _, a := range []struct{ flag, addr string }{{"--listen", cfg.Listen}, {"--raft-listen", cfg.RaftListen}} {
			if a.addr != "" && !isLoopback(a.addr) {
				return cfg, fmt.Errorf("%s %s is not a loopback address and there is no --certs-dir: clients and peers there would send passwords and data in plain text; make certificates with 'logdb cert' and pass --certs-dir, or pass --insecure to accept that", a.flag, a.addr)
			}
		}
	}
	if cfg.MaxConnections < 1 {
		return cfg, fmt.Errorf("--max-connections %d must be at least 1", cfg.MaxConnections)
	}
	p, err := parsePeers(*peers)
	if err != nil {
		return cfg, fmt.Errorf("--peers: %w", err)
	}
	cfg.Peers = p
	if len(p) == 0 {
		cfg.Peers = map[uint64]string{cfg.NodeID: cfg.RaftListen}
	}
	if _, ok := cfg.Peers[cfg.NodeID]; !ok {
		return cfg, fmt.Errorf("--node-id %d is not in --peers", cfg.NodeID)
	}
	return cfg, nil
}

// parsePeers reads "1=host:port,2=host:port".
func parsePeers(s string) (map[uint64]string, error) {
	peers := map[uint64]string{}
	if strings.TrimSpace(s) == "" {
		return peers, nil
	}
	for _, part := range strings.Split(s, ",") {
		idStr, addr, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || addr == "" {
			return nil, fmt.Errorf("%q is not id=host:port", part)
		}
		id, err := strconv.ParseUint(idStr, 10, 64)
		if err != nil || id == 0 {
			return nil, fmt.Errorf("%q: node id must be a positive integer", part)
		}
		if _, dup := peers[id]; dup {
			return nil, fmt.Errorf("node id %d listed twice", id)
		}
		peers[id] = addr
	}
	return peers, nil
}

// isLoopback reports whether host:port names only this machine.
func isLoopback(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
