package sql

// Ownership and privileges. The role that creates an object owns it; only
// the owner (or a member of the owning role, or a superuser) may ALTER,
// DROP or TRUNCATE it. Checks run where statements are planned, against
// the transaction's catalog, so every node decides the same.

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/kv"
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
	to, err := lookupRole(cat, rn)
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

// checkCreate is CREATE on schema public, which PostgreSQL 15 gives only
// to the database owner (and superusers) unless granted.
func (s *Session) checkCreate(cat *catalog.Catalog, schema string) error {
	if schema != "" && schema != "public" {
		return nil // the statement fails on the schema itself
	}
	if cat.HasPriv(s.currentRole(cat), cat.PublicACL(), 'C') {
		return nil
	}
	return pgerror.New(pgerror.InsufficientPrivilege, "permission denied for schema public")
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

// grantObjects is GRANT/REVOKE privileges ON [TABLE] t, … | ALL TABLES IN
// SCHEMA public | SEQUENCE s | SCHEMA public TO/FROM role | PUBLIC.
func grantObjects(ec *ddl.Ctx, d *catalog.Writer, gs *pg_query.GrantStmt, w ddl.Noticer) error {
	var all, kind string
	switch gs.Objtype {
	case pg_query.ObjectType_OBJECT_TABLE:
		all, kind = catalog.TablePrivs, "table"
	case pg_query.ObjectType_OBJECT_SEQUENCE:
		all, kind = catalog.SequencePrivs, "sequence"
	case pg_query.ObjectType_OBJECT_SCHEMA:
		all, kind = catalog.SchemaPrivs, "schema"
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
		name, err := roleSpecNameFor(ec.Session.CurrentUser(), ec.Session.SessionUser(), rs)
		if err != nil {
			return err
		}
		r, err := lookupRole(d.Cat, name)
		if err != nil {
			return err
		}
		grantees = append(grantees, r.OID)
	}
	me := ec.Session.CurrentRole(d.Cat)
	if me == nil {
		return pgerror.New(pgerror.InsufficientPrivilege, "permission denied")
	}
	if gs.Objtype == pg_query.ObjectType_OBJECT_SCHEMA {
		for _, o := range gs.Objects {
			name := strings.Join(plan.NodeStrings([]*pg_query.Node{o}), ".")
			if name != "public" {
				return pgerror.New("3F000", "schema \"%s\" does not exist", name)
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
			d.Txn.Put(kv.CatalogSpace, key, b, d.ReadKey(key))
		}
		return nil
	}
	var names []string
	if gs.Targtype == pg_query.GrantTargetType_ACL_TARGET_ALL_IN_SCHEMA {
		for _, o := range gs.Objects {
			if s := strings.Join(plan.NodeStrings([]*pg_query.Node{o}), "."); s != "public" {
				return pgerror.New("3F000", "schema \"%s\" does not exist", s)
			}
		}
		if kind == "table" {
			for _, t := range d.Cat.SortedTables() {
				names = append(names, t.Name)
			}
			for n := range d.Cat.Views {
				names = append(names, n)
			}
		} else {
			for n := range d.Cat.Seqs {
				names = append(names, n)
			}
		}
		slices.Sort(names)
	} else {
		for _, o := range gs.Objects {
			rv := o.GetRangeVar()
			if rv == nil || rv.Schemaname != "" && rv.Schemaname != "public" {
				return pgerror.New(pgerror.UndefinedTable, "relation \"%s\" does not exist", strings.Join(plan.NodeStrings([]*pg_query.Node{o}), "."))
			}
			names = append(names, rv.Relname)
		}
	}
	for _, name := range names {
		if err := grantOn(ec, d, kind, name, all, gs.IsGrant, privs, grantees, me); err != nil {
			return err
		}
	}
	return nil
}

func grantOn(ec *ddl.Ctx, d *catalog.Writer, kind, name, all string, grant bool, privs string, grantees []uint32, me *catalog.Role) error {
	denied := func(what string) error {
		return pgerror.New(pgerror.InsufficientPrivilege, "permission denied for %s %s", what, name)
	}
	if t, ok := d.Cat.Tables[name]; ok && kind == "table" {
		if !ec.Session.IsOwner(d.Cat, t.Owner) {
			return denied("table")
		}
		nt := t.Clone()
		nt.ACL = editACL(t.ACL, t.Owner, all, grant, privs, grantees, catalog.OwnerOID(t.Owner))
		return d.PutTable(nt)
	}
	if v, ok := d.Cat.Views[name]; ok && kind == "table" {
		if !ec.Session.IsOwner(d.Cat, v.Owner) {
			return denied("view")
		}
		nv := *v
		nv.ACL = editACL(v.ACL, v.Owner, all, grant, privs, grantees, catalog.OwnerOID(v.Owner))
		return d.PutView(&nv)
	}
	if sq, ok := d.Cat.Seqs[name]; ok {
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

// privsFromText reads has_*_privilege's privilege list ("SELECT, INSERT",
// optionally "WITH GRANT OPTION").
func privsFromText(text, all string) (string, error) {
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

// checkSubscribe: SUBSCRIBE t needs SELECT on t; SUBSCRIBE MESSAGES needs
// REPLICATION (messages carry no table to check).
func (s *Session) checkSubscribe(sub *extparse.SubscribeSpec) error {
	cat := s.currentCatalog()
	for _, name := range sub.Tables {
		name = strings.TrimPrefix(name, "public.")
		if t, ok := cat.Tables[name]; ok {
			if err := s.checkTablePriv(cat, t, 'r'); err != nil {
				return err
			}
		}
	}
	if sub.AllMessages || len(sub.Prefixes) > 0 {
		return s.checkReplication("SUBSCRIBE to messages")
	}
	return nil
}

func init() {
	for _, kind := range []string{"table", "schema", "sequence"} {
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
					r, err := lookupRole(cat, u)
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
			all := map[string]string{"table": catalog.TablePrivs, "schema": catalog.SchemaPrivs, "sequence": catalog.SequencePrivs}[kind]
			privs, err := privsFromText(fmt.Sprint(v[1]), all)
			if err != nil {
				return nil, err
			}
			acl, err := objectACL(cat, kind, v[0])
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
func objectACL(cat *catalog.Catalog, kind string, obj types.Datum) ([]catalog.ACLItem, error) {
	if kind == "schema" {
		if s, ok := obj.(string); ok && s != "public" {
			return nil, pgerror.New("3F000", "schema \"%s\" does not exist", s)
		}
		return cat.PublicACL(), nil
	}
	name, _ := obj.(string)
	name = strings.TrimPrefix(strings.Trim(name, `"`), "public.")
	oid, _ := obj.(int64)
	for _, t := range cat.Tables {
		if t.Name == name || int64(t.OID) == oid {
			return catalog.EffectiveACL(t.ACL, t.Owner, catalog.TablePrivs), nil
		}
	}
	for _, v := range cat.Views {
		if v.Name == name || int64(v.OID) == oid {
			return catalog.EffectiveACL(v.ACL, v.Owner, catalog.TablePrivs), nil
		}
	}
	for _, sq := range cat.Seqs {
		if sq.Name == name || int64(sq.OID) == oid {
			return catalog.EffectiveACL(sq.ACL, sq.Owner, catalog.SequencePrivs), nil
		}
	}
	return nil, pgerror.New(pgerror.UndefinedTable, "relation \"%s\" does not exist", fmt.Sprint(obj))
}
