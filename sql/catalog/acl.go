package catalog

import (
	"strings"

	"logdb/sql/pgcatalog"
)

// ACLItem is one grantee's privileges on an object, in PostgreSQL's
// letters: r SELECT, a INSERT, w UPDATE, d DELETE, D TRUNCATE,
// x REFERENCES, t TRIGGER, U USAGE, C CREATE. An object whose ACL is nil
// has the default: its owner holds every privilege, nobody else any.
type ACLItem struct {
	Grantee uint32 `json:"g"` // role OID; 0 is PUBLIC
	Privs   string `json:"p"`
	Grantor uint32 `json:"by"`
}

const (
	TablePrivs    = "arwdDxt"
	SequencePrivs = "rwU"
	SchemaPrivs   = "UC"
	// DatabasePrivs are CREATE, TEMPORARY and CONNECT.
	DatabasePrivs = "CTc"
	// FunctionPrivs is EXECUTE.
	FunctionPrivs = "X"
	// PublicSchemaKey holds schema public's ACL (nil: PostgreSQL 15's
	// default, USAGE for PUBLIC and CREATE only for the database owner).
	PublicSchemaKey = "n/public"
)

var PrivLetters = map[string]byte{"select": 'r', "insert": 'a', "update": 'w', "delete": 'd', "truncate": 'D',
	"references": 'x', "trigger": 't', "usage": 'U', "create": 'C', "connect": 'c', "temporary": 'T', "temp": 'T',
	"execute": 'X'}

var privNames = map[byte]string{'r': "SELECT", 'a': "INSERT", 'w': "UPDATE", 'd': "DELETE", 'D': "TRUNCATE",
	'x': "REFERENCES", 't': "TRIGGER", 'U': "USAGE", 'C': "CREATE", 'c': "CONNECT", 'T': "TEMPORARY", 'X': "EXECUTE"}

func defaultPublicSchemaACL() []ACLItem {
	return []ACLItem{{Grantee: pgcatalog.DatabaseOwnerOID, Privs: SchemaPrivs, Grantor: pgcatalog.DatabaseOwnerOID},
		{Grantee: 0, Privs: "U", Grantor: pgcatalog.DatabaseOwnerOID}}
}

// EffectiveACL is acl, or the default one of an object owned by owner.
func EffectiveACL(acl []ACLItem, owner uint32, all string) []ACLItem {
	if acl != nil {
		return acl
	}
	o := OwnerOID(owner)
	return []ACLItem{{Grantee: o, Privs: all, Grantor: o}}
}

// HasPriv reports whether role holds priv through acl: a superuser
// always, else as a grantee, a member of one (inheriting), or PUBLIC.
func (c *Catalog) HasPriv(role *Role, acl []ACLItem, priv byte) bool {
	if role == nil {
		return false
	}
	if role.Super {
		return true
	}
	for _, e := range acl {
		if strings.IndexByte(e.Privs, priv) >= 0 && (e.Grantee == 0 || c.MemberOf(role.OID, e.Grantee, false)) {
			return true
		}
	}
	return false
}

func (c *Catalog) PublicACL() []ACLItem {
	if c.SchemaACL != nil {
		return c.SchemaACL
	}
	return defaultPublicSchemaACL()
}

// aclText is one aclitem as PostgreSQL prints it: grantee=privs/grantor.
func aclText(cat *Catalog, e ACLItem) string {
	g := ""
	if e.Grantee != 0 {
		g = cat.roleName(e.Grantee)
	}
	return g + "=" + e.Privs + "/" + cat.roleName(e.Grantor)
}

func ACLTexts(cat *Catalog, acl []ACLItem) []string {
	if acl == nil {
		return nil
	}
	out := []string{}
	for _, e := range acl {
		if e.Privs != "" {
			out = append(out, aclText(cat, e))
		}
	}
	return out
}
