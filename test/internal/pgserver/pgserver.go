// Package pgserver starts throwaway PostgreSQL 15 servers (and other
// server processes) for logdb's test tools: the system tests' reference
// server (test/postgres_harness_test.go), the corpus runner (test/corpus)
// and the bench (test/bench). It was written three times before.
//
// Duties, in order:
//
//  1. Start makes a server in a directory the caller owns: initdb into
//     dir/data (UTF8, C.UTF-8, trust) or a copy of a MakeTemplate data
//     directory, postgres on 127.0.0.1 with its
//     socket in dir and its log in dir/postgres.log, then waits until it
//     accepts a connection. Run as root, PostgreSQL runs as the "postgres"
//     OS user (Credential hands dir to it). Missing binaries give
//     ErrNoServer, a missing user ErrNoPostgresUser, so a test can skip.
//  2. The caller stops the server (Process.Stop) and removes dir.
//  3. FreePort, Spawn and WaitReady serve the tools' logdb nodes too.
//
// Everything here may be called from several goroutines at once.
package pgserver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrNoServer is returned by Start when the PostgreSQL server binaries are
// not in the directory given (see Bin).
var ErrNoServer = errors.New("PostgreSQL server binaries not found (set PG_BIN)")

// ErrNoPostgresUser is returned when running as root and there is no
// "postgres" OS user to run PostgreSQL as (PostgreSQL refuses root).
var ErrNoPostgresUser = errors.New(`running as root and there is no "postgres" OS user to run PostgreSQL as`)

// Bin is the directory of PostgreSQL 15's server binaries: $PG_BIN, else
// Debian's /usr/lib/postgresql/15/bin.
func Bin() string {
	if d := os.Getenv("PG_BIN"); d != "" {
		return d
	}
	return "/usr/lib/postgresql/15/bin"
}

// FreePort returns a loopback port nobody listens on, chosen below the
// kernel's ephemeral range (32768 and up on Linux): a port the kernel
// hands out for ":0" can be taken, before our server binds it, as the
// source port of an outgoing connection (one cluster node dialing
// another), and the server then fails with "address already in use".
// Ports are never handed out twice in one process.
func FreePort() (int, error) {
	portsMu.Lock()
	defer portsMu.Unlock()
	for range 500 {
		port := 20000 + rand.IntN(12000)
		if portsGiven[port] {
			continue
		}
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			continue
		}
		ln.Close()
		portsGiven[port] = true
		return port, nil
	}
	return 0, errors.New("no free loopback port in 20000-31999")
}

var (
	portsMu    sync.Mutex
	portsGiven = map[int]bool{} // guarded by portsMu
)

// Credential is who PostgreSQL runs as: the "postgres" OS user when we
// are root, else ourselves (nil). dir is handed to that user.
func Credential(dir string) (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoPostgresUser, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		return nil, err
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// Initdb makes a fresh cluster in dataDir (superuser postgres, trust,
// UTF8, C.UTF-8), running in dataDir's parent as cred.
func Initdb(ctx context.Context, bin, dataDir string, cred *syscall.Credential) error {
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), "-D", dataDir, "-U", "postgres",
		"--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
	cmd.Dir = filepath.Dir(dataDir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb: %w\n%s", err, tail(out, 2000))
	}
	return nil
}

// Process is one running server process with its output in a log file.
type Process struct {
	Cmd     *exec.Cmd
	Exited  chan struct{} // closed when the process has exited
	LogPath string
}

// Spawn runs argv in dir with its output appended to logPath.
func Spawn(argv []string, dir, logPath string, attr *syscall.SysProcAttr) (*Process, error) {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = attr
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("%s: %w", filepath.Base(argv[0]), err)
	}
	p := &Process{Cmd: cmd, Exited: make(chan struct{}), LogPath: logPath}
	go func() { cmd.Wait(); logFile.Close(); close(p.Exited) }()
	return p, nil
}

// StartPostgres runs postgres on dataDir (made by Initdb or
// pg_basebackup) on 127.0.0.1:port with its socket in dir, as cred, with
// settings ("name=value", each passed as -c) and its log in logPath. It
// runs in its own process group, so a terminal's Ctrl-C reaches only the
// caller, which shuts it down in order; it gets SIGQUIT (immediate
// shutdown) if the caller dies. It does not wait for the server to be
// ready (WaitReady).
func StartPostgres(bin, dir, dataDir string, port int, cred *syscall.Credential, logPath string, settings ...string) (*Process, error) {
	args := []string{filepath.Join(bin, "postgres"), "-D", dataDir, "-p", strconv.Itoa(port), "-k", dir,
		"-c", "listen_addresses=127.0.0.1"}
	for _, s := range settings {
		args = append(args, "-c", s)
	}
	return Spawn(args, dir, logPath, &syscall.SysProcAttr{Credential: cred, Setpgid: true, Pdeathsig: syscall.SIGQUIT})
}

