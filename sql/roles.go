package sql

// Roles: CREATE / ALTER / DROP ROLE (and USER), GRANT / REVOKE role
// membership, SET ROLE. A role is a catalog descriptor, "a/<name>" in
// kv.CatalogSpace, written by the DDL transaction through the log like
// every other descriptor, so every node authenticates and authorizes
// against the same roles as of its applied index. The bootstrap
// superusers logdb and postgres exist in every catalog (catalog.NewCatalog) until
// a statement rewrites them (ALTER ROLE logdb PASSWORD …); they cannot be
// dropped.
//
// Passwords are stored as SCRAM-SHA-256 verifiers
// ("SCRAM-SHA-256$4096:salt$StoredKey:ServerKey", as PostgreSQL writes
// them), or as md5 verifiers when password_encryption = 'md5'; a password
// given already in one of these forms is stored as given. The text of a
// password is never stored nor logged.

import (
	"context"
	"slices"
	"strings"
	"time"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/kv"
	"logdb/sql/catalog"
	"logdb/sql/ddl"
	"logdb/sql/pgcatalog"
	"logdb/sql/pgerror"
	"logdb/sql/plan"
	"logdb/sql/settings"
	"logdb/sql/types"
)

func isBootstrapRole(oid uint32) bool {
	return oid == catalog.LogdbRoleOID || oid == catalog.PostgresRoleOID
}

// currentRole is the role whose privileges the session has now (SET
// ROLE, else the session user); nil when it no longer exists.
func (s *Session) currentRole(cat *catalog.Catalog) *catalog.Role {
	return cat.Roles[s.currentUser()]
}

func (s *Session) currentUser() string {
	if s.role != "" {
		return s.role
	}
	return s.user
}

// isSuperuser reports whether the current role is a superuser.
func (s *Session) isSuperuser(cat *catalog.Catalog) bool {
	r := s.currentRole(cat)
	return r != nil && r.Super
}

func roleSpecName(s *Session, rs *pg_query.RoleSpec) (string, error) {
	return roleSpecNameFor(s.currentUser(), s.user, rs)
}

// roleSpecNameFor names a role specification: CURRENT_USER and
// CURRENT_ROLE are current, SESSION_USER is session.
func roleSpecNameFor(current, session string, rs *pg_query.RoleSpec) (string, error) {
	if rs == nil {
		return "", pgerror.New(pgerror.SyntaxError, "missing role name")
	}
	switch rs.Roletype {
	case pg_query.RoleSpecType_ROLESPEC_CSTRING:
		return rs.Rolename, nil
	case pg_query.RoleSpecType_ROLESPEC_CURRENT_USER, pg_query.RoleSpecType_ROLESPEC_CURRENT_ROLE:
		return current, nil
	case pg_query.RoleSpecType_ROLESPEC_SESSION_USER:
		return session, nil
	case pg_query.RoleSpecType_ROLESPEC_PUBLIC:
		return "", pgerror.New(pgerror.UndefinedObject, "role \"public\" does not exist")
	}
	return "", pgerror.New(pgerror.SyntaxError, "invalid role specification")
}

func lookupRole(cat *catalog.Catalog, name string) (*catalog.Role, error) {
	r, ok := cat.Roles[name]
	if !ok {
		return nil, pgerror.New(pgerror.UndefinedObject, "role \"%s\" does not exist", name)
	}
	return r, nil
}

// roleOptions applies CREATE/ALTER ROLE options to r. It returns what the
// caller must check privileges for.
type roleChange struct {
	super, replication, bypass bool // these attributes are named
	password                   bool
	other                      bool // any attribute but the password
	inRoles                    []string
	members, admins            []string
}

