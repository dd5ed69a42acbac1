package settings

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"logdb/sql/exec"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// Def describes one configuration parameter.
type Def struct {
	Name       string // canonical spelling (as SHOW ALL prints it)
	def        string
	Reportable bool // sent in ParameterStatus
	ReadOnly   bool
	Unit       string
	Vartype    string
	desc       string
	Check      func(v string) (string, error) // normalizes; nil accepts anything
	// Superuser: only a superuser may change it (PostgreSQL's SUSET
	// context; 42501 for others), as the statement-logging settings.
	Superuser bool
}

// Defs are the parameters logdb knows, in SHOW ALL order.
var Defs = []Def{
	{Name: "application_name", def: "", Reportable: true, Vartype: "string", desc: "Sets the application name to be reported in statistics and logs."},
	{Name: "client_encoding", def: "UTF8", Reportable: true, Vartype: "string", desc: "Sets the client's character set encoding.", Check: checkEncoding},
	{Name: "DateStyle", def: "ISO, MDY", Reportable: true, Vartype: "string", desc: "Sets the display format for date and time values."},
	{Name: "default_transaction_read_only", def: "off", Reportable: true, Vartype: "bool", desc: "Sets the default read-only status of new transactions.", Check: CheckBool},
	{Name: "in_hot_standby", def: "off", Reportable: true, ReadOnly: true, Vartype: "bool", desc: "Shows whether hot standby is currently active."},
	{Name: "integer_datetimes", def: "on", Reportable: true, ReadOnly: true, Vartype: "bool", desc: "Shows whether datetimes are integer based."},
	{Name: "IntervalStyle", def: "postgres", Reportable: true, Vartype: "enum", desc: "Sets the display format for interval values.", Check: enumCheck("IntervalStyle", "postgres", "postgres_verbose", "sql_standard", "iso_8601")},
	{Name: "is_superuser", def: "on", Reportable: true, ReadOnly: true, Vartype: "bool", desc: "Shows whether the current user is a superuser."},
	{Name: "server_encoding", def: "UTF8", Reportable: true, ReadOnly: true, Vartype: "string", desc: "Shows the server (database) character set encoding."},
	{Name: "server_version", def: "15.0", Reportable: true, ReadOnly: true, Vartype: "string", desc: "Shows the server version."},
	{Name: "session_authorization", def: "", Reportable: true, Vartype: "string", desc: "Sets the session user name."},
	{Name: "standard_conforming_strings", def: "on", Reportable: true, Vartype: "bool", desc: "Causes '...' strings to treat backslashes literally.", Check: CheckBool},
	{Name: "TimeZone", def: "UTC", Reportable: true, Vartype: "string", desc: "Sets the time zone for displaying and interpreting time stamps.", Check: checkTimeZone},
	{Name: "search_path", def: `"$user", public`, Vartype: "string", desc: "Sets the schema search order for names that are not schema-qualified."},
	{Name: "statement_timeout", def: "0", Unit: "ms", Vartype: "integer", desc: "Sets the maximum allowed duration of any statement.", Check: checkDuration},
	{Name: "lock_timeout", def: "0", Unit: "ms", Vartype: "integer", desc: "Sets the maximum allowed duration of any wait for a lock.", Check: checkDuration},
	{Name: "idle_in_transaction_session_timeout", def: "0", Unit: "ms", Vartype: "integer", desc: "Sets the maximum allowed idle time between queries, when in a transaction.", Check: checkDuration},
	{Name: "idle_session_timeout", def: "0", Unit: "ms", Vartype: "integer", desc: "Sets the maximum allowed idle time between queries, when not in a transaction.", Check: checkDuration},
	{Name: "extra_float_digits", def: "1", Vartype: "integer", desc: "Sets the number of digits displayed for floating-point values.", Check: checkInt},
	{Name: "default_transaction_isolation", def: "serializable", Vartype: "enum", desc: "Sets the transaction isolation level of each new transaction.", Check: isolationCheck("default_transaction_isolation")},
	{Name: "transaction_isolation", def: "serializable", Vartype: "enum", desc: "Sets the current transaction's isolation level.", Check: isolationCheck("transaction_isolation")},
	{Name: "transaction_read_only", def: "off", Vartype: "bool", desc: "Sets the current transaction's read-only status.", Check: CheckBool},
	{Name: "default_transaction_deferrable", def: "off", Vartype: "bool", desc: "Sets the default deferrable status of new transactions.", Check: CheckBool},
	{Name: "transaction_deferrable", def: "off", Vartype: "bool", desc: "Whether to defer a read-only serializable transaction until it can be executed with no possible serialization failures.", Check: CheckBool},
	{Name: "synchronize_seqscans", def: "on", Vartype: "bool", desc: "Enable synchronized sequential scans.", Check: CheckBool},
	{Name: "row_security", def: "on", Vartype: "bool", desc: "Enable row security.", Check: CheckBool},
	{Name: "client_min_messages", def: "notice", Vartype: "enum", desc: "Sets the message levels that are sent to the client."},
	{Name: "max_identifier_length", def: "63", ReadOnly: true, Vartype: "integer", desc: "Shows the maximum identifier length."},
	{Name: "server_version_num", def: "150000", ReadOnly: true, Vartype: "integer", desc: "Shows the server version as an integer."},
	{Name: "max_connections", def: "100", ReadOnly: true, Vartype: "integer", desc: "Sets the maximum number of concurrent connections."},
	{Name: "work_mem", def: "64MB", Unit: "kB", Vartype: "integer", desc: "Sets the maximum memory to be used for query workspaces.", Check: exec.CheckWorkMem},
	{Name: "maintenance_work_mem", def: "64MB", Unit: "kB", Vartype: "integer", desc: "Sets the maximum memory to be used for maintenance operations."},
	{Name: "bytea_output", def: "hex", Vartype: "enum", desc: "Sets the output format for bytea.", Check: enumCheck("bytea_output", "escape", "hex")},
	{Name: "xmloption", def: "content", Vartype: "enum", desc: "Sets whether XML data in implicit parsing and serialization operations is to be considered as documents or content fragments."},
	{Name: "check_function_bodies", def: "on", Vartype: "bool", desc: "Check routine bodies during CREATE FUNCTION and CREATE PROCEDURE.", Check: CheckBool},
	{Name: "default_tablespace", def: "", Vartype: "string", desc: "Sets the default tablespace to create tables and indexes in."},
	{Name: "default_table_access_method", def: "heap", Vartype: "string", desc: "Sets the default table access method for new tables."},
	{Name: "default_with_oids", def: "off", Vartype: "bool", desc: "WITH OIDS is no longer supported; this can only be false."},
	{Name: "escape_string_warning", def: "on", Vartype: "bool", desc: "Warn about backslash escapes in ordinary string literals.", Check: CheckBool},
	{Name: "lc_messages", def: "C", Vartype: "string", desc: "Sets the language in which messages are displayed."},
	{Name: "lc_monetary", def: "C", Vartype: "string", desc: "Sets the locale for formatting monetary amounts."},
	{Name: "lc_numeric", def: "C", Vartype: "string", desc: "Sets the locale for formatting numbers."},
	{Name: "lc_time", def: "C", Vartype: "string", desc: "Sets the locale for formatting date and time values."},
	{Name: "lc_collate", def: "C", ReadOnly: true, Vartype: "string", desc: "Shows the collation order locale."},
	{Name: "lc_ctype", def: "C", ReadOnly: true, Vartype: "string", desc: "Shows the character classification and case conversion locale."},
	{Name: "enable_seqscan", def: "on", Vartype: "bool", desc: "Enables the planner's use of sequential-scan plans.", Check: CheckBool},
	{Name: "enable_indexscan", def: "on", Vartype: "bool", desc: "Enables the planner's use of index-scan plans.", Check: CheckBool},
	{Name: "jit", def: "off", Vartype: "bool", desc: "Allow JIT compilation.", Check: CheckBool},
	{Name: "timezone_abbreviations", def: "Default", Vartype: "string", desc: "Selects a file of time zone abbreviations."},
	{Name: "log_statement", def: "none", Vartype: "enum", desc: "Sets the type of statements logged.", Superuser: true,
		Check: enumCheck("log_statement", "none", "ddl", "mod", "all")},
	{Name: "log_min_duration_statement", def: "-1", Unit: "ms", Vartype: "integer", Superuser: true, Check: checkMinDuration,
		desc: "Sets the minimum execution time above which all statements will be logged."},
	{Name: "log_min_error_statement", def: "error", Vartype: "enum", Superuser: true,
		Check: enumCheck("log_min_error_statement", "debug5", "debug4", "debug3", "debug2", "debug1", "info", "notice", "warning", "error", "log", "fatal", "panic"),
		desc:  "Causes all statements generating error at or above this level to be logged."},
	{Name: "session_replication_role", def: "origin", Vartype: "enum", desc: "Sets the session's behavior for triggers and rewrite rules."},
	{Name: "data_directory_mode", def: "0700", ReadOnly: true, Vartype: "integer", desc: "Shows the mode of the data directory."},
	{Name: "block_size", def: "8192", ReadOnly: true, Vartype: "integer", desc: "Shows the size of a disk block."},
	{Name: "password_encryption", def: "scram-sha-256", Vartype: "enum", desc: "Chooses the algorithm for encrypting passwords.", Check: checkPasswordEncryption},
	{Name: "wal_level", def: "logical", ReadOnly: true, Vartype: "enum", desc: "Sets the level of information written to the WAL."},
	// Accepted as PostgreSQL accepts them (frameworks and tools set them),
	// with no effect in logdb: pg_settings' short_desc says so.
	{Name: "synchronous_commit", def: "on", Vartype: "enum", desc: "Sets the current transaction's synchronization level." + noEffect + " Every commit waits for a quorum's fsync.", Check: enumCheck("synchronous_commit", "local", "remote_write", "remote_apply", "on", "off")},
	{Name: "commit_delay", def: "0", Unit: "", Vartype: "integer", desc: "Sets the delay in microseconds between transaction commit and flushing WAL to disk." + noEffect, Check: checkInt},
	{Name: "commit_siblings", def: "5", Vartype: "integer", desc: "Sets the minimum number of concurrent open transactions required before performing commit_delay." + noEffect, Check: checkInt},
	{Name: "random_page_cost", def: "4", Vartype: "real", desc: "Sets the planner's estimate of the cost of a nonsequentially fetched disk page." + noEffect, Check: checkReal},
	{Name: "seq_page_cost", def: "1", Vartype: "real", desc: "Sets the planner's estimate of the cost of a sequentially fetched disk page." + noEffect, Check: checkReal},
	{Name: "cpu_tuple_cost", def: "0.01", Vartype: "real", desc: "Sets the planner's estimate of the cost of processing each tuple (row)." + noEffect, Check: checkReal},
	{Name: "cpu_index_tuple_cost", def: "0.005", Vartype: "real", desc: "Sets the planner's estimate of the cost of processing each index entry during an index scan." + noEffect, Check: checkReal},
	{Name: "cpu_operator_cost", def: "0.0025", Vartype: "real", desc: "Sets the planner's estimate of the cost of processing each operator or function call." + noEffect, Check: checkReal},
	{Name: "parallel_setup_cost", def: "1000", Vartype: "real", desc: "Sets the planner's estimate of the cost of starting up worker processes for parallel query." + noEffect, Check: checkReal},
	{Name: "parallel_tuple_cost", def: "0.1", Vartype: "real", desc: "Sets the planner's estimate of the cost of passing each tuple (row) from worker to leader backend." + noEffect, Check: checkReal},
	{Name: "cursor_tuple_fraction", def: "0.1", Vartype: "real", desc: "Sets the planner's estimate of the fraction of a cursor's rows that will be retrieved." + noEffect, Check: checkReal},
	{Name: "effective_cache_size", def: "4GB", Unit: "8kB", Vartype: "integer", desc: "Sets the planner's assumption about the total size of the data caches." + noEffect, Check: checkMemory},
	{Name: "effective_io_concurrency", def: "1", Vartype: "integer", desc: "Number of simultaneous requests that can be handled efficiently by the disk subsystem." + noEffect, Check: checkInt},
	{Name: "temp_buffers", def: "8MB", Unit: "8kB", Vartype: "integer", desc: "Sets the maximum number of temporary buffers used by each session." + noEffect, Check: checkMemory},
	{Name: "max_parallel_workers_per_gather", def: "2", Vartype: "integer", desc: "Sets the maximum number of parallel processes per executor node." + noEffect, Check: checkInt},
	{Name: "max_parallel_workers", def: "8", Vartype: "integer", desc: "Sets the maximum number of parallel workers that can be active at one time." + noEffect, Check: checkInt},
	{Name: "plan_cache_mode", def: "auto", Vartype: "enum", desc: "Controls the planner's selection of custom or generic plan." + noEffect, Check: enumCheck("plan_cache_mode", "auto", "force_generic_plan", "force_custom_plan")},
	{Name: "geqo", def: "on", Vartype: "bool", desc: "Enables genetic query optimization." + noEffect, Check: CheckBool},
	{Name: "from_collapse_limit", def: "8", Vartype: "integer", desc: "Sets the FROM-list size beyond which subqueries are not collapsed." + noEffect, Check: checkInt},
	{Name: "join_collapse_limit", def: "8", Vartype: "integer", desc: "Sets the FROM-list size beyond which JOIN constructs are not flattened." + noEffect, Check: checkInt},
	{Name: "default_statistics_target", def: "100", Vartype: "integer", desc: "Sets the default statistics target." + noEffect, Check: checkInt},
	{Name: "constraint_exclusion", def: "partition", Vartype: "enum", desc: "Enables the planner to use constraints to optimize queries." + noEffect, Check: enumCheck("constraint_exclusion", "partition", "on", "off")},
	{Name: "enable_nestloop", def: "on", Vartype: "bool", desc: "Enables the planner's use of nested-loop join plans." + noEffect, Check: CheckBool},
	{Name: "enable_hashjoin", def: "on", Vartype: "bool", desc: "Enables the planner's use of hash join plans." + noEffect, Check: CheckBool},
	{Name: "enable_mergejoin", def: "on", Vartype: "bool", desc: "Enables the planner's use of merge join plans." + noEffect, Check: CheckBool},
	{Name: "enable_indexonlyscan", def: "on", Vartype: "bool", desc: "Enables the planner's use of index-only-scan plans." + noEffect, Check: CheckBool},
	{Name: "enable_bitmapscan", def: "on", Vartype: "bool", desc: "Enables the planner's use of bitmap-scan plans." + noEffect, Check: CheckBool},
	{Name: "enable_sort", def: "on", Vartype: "bool", desc: "Enables the planner's use of explicit sort steps." + noEffect, Check: CheckBool},
	{Name: "enable_hashagg", def: "on", Vartype: "bool", desc: "Enables the planner's use of hashed aggregation plans." + noEffect, Check: CheckBool},
	{Name: "enable_material", def: "on", Vartype: "bool", desc: "Enables the planner's use of materialization." + noEffect, Check: CheckBool},
	{Name: "array_nulls", def: "on", Vartype: "bool", desc: "Enable input of NULL elements in arrays." + noEffect, Check: CheckBool},
	{Name: "backslash_quote", def: "safe_encoding", Vartype: "enum", desc: "Sets whether \"\\'\" is allowed in string literals." + noEffect, Check: enumCheck("backslash_quote", "safe_encoding", "on", "off")},
	{Name: "quote_all_identifiers", def: "off", Vartype: "bool", desc: "When generating SQL fragments, quote all identifiers." + noEffect, Check: CheckBool},
	{Name: "transform_null_equals", def: "off", Vartype: "bool", desc: "Treats \"expr=NULL\" as \"expr IS NULL\"." + noEffect, Check: checkFalse("transform_null_equals")},
	{Name: "default_text_search_config", def: "pg_catalog.simple", Vartype: "string", desc: "Sets default text search configuration." + noEffect},
	{Name: "vacuum_cost_delay", def: "0", Unit: "ms", Vartype: "real", desc: "Vacuum cost delay in milliseconds." + noEffect, Check: checkReal},
	{Name: "tcp_keepalives_idle", def: "0", Unit: "s", Vartype: "integer", desc: "Time between issuing TCP keepalives." + noEffect + " logdb sets its own keepalives.", Check: checkInt},
	{Name: "tcp_keepalives_interval", def: "0", Unit: "s", Vartype: "integer", desc: "Time between TCP keepalive retransmits." + noEffect + " logdb sets its own keepalives.", Check: checkInt},
	{Name: "tcp_keepalives_count", def: "0", Vartype: "integer", desc: "Maximum number of TCP keepalive retransmits." + noEffect + " logdb sets its own keepalives.", Check: checkInt},
	{Name: "log_lock_waits", def: "off", Vartype: "bool", desc: "Logs long lock waits." + noEffect, Check: CheckBool, Superuser: true},
	{Name: "track_io_timing", def: "off", Vartype: "bool", desc: "Collects timing statistics for database I/O activity." + noEffect, Check: CheckBool, Superuser: true},
	{Name: "gin_fuzzy_search_limit", def: "0", Vartype: "integer", desc: "Sets the maximum allowed result for exact search by GIN." + noEffect, Check: checkInt},
}