// Alive says whether the process is still running.
func (p *Process) Alive() bool {
	select {
	case <-p.Exited:
		return false
	default:
		return true
	}
}

// Stop sends soft and waits up to grace, then sends hard and waits up to
// 5 s, then kills. (PostgreSQL: SIGINT is a fast shutdown, SIGQUIT an
// immediate one.)
func (p *Process) Stop(soft, hard syscall.Signal, grace time.Duration) {
	if p == nil || p.Cmd.Process == nil {
		return
	}
	_ = p.Cmd.Process.Signal(soft)
	select {
	case <-p.Exited:
		return
	case <-time.After(grace):
	}
	_ = p.Cmd.Process.Signal(hard)
	select {
	case <-p.Exited:
	case <-time.After(5 * time.Second):
		_ = p.Cmd.Process.Kill()
		<-p.Exited
	}
}

// LogTail is the last n bytes of the log, trimmed.
func (p *Process) LogTail(n int) string {
	b, _ := os.ReadFile(p.LogPath)
	return tail(b, n)
}

func tail(b []byte, n int) string {
	b = bytes.TrimSpace(b)
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// WaitReady polls until connString accepts a connection, the process
// exits (exited closed), ctx ends, or timeout passes.
func WaitReady(ctx context.Context, connString string, exited <-chan struct{}, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		c, err := pgx.Connect(cctx, connString)
		cancel()
		if err == nil {
			c.Close(context.Background())
			return nil
		}
		last = err
		select {
		case <-exited:
			return fmt.Errorf("server exited during start-up (last connect error: %v)", last)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("not accepting connections after %s: %v", timeout, last)
}

// MakeTemplate runs initdb once into dir/data for Options.Template and
// returns that data directory; dir is the caller's to remove.
func MakeTemplate(ctx context.Context, bin, dir string) (string, error) {
	if bin == "" {
		bin = Bin()
	}
	if _, err := os.Stat(filepath.Join(bin, "postgres")); err != nil {
		return "", fmt.Errorf("%w: %v", ErrNoServer, err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return "", err
	}
	cred, err := Credential(dir)
	if err != nil {
		return "", err
	}
	data := filepath.Join(dir, "data")
	return data, Initdb(ctx, bin, data, cred)
}

// Options say where and how Start makes a server.
type Options struct {
	Bin      string   // server binaries; "" is Bin()
	Dir      string   // an existing directory the caller owns and removes
	Port     int      // 0: FreePort
	Settings []string // "name=value", each passed as -c
	// Template, when set, is a data directory made by MakeTemplate that
	// is copied instead of running initdb (a copy takes a fraction of
	// initdb's seconds on a loaded machine).
	Template string
}

// Server is a running PostgreSQL made by Start; its superuser is postgres.
type Server struct {
	*Process
	Port    int
	Dir     string
	DataDir string
}

// URL is a connection string for database db as the superuser.
func (s *Server) URL(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", s.Port, db)
}

// Start makes and starts a server in o.Dir (duty 1) and waits up to a
// minute until it accepts connections; on failure nothing is left running.
func Start(ctx context.Context, o Options) (*Server, error) {
	bin := o.Bin
	if bin == "" {
		bin = Bin()
	}
	if _, err := os.Stat(filepath.Join(bin, "postgres")); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoServer, err)
	}
	if err := os.Chmod(o.Dir, 0o755); err != nil {
		return nil, err
	}
	cred, err := Credential(o.Dir)
	if err != nil {
		return nil, err
	}
	s := &Server{Port: o.Port, Dir: o.Dir, DataDir: filepath.Join(o.Dir, "data")}
	if o.Template != "" {
		// cp -a keeps the files' owner (the postgres user) and modes.
		if out, err := exec.CommandContext(ctx, "cp", "-a", o.Template, s.DataDir).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("copying the template data directory: %w\n%s", err, out)
		}
	} else if err := Initdb(ctx, bin, s.DataDir, cred); err != nil {
		return nil, err
	}
	if s.Port == 0 {
		if s.Port, err = FreePort(); err != nil {
			return nil, err
		}
	}
	if s.Process, err = StartPostgres(bin, o.Dir, s.DataDir, s.Port, cred, filepath.Join(o.Dir, "postgres.log"), o.Settings...); err != nil {
		return nil, err
	}
	if err := WaitReady(ctx, s.URL("postgres"), s.Exited, 60*time.Second); err != nil {
		log := s.LogTail(2000)
		s.Stop(syscall.SIGQUIT, syscall.SIGKILL, 5*time.Second)
		return nil, fmt.Errorf("postgres: %w\n%s", err, log)
	}
	return s, nil
}
