package sql

// Roles: CREATE / ALTER / DROP ROLE (and USER), GRANT / REVOKE role
// membership, SET ROLE. A role is a catalog descriptor, "a/<name>" in
// kv.CatalogSpace, written by the DDL transaction through the log like
// every other descriptor, so every node authenticates and authorizes
// against the same roles as of its applied index. The bootstrap
// superusers logdb and postgres exist in every catalog (newCatalog) until
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
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"github.com/xdg-go/scram"

	"logdb/kv"
	"logdb/sql/pgcatalog"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// Fixed role OIDs: logdb is PostgreSQL's bootstrap superuser (10, which
// owns every built-in object); postgres is a second bootstrap superuser
// for tools that assume that name.
const (
	logdbRoleOID    = pgcatalog.SuperuserOID
	postgresRoleOID = 16383
	scramIterations = 4096
)

type roleDesc struct {
	OID         uint32 `json:"oid"`
	Name        string `json:"name"`
	Super       bool   `json:"super,omitempty"`
	NoInherit   bool   `json:"no_inherit,omitempty"`
	CreateRole  bool   `json:"create_role,omitempty"`
	CreateDB    bool   `json:"create_db,omitempty"`
	Login       bool   `json:"login,omitempty"`
	Replication bool   `json:"replication,omitempty"`
	BypassRLS   bool   `json:"bypass_rls,omitempty"`
	ConnLimit   int32  `json:"conn_limit"`
	// Password is the verifier ("SCRAM-SHA-256$…" or "md5…"), "" for none.
	Password   string       `json:"password,omitempty"`
	ValidUntil *time.Time   `json:"valid_until,omitempty"`
	MemberOf   []roleMember `json:"member_of,omitempty"`
	// Config are the ALTER ROLE … SET settings, "name=value", applied
	// when a session of this role starts.
	Config []string `json:"config,omitempty"`
}

// roleMember is one membership of the role holding it (pg_auth_members).
type roleMember struct {
	Role    uint32 `json:"role"`
	Admin   bool   `json:"admin,omitempty"`
	Grantor uint32 `json:"grantor"`
}

func roleKey(name string) []byte { return append([]byte("a/"), name...) }

func bootstrapRoles() []*roleDesc {
	mk := func(oid uint32, name string) *roleDesc {
		return &roleDesc{OID: oid, Name: name, Super: true, CreateRole: true, CreateDB: true, Login: true,
			Replication: true, BypassRLS: true, ConnLimit: -1}
	}
	return []*roleDesc{mk(logdbRoleOID, "logdb"), mk(postgresRoleOID, "postgres")}
}

func isBootstrapRole(oid uint32) bool { return oid == logdbRoleOID || oid == postgresRoleOID }

func (c *catalog) addRole(r *roleDesc) {
	if old, ok := c.roleOID[r.OID]; ok {
		delete(c.roles, old.Name)
	}
	c.roles[r.Name] = r
	c.roleOID[r.OID] = r
}

// roleName is pg_get_userbyid.
func (c *catalog) roleName(oid uint32) string {
	if r, ok := c.roleOID[oid]; ok {
		return r.Name
	}
	return "unknown (OID=" + strconv.FormatUint(uint64(oid), 10) + ")"
}

// memberOf reports whether role has the privileges of target: it is
// target, or a member of it through roles that inherit (a superuser has
// every role's privileges). withoutInherit follows every membership
// (SET ROLE may switch to any role one is a member of).
func (c *catalog) memberOf(role, target uint32, withoutInherit bool) bool {
	if role == target {
		return true
	}
	seen := map[uint32]bool{}
	var walk func(uint32) bool
	walk = func(o uint32) bool {
		if seen[o] {
			return false
		}
		seen[o] = true
		r, ok := c.roleOID[o]
		if !ok || r.NoInherit && !withoutInherit && o != role {
			return false
		}
		for _, m := range r.MemberOf {
			if m.Role == target || walk(m.Role) {
				return true
			}
		}
		return false
	}
	if r, ok := c.roleOID[role]; ok && r.NoInherit && !withoutInherit {
		return false
	}
	return walk(role)
}

