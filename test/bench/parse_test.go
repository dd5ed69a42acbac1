package main

import (
	"math"
	"testing"
	"time"
)

func TestEventTS(t *testing.T) {
	for in, want := range map[string]int64{
		`{"order_id":1,"customer":2,"ts":1732600000123456789}`:      1732600000123456789,
		`{"ts": 42, "order_id": 7}`:                                 42,
		`{"customer": 2, "order_id": 1, "ts": 1732600000123456789}`: 1732600000123456789,
		`{"order_id":1}`: 0,
	} {
		if got := eventTS([]byte(in)); got != want {
			t.Errorf("eventTS(%s) = %d, want %d", in, got, want)
		}
	}
}

func TestLineWriterAndCopyField(t *testing.T) {
	var got [][]byte
	w := &lineWriter{onLine: func(_ time.Time, line []byte) { got = append(got, append([]byte(nil), line...)) }}
	row := "0/1A\t7\tmessage\torder-events\t\\N\t\\N\t{\"ts\": 5}\t2026-11-26 18:00:00+00\n"
	w.Write([]byte(row[:10]))
	w.Write([]byte(row[10:] + row))
	if len(got) != 2 {
		t.Fatalf("got %d lines, want 2", len(got))
	}
	for _, line := range got {
		if op := string(copyField(line, 2)); op != "message" {
			t.Errorf("op = %q", op)
		}
		if ts := eventTS(copyField(line, 6)); ts != 5 {
			t.Errorf("ts = %d", ts)
		}
		if f := copyField(line, 9); f != nil {
			t.Errorf("field 9 = %q, want nil", f)
		}
	}
}

func TestParsePgbench(t *testing.T) {
	out := `pgbench (15.18)
transaction type: <builtin: TPC-B (sort of)>
scaling factor: 1
query mode: prepared
number of clients: 16
number of threads: 2
maximum number of tries: 10
duration: 3 s
number of transactions actually processed: 300
number of failed transactions: 100 (25.000%)
number of transactions retried: 12 (3.000%)
total number of retries: 40
latency average = 35.2 ms
initial connection time = 12.345 ms
tps = 100.5 (without initial connection time)
`
	s, err := parsePgbench(out)
	if err != nil {
		t.Fatal(err)
	}
	if s["throughput"] != 100.5 || s["avg latency"] != 35.2 || s["failed txns"] != 25 {
		t.Errorf("parsed %v", s)
	}
	if _, err := parsePgbench("pgbench: error: connection refused"); err == nil {
		t.Error("no error for output without tps")
	}
}

func TestPercentileAndMedian(t *testing.T) {
	var l latencies
	for i := 1; i <= 100; i++ {
		l = append(l, time.Duration(101-i)*time.Millisecond)
	}
	if p := l.percentile(50); p != 50 {
		t.Errorf("p50 = %v", p)
	}
	if p := l.percentile(99); p != 99 {
		t.Errorf("p99 = %v", p)
	}
	if !math.IsNaN(latencies(nil).percentile(50)) {
		t.Error("empty p50 is not NaN")
	}
	if m := median([]float64{3, 1, math.NaN(), 2}); m != 2 {
		t.Errorf("median = %v", m)
	}
	if m := median([]float64{1, 2}); m != 1.5 {
		t.Errorf("median of two = %v", m)
	}
}
