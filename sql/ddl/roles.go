package ddl

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/catalog"
	"logdb/sql/pgcatalog"
	"logdb/sql/pgerror"
	"logdb/sql/plan"
	"logdb/sql/settings"
	"logdb/sql/types"
)

// editACL adds (grant) or removes privs for grantees in acl, which is
// first materialized from the default.
func editACL(acl []catalog.ACLItem, owner uint32, all string, grant bool, privs string, grantees []uint32, grantor uint32) []catalog.ACLItem {
	out := slices.Clone(catalog.EffectiveACL(acl, owner, all))
	for _, g := range grantees {
		i := slices.IndexFunc(out, func(e catalog.ACLItem) bool { return e.Grantee == g })
		if i < 0 {
			if !grant {
				continue
			}
			out = append(out, catalog.ACLItem{Grantee: g, Grantor: grantor})
			i = len(out) - 1
		}
		cur := out[i].Privs
		var b strings.Builder
		for j := range len(all) {
			has := strings.IndexByte(cur, all[j]) >= 0
			named := strings.IndexByte(privs, all[j]) >= 0
			if grant && (has || named) || !grant && has && !named {
				b.WriteByte(all[j])
			}
		}
		out[i].Privs = b.String()
	}
	return slices.DeleteFunc(out, func(e catalog.ACLItem) bool { return e.Privs == "" })
}

// GrantObjects is GRANT/REVOKE privileges ON [TABLE] t, … | ALL TABLES IN
// SCHEMA public | SEQUENCE s | SCHEMA public TO/FROM role | PUBLIC.
func GrantObjects(ec *Ctx, d *catalog.Writer, gs *pg_query.GrantStmt, w Noticer) error {
	var all, kind string
	switch gs.Objtype {
	case pg_query.ObjectType_OBJECT_TABLE:
		all, kind = catalog.TablePrivs, "table"
	case pg_query.ObjectType_OBJECT_SEQUENCE:
		all, kind = catalog.SequencePrivs, "sequence"
	case pg_query.ObjectType_OBJECT_SCHEMA:
		all, kind = catalog.SchemaPrivs, "schema"
	case pg_query.ObjectType_OBJECT_DATABASE:
		all, kind = catalog.DatabasePrivs, "database"
	case pg_query.ObjectType_OBJECT_FUNCTION, pg_query.ObjectType_OBJECT_PROCEDURE, pg_query.ObjectType_OBJECT_ROUTINE:
		all, kind = catalog.FunctionPrivs, strings.ToLower(strings.TrimPrefix(gs.Objtype.String(), "OBJECT_"))
	default:
		return pgerror.Unsupported("GRANT/REVOKE on " + strings.ToLower(strings.TrimPrefix(gs.Objtype.String(), "OBJECT_")))
	}
	if gs.GrantOption {
		return pgerror.Unsupported("WITH GRANT OPTION")
	}
	privs := all
	if len(gs.Privileges) > 0 {
		privs = ""
		for _, p := range gs.Privileges {
			ap := p.GetAccessPriv()
			if len(ap.GetCols()) > 0 {
				return pgerror.Unsupported("column privileges")
			}
			l, ok := catalog.PrivLetters[ap.GetPrivName()]
			if !ok || strings.IndexByte(all, l) < 0 {
				return pgerror.New("0LP01", "invalid privilege type %s for %s", strings.ToUpper(ap.GetPrivName()), kind)
			}
			privs += string(l)
		}
	}
	var grantees []uint32
	for _, g := range gs.Grantees {
		rs := g.GetRoleSpec()
		if rs.GetRoletype() == pg_query.RoleSpecType_ROLESPEC_PUBLIC {
			grantees = append(grantees, 0)
			continue
		}
		name, err := RoleSpecNameFor(ec.Session.CurrentUser(), ec.Session.SessionUser(), rs)
		if err != nil {
			return err
		}
		r, err := LookupRole(d.Cat, name)
		if err != nil {
			return err
		}
		grantees = append(grantees, r.OID)
	}
	me := ec.Session.CurrentRole(d.Cat)
	if me == nil {
		return pgerror.New(pgerror.InsufficientPrivilege, "permission denied")
	}
	if gs.Objtype == pg_query.ObjectType_OBJECT_DATABASE {
		return grantOnDatabases(ec, d, gs, privs, grantees)
	}
	if all == catalog.FunctionPrivs {
		return grantOnFunctions(ec, d, gs, kind, privs, grantees) // function.go
	}
	if gs.Objtype == pg_query.ObjectType_OBJECT_SCHEMA {
		for _, o := range gs.Objects {
			name := strings.Join(plan.NodeStrings([]*pg_query.Node{o}), ".")
			if name != "public" {
				if err := grantOnSchema(ec, d, name, all, gs.IsGrant, privs, grantees); err != nil { // schema.go
					return err
				}
				continue
			}
			if !me.Super {
				return pgerror.New(pgerror.InsufficientPrivilege, "permission denied for schema public")
			}
			d.Cat.SchemaACL = editACL(d.Cat.PublicACL(), 0, all, gs.IsGrant, privs, grantees, pgcatalog.DatabaseOwnerOID)
			b, err := json.Marshal(d.Cat.SchemaACL)
			if err != nil {
				return err
			}
			key := []byte(catalog.PublicSchemaKey)
			d.Put(key, b)
		}
		return nil
	}
	var names []string
	if gs.Targtype == pg_query.GrantTargetType_ACL_TARGET_ALL_IN_SCHEMA {
		for _, o := range gs.Objects {
			s := strings.Join(plan.NodeStrings([]*pg_query.Node{o}), ".")
			if !d.Cat.SchemaExists(s) {
				return pgerror.New("3F000", "schema \"%s\" does not exist", s)
			}
			tables, seqs, views := d.Cat.SchemaMembers(s)
			var in []string
			if kind == "table" {
				for _, t := range tables {
					in = append(in, catalog.Key(t.Schema, t.Name))
				}
				for _, v := range views {
					in = append(in, catalog.Key(v.Schema, v.Name))
				}
			} else {
				for _, sq := range seqs {
					in = append(in, catalog.Key(sq.Schema, sq.Name))
				}
			}
			slices.Sort(in)
			names = append(names, in...)
		}
	} else {
		for _, o := range gs.Objects {
			rv := o.GetRangeVar()
			if rv == nil {
				return pgerror.New(pgerror.UndefinedTable, "relation \"%s\" does not exist", strings.Join(plan.NodeStrings([]*pg_query.Node{o}), "."))
			}
			key, err := relKey(ec, d, rv)
			if err != nil {
				return err
			}
			names = append(names, key)
		}
	}
	for _, name := range names {
		if err := grantOn(ec, d, kind, name, all, gs.IsGrant, privs, grantees, me); err != nil {
			return err
		}
	}
	return nil
}

