package sql

// Databases (issue 15): CREATE / DROP / ALTER DATABASE, the database a
// session connects to, and its catalog. Every database's catalog is a set
// of keys of kv.CatalogSpace (sql/catalog/database.go has the layout); a
// session plans against its own database's catalog only, so the same name
// in two databases is two objects, and tables of another database are
// never visible. Roles and databases are shared.

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/kv"
	"logdb/sql/catalog"
	"logdb/sql/ddl"
	"logdb/sql/parse"
	"logdb/sql/pgcatalog"
	"logdb/sql/pgerror"
)

// connectDatabase finds the database a new session connects to and checks
// that it may: it exists (3D000), accepts connections (55000), the role
// holds CONNECT (42501) and the connection limit is not reached (53300).
func (e *Engine) connectDatabase(name, user string) (*catalog.Database, error) {
	fatal := func(code, format string, args ...any) error {
		return &pgerror.Error{Code: code, Severity: "FATAL", Message: fmt.Sprintf(format, args...)}
	}
	cat := catalog.NewCatalogWithRoles()
	if e.cfg.Store != nil {
		txn, err := e.cfg.Store.Begin()
		if err != nil {
			return nil, err
		}
		cat, err = e.catalogFor(txn)
		txn.Release()
		if err != nil {
			return nil, err
		}
	}
	db := cat.Databases[name]
	if db == nil {
		return nil, fatal(pgerror.InvalidCatalogName, "database \"%s\" does not exist", name)
	}
	if !db.AllowConn() {
		return nil, fatal(pgerror.ObjectNotInPrerequisiteState, "database \"%s\" is not currently accepting connections", name)
	}
	r := cat.Roles[user]
	if r == nil || r.Super {
		return db, nil // a missing role is refused by authentication
	}
	if !cat.HasPriv(r, catalog.DatabaseACL(db), 'c') && !cat.MemberOf(r.OID, catalog.OwnerOID(db.Owner), false) {
		return nil, &pgerror.Error{Code: pgerror.InsufficientPrivilege, Severity: "FATAL",
			Message: "permission denied for database \"" + name + "\"", Detail: "User does not have CONNECT privilege."}
	}
	if db.ConnLimit >= 0 && len(e.sessionsIn(db.OID, 0)) >= db.ConnLimit {
		return nil, fatal(pgerror.TooManyConnections, "too many connections for database \"%s\"", name)
	}
	return db, nil
}

// sessionsIn lists this node's sessions connected to database db, but
// the one with pid except.
func (e *Engine) sessionsIn(db uint32, except int32) []int32 {
	var out []int32
	for _, s := range e.sessions.list() {
		if s.dbOID == db && s.pid != except {
			out = append(out, s.pid)
		}
	}
	return out
}

// catalogFor returns the catalog of the session's database as of txn's
// snapshot. A session whose database was dropped (through any node) ends.
func (s *Session) catalogFor(txn *kv.Txn) (*catalog.Catalog, error) {
	cat, err := s.e.cacheOf(s.dbOID).For(txn)
	if err != nil {
		return nil, err
	}
	if cat.Current() == nil {
		return nil, &pgerror.Error{Code: pgerror.AdminShutdown, Severity: "FATAL",
			Message: "terminating connection due to administrator command", Detail: "The database \"" + s.db + "\" was dropped."}
	}
	return cat, nil
}

// outsideBlock fails with 25001 inside a transaction block.
func (s *Session) outsideBlock(what string) error {
	if s.mode == modeBlock {
		return pgerror.New(pgerror.ActiveSQLTransaction, "%s cannot run inside a transaction block", what)
	}
	return nil
}

// dbOptions are CREATE DATABASE's and ALTER DATABASE's options.
type dbOptions struct {
	seen       map[string]bool
	owner      *pg_query.RoleSpec
	template   string
	connLimit  *int
	isTemplate *bool
	allowConn  *bool
	tablespace string
}