var settingIndex = func() map[string]int {
	m := make(map[string]int, len(Defs))
	for i, d := range Defs {
		m[strings.ToLower(d.Name)] = i
	}
	return m
}()

// Lookup finds a parameter by name, case-insensitively (42704 if unknown).
func Lookup(name string) (*Def, error) {
	n := strings.ToLower(name)
	if n == "time zone" || n == "time_zone" {
		n = "timezone"
	}
	if i, ok := settingIndex[n]; ok {
		return &Defs[i], nil
	}
	if strings.Contains(n, ".") { // custom (placeholder) variables, e.g. myapp.user_id
		return &Def{Name: n, Vartype: "string"}, nil
	}
	return nil, pgerror.New(pgerror.UndefinedObject, "unrecognized configuration parameter %q", name)
}

// CheckBool normalizes a boolean setting (on/off, true/false, yes/no, 1/0).
func CheckBool(v string) (string, error) {
	switch strings.ToLower(v) {
	case "on", "true", "yes", "1", "t", "y":
		return "on", nil
	case "off", "false", "no", "0", "f", "n":
		return "off", nil
	}
	return "", pgerror.New(pgerror.InvalidParameterValue, "parameter requires a Boolean value")
}

func checkPasswordEncryption(v string) (string, error) {
	switch strings.ToLower(v) {
	case "scram-sha-256", "md5":
		return strings.ToLower(v), nil
	}
	return "", &pgerror.Error{Code: pgerror.InvalidParameterValue,
		Message: "invalid value for parameter \"password_encryption\": \"" + v + "\"", Hint: "Available values: md5, scram-sha-256."}
}

