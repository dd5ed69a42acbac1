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
	"strings"
	"time"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/catalog"
	"logdb/sql/ddl"
	"logdb/sql/pgcatalog"
	"logdb/sql/pgerror"
)

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
	return ddl.RoleSpecNameFor(s.currentUser(), s.user, rs)
}

func roleSpecNames(s *Session, arg *pg_query.Node) []string {
	return ddl.RoleSpecNamesFor(s.currentUser(), s.user, arg)
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

// currentCatalog is the transaction's catalog, or outside one the catalog
// of the latest applied state (not the last one a transaction loaded:
// SET ROLE right after CREATE ROLE must see the role).
func (s *Session) currentCatalog() *catalog.Catalog {
	if s.tx != nil && s.tx.cat != nil {
		return s.tx.cat
	}
	if s.e.cfg.Store != nil {
		if txn, err := s.e.cfg.Store.Begin(); err == nil {
			cat, err := s.catalogFor(txn)
			txn.Release()
			if err == nil {
				return cat
			}
		}
	}
	cat := s.e.cacheOf(s.dbOID).Latest()
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