func parseDBOptions(opts []*pg_query.Node, create bool) (*dbOptions, error) {
	o := &dbOptions{seen: map[string]bool{}}
	for _, n := range opts {
		de := n.GetDefElem()
		if de == nil {
			continue
		}
		name := de.Defname
		if o.seen[name] {
			return nil, pgerror.New(pgerror.SyntaxError, "conflicting or redundant options")
		}
		o.seen[name] = true
		if de.Arg == nil && name != "owner" && name != "template" && name != "tablespace" && create {
			continue // OPTION = DEFAULT
		}
		switch name {
		case "owner":
			if !create {
				return nil, optionNotRecognized(name)
			}
			if de.Arg != nil {
				s := dbDefString(de)
				o.owner = &pg_query.RoleSpec{Roletype: pg_query.RoleSpecType_ROLESPEC_CSTRING, Rolename: s}
			}
		case "template":
			if !create {
				return nil, optionNotRecognized(name)
			}
			if de.Arg != nil {
				o.template = dbDefString(de)
			}
		case "encoding":
			if !create {
				return nil, optionNotRecognized(name)
			}
			if err := checkEncoding(de); err != nil {
				return nil, err
			}
		case "locale", "lc_collate", "lc_ctype":
			if !create {
				return nil, optionNotRecognized(name)
			}
			if v := dbDefString(de); v != "C" && v != "POSIX" {
				return nil, pgerror.New(pgerror.FeatureNotSupported, "logdb: every database uses the C locale (%s %q)", strings.ToUpper(name), v)
			}
		case "locale_provider":
			if !create {
				return nil, optionNotRecognized(name)
			}
			switch strings.ToLower(dbDefString(de)) {
			case "libc":
			case "icu":
				return nil, pgerror.New(pgerror.FeatureNotSupported, "logdb: every database uses the libc C locale (LOCALE_PROVIDER icu)")
			default:
				return nil, pgerror.New("42P17", "unrecognized locale provider: %s", dbDefString(de))
			}
		case "icu_locale", "collation_version", "oid":
			if !create {
				return nil, optionNotRecognized(name)
			}
			return nil, pgerror.New(pgerror.FeatureNotSupported, "logdb: CREATE DATABASE option %s is not supported", strings.ToUpper(name))
		case "strategy":
			if !create {
				return nil, optionNotRecognized(name)
			}
			if v := strings.ToLower(dbDefString(de)); v != "wal_log" && v != "file_copy" {
				return nil, &pgerror.Error{Code: pgerror.InvalidParameterValue, Message: "invalid create database strategy \"" + dbDefString(de) + "\"",
					Hint: "Valid strategies are \"wal_log\", and \"file_copy\"."}
			}
		case "connection_limit":
			v, err := dbDefInt(de)
			if err != nil {
				return nil, err
			}
			if v < -1 {
				return nil, pgerror.New(pgerror.InvalidParameterValue, "invalid connection limit: %d", v)
			}
			o.connLimit = &v
		case "is_template", "allow_connections":
			b, err := dbDefBool(de)
			if err != nil {
				return nil, err
			}
			if name == "is_template" {
				o.isTemplate = &b
			} else {
				o.allowConn = &b
			}
		case "tablespace":
			if de.Arg == nil {
				continue
			}
			switch v := dbDefString(de); v {
			case "pg_default":
			case "pg_global":
				return nil, pgerror.New(pgerror.InvalidParameterValue, "pg_global cannot be used as default tablespace")
			default:
				return nil, pgerror.New(pgerror.UndefinedObject, "tablespace \"%s\" does not exist", v)
			}
			o.tablespace = "pg_default"
		default:
			return nil, optionNotRecognized(name)
		}
	}
	return o, nil
}

func optionNotRecognized(name string) error {
	return pgerror.New(pgerror.SyntaxError, "option \"%s\" not recognized", name)
}

func dbDefString(de *pg_query.DefElem) string {
	if i := de.Arg.GetInteger(); i != nil {
		return strconv.Itoa(int(i.Ival))
	}
	if b := de.Arg.GetBoolean(); b != nil {
		return strconv.FormatBool(b.Boolval)
	}
	if s := de.Arg.GetString_(); s != nil {
		return s.Sval
	}
	if ts := de.Arg.GetTypeName(); ts != nil && len(ts.Names) > 0 {
		return ts.Names[len(ts.Names)-1].GetString_().GetSval()
	}
	return ""
}

func dbDefInt(de *pg_query.DefElem) (int, error) {
	if i := de.Arg.GetInteger(); i != nil {
		return int(i.Ival), nil
	}
	v, err := strconv.Atoi(dbDefString(de))
	if err != nil {
		return 0, pgerror.New(pgerror.SyntaxError, "%s requires an integer value", de.Defname)
	}
	return v, nil
}