// hasAdmin reports whether role may grant membership in target: a
// superuser, a CREATEROLE role, or a member WITH ADMIN OPTION.
func (c *catalog) hasAdmin(role *roleDesc, target uint32) bool {
	if role.Super || role.CreateRole {
		return true
	}
	for _, m := range role.MemberOf {
		if m.Role == target && m.Admin {
			return true
		}
	}
	return false
}

func (d *ddl) putRole(r *roleDesc, oldName string) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if oldName != "" && oldName != r.Name {
		key := roleKey(oldName)
		d.txn.Delete(kv.CatalogSpace, key, d.readKey(key))
	}
	d.cat.addRole(r)
	key := roleKey(r.Name)
	d.txn.Put(kv.CatalogSpace, key, b, d.readKey(key))
	return nil
}

// currentRole is the role whose privileges the session has now (SET
// ROLE, else the session user); nil when it no longer exists.
func (s *Session) currentRole(cat *catalog) *roleDesc {
	return cat.roles[s.currentUser()]
}

func (s *Session) currentUser() string {
	if s.role != "" {
		return s.role
	}
	return s.user
}

// isSuperuser reports whether the current role is a superuser.
func (s *Session) isSuperuser(cat *catalog) bool {
	r := s.currentRole(cat)
	return r != nil && r.Super
}

func roleSpecName(s *Session, rs *pg_query.RoleSpec) (string, error) {
	if rs == nil {
		return "", pgerror.New(pgerror.SyntaxError, "missing role name")
	}
	switch rs.Roletype {
	case pg_query.RoleSpecType_ROLESPEC_CSTRING:
		return rs.Rolename, nil
	case pg_query.RoleSpecType_ROLESPEC_CURRENT_USER, pg_query.RoleSpecType_ROLESPEC_CURRENT_ROLE:
		return s.currentUser(), nil
	case pg_query.RoleSpecType_ROLESPEC_SESSION_USER:
		return s.user, nil
	case pg_query.RoleSpecType_ROLESPEC_PUBLIC:
		return "", pgerror.New(pgerror.UndefinedObject, "role \"public\" does not exist")
	}
	return "", pgerror.New(pgerror.SyntaxError, "invalid role specification")
}

func lookupRole(cat *catalog, name string) (*roleDesc, error) {
	r, ok := cat.roles[name]
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

func applyRoleOptions(ec *execCtx, r *roleDesc, opts []*pg_query.Node) (roleChange, error) {
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
				return ch, pgerror.New(pgerror.InvalidParameterValue, "invalid connection limit: %s", strings.Join(nodeStrings([]*pg_query.Node{de.Arg}), ""))
			}
			r.ConnLimit, ch.other = n.Ival, true
		case "password":
			ch.password = true
			if de.Arg == nil {
				r.Password = ""
				continue
			}
			pw := defElemString(de)
			v, err := passwordVerifier(r.Name, pw, ec.s.set.vals["password_encryption"])
			if err != nil {
				return ch, err
			}
			r.Password = v
		case "validUntil":
			t, err := types.ParseTimestamp(defElemString(de), true, ec.s.set.dateOrder, ec.s.set.loc, time.Now())
			if err != nil {
				return ch, pgerror.Wrap(err, pgerror.InvalidDatetimeFormat, "invalid input syntax for type timestamp with time zone: \"%s\"", defElemString(de))
			}
			r.ValidUntil, ch.other = &t, true
		case "addroleto":
			ch.inRoles = roleSpecNames(ec.s, de.Arg)
		case "rolemembers":
			ch.members = roleSpecNames(ec.s, de.Arg)
		case "adminmembers":
			ch.admins = roleSpecNames(ec.s, de.Arg)
		case "sysid":
			// ignored, as by PostgreSQL
		default:
			return ch, pgerror.Unsupported("role option " + strings.ToUpper(de.Defname))
		}
	}
	return ch, nil
}

