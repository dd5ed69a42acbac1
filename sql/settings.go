package sql

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

// settingDef describes one configuration parameter.
type settingDef struct {
	name       string // canonical spelling (as SHOW ALL prints it)
	def        string
	reportable bool // sent in ParameterStatus
	readOnly   bool
	unit       string
	vartype    string
	desc       string
	check      func(v string) (string, error) // normalizes; nil accepts anything
}

var settingDefs = []settingDef{
	{name: "application_name", def: "", reportable: true, vartype: "string", desc: "Sets the application name to be reported in statistics and logs."},
	{name: "client_encoding", def: "UTF8", reportable: true, vartype: "string", desc: "Sets the client's character set encoding.", check: checkEncoding},
	{name: "DateStyle", def: "ISO, MDY", reportable: true, vartype: "string", desc: "Sets the display format for date and time values."},
	{name: "default_transaction_read_only", def: "off", reportable: true, vartype: "bool", desc: "Sets the default read-only status of new transactions.", check: checkBool},
	{name: "in_hot_standby", def: "off", reportable: true, readOnly: true, vartype: "bool", desc: "Shows whether hot standby is currently active."},
	{name: "integer_datetimes", def: "on", reportable: true, readOnly: true, vartype: "bool", desc: "Shows whether datetimes are integer based."},
	{name: "IntervalStyle", def: "postgres", reportable: true, vartype: "enum", desc: "Sets the display format for interval values."},
	{name: "is_superuser", def: "on", reportable: true, readOnly: true, vartype: "bool", desc: "Shows whether the current user is a superuser."},
	{name: "server_encoding", def: "UTF8", reportable: true, readOnly: true, vartype: "string", desc: "Shows the server (database) character set encoding."},
	{name: "server_version", def: "15.0", reportable: true, readOnly: true, vartype: "string", desc: "Shows the server version."},
	{name: "session_authorization", def: "", reportable: true, vartype: "string", desc: "Sets the session user name."},
	{name: "standard_conforming_strings", def: "on", reportable: true, vartype: "bool", desc: "Causes '...' strings to treat backslashes literally.", check: checkBool},
	{name: "TimeZone", def: "UTC", reportable: true, vartype: "string", desc: "Sets the time zone for displaying and interpreting time stamps.", check: checkTimeZone},
	{name: "search_path", def: `"$user", public`, vartype: "string", desc: "Sets the schema search order for names that are not schema-qualified."},
	{name: "statement_timeout", def: "0", unit: "ms", vartype: "integer", desc: "Sets the maximum allowed duration of any statement.", check: checkDuration},
	{name: "lock_timeout", def: "0", unit: "ms", vartype: "integer", desc: "Sets the maximum allowed duration of any wait for a lock.", check: checkDuration},
	{name: "idle_in_transaction_session_timeout", def: "0", unit: "ms", vartype: "integer", desc: "Sets the maximum allowed idle time between queries, when in a transaction.", check: checkDuration},
	{name: "idle_session_timeout", def: "0", unit: "ms", vartype: "integer", desc: "Sets the maximum allowed idle time between queries, when not in a transaction.", check: checkDuration},
	{name: "extra_float_digits", def: "1", vartype: "integer", desc: "Sets the number of digits displayed for floating-point values.", check: checkInt},
	{name: "default_transaction_isolation", def: "serializable", vartype: "enum", desc: "Sets the transaction isolation level of each new transaction.", check: checkIsolation},
	{name: "transaction_isolation", def: "serializable", vartype: "enum", desc: "Sets the current transaction's isolation level.", check: checkIsolation},
	{name: "transaction_read_only", def: "off", vartype: "bool", desc: "Sets the current transaction's read-only status.", check: checkBool},
	{name: "default_transaction_deferrable", def: "off", vartype: "bool", desc: "Sets the default deferrable status of new transactions.", check: checkBool},
	{name: "transaction_deferrable", def: "off", vartype: "bool", desc: "Whether to defer a read-only serializable transaction until it can be executed with no possible serialization failures.", check: checkBool},
	{name: "synchronize_seqscans", def: "on", vartype: "bool", desc: "Enable synchronized sequential scans.", check: checkBool},
	{name: "row_security", def: "on", vartype: "bool", desc: "Enable row security.", check: checkBool},
	{name: "client_min_messages", def: "notice", vartype: "enum", desc: "Sets the message levels that are sent to the client."},
	{name: "max_identifier_length", def: "63", readOnly: true, vartype: "integer", desc: "Shows the maximum identifier length."},
	{name: "server_version_num", def: "150000", readOnly: true, vartype: "integer", desc: "Shows the server version as an integer."},
	{name: "max_connections", def: "100", readOnly: true, vartype: "integer", desc: "Sets the maximum number of concurrent connections."},
	{name: "work_mem", def: "64MB", unit: "kB", vartype: "integer", desc: "Sets the maximum memory to be used for query workspaces.", check: exec.CheckWorkMem},
	{name: "maintenance_work_mem", def: "64MB", unit: "kB", vartype: "integer", desc: "Sets the maximum memory to be used for maintenance operations."},
	{name: "bytea_output", def: "hex", vartype: "enum", desc: "Sets the output format for bytea."},
	{name: "xmloption", def: "content", vartype: "enum", desc: "Sets whether XML data in implicit parsing and serialization operations is to be considered as documents or content fragments."},
	{name: "check_function_bodies", def: "on", vartype: "bool", desc: "Check routine bodies during CREATE FUNCTION and CREATE PROCEDURE.", check: checkBool},
	{name: "default_tablespace", def: "", vartype: "string", desc: "Sets the default tablespace to create tables and indexes in."},
	{name: "default_table_access_method", def: "heap", vartype: "string", desc: "Sets the default table access method for new tables."},
	{name: "default_with_oids", def: "off", vartype: "bool", desc: "WITH OIDS is no longer supported; this can only be false."},
	{name: "escape_string_warning", def: "on", vartype: "bool", desc: "Warn about backslash escapes in ordinary string literals.", check: checkBool},
	{name: "lc_messages", def: "C", vartype: "string", desc: "Sets the language in which messages are displayed."},
	{name: "lc_monetary", def: "C", vartype: "string", desc: "Sets the locale for formatting monetary amounts."},
	{name: "lc_numeric", def: "C", vartype: "string", desc: "Sets the locale for formatting numbers."},
	{name: "lc_time", def: "C", vartype: "string", desc: "Sets the locale for formatting date and time values."},
	{name: "lc_collate", def: "C", readOnly: true, vartype: "string", desc: "Shows the collation order locale."},
	{name: "lc_ctype", def: "C", readOnly: true, vartype: "string", desc: "Shows the character classification and case conversion locale."},
	{name: "enable_seqscan", def: "on", vartype: "bool", desc: "Enables the planner's use of sequential-scan plans.", check: checkBool},
	{name: "enable_indexscan", def: "on", vartype: "bool", desc: "Enables the planner's use of index-scan plans.", check: checkBool},
	{name: "jit", def: "off", vartype: "bool", desc: "Allow JIT compilation.", check: checkBool},
	{name: "timezone_abbreviations", def: "Default", vartype: "string", desc: "Selects a file of time zone abbreviations."},
	{name: "log_statement", def: "none", vartype: "enum", desc: "Sets the type of statements logged."},
	{name: "session_replication_role", def: "origin", vartype: "enum", desc: "Sets the session's behavior for triggers and rewrite rules."},
	{name: "data_directory_mode", def: "0700", readOnly: true, vartype: "integer", desc: "Shows the mode of the data directory."},
	{name: "block_size", def: "8192", readOnly: true, vartype: "integer", desc: "Shows the size of a disk block."},
	{name: "password_encryption", def: "scram-sha-256", vartype: "enum", desc: "Chooses the algorithm for encrypting passwords.", check: checkPasswordEncryption},
	{name: "wal_level", def: "logical", readOnly: true, vartype: "enum", desc: "Sets the level of information written to the WAL."},
}

