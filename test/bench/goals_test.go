package main

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

func TestGoalResults(t *testing.T) {
	fig := func(id string, v float64) *targetResult {
		return &targetResult{ID: id, Rounds: map[string][]float64{"throughput": {v}, "commit-to-delivery p99": {v}}}
	}
	r := &report{hasTarget: map[string]bool{"pg": true, "logdb": true, "pg3": true, "logdb3": true}, Workloads: []*workloadResult{
		{Name: "insert", Targets: []*targetResult{fig("pg", 100), fig("logdb", 130), fig("pg3", 100), fig("logdb3", 50)}},
		{Name: "broker", Targets: []*targetResult{fig("pg3", 100), {ID: "logdb3", Err: "unsupported: no slot"}}},
		{Name: "queue", Targets: []*targetResult{fig("pg", 100), fig("logdb", 90), fig("pg3", 80), fig("logdb3", 100)}},
	}}
	got := map[string]goalResult{}
	for _, g := range r.goalResults() {
		got[g.Goal] = g
	}
	if len(got) != len(goals) {
		t.Fatalf("%d rows, want %d", len(got), len(goals))
	}
	single := got["single node ÷ PostgreSQL, autocommit insert, median of 3 runs"]
	if single.Ratio == nil || math.Abs(*single.Ratio-1.3) > 1e-9 || !*single.Met {
		t.Errorf("single-node insert: %+v", single)
	}
	three := got["3-node logdb ÷ pg3, autocommit insert"]
	if three.Ratio == nil || *three.Met {
		t.Errorf("3-node insert: %+v", three)
	}
	broker := got["3-node logdb ÷ broker pipeline, events/s delivered"]
	if broker.Ratio != nil || !strings.Contains(broker.Missing, "no slot") {
		t.Errorf("broker: %+v", broker)
	}
	queue := got["3-node logdb ÷ pg3, river jobs/s"]
	if queue.Ratio == nil || math.Abs(*queue.Ratio-1.25) > 1e-9 || !*queue.Met || queue.Workload != "queue" {
		t.Errorf("queue: %+v", queue)
	}
	if sel := got["single node ÷ PostgreSQL, point select"]; !strings.Contains(sel.Missing, "select not run") {
		t.Errorf("select: %+v", sel)
	}
	var out bytes.Buffer
	r.printGoals(&out)
	if n := strings.Count(out.String(), "\n| "); n != len(goals)+2 {
		t.Errorf("goals table has %d lines, want %d:\n%s", n, len(goals)+2, out.String())
	}
}

func TestNiceStep(t *testing.T) {
	for raw, want := range map[float64]float64{0.7: 1, 1.3: 2, 3: 5, 7: 10, 1400: 2000} {
		if got := niceStep(raw); got != want {
			t.Errorf("niceStep(%v) = %v, want %v", raw, got, want)
		}
	}
}