func dbDefBool(de *pg_query.DefElem) (bool, error) {
	if i := de.Arg.GetInteger(); i != nil && (i.Ival == 0 || i.Ival == 1) {
		return i.Ival == 1, nil
	}
	switch strings.ToLower(dbDefString(de)) {
	case "true", "on", "yes", "1", "t", "y":
		return true, nil
	case "false", "off", "no", "0", "f", "n":
		return false, nil
	}
	return false, pgerror.New(pgerror.SyntaxError, "%s requires a Boolean value", de.Defname)
}

// checkEncoding accepts UTF8 (by any of its names) and refuses the others,
// which logdb cannot store.
func checkEncoding(de *pg_query.DefElem) error {
	if i := de.Arg.GetInteger(); i != nil {
		if i.Ival == 6 {
			return nil
		}
		if i.Ival < 0 || i.Ival > 41 {
			return pgerror.New(pgerror.InvalidParameterValue, "%d is not a valid encoding code", i.Ival)
		}
		return pgerror.New(pgerror.FeatureNotSupported, "logdb: every database is encoded in UTF8")
	}
	v := dbDefString(de)
	norm := strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, v)
	switch norm {
	case "utf8", "unicode":
		return nil
	case "sqlascii", "latin1", "latin2", "latin3", "latin4", "latin5", "latin6", "latin7", "latin8", "latin9", "latin10",
		"win1252", "win1251", "win1250", "win866", "win874", "koi8r", "koi8u", "eucjp", "euckr", "euccn", "euctw",
		"eucjis2004", "mulecternal", "iso88595", "iso88596", "iso88597", "iso88598", "win1253", "win1254", "win1255",
		"win1256", "win1257", "win1258", "big5", "gbk", "uhc", "gb18030", "johab", "sjis", "shiftjis2004", "mskanji", "windows1252":
		return pgerror.New(pgerror.FeatureNotSupported, "logdb: every database is encoded in UTF8 (ENCODING %s)", v)
	}
	return pgerror.New(pgerror.UndefinedObject, "%s is not a valid encoding name", v)
}

// createDatabase runs CREATE DATABASE: a descriptor in the shared catalog;
// the new database's catalog starts empty.
func (ec *execCtx) createDatabase(d *catalog.Writer, cs *pg_query.CreatedbStmt) error {
	s := ec.s
	if err := s.outsideBlock("CREATE DATABASE"); err != nil {
		return err
	}
	o, err := parseDBOptions(cs.Options, true)
	if err != nil {
		return err
	}
	me := s.currentRole(d.Cat)
	if me == nil || !me.Super && !me.CreateDB {
		return pgerror.New(pgerror.InsufficientPrivilege, "permission denied to create database")
	}
	owner := me.OID
	if o.owner != nil {
		rn, err := roleSpecName(s, o.owner)
		if err != nil {
			return err
		}
		r := d.Cat.Roles[rn]
		if r == nil {
			return pgerror.New(pgerror.UndefinedObject, "role \"%s\" does not exist", rn)
		}
		if !me.Super && !d.Cat.MemberOf(me.OID, r.OID, false) {
			return pgerror.New(pgerror.InsufficientPrivilege, "must be member of role \"%s\"", rn)
		}
		owner = r.OID
	}
	tmpl := "template1"
	if o.template != "" {
		tmpl = o.template
	}
	t := d.Cat.Databases[tmpl]
	if t == nil {
		return pgerror.New(pgerror.InvalidCatalogName, "template database \"%s\" does not exist", tmpl)
	}
	if t.OID != catalog.Template0OID && t.OID != catalog.Template1OID {
		if !t.IsTemplate && !s.isOwner(d.Cat, t.Owner) {
			return pgerror.New(pgerror.InsufficientPrivilege, "permission denied to copy database \"%s\"", tmpl)
		}
		return pgerror.New(pgerror.FeatureNotSupported, "logdb: a new database starts empty: its template must be template0 or template1 (not %q)", tmpl)
	}
	if _, ok := d.Cat.Databases[cs.Dbname]; ok || d.ReadKey(catalog.DatabaseKey(cs.Dbname)) != nil {
		return pgerror.New(pgerror.DuplicateDatabase, "database \"%s\" already exists", cs.Dbname)
	}
	if len(d.Cat.Databases) >= catalog.MaxDatabases {
		return pgerror.New(pgerror.ProgramLimitExceeded, "too many databases (at most %d)", catalog.MaxDatabases)
	}
	oid, err := d.NewOID()
	if err != nil {
		return err
	}
	db := &catalog.Database{OID: oid, Name: cs.Dbname, Owner: owner, ConnLimit: -1}
	if o.connLimit != nil {
		db.ConnLimit = *o.connLimit
	}
	if o.isTemplate != nil {
		db.IsTemplate = *o.isTemplate
	}
	if o.allowConn != nil {
		db.NoConn = !*o.allowConn
	}
	return d.PutDatabase(db, "")
}