// noEffect ends the description of a parameter logdb accepts and ignores.
const noEffect = " (No effect in logdb.)"

// checkReal accepts a floating-point value.
func checkReal(v string) (string, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || math.IsNaN(f) {
		return "", pgerror.New(pgerror.InvalidParameterValue, "parameter requires a numeric value")
	}
	return strconv.FormatFloat(f, 'g', -1, 64), nil
}

// checkMemory accepts a memory size with PostgreSQL's units (kB, MB, GB,
// TB; a bare number is kB here).
func checkMemory(v string) (string, error) {
	if _, err := exec.ParseMemoryKB(v); err != nil {
		return "", err
	}
	return strings.TrimSpace(v), nil
}

// checkFalse accepts only off, as PostgreSQL would accept any Boolean but
// logdb does not implement the on behaviour (0A000 says so).
func checkFalse(name string) func(string) (string, error) {
	return func(v string) (string, error) {
		b, err := CheckBool(v)
		if err != nil || b == "off" {
			return b, err
		}
		return "", pgerror.Unsupported(name + " = on")
	}
}

// enumCheck accepts one of values, case-insensitively, as PostgreSQL's
// enum parameters do (22023 with the values as a hint otherwise).
func enumCheck(name string, values ...string) func(string) (string, error) {
	return func(v string) (string, error) {
		for _, e := range values {
			if strings.EqualFold(strings.TrimSpace(v), e) {
				return e, nil
			}
		}
		return "", &pgerror.Error{Code: pgerror.InvalidParameterValue,
			Message: "invalid value for parameter \"" + name + "\": \"" + v + "\"", Hint: "Available values: " + strings.Join(values, ", ") + "."}
	}
}

