package pgcatalog

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"logdb/sql/types"
)

// This file generates the catalogs of fixed or nearly fixed content:
// pg_type, pg_namespace, pg_database, roles, access methods, collations,
// tablespaces, extensions, languages, settings and session statistics.

func init() {
	rowFuncs["pg_catalog.pg_type"] = pgTypeRows
	rowFuncs["pg_catalog.pg_description"] = pgDescriptionRows
	rowFuncs["pg_catalog.pg_namespace"] = pgNamespaceRows
	rowFuncs["pg_catalog.pg_database"] = pgDatabaseRows
	rowFuncs["pg_catalog.pg_db_role_setting"] = pgDBRoleSettingRows
	rowFuncs["pg_catalog.pg_authid"] = pgAuthidRows
	rowFuncs["pg_catalog.pg_roles"] = pgRolesRows
	rowFuncs["pg_catalog.pg_user"] = pgUserRows
	rowFuncs["pg_catalog.pg_auth_members"] = pgAuthMembersRows
	rowFuncs["pg_catalog.pg_shadow"] = pgUserRows
	rowFuncs["pg_catalog.pg_am"] = pgAmRows
	rowFuncs["pg_catalog.pg_collation"] = pgCollationRows
	rowFuncs["pg_catalog.pg_tablespace"] = pgTablespaceRows
	rowFuncs["pg_catalog.pg_extension"] = pgExtensionRows
	rowFuncs["pg_catalog.pg_language"] = pgLanguageRows
	rowFuncs["pg_catalog.pg_settings"] = pgSettingsRows
	rowFuncs["pg_catalog.pg_stat_activity"] = pgStatActivityRows
	rowFuncs["pg_catalog.pg_locks"] = pgLocksRows
	rowFuncs["pg_catalog.pg_replication_slots"] = pgReplicationSlotsRows
	rowFuncs["pg_catalog.pg_publication"] = pgPublicationRows
	rowFuncs["pg_catalog.pg_stat_replication"] = pgStatReplicationRows
	rowFuncs["pg_catalog.pg_stat_ssl"] = pgStatSSLRows
	rowFuncs["pg_catalog.pg_publication_rel"] = pgPublicationRelRows
	rowFuncs["pg_catalog.pg_publication_namespace"] = pgPublicationNamespaceRows
	rowFuncs["pg_catalog.pg_publication_tables"] = pgPublicationTablesRows
	rowFuncs["pg_catalog.pg_stat_database"] = pgStatDatabaseRows
}

var typeRows struct {
	once sync.Once
	rows [][]types.Datum
}

func pgTypeRows(v *View, s *Schema) [][]types.Datum {
	typeRows.once.Do(func() {
		r := newRows(v)
		for _, t := range types.AllTypes() {
			r.add(typeRow(t)...)
		}
		typeRows.rows = r.out
	})
	r := newRows(v)
	r.out = append(r.out, typeRows.rows...)
	rowTypes(r, s)
	userTypeRows(r, s) // usertypes.go
	return r.out
}

// ioNames are the type I/O functions whose names put an underscore before
// in/out/recv/send ("date_in"); the others append directly ("int4in").
var ioUnderscore = map[string]bool{
	"json": true, "pg_node_tree": true, "date": true, "time": true, "timestamp": true,
	"timestamptz": true, "interval": true, "numeric": true, "record": true, "cstring": true,
	"any": true, "anyarray": true, "void": true, "trigger": true, "anyelement": true,
	"uuid": true, "pg_lsn": true, "jsonb": true,
}

var preferredTypes = map[types.OID]bool{
	types.BoolOID: true, types.TextOID: true, types.OidOID: true, types.Float8OID: true,
	types.TimestamptzOID: true, types.IntervalOID: true,
}

