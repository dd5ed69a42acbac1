package sql

// Ownership and privileges. The role that creates an object owns it; only
// the owner (or a member of the owning role, or a superuser) may ALTER,
// DROP or TRUNCATE it. Checks run where statements are planned, against
// the transaction's catalog, so every node decides the same.

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"logdb/sql/pgerror"
)

// isOwner reports whether the current role may act as owner of an object
// owned by owner: a superuser, the owner, or a member of the owning role.
func (s *Session) isOwner(cat *catalog, owner uint32) bool {
	r := s.currentRole(cat)
	return r != nil && (r.Super || cat.memberOf(r.OID, ownerOID(owner), false))
}

// checkOwner fails with 42501 "must be owner of KIND NAME" unless the
// current role may act as owner.
func (s *Session) checkOwner(cat *catalog, owner uint32, kind, name string) error {
	if s.isOwner(cat, owner) {
		return nil
	}
	return pgerror.New(pgerror.InsufficientPrivilege, "must be owner of %s %s", kind, name)
}

// newOwner checks ALTER … OWNER TO role and returns the role's OID: the
// current role must own the object and be able to become the new owner.
func (s *Session) newOwner(cat *catalog, spec *pg_query.RoleSpec, owner uint32, kind, name string) (uint32, error) {
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
	if me := s.currentRole(cat); !me.Super && !cat.memberOf(me.OID, to.OID, true) {
		return 0, pgerror.New(pgerror.InsufficientPrivilege, "must be member of role \"%s\"", to.Name)
	}
	return to.OID, nil
}

// alterOwnerOther is ALTER SEQUENCE / VIEW … OWNER TO (ALTER TABLE on one
// too, as pg_dump writes it).
func alterOwnerOther(ec *execCtx, d *ddl, name string, cmds []*pg_query.Node) error {
	for _, c := range cmds {
		cmd := c.GetAlterTableCmd()
		if cmd.GetSubtype() != pg_query.AlterTableType_AT_ChangeOwner {
			return pgerror.New("42809", "\"%s\" is not a table", name)
		}
		if sq, ok := d.cat.seqs[name]; ok {
			o, err := ec.s.newOwner(d.cat, cmd.Newowner, sq.Owner, "sequence", name)
			if err != nil {
				return err
			}
			c := *sq
			c.Owner = o
			if err := d.putSeq(&c); err != nil {
				return err
			}
		} else if v, ok := d.cat.views[name]; ok {
			o, err := ec.s.newOwner(d.cat, cmd.Newowner, v.Owner, "view", name)
			if err != nil {
				return err
			}
			c := *v
			c.Owner = o
			if err := d.putView(&c); err != nil {
				return err
			}
		}
	}
	return nil
}