func applyRoleOptions(ec *ddl.Ctx, r *catalog.Role, opts []*pg_query.Node) (roleChange, error) {
	var ch roleChange
	seen := map[string]bool{}
	for _, o := range opts {
		de := o.GetDefElem()
		if de == nil {
			continue
		}
		if seen[de.Defname] {
			return ch, pgerror.New(pgerror.SyntaxError, "conflicting or redundant options")
		}
		seen[de.Defname] = true
		flag := func() bool {
			if b := de.Arg.GetBoolean(); b != nil {
				return b.Boolval
			}
			if i := de.Arg.GetInteger(); i != nil {
				return i.Ival != 0
			}
			return true
		}
		switch de.Defname {
		case "superuser":
			r.Super, ch.super, ch.other = flag(), true, true
		case "createdb":
			r.CreateDB, ch.other = flag(), true
		case "createrole":
			r.CreateRole, ch.other = flag(), true
		case "inherit":
			r.NoInherit, ch.other = !flag(), true
		case "canlogin":
			r.Login, ch.other = flag(), true
		case "isreplication":
			r.Replication, ch.replication, ch.other = flag(), true, true
		case "bypassrls":
			r.BypassRLS, ch.bypass, ch.other = flag(), true, true
		case "connectionlimit":
			n := de.Arg.GetInteger()
			if n == nil || n.Ival < -1 {
				return ch, pgerror.New(pgerror.InvalidParameterValue, "invalid connection limit: %s", strings.Join(plan.NodeStrings([]*pg_query.Node{de.Arg}), ""))
			}
			r.ConnLimit, ch.other = n.Ival, true
		case "password":
			ch.password = true
			if de.Arg == nil {
				r.Password = ""
				continue
			}
			pw := ddl.DefElemString(de)
			v, err := catalog.PasswordVerifier(r.Name, pw, ec.Host.Setting("password_encryption"))
			if err != nil {
				return ch, err
			}
			r.Password = v
		case "validUntil":
			t, err := types.ParseTimestamp(ddl.DefElemString(de), true, ec.Ev.DateOrder, ec.Ev.Location, time.Now())
			if err != nil {
				return ch, pgerror.Wrap(err, pgerror.InvalidDatetimeFormat, "invalid input syntax for type timestamp with time zone: \"%s\"", ddl.DefElemString(de))
			}
			r.ValidUntil, ch.other = &t, true
		case "addroleto":
			ch.inRoles = roleSpecNamesFor(ec.Session.CurrentUser(), ec.Session.SessionUser(), de.Arg)
		case "rolemembers":
			ch.members = roleSpecNamesFor(ec.Session.CurrentUser(), ec.Session.SessionUser(), de.Arg)
		case "adminmembers":
			ch.admins = roleSpecNamesFor(ec.Session.CurrentUser(), ec.Session.SessionUser(), de.Arg)
		case "sysid":
			// ignored, as by PostgreSQL
		default:
			return ch, pgerror.Unsupported("role option " + strings.ToUpper(de.Defname))
		}
	}
	return ch, nil
}

func roleSpecNames(s *Session, arg *pg_query.Node) []string {
	return roleSpecNamesFor(s.currentUser(), s.user, arg)
}

// roleSpecNamesFor names each role specification of a list.
func roleSpecNamesFor(current, session string, arg *pg_query.Node) []string {
	var out []string
	for _, n := range arg.GetList().GetItems() {
		if rs := n.GetRoleSpec(); rs != nil {
			name, _ := roleSpecNameFor(current, session, rs)
			out = append(out, name)
		}
	}
	return out
}

func checkNewRoleName(name string) error {
	if strings.HasPrefix(name, "pg_") {
		return &pgerror.Error{Code: "42939", Message: "role name \"" + name + "\" is reserved",
			Detail: "Role names starting with \"pg_\" are reserved."}
	}
	if name == "public" || name == "none" {
		return &pgerror.Error{Code: "42939", Message: "role name \"" + name + "\" is reserved"}
	}
	return nil
}