// checkMinDuration reads log_min_duration_statement: milliseconds (units
// accepted), -1 to turn it off.
func checkMinDuration(v string) (string, error) {
	ms, err := parseDurationMS(v)
	if err != nil {
		return "", pgerror.New(pgerror.InvalidParameterValue, "invalid value for parameter \"log_min_duration_statement\": \"%s\"", v)
	}
	if ms < -1 || ms > math.MaxInt32 {
		return "", pgerror.New(pgerror.InvalidParameterValue, "%d ms is outside the valid range for parameter \"log_min_duration_statement\" (-1 .. 2147483647)", ms)
	}
	return strconv.FormatInt(ms, 10), nil
}

func checkInt(v string) (string, error) {
	if _, err := strconv.Atoi(v); err != nil {
		return "", pgerror.New(pgerror.InvalidParameterValue, "invalid value for parameter: %q", v)
	}
	return v, nil
}

func checkEncoding(v string) (string, error) {
	switch strings.ToUpper(strings.ReplaceAll(v, "-", "")) {
	case "UTF8", "UNICODE":
		return "UTF8", nil
	case "SQL_ASCII":
		return "SQL_ASCII", nil
	}
	return "", pgerror.New(pgerror.InvalidParameterValue, "invalid value for parameter \"client_encoding\": %q", v)
}