var settingIndex = func() map[string]int {
	m := make(map[string]int, len(settingDefs))
	for i, d := range settingDefs {
		m[strings.ToLower(d.name)] = i
	}
	return m
}()

func lookupSetting(name string) (*settingDef, error) {
	n := strings.ToLower(name)
	if n == "time zone" || n == "time_zone" {
		n = "timezone"
	}
	if i, ok := settingIndex[n]; ok {
		return &settingDefs[i], nil
	}
	if strings.Contains(n, ".") { // custom (placeholder) variables, e.g. myapp.user_id
		return &settingDef{name: n, vartype: "string"}, nil
	}
	return nil, pgerror.New(pgerror.UndefinedObject, "unrecognized configuration parameter %q", name)
}

func checkBool(v string) (string, error) {
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

func checkIsolation(v string) (string, error) {
	switch strings.ToLower(v) {
	case "serializable", "repeatable read", "read committed", "read uncommitted", "default":
		return "serializable", nil
	}
	return "", pgerror.New(pgerror.InvalidParameterValue, "invalid value for parameter \"transaction_isolation\": %q", v)
}

// checkDuration accepts "0", "5000", "5s", "100ms", "1min" and stores ms.
func checkDuration(v string) (string, error) {
	d, err := parseDurationMS(v)
	if err != nil {
		return "", err
	}
	return strconv.FormatInt(d, 10), nil
}

func parseDurationMS(v string) (int64, error) {
	s := strings.TrimSpace(strings.ToLower(v))
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.' || s[i] == '-') {
		i++
	}
	n, err := strconv.ParseFloat(s[:i], 64)
	if err != nil {
		return 0, pgerror.New(pgerror.InvalidParameterValue, "invalid value for parameter: %q", v)
	}
	mult := map[string]float64{"": 1, "ms": 1, "s": 1000, "min": 60000, "h": 3600000, "d": 86400000, "us": 0.001}
	m, ok := mult[strings.TrimSpace(s[i:])]
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

// settings holds one session's values (by lower-case name).
type settings struct {
	vals    map[string]string
	changed map[string]bool // reportable parameters changed since the last report
	loc     *time.Location
	// dateOrder is DateStyle's input half, as the type input functions read it.
	dateOrder types.DateOrder
	gen       int // bumped on every change (invalidates cached catalog schemas)
}

func newSettings() *settings {
	s := &settings{vals: map[string]string{}, changed: map[string]bool{}, loc: time.UTC}
	for _, d := range settingDefs {
		s.vals[strings.ToLower(d.name)] = d.def
	}
	return s
}

func (s *settings) get(name string) (string, error) {
	d, err := lookupSetting(name)
	if err != nil {
		return "", err
	}
	v, ok := s.vals[strings.ToLower(d.name)]
	if !ok && strings.Contains(d.name, ".") {
		return "", pgerror.New(pgerror.UndefinedObject, "unrecognized configuration parameter %q", name)
	}
	return v, nil
}

func (s *settings) set(name, value string) error {
	d, err := lookupSetting(name)
	if err != nil {
		return err
	}
	if d.readOnly {
		return pgerror.New("55P02", "parameter %q cannot be changed", d.name)
	}
	if d.check != nil {
		if value, err = d.check(value); err != nil {
			return err
		}
	}
	key := strings.ToLower(d.name)
	if key == "datestyle" {
		if value, s.dateOrder, err = parseDateStyle(s.vals[key], value); err != nil {
			return err
		}
	}
	if key == "timezone" {
		loc, err := loadLocation(value)
		if err != nil {
			return err
		}
		s.loc = loc
	}
	if old, ok := s.vals[key]; ok && old == value {
		return nil
	}
	s.vals[key] = value
	s.gen++
	if d.reportable {
		s.changed[key] = true
	}
	return nil
}

func (s *settings) reset(name string) error {
	d, err := lookupSetting(name)
	if err != nil {
		return err
	}
	return s.set(d.name, d.def)
}

// all returns name/value pairs sorted by name (SHOW ALL, pg_settings).
func (s *settings) all() [][3]string {
	var out [][3]string
	for _, d := range settingDefs {
		out = append(out, [3]string{d.name, s.vals[strings.ToLower(d.name)], d.desc})
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i][0]) < strings.ToLower(out[j][0]) })
	return out
}