func createRole(ec *ddl.Ctx, d *catalog.Writer, cs *pg_query.CreateRoleStmt) error {
	me := ec.Session.CurrentRole(d.Cat)
	if me == nil || !me.Super && !me.CreateRole {
		return pgerror.New(pgerror.InsufficientPrivilege, "permission denied to create role")
	}
	if err := checkNewRoleName(cs.Role); err != nil {
		return err
	}
	if _, ok := d.Cat.Roles[cs.Role]; ok || d.ReadKey(catalog.RoleKey(cs.Role)) != nil {
		return pgerror.New(pgerror.DuplicateObject, "role \"%s\" already exists", cs.Role)
	}
	r := &catalog.Role{Name: cs.Role, ConnLimit: -1, Login: cs.StmtType == pg_query.RoleStmtType_ROLESTMT_USER}
	ch, err := applyRoleOptions(ec, r, cs.Options)
	if err != nil {
		return err
	}
	if !me.Super && (ch.super && r.Super || ch.replication && r.Replication || ch.bypass && r.BypassRLS) {
		return pgerror.New(pgerror.InsufficientPrivilege, "must be superuser to create superusers")
	}
	if r.OID, err = d.NewOID(); err != nil {
		return err
	}
	if err := d.PutRole(r, ""); err != nil {
		return err
	}
	for _, name := range ch.inRoles {
		if err := grantMembership(ec, d, me, name, r.Name, false, nil); err != nil {
			return err
		}
	}
	for i, list := range [][]string{ch.members, ch.admins} {
		for _, name := range list {
			if err := grantMembership(ec, d, me, r.Name, name, i == 1, nil); err != nil {
				return err
			}
		}
	}
	return nil
}

func alterRole(ec *ddl.Ctx, d *catalog.Writer, as *pg_query.AlterRoleStmt, w ddl.Noticer) error {
	name, err := roleSpecNameFor(ec.Session.CurrentUser(), ec.Session.SessionUser(), as.Role)
	if err != nil {
		return err
	}
	old, err := lookupRole(d.Cat, name)
	if err != nil {
		return err
	}
	me := ec.Session.CurrentRole(d.Cat)
	if me == nil {
		return pgerror.New(pgerror.InsufficientPrivilege, "permission denied")
	}
	r := *old
	r.MemberOf, r.Config = slices.Clone(old.MemberOf), slices.Clone(old.Config)
	ch, err := applyRoleOptions(ec, &r, as.Options)
	if err != nil {
		return err
	}
	switch {
	case me.Super:
	case old.Super || ch.super:
		return pgerror.New(pgerror.InsufficientPrivilege, "must be superuser to alter superuser roles or change superuser attribute")
	case ch.replication:
		return pgerror.New(pgerror.InsufficientPrivilege, "must be superuser to alter replication roles or change replication attribute")
	case ch.bypass:
		return pgerror.New(pgerror.InsufficientPrivilege, "must be superuser to change bypassrls attribute")
	case me.CreateRole:
	case ch.other || len(ch.inRoles) > 0 || len(ch.members) > 0:
		return pgerror.New(pgerror.InsufficientPrivilege, "permission denied")
	case ch.password && me.OID != old.OID:
		return pgerror.New(pgerror.InsufficientPrivilege, "must have CREATEROLE privilege to change another user's password")
	}
	return d.PutRole(&r, old.Name)
}

// alterRoleSet is ALTER ROLE r SET name = value / RESET name / RESET ALL:
// the settings a session of r starts with.
func alterRoleSet(ec *ddl.Ctx, d *catalog.Writer, as *pg_query.AlterRoleSetStmt) error {
	if as.Database != "" {
		return pgerror.Unsupported("ALTER ROLE … IN DATABASE")
	}
	if as.Role == nil {
		return pgerror.Unsupported("ALTER ROLE ALL … SET")
	}
	name, err := roleSpecNameFor(ec.Session.CurrentUser(), ec.Session.SessionUser(), as.Role)
	if err != nil {
		return err
	}
	old, err := lookupRole(d.Cat, name)
	if err != nil {
		return err
	}
	me := ec.Session.CurrentRole(d.Cat)
	if me == nil || !me.Super && (old.Super || !me.CreateRole && me.OID != old.OID) {
		return pgerror.New(pgerror.InsufficientPrivilege, "permission denied")
	}
	r := *old
	r.MemberOf = slices.Clone(old.MemberOf)
	vs := as.Setstmt
	key := strings.ToLower(vs.Name)
	if def, err := settings.Lookup(key); err == nil {
		key = def.Name
	}
	var kept []string
	for _, c := range old.Config {
		n, _, _ := strings.Cut(c, "=")
		if vs.Kind == pg_query.VariableSetKind_VAR_RESET_ALL || strings.EqualFold(n, key) {
			continue
		}
		kept = append(kept, c)
	}
	if vs.Kind == pg_query.VariableSetKind_VAR_SET_VALUE {
		parts, err := ec.Session.SetArgs(vs)
		if err != nil {
			return err
		}
		val := strings.Join(parts, ", ")
		// Checked now, as PostgreSQL does, so a bad value never stops logins.
		if err := settings.New().Set(key, val); err != nil {
			return err
		}
		kept = append(kept, key+"="+val)
	}
	r.Config = kept
	return d.PutRole(&r, old.Name)
}