// isolationLevels are the values of the isolation settings, in the order
// PostgreSQL's hint lists them.
var isolationLevels = []string{"serializable", "repeatable read", "read committed", "read uncommitted"}

// CheckIsolationLevel reads a transaction_isolation value as SET
// TRANSACTION, BEGIN and SET transaction_isolation give it.
var CheckIsolationLevel = enumCheck("transaction_isolation", isolationLevels...)

// isolationCheck reads an isolation level for the setting name, with
// PostgreSQL's error and hint for any other value ("default" is
// logdb's default level).
func isolationCheck(name string) func(string) (string, error) {
	check := enumCheck(name, isolationLevels...)
	return func(v string) (string, error) {
		if strings.EqualFold(strings.TrimSpace(v), "default") {
			return "serializable", nil
		}
		return check(v)
	}
}

// checkDuration accepts "0", "5000", "5s", "100ms", "1min" and stores
// the value as PostgreSQL shows it: in the largest unit that divides it
// ("9s", "1min", "1500ms", "0"). MS reads it back.
func checkDuration(v string) (string, error) {
	d, err := parseDurationMS(v)
	if err != nil {
		return "", err
	}
	return formatDurationMS(d), nil
}

// formatDurationMS is PostgreSQL's display of a millisecond setting.
func formatDurationMS(ms int64) string {
	if ms == 0 {
		return "0"
	}
	for _, u := range []struct {
		name string
		n    int64
	}{{"d", 86400000}, {"h", 3600000}, {"min", 60000}, {"s", 1000}} {
		if ms%u.n == 0 {
			return strconv.FormatInt(ms/u.n, 10) + u.name
		}
	}
	return strconv.FormatInt(ms, 10) + "ms"
}