func grantOn(ec *Ctx, d *catalog.Writer, kind, key, all string, grant bool, privs string, grantees []uint32, me *catalog.Role) error {
	_, name := catalog.SplitKey(key)
	denied := func(what string) error {
		return pgerror.New(pgerror.InsufficientPrivilege, "permission denied for %s %s", what, name)
	}
	if t, ok := d.Cat.Tables[key]; ok && kind == "table" {
		if !ec.Session.IsOwner(d.Cat, t.Owner) {
			return denied("table")
		}
		nt := t.Clone()
		nt.ACL = editACL(t.ACL, t.Owner, all, grant, privs, grantees, catalog.OwnerOID(t.Owner))
		return d.PutTable(nt)
	}
	if v, ok := d.Cat.Views[key]; ok && kind == "table" {
		if !ec.Session.IsOwner(d.Cat, v.Owner) {
			return denied("view")
		}
		nv := *v
		nv.ACL = editACL(v.ACL, v.Owner, all, grant, privs, grantees, catalog.OwnerOID(v.Owner))
		return d.PutView(&nv)
	}
	if sq, ok := d.Cat.Seqs[key]; ok {
		if kind == "table" {
			all = catalog.SequencePrivs // GRANT … ON TABLE of a sequence: what applies to one
			privs = strings.Map(func(r rune) rune {
				if strings.ContainsRune(catalog.SequencePrivs, r) {
					return r
				}
				return -1
			}, privs)
		}
		if !ec.Session.IsOwner(d.Cat, sq.Owner) {
			return denied("sequence")
		}
		ns := *sq
		ns.ACL = editACL(sq.ACL, sq.Owner, all, grant, privs, grantees, catalog.OwnerOID(sq.Owner))
		return d.PutSeq(&ns)
	}
	return pgerror.New(pgerror.UndefinedTable, "relation \"%s\" does not exist", name)
}

