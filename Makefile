# logdb — see README.md. `make run` starts a node; `make test` runs everything.
GO      ?= go
BIN     := bin/logdb
DATA    ?= ./logdb-data
LISTEN  ?= 127.0.0.1:5433
PG_BIN  ?= /usr/lib/postgresql/15/bin

export PATH := $(PATH):$(PG_BIN)

.PHONY: all build run test vet unit system fuzz-quick fuzz chaos bench bench-quick fmt clean difftest corpus

all: build

build:
	$(GO) build -o $(BIN) ./cmd/logdb

# Build and start a single node on ./logdb-data (created on first start).
run: build
	./$(BIN) start --data-dir $(DATA) --listen $(LISTEN)

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...

# The whole suite: vet, package tests, then system tests against real nodes.
test: vet build
	$(GO) test -count=1 -timeout 10m $$($(GO) list ./... | grep -v '^logdb/test$$')
	$(MAKE) --no-print-directory fuzz-quick
	LOGDB_BIN=$(abspath $(BIN)) $(GO) test -count=1 -timeout 15m ./test

unit:
	$(GO) test -count=1 -timeout 10m $$($(GO) list ./... | grep -v '^logdb/test$$')

system: build
	LOGDB_BIN=$(abspath $(BIN)) $(GO) test -count=1 -timeout 15m -v ./test

# The decoders that face the network, fuzzed: FUZZTIME each: the raft
# transport's frames into raft, a client's bytes into pgwire, replication
# commands and standby messages. Budgets are counts of executions (Nx), not
# durations: Go 1.26's fuzz coordinator can fail a duration run with
# "context deadline exceeded" on a loaded machine (go.dev/issue/75804).
FUZZTIME ?= 3000x
fuzz-quick:
	$(GO) test -run '^$$' -fuzz '^FuzzRaftFrames$$' -fuzztime $(FUZZTIME) ./raftlog
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./replication
	$(GO) test -run '^$$' -fuzz '^FuzzClientMessage$$' -fuzztime $(FUZZTIME) ./replication
	$(GO) test -run '^$$' -fuzz '^FuzzWire$$' -fuzztime $(FUZZTIME) ./pgwire

fuzz:
	$(MAKE) --no-print-directory fuzz-quick FUZZTIME=300000x

# Long fault runs on a three-node cluster: kill -9 and SIGSTOP of leaders and
# followers under writers, and a porcupine linearizability check (about a minute);
# then the partition suite (as root: network namespaces and iptables; it
# skips otherwise): six network faults, three times each (about 8 minutes).
chaos: build
	LOGDB_CHAOS=1 LOGDB_BIN=$(abspath $(BIN)) $(GO) test -count=1 -timeout 15m -v -run 'TestCluster(Kill9EachNode|LinearizableRegisters)' ./test
	LOGDB_CHAOS=1 LOGDB_BIN=$(abspath $(BIN)) $(GO) test -count=1 -timeout 30m -v -run '^TestClusterPartitions$$' ./test

# Benchmarks against a throwaway PostgreSQL 15 (single, and a primary with two
# quorum-synchronous standbys), the broker pipeline (pg3 + NATS JetStream on
# three nats-server processes), single-node and three-node logdb; same client
# code, alternating rounds; prints the figures and the issue-17 goals table,
# writes bench-results.json and bench-results-insert-curve.svg
# (test/bench/README.md). The scale workload loads BENCH_SCALE_ROWS rows into
# each single-node system first (minutes); BENCH_SCALE_ROWS=0 leaves it out.
BENCH_TARGETS    ?= pg,logdb,pg3,logdb3
BENCH_SCALE_ROWS ?= 10000000
bench: build
	$(GO) run ./test/bench -logdb-bin $(BIN) -pg-bin $(PG_BIN) -targets $(BENCH_TARGETS) -scale-rows $(BENCH_SCALE_ROWS) -json bench-results.json

# Every workload and every goal row briefly, one round (a few minutes); fails only if the harness breaks.
bench-quick: build
	$(GO) run ./test/bench -quick -logdb-bin $(BIN) -pg-bin $(PG_BIN) -targets $(BENCH_TARGETS) -scale-rows 100000 -json bench-quick.json

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin

# The differential tester: random queries over a seeded schema on logdb
# and on a throwaway PostgreSQL 15, answers and SQLSTATEs compared
# (test/difftest_test.go). make test runs seed 1 for 600 queries.
SEED     ?= 1
DURATION ?= 5m
difftest: build
	LOGDB_BIN=$(abspath $(BIN)) $(GO) test -count=1 -timeout 0 -v -run '^TestDifferential$$' ./test -args -difftest.seed=$(SEED) -difftest.duration=$(DURATION)

# PostgreSQL 15's own regression scripts (test/corpus/testdata/pg15-regress)
# run statement by statement on logdb and on a throwaway PostgreSQL 15: the
# share of statements whose results match, per file and in total, the most
# frequent causes of difference; writes corpus-results.json (minutes; not
# part of make test). CORPUS_FILES=select,join runs a few.
CORPUS_FILES ?=
corpus: build
	$(GO) run ./test/corpus -logdb-bin $(BIN) -pg-bin $(PG_BIN) -files "$(CORPUS_FILES)" -json corpus-results.json