// MS is a duration setting's value in milliseconds (0 when unset).
func MS(v string) int64 {
	d, _ := parseDurationMS(v)
	return d
}

// durationUnits are the units a duration setting accepts, in ms.
var durationUnits = map[string]float64{"": 1, "ms": 1, "s": 1000, "min": 60000, "h": 3600000, "d": 86400000, "us": 0.001}

func parseDurationMS(v string) (int64, error) {
	if v == "0" {
		return 0, nil // the usual value, read before every statement
	}
	s := strings.TrimSpace(strings.ToLower(v))
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.' || s[i] == '-') {
		i++
	}
	n, err := strconv.ParseFloat(s[:i], 64)
	if err != nil {
		return 0, pgerror.New(pgerror.InvalidParameterValue, "invalid value for parameter: %q", v)
	}
	m, ok := durationUnits[strings.TrimSpace(s[i:])]
	if !ok {
		return 0, pgerror.New(pgerror.InvalidParameterValue, "invalid value for parameter: %q", v)
	}
	return int64(n * m), nil
}

// parseDateStyle reads a DateStyle value as PostgreSQL's check_datestyle
// does: an output style (ISO, SQL, Postgres, German) and an input order
// (MDY, DMY, YMD and their old names), each kept from cur when v does not
// name it; German alone means DMY; two different styles or orders are
// 22023.
func parseDateStyle(cur, v string) (string, types.DateOrder, error) {
	curOut, curOrder, _ := strings.Cut(cur, ", ")
	out, order := "", ""
	conflict := false
	for _, p := range strings.Split(v, ",") {
		var o, ord string
		switch strings.ToUpper(strings.TrimSpace(p)) {
		case "ISO":
			o = "ISO"
		case "SQL":
			o = "SQL"
		case "POSTGRES":
			o = "Postgres"
		case "GERMAN":
			o = "German"
		case "MDY", "US", "NONEURO", "NONEUROPEAN":
			ord = "MDY"
		case "DMY", "EURO", "EUROPEAN":
			ord = "DMY"
		case "YMD":
			ord = "YMD"
		case "DEFAULT":
			o, ord = "ISO", "MDY"
		default:
			e := pgerror.New(pgerror.InvalidParameterValue, "invalid value for parameter \"DateStyle\": \"%s\"", v)
			e.Detail = "Unrecognized key word: \"" + strings.TrimSpace(p) + "\"."
			return "", 0, e
		}
		conflict = conflict || o != "" && out != "" && o != out || ord != "" && order != "" && ord != order
		if o != "" {
			out = o
		}
		if ord != "" {
			order = ord
		}
	}
	if conflict {
		e := pgerror.New(pgerror.InvalidParameterValue, "invalid value for parameter \"DateStyle\": \"%s\"", v)
		e.Detail = "Conflicting \"datestyle\" specifications."
		return "", 0, e
	}
	if order == "" {
		order = curOrder
		if out == "German" {
			order = "DMY"
		}
	}
	if out == "" {
		out = curOut
	}
	return out + ", " + order, dateOrders[order], nil
}