func roleSpecNames(s *Session, arg *pg_query.Node) []string {
	var out []string
	for _, n := range arg.GetList().GetItems() {
		if rs := n.GetRoleSpec(); rs != nil {
			name, _ := roleSpecName(s, rs)
			out = append(out, name)
		}
	}
	return out
}

// passwordVerifier turns a password into what pg_authid stores: the
// verifier itself when it is one already, else a new SCRAM-SHA-256
// verifier (or md5 under password_encryption = 'md5').
func passwordVerifier(user, pw, encryption string) (string, error) {
	if _, ok := ParseSCRAMVerifier(pw); ok {
		return pw, nil
	}
	if isMD5Verifier(pw) {
		return pw, nil
	}
	if pw == "" {
		return "", nil // PostgreSQL: empty string is not a valid password, cleared
	}
	if encryption == "md5" {
		sum := md5.Sum([]byte(pw + user))
		return "md5" + hex.EncodeToString(sum[:]), nil
	}
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	client, err := scram.SHA256.NewClient("", pw, "")
	if err != nil {
		return "", pgerror.Wrap(err, pgerror.InvalidParameterValue, "invalid password")
	}
	cred := client.GetStoredCredentials(scram.KeyFactors{Salt: string(salt), Iters: scramIterations})
	b64 := base64.StdEncoding.EncodeToString
	return "SCRAM-SHA-256$" + strconv.Itoa(scramIterations) + ":" + b64(salt) + "$" + b64(cred.StoredKey) + ":" + b64(cred.ServerKey), nil
}

func isMD5Verifier(s string) bool {
	if len(s) != 35 || !strings.HasPrefix(s, "md5") {
		return false
	}
	_, err := hex.DecodeString(s[3:])
	return err == nil
}

