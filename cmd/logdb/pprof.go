package main

import (
	"log/slog"
	"net/http"
	_ "net/http/pprof" // profiles on the LOGDB_PPROF address only
	"os"
)

// init serves net/http/pprof on $LOGDB_PPROF (e.g. 127.0.0.1:6060)
// when it is set: the way to profile a running node. Off by default.
func init() {
	addr := os.Getenv("LOGDB_PPROF")
	if addr == "" {
		return
	}
	go func() {
		if err := http.ListenAndServe(addr, nil); err != nil {
			slog.Error("pprof server", "addr", addr, "err", err)
		}
	}()
}
