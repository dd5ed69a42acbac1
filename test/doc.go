// Package test holds logdb's system tests: they start the real logdb binary
// and talk to it only through the PostgreSQL wire protocol, with real
// clients — pgx (extended protocol, binary results), psql (simple protocol,
// text results), raw pgproto3 messages for protocol details, and
// node-postgres (test/node) when node and its modules are installed.
//
// # Running
//
//	go test ./test                          # the whole suite (a few minutes on 2 cores)
//	go test ./test -run TestKill9Durability -v
//	go test ./test -run 'TestSelect.*' -v
//	LOGDB_BIN=bin/logdb go test ./test      # a prebuilt binary (relative to the repository root)
//
// TestMain builds logdb/cmd/logdb once per run into a temporary directory,
// unless $LOGDB_BIN names a binary. The first build compiles pg_query's C
// code (about 70 s); later builds come from Go's cache.
//
// # Checking the tests against PostgreSQL
//
// Every expectation is what PostgreSQL 15 does. To check a test itself, run
// the suite against a real PostgreSQL that has a superuser role and a
// database both named logdb:
//
//	LOGDB_TEST_POSTGRES=127.0.0.1:5432 go test ./test
//
// Tests on the shared node then use that server (with
// default_transaction_isolation=serializable, logdb's default isolation
// level); tests that start, kill or restart their own nodes
// are skipped. The public schema is dropped and recreated first.
//
// # The harness (harness_test.go)
//
//   - Figures (kill -9 rounds, bank transfers, write skew) are printed with
//     -v: go test shows a passing package's output only then.
//   - mustStartNode(t, dir) starts `logdb start --data-dir dir --listen
//     127.0.0.1:PORT` on a free port (probed with :0, retried if taken),
//     with stdout and stderr appended to a log file in t.TempDir(), and
//     polls with a deadline until a pgx connection succeeds. The process is
//     killed when the test ends; if the test failed, the log's tail is
//     printed.
//   - Node.Kill9 (SIGKILL), Node.Stop (SIGTERM; must exit 0 within 10 s),
//     Node.Restart (same data directory, same port when free).
//   - sharedNode(t) is one node for every test that neither kills nor
//     restarts its server. Those tests run in parallel and name their
//     tables after themselves.
//   - mustConnect, mustConns (one connection per worker; pgxpool is not
//     used), psql / psqlRun / psqlWantError (psql -X -A -t, ON_ERROR_STOP,
//     VERBOSITY=verbose so SQLSTATEs appear, NULL printed as NULL),
//     checkQuery / checkPsql (rows rendered one a line, columns joined by
//     '|', as psql -A -t prints them), wantCode (SQLSTATE), testCtx (the
//     timeout context of a test).
//
// # Files
//
//	startup_test.go       --help, start on a fresh directory, databases logdb/postgres/3D000, SIGTERM
//	databases_test.go     CREATE/ALTER/DROP DATABASE against PostgreSQL, isolation, restart, the
//	                      dropped database's keys gone from state.db, three nodes
//	databases_dump_test.go  pg_dumpall restored into PostgreSQL 15 and into logdb
//	protocol_test.go      ParameterStatus, SSL/GSSENC refusal, cancel (57014), PortalSuspended,
//	                      skip-until-Sync, prepared statements, implicit transactions, message cap
//	types_test.go         every type of issue 2 through pgx and psql, with NULLs; 22001; numeric;
//	                      1 MiB values and a 20,000-row result
//	ddl_test.go           CREATE/DROP/ALTER TABLE, constraints, sequences, indexes, TRUNCATE
//	dml_test.go           INSERT forms, ON CONFLICT, UPDATE … FROM, DELETE, RETURNING
//	select_test.go        WHERE … joins, subqueries, functions, casts, error codes
//	txn_test.go           BEGIN/COMMIT/ROLLBACK, savepoints, 25P02, SET/SHOW/RESET
//	serializable_test.go  lost update, write skew (on-call doctors), bank transfers under a reader
//	durability_test.go    kill -9 under 8 writers (+1 two-table transaction writer), three rounds;
//	                      prints acknowledged=N lost=0 per round
//	concurrency_test.go   autocommit conflicts retried by the server, concurrent DDL, 64 sessions
//	unsupported_test.go   unimplemented statements fail with 0A000 naming the feature (logdb only)
//	psql_test.go          \dt, \d table (compared with PostgreSQL 15's output), \di, \dn, \l
//	pgxtypes_test.go      pgx LoadType/LoadTypes, arrays, json
//	node_test.go          runs test/node/pg_test.js with node-postgres, if installed
//	                      (npm ci --prefix test/node; node_modules is not committed)
//	notify_test.go        LISTEN/NOTIFY: a listener on each node of three gets the notifications
//	                      of 1,000 commits through all nodes once, in commit order, none of the
//	                      rolled-back or 40001 ones; delivery time per node (-v); node-postgres
//	                      across nodes (test/node/notify_test.js); a step-by-step comparison
//	                      with PostgreSQL 15 (limits, UNLISTEN, pg_listening_channels)
//
// The other files, by the tests they hold (each test's comment says what
// it checks and against what):
//
//	activity_test.go            TestStatActivity, TestStatCounters
//	aggregates_frames_test.go   TestAggregatesMatchPostgres,
//	                            TestWindowFramesMatchPostgres,
//	                            TestGroupByMatchesResolvedExpressions,
//	                            TestRoleStatementsMatchPostgres,
//	                            TestFetchWithTiesMatchesPostgres,
//	                            TestFrameworkSettingsMatchPostgres
//	arrays_test.go              TestArrayAssignmentMatchesPostgres,
//	                            TestMultiDimArraysMatchPostgres
//	auth_methods_test.go        TestAuthMethods
//	auth_test.go                TestAuthClients, TestInsecureListen
//	backup_test.go              TestBackupRestore, TestPointInTimeRestore,
//	                            TestPointInTimeRestoreFromArchive
//	batch_error_test.go         TestDescribeMissingPortalRollsBackBatch
//	changefeed_figures_test.go  TestChangefeedFigures
//	changefeed_helpers_test.go  helpers: change is one row of the changefeed, as
//	                            COPY text or FETCH returns it
//	changefeed_resume_test.go   TestSlotExactlyOnce, TestSubscriberResume
//	changefeed_slots_test.go    TestReplicationSlots, TestRetention
//	changefeed_test.go          TestChangefeedPositions, TestSubscribeStartsAtEnd,
//	                            TestSubscribeFromLSN, TestSubscribeSnapshot,
//	                            TestSubscribeProgress, TestSubscribePsqlCopy,
//	                            TestSubscribePgxCopy, TestSubscribeFetch,
//	                            TestSubscribeTransactions, TestSubscribeMessages,
//	                            TestSubscribeSchemaChange, TestSubscribeErrors
//	cluster_changefeed_test.go  TestClusterSubscriberSwitchesNodes
//	client_tools_test.go        helpers: psql and pg_dump against logdb and the
//	                            reference PostgreSQL (clientArgs, runClient,
//	                            mustDump, mustLoadScript, mustRestoreIntoPostgres)
//	cluster_harness_test.go     helpers: Cluster is a raft group of real logdb
//	                            processes on loopback, each with its own data
//	                            directory, SQL port and raft port (fixed for the
//	                            test, so a restarted node keeps its addresses)
//	cluster_hostile_test.go     TestClusterHostileRaftFrames
//	cluster_linearizable_test.goTestClusterLinearizableRegisters,
//	                            TestRegisterModelRejectsStaleRead
//	cluster_membership_test.go  TestClusterMembership,
//	                            TestClusterMembershipKeepsQuorum,
//	                            TestRecoverForceNewCluster
//	cluster_partition_test.go   TestClusterPartitionIsolatedLeader,
//	                            TestClusterPartitions
//	cluster_quorum_test.go      TestClusterLostQuorumIsRetryable
//	cluster_statehash_test.go   TestClusterStateHashes
//	cluster_test.go             TestClusterServesSQLOnEveryNode,
//	                            TestClusterKill9EachNode,
//	                            TestClusterSnapshotCatchUp
//	cluster_tls_test.go         TestClusterRaftMutualTLS
//	copy_in_test.go             TestCopyFromEndMarker, TestCopyCSVRoundTrip,
//	                            TestPgRestoreCustomFormat, TestCopyFromLineLimit
//	datadir_test.go             TestDataDirInUse, TestTruncatedStateRebuilt,
//	                            TestMaxConnections, TestFileLimitCapsConnections,
//	                            TestConnectionStorm
//	debezium_test.go            TestDebeziumSequence
//	difftest_gen_test.go        helpers: The differential tester's generator: a
//	                            seeded schema and data set, and random queries
//	                            over them that PostgreSQL 15 accepts and answers
//	                            the same way every time (no row order without
//	                            ORDER BY over every column, no floating-point
//	                            sums, no aggregate whose result depends on input
//	                            order)
//	difftest_test.go            TestDifferential
//	diskfull_test.go            TestDiskFull
//	docs_test.go                TestOperationsGuide
//	empty_select_test.go        TestEmptySelectList
//	fk_test.go                  TestForeignKeysMatchPostgres,
//	                            TestForeignKeysPsqlAndDump, TestForeignKeyRaces
//	frameworks_go_test.go       TestGolangMigrate (test/testdata/golang-migrate)
//	frameworks_node_test.go     TestNodeFrameworks: knex, Sequelize, TypeORM
//	                            (test/node, npm ci --prefix test/node)
//	frameworks_python_test.go   TestDjango (test/python/django_site),
//	                            TestSQLAlchemyAlembic (test/python/sqla)
//	frameworks_sql_test.go      TestFrameworkSQLMatchesPostgres,
//	                            TestIdentifierQuotingMatchesPostgres,
//	                            TestUntypedParamInFunctionMatchesPostgres,
//	                            TestColumnDefaultTextMatchesPostgres
//	harness_test.go             TestMain
//	idle_timeout_test.go        TestIdleTimeouts
//	jsonpath_test.go            TestJSONPathMatchesPostgres,
//	                            TestRegexpMatchesStringToTableJSONBInsertMatchPostgres
//	limits_test.go              TestStatementTooDeep, TestTxnTooLarge,
//	                            TestClusterTxnTooLarge, TestInvalidTextRefused
//	merge_update_test.go        TestMergeUpdateBank
//	netns_harness_test.go       helpers: A netnsCluster is a Cluster whose nodes
//	                            run in network namespaces of their own, joined by
//	                            a bridge, so faults are real packet loss: iptables
//	                            rules inside a node's namespace drop its traffic
//	                            with chosen peers (the raft connections see
//	                            timeouts and retransmissions, not closed sockets),
//	                            while clients in the test's own namespace reach
//	                            every node through the bridge's address
//	operate_test.go             TestMetricsEndpoint, TestClusterReadyz
//	outbox_example_test.go      TestOutboxExample, TestOutboxReadmeInSync
//	output_styles_test.go       TestIntervalTypmodsAndStylesMatchPostgres,
//	                            TestByteaOutputEscape
//	pgoutput_test.go            TestPgoutputExactlyOnce,
//	                            TestPsycopg2LogicalReplication,
//	                            TestReplicationStatus
//	portals_test.go             TestNamedPortalSurvivesSync,
//	                            TestDeclaredCursorIsPortal
//	postgres_harness_test.go    helpers: Postgres is a throwaway PostgreSQL 15
//	                            server started by a test, the reference logdb's
//	                            behaviour is compared with (and, for logical
//	                            replication, a subscriber); started by
//	                            test/internal/pgserver (shared with test/corpus
//	                            and test/bench) from a data directory initdb
//	                            made once per run; mustPostgresAndNode is a
//	                            comparison test's set-up
//	privileges_test.go          TestReaderRole, TestClusterPrivileges
//	psycopg3_test.go            TestPsycopg3CopyAndNamedCursor
//	render_test.go              helpers: renderValue formats a value decoded by
//	                            pgx for comparison in tests
//	replication_test.go         TestRecvlogicalMatchesPostgres,
//	                            TestReplicaIdentityRequired
//	roles_test.go               TestRoles, TestRoleSettings
//	srf_rows_test.go            TestSetReturningFunctionsMatchPostgres,
//	                            TestRowValuesMatchPostgres
//	statement_log_test.go       TestStatementLogging, TestStatementLoggingFlags
//	streaming_test.go           TestSlowReaderHoldsMemoryFlat,
//	                            TestPortalRowLimitStopsEarly
//	subscriber_test.go          TestPostgresSubscriber,
//	                            TestPostgresSubscriberFailover
//	tls_test.go                 TestTLS
//	workmem_test.go             TestRecursiveCTEStopsUnderLimit,
//	                            TestWorkMemSetting, TestWorkMemExceeded,
//	                            TestTimeoutAndCancelStopStreamingQueries,
//	                            TestSortSpillsPastWorkMem, TestMaxStatementMemory
//	wrong_answers_input_test.go TestDateStyleInputMatchesPostgres,
//	                            TestZoneAbbreviationHistoryMatchesPostgres,
//	                            TestCursorsMatchPostgres,
//	                            TestDifftestFindingsMatchPostgres
//	wrong_answers_test.go       TestWrongAnswersMatchPostgres,
//	                            TestCopyOneRowPerMessage
package test
