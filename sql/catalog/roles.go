package catalog

import (
	"encoding/json"
	"slices"
	"sort"
	"strconv"
	"time"

	"logdb/sql/pgcatalog"
	"logdb/sql/types"
)

// Fixed role OIDs: logdb is PostgreSQL's bootstrap superuser (10, which
// owns every built-in object); postgres is a second bootstrap superuser
// for tools that assume that name.
const (
	LogdbRoleOID    = pgcatalog.SuperuserOID
	PostgresRoleOID = 16383
	ScramIterations = 4096
)

// Role is a role (pg_authid): a user when it can log in.
type Role struct {
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
	Password string `json:"password,omitempty"`
	// ValidUntil is when the password expires (nil: never); it may be
	// types.TimestampInfinity or TimestampNegInfinity, which are stored as
	// "infinity" and "-infinity" (JSON's time format has no such years).
	ValidUntil *time.Time   `json:"valid_until,omitempty"`
	MemberOf   []RoleMember `json:"member_of,omitempty"`
	// Config are the ALTER ROLE … SET settings, "name=value", applied
	// when a session of this role starts.
	Config []string `json:"config,omitempty"`
}

// RoleMember is one membership of the role holding it (pg_auth_members).
type RoleMember struct {
	Role    uint32 `json:"role"`
	Admin   bool   `json:"admin,omitempty"`
	Grantor uint32 `json:"grantor"`
}

func RoleKey(name string) []byte { return append([]byte("a/"), name...) }

func bootstrapRoles() []*Role {
	mk := func(oid uint32, name string) *Role {
		return &Role{OID: oid, Name: name, Super: true, CreateRole: true, CreateDB: true, Login: true,
			Replication: true, BypassRLS: true, ConnLimit: -1}
	}
	return []*Role{mk(LogdbRoleOID, "logdb"), mk(PostgresRoleOID, "postgres")}
}

func (c *Catalog) addRole(r *Role) {
	if old, ok := c.RoleOID[r.OID]; ok {
		delete(c.Roles, old.Name)
	}
	c.Roles[r.Name] = r
	c.RoleOID[r.OID] = r
}

// roleName is pg_get_userbyid.
func (c *Catalog) roleName(oid uint32) string {
	if r, ok := c.RoleOID[oid]; ok {
		return r.Name
	}
	if oid == pgcatalog.DatabaseOwnerOID {
		return "pg_database_owner"
	}
	return "unknown (OID=" + strconv.FormatUint(uint64(oid), 10) + ")"
}

// MemberOf reports whether role has the privileges of target: it is
// target, or a member of it through roles that inherit (a superuser has
// every role's privileges). withoutInherit follows every membership
// (SET ROLE may switch to any role one is a member of).
func (c *Catalog) MemberOf(role, target uint32, withoutInherit bool) bool {
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
		r, ok := c.RoleOID[o]
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
	if r, ok := c.RoleOID[role]; ok && r.NoInherit && !withoutInherit {
		return false
	}
	return walk(role)
}

// HasAdmin reports whether role may grant membership in target: a
// superuser, a CREATEROLE role, or a member WITH ADMIN OPTION.
func (c *Catalog) HasAdmin(role *Role, target uint32) bool {
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

func (d *Writer) PutRole(r *Role, oldName string) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if oldName != "" && oldName != r.Name {
		key := RoleKey(oldName)
		d.Del(key)
	}
	d.Cat.addRole(r)
	key := RoleKey(r.Name)
	d.Put(key, b)
	return nil
}

// OwnerOID is an object's owner: 0, in descriptors written before roles
// existed, is the bootstrap superuser.
func OwnerOID(o uint32) uint32 {
	if o == 0 {
		return LogdbRoleOID
	}
	return o
}

// OwnedBy lists what role owns, as DROP ROLE's detail names it.
func (c *Catalog) OwnedBy(role uint32) []string {
	var out []string
	granted := func(acl []ACLItem) bool {
		return slices.ContainsFunc(acl, func(e ACLItem) bool { return e.Grantee == role })
	}
	for _, t := range c.SortedTables() {
		if OwnerOID(t.Owner) == role {
			out = append(out, "owner of table "+t.Name)
		} else if granted(t.ACL) {
			out = append(out, "privileges for table "+t.Name)
		}
		for _, p := range t.Policies {
			if slices.Contains(p.Roles, role) {
				out = append(out, "target of policy "+p.Name+" on table "+t.Name)
			}
		}
	}
	for _, v := range c.Views {
		if OwnerOID(v.Owner) != role && granted(v.ACL) {
			out = append(out, "privileges for view "+v.Name)
		}
	}
	for _, s := range c.Seqs {
		if OwnerOID(s.Owner) != role && granted(s.ACL) {
			out = append(out, "privileges for sequence "+s.Name)
		}
	}
	if granted(c.SchemaACL) {
		out = append(out, "privileges for schema public")
	}
	for _, s := range c.Seqs {
		if OwnerOID(s.Owner) == role {
			out = append(out, "owner of sequence "+s.Name)
		}
	}
	for _, v := range c.Views {
		if OwnerOID(v.Owner) == role {
			out = append(out, "owner of view "+v.Name)
		}
	}
	for _, p := range c.Pubs {
		if OwnerOID(p.Owner) == role {
			out = append(out, "owner of publication "+p.Name)
		}
	}
	sort.Strings(out)
	return out
}

func (c *Catalog) SortedRoles() []*Role {
	out := make([]*Role, 0, len(c.Roles))
	for _, r := range c.Roles {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].OID < out[j].OID })
	return out
}

// roleJSON is Role as stored: ValidUntil as text, so 'infinity' survives.
type roleJSON struct {
	roleFields
	ValidUntil *string `json:"valid_until,omitempty"`
}

type roleFields Role

// MarshalJSON stores ValidUntil as RFC 3339 text, or "infinity" and
// "-infinity" for PostgreSQL's infinite timestamps.
func (r Role) MarshalJSON() ([]byte, error) {
	j := roleJSON{roleFields: roleFields(r)}
	if t := r.ValidUntil; t != nil {
		s := t.Format(time.RFC3339Nano)
		switch {
		case t.Equal(types.TimestampInfinity):
			s = "infinity"
		case t.Equal(types.TimestampNegInfinity):
			s = "-infinity"
		}
		j.ValidUntil = &s
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads what MarshalJSON wrote (and descriptors written
// before it, which hold the same RFC 3339 text).
func (r *Role) UnmarshalJSON(b []byte) error {
	var j roleJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*r = Role(j.roleFields)
	r.ValidUntil = nil
	if j.ValidUntil != nil {
		var t time.Time
		switch *j.ValidUntil {
		case "infinity":
			t = types.TimestampInfinity
		case "-infinity":
			t = types.TimestampNegInfinity
		default:
			var err error
			if t, err = time.Parse(time.RFC3339Nano, *j.ValidUntil); err != nil {
				return err
			}
		}
		r.ValidUntil = &t
	}
	return nil
}
