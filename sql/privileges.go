package sql

// Ownership and privileges. The role that creates an object owns it; only
// the owner (or a member of the owning role, or a superuser) may ALTER,
// DROP or TRUNCATE it. Checks run where statements are planned, against
// the transaction's catalog, so every node decides the same.

import (
	"fmt"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/catalog"
	"logdb/sql/ddl"
	"logdb/sql/exec"
	"logdb/sql/extparse"
	"logdb/sql/pgcatalog"
	"logdb/sql/pgerror"
	"logdb/sql/plan"
	"logdb/sql/types"
)

// isOwner reports whether the current role may act as owner of an object
// owned by owner: a superuser, the owner, or a member of the owning role.
func (s *Session) isOwner(cat *catalog.Catalog, owner uint32) bool {
	r := s.currentRole(cat)
	return r != nil && (r.Super || cat.MemberOf(r.OID, catalog.OwnerOID(owner), false))
}

// checkOwner fails with 42501 "must be owner of KIND NAME" unless the
// current role may act as owner.
func (s *Session) checkOwner(cat *catalog.Catalog, owner uint32, kind, name string) error {
	if s.isOwner(cat, owner) {
		return nil
	}
	return pgerror.New(pgerror.InsufficientPrivilege, "must be owner of %s %s", kind, name)
}

// newOwner checks ALTER … OWNER TO role and returns the role's OID: the
// current role must own the object and be able to become the new owner.
func (s *Session) newOwner(cat *catalog.Catalog, spec *pg_query.RoleSpec, owner uint32, kind, name string) (uint32, error) {
	rn, err := roleSpecName(s, spec)
	if err != nil {
		return 0, err
	}
	to, err := ddl.LookupRole(cat, rn)
	if err != nil {
		return 0, err
	}
	if err := s.checkOwner(cat, owner, kind, name); err != nil {
		return 0, err
	}
	if me := s.currentRole(cat); !me.Super && !cat.MemberOf(me.OID, to.OID, true) {
		return 0, pgerror.New(pgerror.InsufficientPrivilege, "must be member of role \"%s\"", to.Name)
	}
	return to.OID, nil
}

func (s *Session) hasTablePriv(cat *catalog.Catalog, t *catalog.Table, priv byte) bool {
	return cat.HasPriv(s.currentRole(cat), catalog.EffectiveACL(t.ACL, t.Owner, catalog.TablePrivs), priv)
}

// checkTablePriv fails with 42501 "permission denied for table t".
func (s *Session) checkTablePriv(cat *catalog.Catalog, t *catalog.Table, priv byte) error {
	if s.hasTablePriv(cat, t, priv) {
		return nil
	}
	return pgerror.New(pgerror.InsufficientPrivilege, "permission denied for table %s", t.Name)
}

func (s *Session) checkViewPriv(cat *catalog.Catalog, v *catalog.View, priv byte) error {
	if cat.HasPriv(s.currentRole(cat), catalog.EffectiveACL(v.ACL, v.Owner, catalog.TablePrivs), priv) {
		return nil
	}
	return pgerror.New(pgerror.InsufficientPrivilege, "permission denied for view %s", v.Name)
}

// checkSeqPriv fails with 42501 unless the role holds one of privs.
func (s *Session) checkSeqPriv(cat *catalog.Catalog, sq *catalog.Sequence, privs string) error {
	acl := catalog.EffectiveACL(sq.ACL, sq.Owner, catalog.SequencePrivs)
	for i := range len(privs) {
		if cat.HasPriv(s.currentRole(cat), acl, privs[i]) {
			return nil
		}
	}
	return pgerror.New(pgerror.InsufficientPrivilege, "permission denied for sequence %s", sq.Name)
}

// checkCreate is CREATE on schema (public: PostgreSQL 15 gives it only to
// the database owner, and superusers, unless granted).
func (s *Session) checkCreate(cat *catalog.Catalog, schema string) error {
	schema = catalog.SchemaName(schema)
	if cat.HasPriv(s.currentRole(cat), cat.SchemaACLOf(schema), 'C') {
		return nil
	}
	return pgerror.New(pgerror.InsufficientPrivilege, "permission denied for schema %s", schema)
}

// checkReplication: the changefeed's messages, slots and replication
// connections need the REPLICATION attribute or a superuser.
func (s *Session) checkReplication(what string) error {
	r := s.currentRole(s.currentCatalog())
	if r != nil && (r.Super || r.Replication) {
		return nil
	}
	return pgerror.New(pgerror.InsufficientPrivilege, "must be superuser or replication role to %s", what)
}

// checkSubscribe: SUBSCRIBE t needs SELECT on t, and row level security
// not to hold for the role on it; SUBSCRIBE MESSAGES needs
// REPLICATION (messages carry no table to check). It also qualifies
// sub.Tables' unqualified names through search_path (public when none
// resolves), as the changefeed matches schema.name.
func (s *Session) checkSubscribe(sub *extparse.SubscribeSpec) error {
	cat := s.currentCatalog()
	path := s.relPath(cat)
	for i, name := range sub.Tables {
		schema, rel, qualified := strings.Cut(name, ".")
		if !qualified {
			schema, rel = "", name
		}
		schema = s.tempAlias(schema)
		t, ok := cat.Tables[cat.RelKey(path, schema, rel)]
		if catalog.IsTempSchema(schema) || ok && catalog.IsTempSchema(t.Schema) {
			// temporary tables are not published (temp.go)
			return pgerror.Unsupported("SUBSCRIBE of a temporary table")
		}
		if !qualified {
			sub.Tables[i] = catalog.Public + "." + rel
			if ok {
				sub.Tables[i] = catalog.SchemaName(t.Schema) + "." + rel
			}
		}
		if ok {
			if err := s.checkTablePriv(cat, t, 'r'); err != nil {
				return err
			}
			// a change stream cannot apply policies: refuse what they
			// would filter
			if applies, err := (&sessionPlanner{s: s}).RowSecurityApplies(cat, t, 0); err != nil {
				return err
			} else if applies {
				return pgerror.Unsupported("SUBSCRIBE of a table whose row level security holds for the role")
			}
		}
	}
	if sub.AllMessages || len(sub.Prefixes) > 0 {
		return s.checkReplication("SUBSCRIBE to messages")
	}
	return nil
}