// PrivsFromText reads has_*_privilege's privilege list ("SELECT, INSERT",
// optionally "WITH GRANT OPTION").
func PrivsFromText(text, all string) (string, error) {
	out := ""
	for _, p := range strings.Split(text, ",") {
		p = strings.ToLower(strings.TrimSpace(p))
		p = strings.TrimSpace(strings.TrimSuffix(p, "with grant option"))
		l, ok := catalog.PrivLetters[p]
		if !ok || strings.IndexByte(all, l) < 0 {
			return "", pgerror.New(pgerror.InvalidParameterValue, "unrecognized privilege type: \"%s\"", strings.TrimSpace(p))
		}
		out += string(l)
	}
	return out, nil
}

func isBootstrapRole(oid uint32) bool {
	return oid == catalog.LogdbRoleOID || oid == catalog.PostgresRoleOID
}

// RoleSpecNameFor names a role specification: CURRENT_USER and
// CURRENT_ROLE are current, SESSION_USER is session.
func RoleSpecNameFor(current, session string, rs *pg_query.RoleSpec) (string, error) {
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

func LookupRole(cat *catalog.Catalog, name string) (*catalog.Role, error) {
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

func applyRoleOptions(ec *Ctx, r *catalog.Role, opts []*pg_query.Node) (roleChange, error) {
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
			pw := DefElemString(de)
			v, err := catalog.PasswordVerifier(r.Name, pw, ec.Host.Setting("password_encryption"))
			if err != nil {
				return ch, err
			}
			r.Password = v
		case "validUntil":
			t, err := types.ParseTimestamp(DefElemString(de), true, ec.Ev.DateOrder, ec.Ev.Location, time.Now())
			if err != nil {
				return ch, pgerror.Wrap(err, pgerror.InvalidDatetimeFormat, "invalid input syntax for type timestamp with time zone: \"%s\"", DefElemString(de))
			}
			r.ValidUntil, ch.other = &t, true
		case "addroleto":
			ch.inRoles = RoleSpecNamesFor(ec.Session.CurrentUser(), ec.Session.SessionUser(), de.Arg)
		case "rolemembers":
			ch.members = RoleSpecNamesFor(ec.Session.CurrentUser(), ec.Session.SessionUser(), de.Arg)
		case "adminmembers":
			ch.admins = RoleSpecNamesFor(ec.Session.CurrentUser(), ec.Session.SessionUser(), de.Arg)
		case "sysid":
			// ignored, as by PostgreSQL
		default:
			return ch, pgerror.Unsupported("role option " + strings.ToUpper(de.Defname))
		}
	}
	return ch, nil
}

