package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// natsCluster is three nats-server processes on this machine, clustered,
// with JetStream on file storage: the broker of the pipeline logdb
// replaces.
type natsCluster struct {
	URLs []string // client URLs, one per server
	Dirs []string // JetStream store directories, for their size on disk
	// Procs are the servers, for -profile-dir (the broker's CPU is part of
	// the pipeline's cost).
	Procs []serverProc
	stop  func()
}

// natsServerBin finds nats-server (Debian installs it in /usr/sbin, which a
// non-root PATH may lack); a missingTool error when it is not installed.
func natsServerBin() (string, error) {
	if p, err := exec.LookPath("nats-server"); err == nil {
		return p, nil
	}
	if _, err := os.Stat("/usr/sbin/nats-server"); err == nil {
		return "/usr/sbin/nats-server", nil
	}
	return "", &missingTool{"nats-server is not installed (Debian's nats-server package; .ci/run installs it)"}
}

// startNATS starts the three servers in a temporary directory under
// workDir and returns once JetStream has a meta leader (it answers
// account info).
func startNATS(ctx context.Context, workDir string) (*natsCluster, error) {
	bin, err := natsServerBin()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(workDir, "bench-nats-")
	if err != nil {
		return nil, err
	}
	type server struct {
		client, route int
		cmd           *exec.Cmd
		exited        chan struct{}
		logPath       string
	}
	servers := make([]*server, 3)
	var routes []string
	for i := range servers {
		s := &server{}
		if s.client, err = freePort(); err == nil {
			s.route, err = freePort()
		}
		if err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		servers[i] = s
		routes = append(routes, fmt.Sprintf("nats://127.0.0.1:%d", s.route))
	}
	nc := &natsCluster{}
	nc.stop = func() {
		for _, s := range servers {
			if s.cmd != nil {
				stopProcess(s.cmd, s.exited, syscall.SIGTERM, syscall.SIGKILL)
			}
		}
		os.RemoveAll(dir)
	}
	for i, s := range servers {
		name := fmt.Sprintf("n%d", i+1)
		store := filepath.Join(dir, name)
		s.logPath = filepath.Join(dir, name+".log")
		logFile, err := os.Create(s.logPath)
		if err != nil {
			nc.stop()
			return nil, err
		}
		s.cmd = exec.Command(bin, "-a", "127.0.0.1", "-p", fmt.Sprint(s.client), "-n", name,
			"-js", "-sd", store, "--cluster_name", "bench",
			"--cluster", fmt.Sprintf("nats://127.0.0.1:%d", s.route), "--routes", strings.Join(routes, ","))
		s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
		s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
		if err := s.cmd.Start(); err != nil {
			logFile.Close()
			nc.stop()
			return nil, fmt.Errorf("nats-server: %w", err)
		}
		s.exited = make(chan struct{})
		go func(s *server, f *os.File) { s.cmd.Wait(); f.Close(); close(s.exited) }(s, logFile)
		nc.URLs = append(nc.URLs, fmt.Sprintf("nats://127.0.0.1:%d", s.client))
		nc.Dirs = append(nc.Dirs, store)
		nc.Procs = append(nc.Procs, serverProc{Name: "nats-" + name, PID: s.cmd.Process.Pid, NoPerf: true})
	}
	deadline := time.Now().Add(60 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		for i, s := range servers {
			select {
			case <-s.exited:
				log, _ := os.ReadFile(s.logPath)
				nc.stop()
				return nil, fmt.Errorf("nats-server n%d exited during start-up: %s", i+1, lastLines(string(log), 3))
			default:
			}
		}
		if last = natsReady(ctx, nc.URLs[0]); last == nil {
			return nc, nil
		}
		select {
		case <-ctx.Done():
			nc.stop()
			return nil, ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
	nc.stop()
	return nil, fmt.Errorf("JetStream not ready after 60 s: %v", last)
}

func natsReady(ctx context.Context, url string) error {
	conn, err := nats.Connect(url, nats.Timeout(2*time.Second))
	if err != nil {
		return err
	}
	defer conn.Close()
	js, err := jetstream.New(conn)
	if err != nil {
		return err
	}
	actx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	_, err = js.AccountInfo(actx)
	return err
}