func init() {
	for _, kind := range []string{"table", "schema", "sequence", "database"} {
		plan.Builtins["has_"+kind+"_privilege"] = privilegeFunc(kind)
	}
}

// privilegeFunc is has_table_privilege / has_schema_privilege /
// has_sequence_privilege([user,] object, privileges): the object by name
// or OID, the user by name or OID (default: the current role).
func privilegeFunc(kind string) plan.Builtin {
	name := "has_" + kind + "_privilege"
	return func(p *plan.Planner, args []exec.Expr) (exec.Expr, error) {
		if len(args) != 2 && len(args) != 3 {
			return nil, plan.NoFunc(name, args)
		}
		for i := range args {
			var err error
			if args[i], err = p.ResolveUnknown(args[i]); err != nil {
				return nil, err
			}
		}
		return &exec.BuiltinExpr{Name: name, Args: args, Strict: true, Ret: exec.BoolT, Fn: func(rc *exec.Ctx, v []types.Datum) (types.Datum, error) {
			ec := hostOf(rc)
			cat := ec.tx.cat
			role := ec.s.currentRole(cat)
			if len(v) == 3 {
				switch u := v[0].(type) {
				case string:
					r, err := ddl.LookupRole(cat, u)
					if err != nil {
						return nil, err
					}
					role = r
				case int64:
					role = cat.RoleOID[uint32(u)]
					if role == nil {
						return nil, pgerror.New(pgerror.UndefinedObject, "role with OID %d does not exist", u)
					}
				}
				v = v[1:]
			}
			all := map[string]string{"table": catalog.TablePrivs, "schema": catalog.SchemaPrivs, "sequence": catalog.SequencePrivs,
				"database": catalog.DatabasePrivs}[kind]
			privs, err := ddl.PrivsFromText(fmt.Sprint(v[1]), all)
			if err != nil {
				return nil, err
			}
			acl, err := objectACL(cat, ec.s.searchPath(cat), kind, v[0])
			if err != nil {
				return nil, err
			}
			for i := range len(privs) {
				if cat.HasPriv(role, acl, privs[i]) {
					return true, nil
				}
			}
			return false, nil
		}}, nil
	}
}

// objectACL finds the effective ACL of a table (or view or sequence) or
// schema given by name or OID.
func objectACL(cat *catalog.Catalog, path []string, kind string, obj types.Datum) ([]catalog.ACLItem, error) {
	if kind == "database" {
		var db *catalog.Database
		switch o := obj.(type) {
		case string:
			if db = cat.Databases[o]; db == nil {
				return nil, pgerror.New(pgerror.InvalidCatalogName, "database \"%s\" does not exist", o)
			}
		case int64:
			if db = cat.DatabaseByOID(uint32(o)); db == nil {
				return nil, pgerror.New(pgerror.InvalidCatalogName, "database with OID %d does not exist", o)
			}
		}
		if db == nil {
			return nil, pgerror.New(pgerror.InvalidCatalogName, "database \"%v\" does not exist", obj)
		}
		return catalog.DatabaseACL(db), nil
	}
	if kind == "schema" {
		if s, ok := obj.(string); ok {
			if !cat.SchemaExists(s) {
				return nil, pgerror.New("3F000", "schema \"%s\" does not exist", s)
			}
			return cat.SchemaACLOf(s), nil
		}
		oid, _ := obj.(int64)
		if oid == int64(pgcatalog.PublicNamespace) {
			return cat.PublicACL(), nil
		}
		for _, sc := range cat.Schemas {
			if int64(sc.OID) == oid {
				return cat.SchemaACLOf(sc.Name), nil
			}
		}
		return nil, pgerror.New("3F000", "schema with OID %d does not exist", oid)
	}
	key := ""
	if name, ok := obj.(string); ok {
		schema, rel := plan.SplitQualified(name)
		key = cat.RelKey(path, schema, rel)
	}
	oid, _ := obj.(int64)
	for k, t := range cat.Tables {
		if k == key || int64(t.OID) == oid {
			return catalog.EffectiveACL(t.ACL, t.Owner, catalog.TablePrivs), nil
		}
	}
	for k, v := range cat.Views {
		if k == key || int64(v.OID) == oid {
			return catalog.EffectiveACL(v.ACL, v.Owner, catalog.TablePrivs), nil
		}
	}
	for k, sq := range cat.Seqs {
		if k == key || int64(sq.OID) == oid {
			return catalog.EffectiveACL(sq.ACL, sq.Owner, catalog.SequencePrivs), nil
		}
	}
	return nil, pgerror.New(pgerror.UndefinedTable, "relation \"%s\" does not exist", fmt.Sprint(obj))
}