func typeRow(t types.Info) []any {
	typtype, category := "b", t.Category
	switch {
	case t.Category == 'P', t.OID == types.UnknownOID:
		typtype = "p"
	case t.OID == types.RecordArrayOID: // _record is a pseudo-type in PostgreSQL
		typtype, category = "p", 'P'
	}
	isArray := t.Category == 'A' && t.Elem != 0 && t.Name != "int2vector" && t.Name != "oidvector"
	in, out, recv, send := t.Name+"in", t.Name+"out", t.Name+"recv", t.Name+"send"
	if ioUnderscore[t.Name] {
		in, out, recv, send = t.Name+"_in", t.Name+"_out", t.Name+"_recv", t.Name+"_send"
	}
	base := t.OID
	subscript, analyze := "-", "-"
	if isArray {
		in, out, recv, send = "array_in", "array_out", "array_recv", "array_send"
		base = t.Elem
		subscript, analyze = "array_subscript_handler", "array_typanalyze"
	}
	switch t.Name {
	case "int2vector", "oidvector":
		subscript = "array_subscript_handler"
	case "name":
		subscript = "raw_array_subscript_handler"
	case "jsonb":
		subscript = "jsonb_subscript_handler"
	case "any", "trigger", "anyelement":
		recv, send = "-", "-"
	}
	modin, modout := "-", "-"
	switch base {
	case types.BpcharOID, types.VarcharOID, types.NumericOID, types.TimeOID,
		types.TimestampOID, types.TimestamptzOID, types.IntervalOID:
		bi, _ := types.InfoOf(base)
		modin, modout = bi.Name+"typmodin", bi.Name+"typmodout"
	}
	align := "i"
	if t.Align != 0 {
		align = string([]byte{t.Align})
	}
	return []any{"oid", t.OID, "typname", t.Name, "typnamespace", PgCatalogNamespace, "typowner", SuperuserOID,
		"typlen", t.Len, "typbyval", t.ByVal, "typtype", typtype, "typcategory", category,
		"typispreferred", preferredTypes[t.OID], "typisdefined", true, "typdelim", ",",
		"typsubscript", subscript, "typelem", t.Elem, "typarray", t.Array,
		"typinput", in, "typoutput", out, "typreceive", recv, "typsend", send,
		"typmodin", modin, "typmodout", modout, "typanalyze", analyze,
		"typalign", align, "typstorage", typStorage(t.OID, t.Len), "typtypmod", -1,
		"typcollation", typCollation(t.OID)}
}

func pgNamespaceRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	for _, n := range s.namespaces() {
		owner := SuperuserOID
		if n.oid == PublicNamespace {
			owner = DatabaseOwnerOID
		}
		var nspacl any
		for _, un := range s.Namespaces {
			if un.Name == n.name {
				if un.Owner != 0 {
					owner = un.Owner
				}
				nspacl = acl(un.ACL)
			}
		}
		r.add("oid", n.oid, "nspname", n.name, "nspowner", owner, "nspacl", nspacl)
	}
	return r.out
}

// databaseOID is the OID of the database named name (0 if none is).
func (s *Schema) databaseOID(name string) uint32 {
	for _, d := range s.databases() {
		if d.Name == name {
			return d.OID
		}
	}
	return 0
}

func (s *Schema) databases() []Database {
	if len(s.Databases) > 0 {
		return s.Databases
	}
	return []Database{{OID: 5, Name: "postgres", Owner: SuperuserOID, ConnLimit: -1, AllowConn: true},
		{OID: 16383, Name: "logdb", Owner: SuperuserOID, ConnLimit: -1, AllowConn: true}}
}

func pgDatabaseRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	for _, d := range s.databases() {
		var datacl any
		if d.ACL != nil {
			datacl = acl(d.ACL)
		}
		r.add("oid", d.OID, "datname", d.Name, "datdba", d.Owner, "encoding", 6,
			"datlocprovider", "c", "datistemplate", d.IsTemplate, "datallowconn", d.AllowConn, "datconnlimit", d.ConnLimit,
			"datfrozenxid", 716, "datminmxid", 1, "dattablespace", DefaultTablespc,
			"datcollate", "C", "datctype", "C", "datacl", datacl)
	}
	return r.out
}

// pgDBRoleSettingRows are ALTER DATABASE … SET's defaults (and ALTER
// ROLE … SET's, with setdatabase 0).
func pgDBRoleSettingRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	for _, d := range s.databases() {
		if len(d.Config) > 0 {
			r.add("setdatabase", d.OID, "setrole", uint32(0), "setconfig", d.Config)
		}
	}
	for _, ro := range s.Roles {
		if len(ro.Config) > 0 {
			r.add("setdatabase", uint32(0), "setrole", ro.OID, "setconfig", ro.Config)
		}
	}
	return r.out
}