// dropDatabase runs DROP DATABASE: refused for the current database, a
// template, one with an active replication slot or (without FORCE) with
// other sessions; otherwise its descriptor, every key of its catalog, every
// table and index space and its (inactive) slots go in the one entry the
// transaction commits.
func (ec *execCtx) dropDatabase(d *catalog.Writer, ds *pg_query.DropdbStmt, w ResultWriter) error {
	s := ec.s
	if err := s.outsideBlock("DROP DATABASE"); err != nil {
		return err
	}
	force := false
	for _, n := range ds.Options {
		de := n.GetDefElem()
		if de == nil {
			continue
		}
		if de.Defname != "force" {
			return pgerror.New(pgerror.SyntaxError, "unrecognized DROP DATABASE option \"%s\"", de.Defname)
		}
		force = true
	}
	db := d.Cat.Databases[ds.Dbname]
	if db == nil {
		if ds.MissingOk {
			return w.Notice(&pgerror.Error{Code: pgerror.SuccessfulCompletion, Severity: "NOTICE",
				Message: "database \"" + ds.Dbname + "\" does not exist, skipping"})
		}
		return pgerror.New(pgerror.InvalidCatalogName, "database \"%s\" does not exist", ds.Dbname)
	}
	if err := s.checkOwner(d.Cat, db.Owner, "database", db.Name); err != nil {
		return err
	}
	if db.IsTemplate {
		return pgerror.New(pgerror.WrongObjectType, "cannot drop a template database")
	}
	if db.OID == s.dbOID {
		return pgerror.New(pgerror.ObjectInUse, "cannot drop the currently open database")
	}
	// As PostgreSQL: an active slot of the database refuses the drop, the
	// inactive ones are dropped with it (below).
	slots, active := databaseSlots(s, ec.tx, db.Name)
	if active > 0 {
		return &pgerror.Error{Code: pgerror.ObjectInUse, Message: "database \"" + db.Name + "\" is used by an active logical replication slot",
			Detail: plural(active, "There is %d active slot.", "There are %d active slots.")}
	}
	if err := ec.leaveDatabase(db, force, "is being accessed by other users"); err != nil {
		return err
	}
	target, err := catalog.LoadCatalog(d.Txn, 0, db.OID)
	if err != nil {
		return err
	}
	for _, t := range target.Tables {
		d.Txn.DropSpace(t.Space)
		for _, ix := range t.Indexes {
			d.Txn.DropSpace(ix.Space)
		}
	}
	for oid := range target.SeqOID {
		key := catalog.SequenceKey(oid)
		if v, _, err := d.Txn.Get(kv.SequenceSpace, key); err == nil && v != nil {
			d.Txn.Delete(kv.SequenceSpace, key, v)
		}
	}
	if err := deleteCatalogKeys(d.Txn, db.OID); err != nil {
		return err
	}
	for _, name := range slots {
		if err := s.e.cfg.Feed.DropSlot(d.Txn, name); err != nil {
			return err
		}
	}
	d.DeleteDatabase(db)
	return nil
}

// deleteCatalogKeys deletes every key of database db's catalog (not the
// shared roles and databases).
func deleteCatalogKeys(txn *kv.Txn, db uint32) error {
	start, end := []byte(nil), []byte(nil)
	if p := catalog.DBPrefix(db); p != nil {
		start = p
		end = append(slices.Clone(p[:4]), p[4]+1)
		if p[4] == 0xff {
			end = nil // never: OIDs stay below 2^32-1 here
		}
	} else {
		start, end = []byte("a"), nil // logdb: every unprefixed key but the shared ones
	}
	type kvPair struct{ k, v []byte }
	var del []kvPair
	it := txn.Scan(kv.CatalogSpace, start, end, false)
	for it.Next() {
		k := it.Key()
		if catalog.DBPrefix(db) == nil && (catalog.IsSharedKey(k) || string(k) == string(catalog.CatVersionKey)) {
			continue // logdb's version key is also the shared one
		}
		del = append(del, kvPair{slices.Clone(k), slices.Clone(it.Value())})
	}
	it.Close()
	if err := it.Err(); err != nil {
		return err
	}
	for _, p := range del {
		txn.Delete(kv.CatalogSpace, p.k, p.v)
	}
	return nil
}