func renameRole(ec *ddl.Ctx, d *catalog.Writer, rs *pg_query.RenameStmt) error {
	old, err := lookupRole(d.Cat, rs.Subname)
	if err != nil {
		return err
	}
	me := ec.Session.CurrentRole(d.Cat)
	switch {
	case me == nil || !me.Super && (old.Super || !me.CreateRole):
		return pgerror.New(pgerror.InsufficientPrivilege, "permission denied to rename role")
	case old.OID == me.OID || old.Name == ec.Session.SessionUser():
		return pgerror.New(pgerror.FeatureNotSupported, "session user cannot be renamed")
	case isBootstrapRole(old.OID):
		return pgerror.New(pgerror.FeatureNotSupported, "role \"%s\" is required by logdb and cannot be renamed", old.Name)
	}
	if _, ok := d.Cat.Roles[rs.Newname]; ok || d.ReadKey(catalog.RoleKey(rs.Newname)) != nil {
		return pgerror.New(pgerror.DuplicateObject, "role \"%s\" already exists", rs.Newname)
	}
	if err := checkNewRoleName(rs.Newname); err != nil {
		return err
	}
	r := *old
	r.Name = rs.Newname
	if strings.HasPrefix(r.Password, "md5") {
		r.Password = "" // PostgreSQL: an md5 verifier is salted with the name
	}
	return d.PutRole(&r, old.Name)
}

func dropRoles(ec *ddl.Ctx, d *catalog.Writer, ds *pg_query.DropRoleStmt, w ddl.Noticer) error {
	me := ec.Session.CurrentRole(d.Cat)
	for _, n := range ds.Roles {
		name, err := roleSpecNameFor(ec.Session.CurrentUser(), ec.Session.SessionUser(), n.GetRoleSpec())
		if err != nil {
			return err
		}
		r, ok := d.Cat.Roles[name]
		if !ok {
			if ds.MissingOk {
				_ = w.Notice(ddl.Notice(pgerror.SuccessfulCompletion, "role \""+name+"\" does not exist, skipping"))
				continue
			}
			return pgerror.New(pgerror.UndefinedObject, "role \"%s\" does not exist", name)
		}
		switch {
		case me == nil || !me.Super && (r.Super || !me.CreateRole):
			return pgerror.New(pgerror.InsufficientPrivilege, "permission denied to drop role")
		case name == ec.Session.CurrentUser():
			return pgerror.New(pgerror.ObjectInUse, "current user cannot be dropped")
		case name == ec.Session.SessionUser():
			return pgerror.New(pgerror.ObjectInUse, "session user cannot be dropped")
		case isBootstrapRole(r.OID):
			return pgerror.New(pgerror.ObjectInUse, "role \"%s\" cannot be dropped because it is required by logdb", name)
		}
		if owned := d.Cat.OwnedBy(r.OID); len(owned) > 0 {
			return &pgerror.Error{Code: "2BP01", Message: "role \"" + name + "\" cannot be dropped because some objects depend on it",
				Detail: strings.Join(owned, "\n")}
		}
		key := catalog.RoleKey(name)
		d.Txn.Delete(kv.CatalogSpace, key, d.ReadKey(key))
		delete(d.Cat.Roles, name)
		delete(d.Cat.RoleOID, r.OID)
		// Memberships in the dropped role go with it.
		for _, o := range d.Cat.SortedRoles() {
			i := slices.IndexFunc(o.MemberOf, func(m catalog.RoleMember) bool { return m.Role == r.OID })
			if i < 0 {
				continue
			}
			c := *o
			c.MemberOf = slices.Delete(slices.Clone(o.MemberOf), i, i+1)
			if err := d.PutRole(&c, o.Name); err != nil {
				return err
			}
		}
	}
	return nil
}