func (s *Schema) user() string {
	if s.User == "" {
		return "logdb"
	}
	return s.User
}

// The current user is the only role: a superuser with PostgreSQL's
// bootstrap-superuser OID, so every object's owner resolves to it.
// pg_database_owner is PostgreSQL's predefined role that owns schema
// public; listing it keeps pg_dump from emitting ALTER SCHEMA public OWNER.
func pgAuthidRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	if s.Roles != nil {
		for _, ro := range s.Roles {
			r.add(roleRow(ro, ro.Password)...)
		}
		r.add("oid", DatabaseOwnerOID, "rolname", "pg_database_owner", "rolinherit", true, "rolconnlimit", -1)
		return r.out
	}
	r.add("oid", SuperuserOID, "rolname", s.user(), "rolsuper", true, "rolinherit", true,
		"rolcreaterole", true, "rolcreatedb", true, "rolcanlogin", true, "rolreplication", true,
		"rolbypassrls", true, "rolconnlimit", -1)
	r.add("oid", DatabaseOwnerOID, "rolname", "pg_database_owner", "rolinherit", true, "rolconnlimit", -1)
	return r.out
}

// roleRow is a role's pg_authid / pg_roles columns.
func roleRow(ro Role, password string) []any {
	var until any
	if ro.ValidUntil != nil {
		until = *ro.ValidUntil
	}
	var pw any = password
	if password == "" {
		pw = nil
	}
	row := []any{"oid", ro.OID, "rolname", ro.Name, "rolsuper", ro.Super, "rolinherit", ro.Inherit,
		"rolcreaterole", ro.CreateRole, "rolcreatedb", ro.CreateDB, "rolcanlogin", ro.Login, "rolreplication", ro.Replication,
		"rolbypassrls", ro.BypassRLS, "rolconnlimit", ro.ConnLimit, "rolpassword", pw, "rolvaliduntil", until}
	return row
}

func pgRolesRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	if s.Roles != nil {
		for _, ro := range s.Roles {
			row := roleRow(ro, "********")
			if ro.Config != nil {
				row = append(row, "rolconfig", ro.Config)
			}
			r.add(row...)
		}
		r.add("oid", DatabaseOwnerOID, "rolname", "pg_database_owner", "rolsuper", false, "rolinherit", true,
			"rolcreaterole", false, "rolcreatedb", false, "rolcanlogin", false, "rolreplication", false,
			"rolbypassrls", false, "rolconnlimit", -1, "rolpassword", "********")
		return r.out
	}
	r.add("oid", SuperuserOID, "rolname", s.user(), "rolsuper", true, "rolinherit", true,
		"rolcreaterole", true, "rolcreatedb", true, "rolcanlogin", true, "rolreplication", true,
		"rolbypassrls", true, "rolconnlimit", -1, "rolpassword", "********")
	r.add("oid", DatabaseOwnerOID, "rolname", "pg_database_owner", "rolsuper", false, "rolinherit", true,
		"rolcreaterole", false, "rolcreatedb", false, "rolcanlogin", false, "rolreplication", false,
		"rolbypassrls", false, "rolconnlimit", -1, "rolpassword", "********")
	return r.out
}

func pgAuthMembersRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	for _, m := range s.RoleMembers {
		r.add("roleid", m.Role, "member", m.Member, "grantor", m.Grantor, "admin_option", m.Admin)
	}
	return r.out
}

// roleName is pg_get_userbyid.
func (s *Schema) roleName(oid uint32) string {
	for _, ro := range s.Roles {
		if ro.OID == oid {
			return ro.Name
		}
	}
	switch oid {
	case SuperuserOID:
		return s.user()
	case DatabaseOwnerOID:
		return "pg_database_owner"
	}
	return fmt.Sprintf("unknown (OID=%d)", oid)
}

// descriptions are pg_description's rows: PostgreSQL's comment on schema
// public (pg_dump emits COMMENT ON SCHEMA public IS ” without it).
var descriptions = []struct {
	obj, class uint32
	sub        int32
	text       string
}{
	{PublicNamespace, 2615, 0, "standard public schema"},
}

func pgDescriptionRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	for _, d := range descriptions {
		r.add("objoid", d.obj, "classoid", d.class, "objsubid", d.sub, "description", d.text)
	}
	return r.out
}

// description is obj_description / col_description: the comment on obj in
// catalog class (0: any), or NULL.
func description(obj, class uint32, sub int32) types.Datum {
	for _, d := range descriptions {
		if d.obj == obj && d.sub == sub && (class == 0 || d.class == class) {
			return d.text
		}
	}
	return nil
}

func pgUserRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	pass := any("********")
	if v.Name == "pg_shadow" {
		pass = nil
	}
	if s.Roles != nil {
		for _, ro := range s.Roles {
			if !ro.Login {
				continue
			}
			var until any
			if ro.ValidUntil != nil {
				until = *ro.ValidUntil
			}
			p := pass
			if p == nil && ro.Password != "" {
				p = ro.Password
			}
			row := []any{"usename", ro.Name, "usesysid", ro.OID, "usecreatedb", ro.CreateDB, "usesuper", ro.Super,
				"userepl", ro.Replication, "usebypassrls", ro.BypassRLS, "passwd", p, "valuntil", until}
			if ro.Config != nil {
				row = append(row, "useconfig", ro.Config)
			}
			r.add(row...)
		}
		return r.out
	}
	r.add("usename", s.user(), "usesysid", SuperuserOID, "usecreatedb", true, "usesuper", true,
		"userepl", true, "usebypassrls", true, "passwd", pass)
	return r.out
}

func pgAmRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	for _, h := range amHandlers {
		r.add("oid", h.am, "amname", h.amName, "amhandler", h.oid, "amtype", h.amType)
	}
	return r.out
}

// amHandlers are the access methods' handler functions, with PostgreSQL's
// OIDs; RegprocOut knows their names.
var amHandlers = []struct {
	am             uint32
	amName, amType string
	oid            uint32
	name           string
}{
	{HeapAM, "heap", "t", 3, "heap_tableam_handler"},
	{BtreeAM, "btree", "i", 330, "bthandler"},
	{HashAM, "hash", "i", 331, "hashhandler"},
}

func pgCollationRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	r.add("oid", DefaultCollation, "collname", "default", "collnamespace", PgCatalogNamespace,
		"collowner", SuperuserOID, "collprovider", "d", "collisdeterministic", true, "collencoding", -1)
	r.add("oid", CCollation, "collname", "C", "collnamespace", PgCatalogNamespace,
		"collowner", SuperuserOID, "collprovider", "c", "collisdeterministic", true, "collencoding", -1,
		"collcollate", "C", "collctype", "C")
	r.add("oid", 951, "collname", "POSIX", "collnamespace", PgCatalogNamespace,
		"collowner", SuperuserOID, "collprovider", "c", "collisdeterministic", true, "collencoding", -1,
		"collcollate", "POSIX", "collctype", "POSIX")
	return r.out
}

func pgTablespaceRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	r.add("oid", DefaultTablespc, "spcname", "pg_default", "spcowner", SuperuserOID)
	r.add("oid", GlobalTablespc, "spcname", "pg_global", "spcowner", SuperuserOID)
	return r.out
}

func pgExtensionRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	r.add("oid", 13559, "extname", "plpgsql", "extowner", SuperuserOID, "extnamespace", PgCatalogNamespace,
		"extrelocatable", false, "extversion", "1.0")
	return r.out
}

func pgLanguageRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	r.add("oid", 12, "lanname", "internal", "lanowner", SuperuserOID)
	r.add("oid", 13, "lanname", "c", "lanowner", SuperuserOID)
	r.add("oid", 14, "lanname", "sql", "lanowner", SuperuserOID, "lanpltrusted", true)
	r.add("oid", LangPlpgsql, "lanname", "plpgsql", "lanowner", SuperuserOID, "lanispl", true, "lanpltrusted", true)
	return r.out
}

func pgSettingsRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	for _, st := range s.Settings {
		var unit any
		if st.Unit != "" {
			unit = st.Unit
		}
		context, vartype, source := st.Context, st.VarType, st.Source
		if context == "" {
			context = "user"
		}
		if vartype == "" {
			vartype = "string"
		}
		if source == "" {
			source = "default"
		}
		r.add("name", st.Name, "setting", st.Setting, "unit", unit, "category", st.Category,
			"short_desc", st.ShortDesc, "context", context, "vartype", vartype, "source", source,
			"boot_val", st.Setting, "reset_val", st.Setting, "pending_restart", false)
	}
	return r.out
}

func timeOrNull(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

func pgLocksRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	if s.Locks == nil {
		return r.out
	}
	db := s.Database
	if db == "" {
		db = "logdb"
	}
	dbOID := s.databaseOID(db)
	for _, l := range s.Locks() {
		r.add("locktype", l.LockType, "database", dbOID, "classid", int64(l.ClassID), "objid", int64(l.ObjID),
			"objsubid", int64(l.ObjSubID), "virtualtransaction", fmt.Sprintf("%d/%d", l.PID>>22, l.PID&(1<<22-1)), "pid", int64(l.PID),
			"mode", l.Mode, "granted", l.Granted, "fastpath", false)
	}
	return r.out
}

func pgStatActivityRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	sessions := []SessionInfo{s.Session}
	if s.Activity != nil {
		sessions = s.Activity()
	}
	for _, si := range sessions {
		var addr, port any
		if si.ClientAddr != "" {
			addr, port = si.ClientAddr, si.ClientPort
		} else {
			port = int64(-1)
		}
		db, user := si.Database, si.User
		if db == "" {
			db = s.Database
		}
		if db == "" {
			db = "logdb"
		}
		if user == "" {
			user = s.user()
		}
		state, changed := si.State, si.StateChange
		if state == "" {
			state = "active"
		}
		if changed.IsZero() {
			changed = si.QueryStart
		}
		var waitType, wait any
		if si.WaitEventType != "" {
			waitType, wait = si.WaitEventType, si.WaitEvent
		}
		r.add("datid", s.databaseOID(db), "datname", db, "pid", si.PID,
			"usesysid", SuperuserOID, "usename", user, "application_name", si.ApplicationName,
			"client_addr", addr, "client_port", port, "backend_start", timeOrNull(si.BackendStart),
			"xact_start", timeOrNull(si.XactStart), "query_start", timeOrNull(si.QueryStart),
			"state_change", timeOrNull(changed), "wait_event_type", waitType, "wait_event", wait,
			"state", state, "query", si.Query, "backend_type", "client backend")
	}
	return r.out
}

func indexOf(xs []string, x string) int {
	for i, y := range xs {
		if y == x {
			return i
		}
	}
	return 0
}

func pgReplicationSlotsRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	for _, sl := range s.ReplicationSlots {
		var plugin, db, datoid, pid, confirmed any
		if sl.Plugin != "" {
			plugin = sl.Plugin
		}
		if sl.SlotType == "logical" || sl.Database != "" {
			db = sl.Database
			datoid = s.databaseOID(sl.Database)
			confirmed = sl.ConfirmedFlushLSN
		}
		if sl.Active {
			pid = sl.ActivePID
		}
		walStatus := sl.WALStatus
		if walStatus == "" {
			walStatus = "reserved"
		}
		slotType := sl.SlotType
		if slotType == "" {
			slotType = "logical"
		}
		r.add("slot_name", sl.Name, "plugin", plugin, "slot_type", slotType, "datoid", datoid,
			"database", db, "temporary", sl.Temporary, "active", sl.Active, "active_pid", pid,
			"restart_lsn", sl.RestartLSN, "confirmed_flush_lsn", confirmed, "wal_status", walStatus,
			"two_phase", false)
	}
	return r.out
}

func pgStatDatabaseRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	for _, d := range s.databases() {
		name := d.Name
		row := r.add("datid", d.OID, "datname", name)
		zeroCounters(v, row)
		v.set(row, "numbackends", int64(boolInt(name == s.Database)))
		if s.DatabaseStats != nil {
			st := s.DatabaseStats(name)
			v.set(row, "numbackends", st.Backends)
			v.set(row, "xact_commit", st.XactCommit)
			v.set(row, "xact_rollback", st.XactRollback)
			v.set(row, "tup_inserted", st.TupInserted)
			v.set(row, "tup_updated", st.TupUpdated)
			v.set(row, "tup_deleted", st.TupDeleted)
			v.set(row, "tup_returned", st.TupReturned)
			v.set(row, "tup_fetched", st.TupFetched)
			v.set(row, "sessions", st.Sessions)
		}
	}
	return r.out
}