var dateOrders = map[string]types.DateOrder{"MDY": types.DateOrderMDY, "DMY": types.DateOrderDMY, "YMD": types.DateOrderYMD}

func checkTimeZone(v string) (string, error) {
	if east, ok := zoneHours(v); ok {
		return types.OffsetZoneSetting(east), nil
	}
	if _, err := loadLocation(v); err != nil {
		return "", err
	}
	if strings.EqualFold(v, "utc") {
		return "UTC", nil
	}
	return v, nil
}

// zoneHours reads a TimeZone value that is a bare number of hours, east
// of UTC (SQL's sign, as PostgreSQL's check_timezone reads SET TIME ZONE
// 5.5), as seconds east.
func zoneHours(v string) (int, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || math.IsNaN(f) || math.Abs(f) > 24 {
		return 0, false
	}
	return int(math.Round(f * 3600)), true
}

// loadLocation resolves a TimeZone value: a number of hours east of UTC
// (zoneHours), or what types.LoadLocation reads (IANA names, UTC, POSIX
// strings such as '+02:00', which is two hours WEST, and '<+02>-02').
func loadLocation(v string) (*time.Location, error) {
	s := strings.TrimSpace(v)
	if strings.EqualFold(s, "utc") || strings.EqualFold(s, "gmt") || strings.EqualFold(s, "z") || strings.EqualFold(s, "zulu") || s == "" {
		return time.UTC, nil
	}
	if strings.EqualFold(s, "local") {
		return time.Local, nil
	}
	if east, ok := zoneHours(s); ok {
		return time.FixedZone(types.OffsetZoneName(east), east), nil
	}
	return types.LoadLocation(s)
}