// RoleSpecNamesFor names each role specification of a list.
func RoleSpecNamesFor(current, session string, arg *pg_query.Node) []string {
	var out []string
	for _, n := range arg.GetList().GetItems() {
		if rs := n.GetRoleSpec(); rs != nil {
			name, _ := RoleSpecNameFor(current, session, rs)
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

func CreateRole(ec *Ctx, d *catalog.Writer, cs *pg_query.CreateRoleStmt) error {
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

func AlterRole(ec *Ctx, d *catalog.Writer, as *pg_query.AlterRoleStmt, w Noticer) error {
	name, err := RoleSpecNameFor(ec.Session.CurrentUser(), ec.Session.SessionUser(), as.Role)
	if err != nil {
		return err
	}
	old, err := LookupRole(d.Cat, name)
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

// AlterRoleSet is ALTER ROLE r SET name = value / RESET name / RESET ALL:
// the settings a session of r starts with.
func AlterRoleSet(ec *Ctx, d *catalog.Writer, as *pg_query.AlterRoleSetStmt) error {
	if as.Database != "" {
		return pgerror.Unsupported("ALTER ROLE … IN DATABASE")
	}
	if as.Role == nil {
		return pgerror.Unsupported("ALTER ROLE ALL … SET")
	}
	name, err := RoleSpecNameFor(ec.Session.CurrentUser(), ec.Session.SessionUser(), as.Role)
	if err != nil {
		return err
	}
	old, err := LookupRole(d.Cat, name)
	if err != nil {
		return err
	}
	me := ec.Session.CurrentRole(d.Cat)
	if me == nil || !me.Super && (old.Super || !me.CreateRole && me.OID != old.OID) {
		return pgerror.New(pgerror.InsufficientPrivilege, "permission denied")
	}
	r := *old
	r.MemberOf = slices.Clone(old.MemberOf)
	kept, err := EditConfig(old.Config, as.Setstmt, me.Super, ec.Session.SetArgs)
	if err != nil {
		return err
	}
	r.Config = kept
	return d.PutRole(&r, old.Name)
}

func RenameRole(ec *Ctx, d *catalog.Writer, rs *pg_query.RenameStmt) error {
	old, err := LookupRole(d.Cat, rs.Subname)
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

func DropRoles(ec *Ctx, d *catalog.Writer, ds *pg_query.DropRoleStmt, w Noticer) error {
	me := ec.Session.CurrentRole(d.Cat)
	for _, n := range ds.Roles {
		name, err := RoleSpecNameFor(ec.Session.CurrentUser(), ec.Session.SessionUser(), n.GetRoleSpec())
		if err != nil {
			return err
		}
		r, ok := d.Cat.Roles[name]
		if !ok {
			if ds.MissingOk {
				_ = w.Notice(Notice(pgerror.SuccessfulCompletion, "role \""+name+"\" does not exist, skipping"))
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
		d.Del(key)
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

// GrantRoles is GRANT role TO role [WITH ADMIN OPTION] / REVOKE [ADMIN
// OPTION FOR] role FROM role.
func GrantRoles(ec *Ctx, d *catalog.Writer, gs *pg_query.GrantRoleStmt, w Noticer) error {
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
			member, err := RoleSpecNameFor(ec.Session.CurrentUser(), ec.Session.SessionUser(), m.GetRoleSpec())
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

func grantMembership(ec *Ctx, d *catalog.Writer, me *catalog.Role, roleName, memberName string, admin bool, w Noticer) error {
	role, err := LookupRole(d.Cat, roleName)
	if err != nil {
		return err
	}
	member, err := LookupRole(d.Cat, memberName)
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
				_ = w.Notice(Notice(pgerror.SuccessfulCompletion, "role \""+member.Name+"\" is already a member of role \""+role.Name+"\""))
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

func revokeMembership(d *catalog.Writer, me *catalog.Role, roleName, memberName string, adminOnly bool, w Noticer) error {
	role, err := LookupRole(d.Cat, roleName)
	if err != nil {
		return err
	}
	member, err := LookupRole(d.Cat, memberName)
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

// grantOnDatabases is GRANT/REVOKE CONNECT, CREATE, TEMPORARY ON DATABASE.
func grantOnDatabases(ec *Ctx, d *catalog.Writer, gs *pg_query.GrantStmt, privs string, grantees []uint32) error {
	for _, o := range gs.Objects {
		name := strings.Join(plan.NodeStrings([]*pg_query.Node{o}), ".")
		db := d.Cat.Databases[name]
		if db == nil {
			return pgerror.New(pgerror.InvalidCatalogName, "database \"%s\" does not exist", name)
		}
		if !ec.Session.IsOwner(d.Cat, db.Owner) {
			return pgerror.New(pgerror.InsufficientPrivilege, "permission denied for database %s", name)
		}
		nd := *db
		nd.ACL = editACL(catalog.DatabaseACL(db), db.Owner, catalog.DatabasePrivs, gs.IsGrant, privs, grantees, catalog.OwnerOID(db.Owner))
		if err := d.PutDatabase(&nd, ""); err != nil {
			return err
		}
	}
	return nil
}

// EditConfig applies ALTER ROLE|DATABASE … SET / RESET / RESET ALL to a
// list of "name=value" defaults and returns the new list: a parameter
// only a superuser may change is 42501 for others, and a value is
// checked now, as PostgreSQL does, so a bad one never stops logins.
func EditConfig(config []string, vs *pg_query.VariableSetStmt, super bool, setArgs func(*pg_query.VariableSetStmt) ([]string, error)) ([]string, error) {
	key := strings.ToLower(vs.Name)
	if def, err := settings.Lookup(key); err == nil {
		key = def.Name
		if def.Superuser && !super && vs.Kind != pg_query.VariableSetKind_VAR_RESET_ALL {
			return nil, pgerror.New(pgerror.InsufficientPrivilege, "permission denied to set parameter \"%s\"", def.Name)
		}
	}
	var kept []string
	for _, c := range config {
		n, _, _ := strings.Cut(c, "=")
		if vs.Kind == pg_query.VariableSetKind_VAR_RESET_ALL || strings.EqualFold(n, key) {
			continue
		}
		kept = append(kept, c)
	}
	if vs.Kind == pg_query.VariableSetKind_VAR_SET_VALUE {
		parts, err := setArgs(vs)
		if err != nil {
			return nil, err
		}
		val := strings.Join(parts, ", ")
		if err := settings.New().Set(key, val); err != nil {
			return nil, err
		}
		kept = append(kept, key+"="+val)
	}
	return kept, nil
}