// encodingName is pg_encoding_to_char for the encodings logdb reports.
func encodingName(n int64) string {
	switch n {
	case 0:
		return "SQL_ASCII"
	case 6:
		return "UTF8"
	}
	return ""
}

func encodingNumber(name string) int64 {
	switch strings.ToUpper(strings.ReplaceAll(name, "-", "")) {
	case "SQL_ASCII":
		return 0
	case "UTF8", "UNICODE":
		return 6
	}
	return -1
}

func pgPublicationRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	for _, p := range s.Publications {
		r.add("oid", p.OID, "pubname", p.Name, "pubowner", SuperuserOID, "puballtables", p.AllTables,
			"pubinsert", p.Insert, "pubupdate", p.Update, "pubdelete", p.Delete, "pubtruncate", p.Truncate, "pubviaroot", false)
	}
	return r.out
}

// pubMemberOID is the OID of a pg_publication_rel or
// pg_publication_namespace row: not stored, derived so it is stable.
func pubMemberOID(pub, member uint32) uint32 { return 1<<31 | (pub*7919+member)&(1<<31-1) }

func pgPublicationRelRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	for _, p := range s.Publications {
		for _, t := range p.Tables {
			r.add("oid", pubMemberOID(p.OID, t), "prpubid", p.OID, "prrelid", t)
		}
	}
	return r.out
}

func pgPublicationNamespaceRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	for _, p := range s.Publications {
		for _, ns := range p.Schemas {
			oid := s.namespaceOID(ns)
			r.add("oid", pubMemberOID(p.OID, oid), "pnpubid", p.OID, "pnnspid", oid)
		}
	}
	return r.out
}

func pgPublicationTablesRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	byOID := map[uint32]*Table{}
	for i := range s.Tables {
		byOID[s.Tables[i].OID] = &s.Tables[i]
	}
	for _, p := range s.Publications {
		for _, o := range p.Published {
			t, ok := byOID[o]
			if !ok {
				continue
			}
			names := make([]types.Datum, len(t.Columns))
			for i, c := range t.Columns {
				names[i] = c.Name
			}
			r.add("pubname", p.Name, "schemaname", t.Schema, "tablename", t.Name,
				"attnames", types.Array{Elem: types.T{OID: types.NameOID, Mod: -1}, Elements: names})
		}
	}
	return r.out
}

func pgStatReplicationRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	if s.Replication == nil {
		return r.out
	}
	for _, w := range s.Replication() {
		var reply any
		if !w.ReplyTime.IsZero() {
			reply = w.ReplyTime.UTC()
		}
		r.add("pid", int64(w.PID), "usesysid", SuperuserOID, "usename", w.User, "application_name", w.ApplicationName,
			"client_port", int64(-1), "backend_start", w.BackendStart.UTC(), "state", w.State,
			"sent_lsn", w.Sent, "write_lsn", w.Write, "flush_lsn", w.Flush, "replay_lsn", w.Replay,
			"sync_priority", int64(0), "sync_state", "async", "reply_time", reply)
	}
	return r.out
}

// pgStatSSLRows is pg_stat_ssl: one row per session, saying whether its
// connection is encrypted.
func pgStatSSLRows(v *View, s *Schema) [][]types.Datum {
	r := newRows(v)
	if s.Activity == nil {
		return r.out
	}
	for _, si := range s.Activity() {
		if !si.SSL {
			r.add("pid", si.PID, "ssl", false)
			continue
		}
		bits := int64(256)
		if strings.Contains(si.SSLCipher, "128") {
			bits = 128
		}
		r.add("pid", si.PID, "ssl", true, "version", strings.Replace(si.SSLVersion, "TLS ", "TLSv", 1), "cipher", si.SSLCipher, "bits", bits)
	}
	return r.out
}