// leaveDatabase makes sure no other session of this node is connected to
// db: 55006 naming how many are, or with force their termination (and a
// wait, bounded, until they are gone). Sessions of other nodes find the
// database gone at their next statement and end (Session.catalogFor).
func (ec *execCtx) leaveDatabase(db *catalog.Database, force bool, why string) error {
	s := ec.s
	others := s.e.sessionsIn(db.OID, s.pid)
	if len(others) == 0 {
		return nil
	}
	if !force || s.e.cfg.Backends == nil {
		return &pgerror.Error{Code: pgerror.ObjectInUse, Message: "database \"" + db.Name + "\" " + why,
			Detail: plural(len(others), "There is %d other session using the database.", "There are %d other sessions using the database.")}
	}
	for _, pid := range others {
		s.e.cfg.Backends.TerminateBackend(pid)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(s.e.sessionsIn(db.OID, s.pid)) > 0 {
		if time.Now().After(deadline) {
			return &pgerror.Error{Code: pgerror.ObjectInUse, Message: "database \"" + db.Name + "\" " + why,
				Detail: "Sessions terminated by FORCE did not end within 5 s."}
		}
		if err := ec.Tick(); err != nil {
			return err
		}
		time.Sleep(5 * time.Millisecond)
	}
	return nil
}

func plural(n int, one, many string, more ...any) string {
	if n == 1 {
		return fmt.Sprintf(one, append([]any{n}, more...)...)
	}
	return fmt.Sprintf(many, append([]any{n}, more...)...)
}

// databaseSlots returns the names of the replication slots of database
// name, and how many of them are active (on this node).
func databaseSlots(s *Session, t *txnState, name string) (names []string, active int) {
	for _, sl := range s.replicationSlots(t) {
		if sl.Database != name {
			continue
		}
		names = append(names, sl.Name)
		if sl.Active {
			active++
		}
	}
	return names, active
}

// renameDatabase runs ALTER DATABASE … RENAME TO.
func (ec *execCtx) renameDatabase(d *catalog.Writer, rs *pg_query.RenameStmt) error {
	s := ec.s
	db := d.Cat.Databases[rs.Subname]
	if db == nil {
		return pgerror.New(pgerror.InvalidCatalogName, "database \"%s\" does not exist", rs.Subname)
	}
	if err := s.checkOwner(d.Cat, db.Owner, "database", db.Name); err != nil {
		return err
	}
	if me := s.currentRole(d.Cat); me == nil || !me.Super && !me.CreateDB {
		return pgerror.New(pgerror.InsufficientPrivilege, "permission denied to rename database")
	}
	if _, ok := d.Cat.Databases[rs.Newname]; ok || d.ReadKey(catalog.DatabaseKey(rs.Newname)) != nil {
		return pgerror.New(pgerror.DuplicateDatabase, "database \"%s\" already exists", rs.Newname)
	}
	if db.OID == s.dbOID {
		return pgerror.New(pgerror.FeatureNotSupported, "current database cannot be renamed")
	}
	if err := ec.leaveDatabase(db, false, "is being accessed by other users"); err != nil {
		return err
	}
	nd := *db
	nd.Name = rs.Newname
	return d.PutDatabase(&nd, db.Name)
}

// alterDatabaseOwner runs ALTER DATABASE … OWNER TO.
func (ec *execCtx) alterDatabaseOwner(d *catalog.Writer, as *pg_query.AlterOwnerStmt) error {
	name := as.Object.GetString_().GetSval()
	db := d.Cat.Databases[name]
	if db == nil {
		return pgerror.New(pgerror.InvalidCatalogName, "database \"%s\" does not exist", name)
	}
	owner, err := ec.s.newOwner(d.Cat, as.Newowner, db.Owner, "database", name)
	if err != nil {
		return err
	}
	if me := ec.s.currentRole(d.Cat); me == nil || !me.Super && !me.CreateDB && owner != db.Owner {
		return pgerror.New(pgerror.InsufficientPrivilege, "permission denied to change owner of database")
	}
	nd := *db
	nd.Owner = owner
	return d.PutDatabase(&nd, "")
}

// alterDatabase runs ALTER DATABASE … WITH CONNECTION LIMIT / IS_TEMPLATE
// / ALLOW_CONNECTIONS (and SET TABLESPACE pg_default).
func (ec *execCtx) alterDatabase(d *catalog.Writer, as *pg_query.AlterDatabaseStmt) error {
	db := d.Cat.Databases[as.Dbname]
	if db == nil {
		return pgerror.New(pgerror.InvalidCatalogName, "database \"%s\" does not exist", as.Dbname)
	}
	o, err := parseDBOptions(as.Options, false)
	if err != nil {
		return err
	}
	if o.tablespace != "" && len(o.seen) > 1 {
		return pgerror.New(pgerror.SyntaxError, "option \"tablespace\" cannot be specified with other options")
	}
	if err := ec.s.checkOwner(d.Cat, db.Owner, "database", db.Name); err != nil {
		return err
	}
	nd := *db
	if o.connLimit != nil {
		nd.ConnLimit = *o.connLimit
	}
	if o.isTemplate != nil {
		nd.IsTemplate = *o.isTemplate
	}
	if o.allowConn != nil {
		if !*o.allowConn && db.OID == ec.s.dbOID {
			return pgerror.New(pgerror.InvalidParameterValue, "cannot disallow connections for current database")
		}
		nd.NoConn = !*o.allowConn
	}
	return d.PutDatabase(&nd, "")
}

// alterDatabaseSet runs ALTER DATABASE … SET / RESET: defaults a new
// session in the database starts with (below the role's own).
func (ec *execCtx) alterDatabaseSet(d *catalog.Writer, as *pg_query.AlterDatabaseSetStmt) error {
	db := d.Cat.Databases[as.Dbname]
	if db == nil {
		return pgerror.New(pgerror.InvalidCatalogName, "database \"%s\" does not exist", as.Dbname)
	}
	if err := ec.s.checkOwner(d.Cat, db.Owner, "database", db.Name); err != nil {
		return err
	}
	me := ec.s.currentRole(d.Cat)
	kept, err := ddl.EditConfig(db.Config, as.Setstmt, me != nil && me.Super, ec.s.setArgs)
	if err != nil {
		return err
	}
	nd := *db
	nd.Config = kept
	return d.PutDatabase(&nd, "")
}

// databaseSchemas describes the databases for pg_database.
func databaseSchemas(cat *catalog.Catalog) []pgcatalog.Database {
	var out []pgcatalog.Database
	for _, d := range cat.SortedDatabases() {
		out = append(out, pgcatalog.Database{OID: d.OID, Name: d.Name, Owner: catalog.OwnerOID(d.Owner), ConnLimit: d.ConnLimit,
			IsTemplate: d.IsTemplate, AllowConn: d.AllowConn(), ACL: catalog.ACLTexts(cat, d.ACL), Config: d.Config})
	}
	return out
}

// checkCatalogRefs refuses a statement that names a relation of another
// database (db.schema.table), 0A000 as PostgreSQL.
func (s *Session) checkCatalogRefs(st parse.Stmt) error {
	for _, r := range st.Catalogs {
		if r.DB != s.db {
			return pgerror.New(pgerror.FeatureNotSupported, "cross-database references are not implemented: \"%s\"", r.Text)
		}
	}
	return nil
}

// refreshCollation runs ALTER DATABASE … REFRESH COLLATION VERSION: the C
// locale has no version, so it never changes (PostgreSQL's notice).
func (ec *execCtx) refreshCollation(name string, w ResultWriter) error {
	cat := ec.tx.cat
	db := cat.Databases[name]
	if db == nil {
		return pgerror.New(pgerror.InvalidCatalogName, "database \"%s\" does not exist", name)
	}
	if err := ec.s.checkOwner(cat, db.Owner, "database", db.Name); err != nil {
		return err
	}
	return w.Notice(&pgerror.Error{Code: pgerror.SuccessfulCompletion, Severity: "NOTICE", Message: "version has not changed"})
}
