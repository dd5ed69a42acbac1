package sql

import (
	"strings"

	"logdb/sql/types"
)

// UserTypeOID resolves the name of a user type (CREATE TYPE, CREATE
// DOMAIN) in the session's catalog, in schema or through the search path
// when schema is "": types.UserTypeResolver, for 'name'::regtype at run
// time. _name names the array of name.
func (s *Session) UserTypeOID(schema, name string) (types.OID, bool) {
	var cat = s.e.cacheOf(s.dbOID).Latest()
	if s.tx != nil && s.tx.cat != nil {
		cat = s.tx.cat
	}
	if cat == nil {
		return 0, false
	}
	path := s.plannerPath(cat)
	if d, ok := cat.TypeIn(path, schema, name); ok {
		return d.OID, true
	}
	if strings.HasPrefix(name, "_") {
		if d, ok := cat.TypeIn(path, schema, name[1:]); ok && d.ArrayOID != 0 {
			return d.ArrayOID, true
		}
	}
	return 0, false
}

// RegtypeText is a regtype value's text when it names a user type: the
// name, qualified unless the session's search path makes the type
// visible (PostgreSQL's rule); ok is false for any other type.
// exec.CastDatum asks it (regtype::text), and so does the text encoding
// of results.
func (s *Session) RegtypeText(oid uint32) (string, bool) { return s.regtypeText(s.tx, oid) }

// firstUserOID is PostgreSQL's FirstNormalObjectId: user objects' OIDs
// start there.
const firstUserOID = 16384

func (s *Session) regtypeText(tx *txnState, oid uint32) (string, bool) {
	if oid < firstUserOID {
		return "", false // a built-in type
	}
	return s.catalogSchema(tx).RegtypeOut(oid)
}