// grantRoles is GRANT role TO role [WITH ADMIN OPTION] / REVOKE [ADMIN
// OPTION FOR] role FROM role.
func grantRoles(ec *ddl.Ctx, d *catalog.Writer, gs *pg_query.GrantRoleStmt, w ddl.Noticer) error {
	me := ec.Session.CurrentRole(d.Cat)
	if me == nil {
		return pgerror.New(pgerror.InsufficientPrivilege, "permission denied")
	}
	admin := false
	for _, o := range gs.Opt {
		if de := o.GetDefElem(); de != nil && de.Defname == "admin" {
			admin = true
		}
	}
	for _, g := range gs.GrantedRoles {
		ap := g.GetAccessPriv()
		if ap == nil {
			continue
		}
		for _, m := range gs.GranteeRoles {
			member, err := roleSpecNameFor(ec.Session.CurrentUser(), ec.Session.SessionUser(), m.GetRoleSpec())
			if err != nil {
				return err
			}
			if gs.IsGrant {
				err = grantMembership(ec, d, me, ap.PrivName, member, admin, w)
			} else {
				err = revokeMembership(d, me, ap.PrivName, member, admin, w)
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

func grantMembership(ec *ddl.Ctx, d *catalog.Writer, me *catalog.Role, roleName, memberName string, admin bool, w ddl.Noticer) error {
	role, err := lookupRole(d.Cat, roleName)
	if err != nil {
		return err
	}
	member, err := lookupRole(d.Cat, memberName)
	if err != nil {
		return err
	}
	if role.Super && !me.Super {
		return pgerror.New(pgerror.InsufficientPrivilege, "must be superuser to alter superusers")
	}
	if !d.Cat.HasAdmin(me, role.OID) {
		return pgerror.New(pgerror.InsufficientPrivilege, "must have admin option on role \"%s\"", role.Name)
	}
	if d.Cat.MemberOf(role.OID, member.OID, true) {
		return pgerror.New("0LP01", "role \"%s\" is a member of role \"%s\"", role.Name, member.Name)
	}
	m := slices.Clone(member.MemberOf)
	i := slices.IndexFunc(m, func(x catalog.RoleMember) bool { return x.Role == role.OID })
	if i >= 0 {
		if !admin || m[i].Admin {
			if w != nil {
				_ = w.Notice(ddl.Notice(pgerror.SuccessfulCompletion, "role \""+member.Name+"\" is already a member of role \""+role.Name+"\""))
			}
			return nil
		}
		m[i].Admin = true
	} else {
		m = append(m, catalog.RoleMember{Role: role.OID, Admin: admin, Grantor: me.OID})
	}
	c := *member
	c.MemberOf = m
	return d.PutRole(&c, member.Name)
}

func revokeMembership(d *catalog.Writer, me *catalog.Role, roleName, memberName string, adminOnly bool, w ddl.Noticer) error {
	role, err := lookupRole(d.Cat, roleName)
	if err != nil {
		return err
	}
	member, err := lookupRole(d.Cat, memberName)
	if err != nil {
		return err
	}
	if !d.Cat.HasAdmin(me, role.OID) {
		return pgerror.New(pgerror.InsufficientPrivilege, "must have admin option on role \"%s\"", role.Name)
	}
	i := slices.IndexFunc(member.MemberOf, func(x catalog.RoleMember) bool { return x.Role == role.OID })
	if i < 0 {
		_ = w.Notice(&pgerror.Error{Code: pgerror.Warning, Severity: "WARNING",
			Message: "role \"" + member.Name + "\" is not a member of role \"" + role.Name + "\""})
		return nil
	}
	c := *member
	c.MemberOf = slices.Clone(member.MemberOf)
	if adminOnly {
		c.MemberOf[i].Admin = false
	} else {
		c.MemberOf = slices.Delete(c.MemberOf, i, i+1)
	}
	return d.PutRole(&c, member.Name)
}

// setRole is SET ROLE name / SET ROLE NONE / RESET ROLE.
func (s *Session) setRole(name string) error {
	if name == "" || strings.EqualFold(name, "none") {
		s.role = ""
		return nil
	}
	cat := s.currentCatalog()
	r, ok := cat.Roles[name]
	if !ok {
		return pgerror.New(pgerror.InvalidParameterValue, "role \"%s\" does not exist", name)
	}
	su := cat.Roles[s.user]
	if su == nil || !su.Super && !cat.MemberOf(su.OID, r.OID, true) {
		return pgerror.New(pgerror.InsufficientPrivilege, "permission denied to set role \"%s\"", name)
	}
	if name == s.user {
		name = ""
	}
	s.role = name
	return nil
}

// currentCatalog is the transaction's catalog, or the engine's latest.
func (s *Session) currentCatalog() *catalog.Catalog {
	if s.tx != nil && s.tx.cat != nil {
		return s.tx.cat
	}
	cat := s.e.st.catalogs.Latest()
	if cat == nil {
		cat = catalog.NewCatalogWithRoles()
	}
	return cat
}

// roleSchemas describes the roles for pg_authid, pg_roles and
// pg_auth_members.
func roleSchemas(cat *catalog.Catalog) ([]pgcatalog.Role, []pgcatalog.RoleMember) {
	var roles []pgcatalog.Role
	var members []pgcatalog.RoleMember
	for _, r := range cat.SortedRoles() {
		pr := pgcatalog.Role{OID: r.OID, Name: r.Name, Super: r.Super, Inherit: !r.NoInherit, CreateRole: r.CreateRole,
			CreateDB: r.CreateDB, Login: r.Login, Replication: r.Replication, BypassRLS: r.BypassRLS,
			ConnLimit: r.ConnLimit, Password: r.Password, ValidUntil: r.ValidUntil, Config: r.Config}
		roles = append(roles, pr)
		for _, m := range r.MemberOf {
			members = append(members, pgcatalog.RoleMember{Role: m.Role, Member: r.OID, Grantor: m.Grantor, Admin: m.Admin})
		}
	}
	return roles, members
}

// roleNow is the role named name in the latest applied catalog, nil if none.
func (e *Engine) roleNow(name string) *catalog.Role {
	txn, err := e.cfg.Store.Begin()
	if err != nil {
		return nil
	}
	defer txn.Release()
	cat, err := e.catalogFor(txn)
	if err != nil {
		return nil
	}
	return cat.Roles[name]
}

// RoleAuth is what authentication needs to know of a role.
type RoleAuth struct {
	Name        string
	Exists      bool
	Login       bool
	Super       bool
	Replication bool
	Password    string     // verifier, "" for none
	ValidUntil  *time.Time // nil: forever
	ConnLimit   int32      // -1: none
	// MemberOf lists the roles it is a member of, directly or not, for
	// pg_hba.conf's +role.
	MemberOf []string
}

// LookupRole reads a role for authentication as of the node's applied
// state, after Config.ReadBarrier (so a password changed on another node
// is seen at once). Without a quorum the barrier fails and the node's own
// state answers: logins go on where local reads do.
func (e *Engine) LookupRole(ctx context.Context, name string) (RoleAuth, error) {
	if e.cfg.ReadBarrier != nil {
		bctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		_ = e.cfg.ReadBarrier(bctx) // an error leaves the local state, which is still a committed one
		cancel()
	}
	txn, err := e.cfg.Store.Begin()
	if err != nil {
		return RoleAuth{}, err
	}
	cat, err := e.catalogFor(txn)
	txn.Release()
	if err != nil {
		return RoleAuth{}, err
	}
	r, ok := cat.Roles[name]
	if !ok {
		return RoleAuth{Name: name}, nil
	}
	ra := RoleAuth{Name: r.Name, Exists: true, Login: r.Login, Super: r.Super, Replication: r.Replication,
		Password: r.Password, ValidUntil: r.ValidUntil, ConnLimit: r.ConnLimit}
	for _, o := range cat.SortedRoles() {
		if o.OID != r.OID && cat.MemberOf(r.OID, o.OID, false) {
			ra.MemberOf = append(ra.MemberOf, o.Name)
		}
	}
	return ra, nil
}