// ParseSCRAMVerifier reads a stored "SCRAM-SHA-256$iter:salt$StoredKey:ServerKey".
func ParseSCRAMVerifier(v string) (scram.StoredCredentials, bool) {
	var cred scram.StoredCredentials
	rest, ok := strings.CutPrefix(v, "SCRAM-SHA-256$")
	if !ok {
		return cred, false
	}
	params, keys, ok := strings.Cut(rest, "$")
	if !ok {
		return cred, false
	}
	iter, salt64, ok1 := strings.Cut(params, ":")
	stored64, server64, ok2 := strings.Cut(keys, ":")
	if !ok1 || !ok2 {
		return cred, false
	}
	n, err := strconv.Atoi(iter)
	if err != nil || n <= 0 {
		return cred, false
	}
	salt, err1 := base64.StdEncoding.DecodeString(salt64)
	stored, err2 := base64.StdEncoding.DecodeString(stored64)
	server, err3 := base64.StdEncoding.DecodeString(server64)
	if err1 != nil || err2 != nil || err3 != nil || len(stored) != 32 || len(server) != 32 {
		return cred, false
	}
	cred.Salt, cred.Iters, cred.StoredKey, cred.ServerKey = string(salt), n, stored, server
	return cred, true
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

func createRole(ec *execCtx, d *ddl, cs *pg_query.CreateRoleStmt) error {
	me := ec.s.currentRole(d.cat)
	if me == nil || !me.Super && !me.CreateRole {
		return pgerror.New(pgerror.InsufficientPrivilege, "permission denied to create role")
	}
	if err := checkNewRoleName(cs.Role); err != nil {
		return err
	}
	if _, ok := d.cat.roles[cs.Role]; ok || d.readKey(roleKey(cs.Role)) != nil {
		return pgerror.New(pgerror.DuplicateObject, "role \"%s\" already exists", cs.Role)
	}
	r := &roleDesc{Name: cs.Role, ConnLimit: -1, Login: cs.StmtType == pg_query.RoleStmtType_ROLESTMT_USER}
	ch, err := applyRoleOptions(ec, r, cs.Options)
	if err != nil {
		return err
	}
	if !me.Super && (ch.super && r.Super || ch.replication && r.Replication || ch.bypass && r.BypassRLS) {
		return pgerror.New(pgerror.InsufficientPrivilege, "must be superuser to create superusers")
	}
	if r.OID, err = d.newOID(); err != nil {
		return err
	}
	if err := d.putRole(r, ""); err != nil {
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

func alterRole(ec *execCtx, d *ddl, as *pg_query.AlterRoleStmt, w ResultWriter) error {
	name, err := roleSpecName(ec.s, as.Role)
	if err != nil {
		return err
	}
	old, err := lookupRole(d.cat, name)
	if err != nil {
		return err
	}
	me := ec.s.currentRole(d.cat)
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
	return d.putRole(&r, old.Name)
}

// alterRoleSet is ALTER ROLE r SET name = value / RESET name / RESET ALL:
// the settings a session of r starts with.
func alterRoleSet(ec *execCtx, d *ddl, as *pg_query.AlterRoleSetStmt) error {
	if as.Database != "" {
		return pgerror.Unsupported("ALTER ROLE … IN DATABASE")
	}
	if as.Role == nil {
		return pgerror.Unsupported("ALTER ROLE ALL … SET")
	}
	name, err := roleSpecName(ec.s, as.Role)
	if err != nil {
		return err
	}
	old, err := lookupRole(d.cat, name)
	if err != nil {
		return err
	}
	me := ec.s.currentRole(d.cat)
	if me == nil || !me.Super && (old.Super || !me.CreateRole && me.OID != old.OID) {
		return pgerror.New(pgerror.InsufficientPrivilege, "permission denied")
	}
	r := *old
	r.MemberOf = slices.Clone(old.MemberOf)
	vs := as.Setstmt
	key := strings.ToLower(vs.Name)
	if def, err := lookupSetting(key); err == nil {
		key = def.name
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
		parts, err := ec.s.setArgs(vs)
		if err != nil {
			return err
		}
		val := strings.Join(parts, ", ")
		// Checked now, as PostgreSQL does, so a bad value never stops logins.
		if err := newSettings().set(key, val); err != nil {
			return err
		}
		kept = append(kept, key+"="+val)
	}
	r.Config = kept
	return d.putRole(&r, old.Name)
}

func renameRole(ec *execCtx, d *ddl, rs *pg_query.RenameStmt) error {
	old, err := lookupRole(d.cat, rs.Subname)
	if err != nil {
		return err
	}
	me := ec.s.currentRole(d.cat)
	switch {
	case me == nil || !me.Super && (old.Super || !me.CreateRole):
		return pgerror.New(pgerror.InsufficientPrivilege, "permission denied to rename role")
	case old.OID == me.OID || old.Name == ec.s.user:
		return pgerror.New(pgerror.FeatureNotSupported, "session user cannot be renamed")
	case isBootstrapRole(old.OID):
		return pgerror.New(pgerror.FeatureNotSupported, "role \"%s\" is required by logdb and cannot be renamed", old.Name)
	}
	if _, ok := d.cat.roles[rs.Newname]; ok || d.readKey(roleKey(rs.Newname)) != nil {
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
	return d.putRole(&r, old.Name)
}

func dropRoles(ec *execCtx, d *ddl, ds *pg_query.DropRoleStmt, w ResultWriter) error {
	me := ec.s.currentRole(d.cat)
	for _, n := range ds.Roles {
		name, err := roleSpecName(ec.s, n.GetRoleSpec())
		if err != nil {
			return err
		}
		r, ok := d.cat.roles[name]
		if !ok {
			if ds.MissingOk {
				_ = w.Notice(notice(pgerror.SuccessfulCompletion, "role \""+name+"\" does not exist, skipping"))
				continue
			}
			return pgerror.New(pgerror.UndefinedObject, "role \"%s\" does not exist", name)
		}
		switch {
		case me == nil || !me.Super && (r.Super || !me.CreateRole):
			return pgerror.New(pgerror.InsufficientPrivilege, "permission denied to drop role")
		case name == ec.s.currentUser():
			return pgerror.New(pgerror.ObjectInUse, "current user cannot be dropped")
		case name == ec.s.user:
			return pgerror.New(pgerror.ObjectInUse, "session user cannot be dropped")
		case isBootstrapRole(r.OID):
			return pgerror.New(pgerror.ObjectInUse, "role \"%s\" cannot be dropped because it is required by logdb", name)
		}
		if owned := d.cat.ownedBy(r.OID); len(owned) > 0 {
			return &pgerror.Error{Code: "2BP01", Message: "role \"" + name + "\" cannot be dropped because some objects depend on it",
				Detail: strings.Join(owned, "\n")}
		}
		key := roleKey(name)
		d.txn.Delete(kv.CatalogSpace, key, d.readKey(key))
		delete(d.cat.roles, name)
		delete(d.cat.roleOID, r.OID)
		// Memberships in the dropped role go with it.
		for _, o := range d.cat.sortedRoles() {
			i := slices.IndexFunc(o.MemberOf, func(m roleMember) bool { return m.Role == r.OID })
			if i < 0 {
				continue
			}
			c := *o
			c.MemberOf = slices.Delete(slices.Clone(o.MemberOf), i, i+1)
			if err := d.putRole(&c, o.Name); err != nil {
				return err
			}
		}
	}
	return nil
}

// ownerOID is an object's owner: 0, in descriptors written before roles
// existed, is the bootstrap superuser.
func ownerOID(o uint32) uint32 {
	if o == 0 {
		return logdbRoleOID
	}
	return o
}

// ownedBy lists what role owns, as DROP ROLE's detail names it.
func (c *catalog) ownedBy(role uint32) []string {
	var out []string
	granted := func(acl []aclEntry) bool {
		return slices.ContainsFunc(acl, func(e aclEntry) bool { return e.Grantee == role })
	}
	for _, t := range c.sortedTables() {
		if ownerOID(t.Owner) == role {
			out = append(out, "owner of table "+t.Name)
		} else if granted(t.ACL) {
			out = append(out, "privileges for table "+t.Name)
		}
	}
	for _, v := range c.views {
		if ownerOID(v.Owner) != role && granted(v.ACL) {
			out = append(out, "privileges for view "+v.Name)
		}
	}
	for _, s := range c.seqs {
		if ownerOID(s.Owner) != role && granted(s.ACL) {
			out = append(out, "privileges for sequence "+s.Name)
		}
	}
	if granted(c.schemaACL) {
		out = append(out, "privileges for schema public")
	}
	for _, s := range c.seqs {
		if ownerOID(s.Owner) == role {
			out = append(out, "owner of sequence "+s.Name)
		}
	}
	for _, v := range c.views {
		if ownerOID(v.Owner) == role {
			out = append(out, "owner of view "+v.Name)
		}
	}
	for _, p := range c.pubs {
		if ownerOID(p.Owner) == role {
			out = append(out, "owner of publication "+p.Name)
		}
	}
	sort.Strings(out)
	return out
}

func (c *catalog) sortedRoles() []*roleDesc {
	out := make([]*roleDesc, 0, len(c.roles))
	for _, r := range c.roles {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].OID < out[j].OID })
	return out
}

// grantRoles is GRANT role TO role [WITH ADMIN OPTION] / REVOKE [ADMIN
// OPTION FOR] role FROM role.
func grantRoles(ec *execCtx, d *ddl, gs *pg_query.GrantRoleStmt, w ResultWriter) error {
	me := ec.s.currentRole(d.cat)
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
			member, err := roleSpecName(ec.s, m.GetRoleSpec())
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

func grantMembership(ec *execCtx, d *ddl, me *roleDesc, roleName, memberName string, admin bool, w ResultWriter) error {
	role, err := lookupRole(d.cat, roleName)
	if err != nil {
		return err
	}
	member, err := lookupRole(d.cat, memberName)
	if err != nil {
		return err
	}
	if role.Super && !me.Super {
		return pgerror.New(pgerror.InsufficientPrivilege, "must be superuser to alter superusers")
	}
	if !d.cat.hasAdmin(me, role.OID) {
		return pgerror.New(pgerror.InsufficientPrivilege, "must have admin option on role \"%s\"", role.Name)
	}
	if d.cat.memberOf(role.OID, member.OID, true) {
		return pgerror.New("0LP01", "role \"%s\" is a member of role \"%s\"", role.Name, member.Name)
	}
	m := slices.Clone(member.MemberOf)
	i := slices.IndexFunc(m, func(x roleMember) bool { return x.Role == role.OID })
	if i >= 0 {
		if !admin || m[i].Admin {
			if w != nil {
				_ = w.Notice(notice(pgerror.SuccessfulCompletion, "role \""+member.Name+"\" is already a member of role \""+role.Name+"\""))
			}
			return nil
		}
		m[i].Admin = true
	} else {
		m = append(m, roleMember{Role: role.OID, Admin: admin, Grantor: me.OID})
	}
	c := *member
	c.MemberOf = m
	return d.putRole(&c, member.Name)
}

func revokeMembership(d *ddl, me *roleDesc, roleName, memberName string, adminOnly bool, w ResultWriter) error {
	role, err := lookupRole(d.cat, roleName)
	if err != nil {
		return err
	}
	member, err := lookupRole(d.cat, memberName)
	if err != nil {
		return err
	}
	if !d.cat.hasAdmin(me, role.OID) {
		return pgerror.New(pgerror.InsufficientPrivilege, "must have admin option on role \"%s\"", role.Name)
	}
	i := slices.IndexFunc(member.MemberOf, func(x roleMember) bool { return x.Role == role.OID })
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
	return d.putRole(&c, member.Name)
}

// setRole is SET ROLE name / SET ROLE NONE / RESET ROLE.
func (s *Session) setRole(name string) error {
	if name == "" || strings.EqualFold(name, "none") {
		s.role = ""
		return nil
	}
	cat := s.currentCatalog()
	r, ok := cat.roles[name]
	if !ok {
		return pgerror.New(pgerror.InvalidParameterValue, "role \"%s\" does not exist", name)
	}
	su := cat.roles[s.user]
	if su == nil || !su.Super && !cat.memberOf(su.OID, r.OID, true) {
		return pgerror.New(pgerror.InsufficientPrivilege, "permission denied to set role \"%s\"", name)
	}
	if name == s.user {
		name = ""
	}
	s.role = name
	return nil
}

// currentCatalog is the transaction's catalog, or the engine's latest.
func (s *Session) currentCatalog() *catalog {
	if s.tx != nil && s.tx.cat != nil {
		return s.tx.cat
	}
	s.e.mu.Lock()
	cat := s.e.st.cat
	s.e.mu.Unlock()
	if cat == nil {
		cat = newCatalogWithRoles()
	}
	return cat
}

// roleSchemas describes the roles for pg_authid, pg_roles and
// pg_auth_members.
func roleSchemas(cat *catalog) ([]pgcatalog.Role, []pgcatalog.RoleMember) {
	var roles []pgcatalog.Role
	var members []pgcatalog.RoleMember
	for _, r := range cat.sortedRoles() {
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
func (e *Engine) roleNow(name string) *roleDesc {
	txn, err := e.cfg.Store.Begin()
	if err != nil {
		return nil
	}
	defer txn.Release()
	cat, err := e.catalogFor(txn)
	if err != nil {
		return nil
	}
	return cat.roles[name]
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
	r, ok := cat.roles[name]
	if !ok {
		return RoleAuth{Name: name}, nil
	}
	ra := RoleAuth{Name: r.Name, Exists: true, Login: r.Login, Super: r.Super, Replication: r.Replication,
		Password: r.Password, ValidUntil: r.ValidUntil, ConnLimit: r.ConnLimit}
	for _, o := range cat.sortedRoles() {
		if o.OID != r.OID && cat.memberOf(r.OID, o.OID, false) {
			ra.MemberOf = append(ra.MemberOf, o.Name)
		}
	}
	return ra, nil
}
