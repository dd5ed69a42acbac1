package main

import (
	"errors"
	"log/slog"
	"strings"
	"testing"
)

// River's own error logs count as errors of the round until the window
// ends; its warnings and what it logs while being stopped do not.
func TestQueueCountsRiverErrors(t *testing.T) {
	q := &queueRun{}
	log := slog.New(countingHandler{q})
	log.Warn("producer: slow fetch")
	log.Error("producer: Error fetching jobs", slog.String("err", "ERROR: could not serialize access (SQLSTATE 40001)"))
	log.Error("completer: batch failed", "error", errors.New("timeout"))
	q.closing.Store(true)
	log.Error("Client: Failed to send job insert notification", slog.String("err", "context canceled"))
	n, first := q.riverErrs.get()
	if n != 2 {
		t.Errorf("counted %d river errors, want 2", n)
	}
	if !strings.Contains(first, "Error fetching jobs: ERROR: could not serialize access (SQLSTATE 40001)") {
		t.Errorf("first river error %q", first)
	}
	if s := q.failures.String(); s != "none" {
		t.Errorf("failures %q, want none", s)
	}
}