// Settings holds one session's values (by lower-case name).
type Settings struct {
	Vals    map[string]string
	Changed map[string]bool // reportable parameters changed since the last report
	Loc     *time.Location
	// dateOrder is DateStyle's input half, as the type input functions read it.
	DateOrder types.DateOrder
	// Style is IntervalStyle and bytea_output, as the output functions read them.
	Style types.TextStyle
	Gen   int // bumped on every change (invalidates cached catalog schemas)
	// Base holds the server's defaults that differ from the built-in ones
	// (logdb start flags, by lower-case name): what RESET returns to.
	Base map[string]string
}

// New returns the defaults.
func New() *Settings { return NewWithBase(nil) }

// NewWithBase returns the defaults, with base (checked values, by
// lower-case name, as CheckBase returns them) over the built-in ones.
func NewWithBase(base map[string]string) *Settings {
	s := &Settings{Vals: map[string]string{}, Changed: map[string]bool{}, Loc: time.UTC, Base: base}
	for _, d := range Defs {
		s.Vals[strings.ToLower(d.Name)] = d.def
	}
	for k, v := range base {
		s.Vals[k] = v
	}
	s.Style = types.TextStyle{Interval: types.IntervalStyles[s.Vals["intervalstyle"]], ByteaEscape: s.Vals["bytea_output"] == "escape"}
	return s
}

// CheckBase checks server defaults given by name and returns them
// normalized, by lower-case name. Only the parameters a superuser may
// set, and that need no session to check, are accepted.
func CheckBase(vals map[string]string) (map[string]string, error) {
	out := map[string]string{}
	for name, v := range vals {
		d, err := Lookup(name)
		if err != nil {
			return nil, err
		}
		if d.ReadOnly || d.Check == nil {
			return nil, pgerror.New(pgerror.InvalidParameterValue, "parameter %q cannot be set as a server default", d.Name)
		}
		if v, err = d.Check(v); err != nil {
			return nil, err
		}
		out[strings.ToLower(d.Name)] = v
	}
	return out, nil
}

func (s *Settings) Get(name string) (string, error) {
	d, err := Lookup(name)
	if err != nil {
		return "", err
	}
	v, ok := s.Vals[strings.ToLower(d.Name)]
	if !ok && strings.Contains(d.Name, ".") {
		return "", pgerror.New(pgerror.UndefinedObject, "unrecognized configuration parameter %q", name)
	}
	return v, nil
}

func (s *Settings) Set(name, value string) error {
	d, err := Lookup(name)
	if err != nil {
		return err
	}
	if d.ReadOnly {
		return pgerror.New("55P02", "parameter %q cannot be changed", d.Name)
	}
	if d.Check != nil {
		if value, err = d.Check(value); err != nil {
			return err
		}
	}
	key := strings.ToLower(d.Name)
	if key == "datestyle" {
		if value, s.DateOrder, err = parseDateStyle(s.Vals[key], value); err != nil {
			return err
		}
	}
	if key == "intervalstyle" {
		s.Style.Interval = types.IntervalStyles[value]
	}
	if key == "bytea_output" {
		s.Style.ByteaEscape = value == "escape"
	}
	if key == "timezone" {
		loc, err := loadLocation(value)
		if err != nil {
			return err
		}
		s.Loc = loc
	}
	if old, ok := s.Vals[key]; ok && old == value {
		return nil
	}
	s.Vals[key] = value
	s.Gen++
	if d.Reportable {
		s.Changed[key] = true
	}
	return nil
}

func (s *Settings) Reset(name string) error {
	d, err := Lookup(name)
	if err != nil {
		return err
	}
	if v, ok := s.Base[strings.ToLower(d.Name)]; ok {
		return s.Set(d.Name, v)
	}
	return s.Set(d.Name, d.def)
}

// All returns name/value pairs sorted by name (SHOW ALL, pg_settings).
func (s *Settings) All() [][3]string {
	var out [][3]string
	for _, d := range Defs {
		out = append(out, [3]string{d.Name, s.Vals[strings.ToLower(d.Name)], d.desc})
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i][0]) < strings.ToLower(out[j][0]) })
	return out
}
