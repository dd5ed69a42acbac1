package sql

import "logdb/sql/types"

// UserTypeOID resolves the name of a user type (CREATE TYPE, CREATE
// DOMAIN) in the session's catalog: types.UserTypeResolver, for
// 'name'::regtype at run time.
func (s *Session) UserTypeOID(name string) (types.OID, bool) {
	for _, u := range s.CatalogSchema().Types {
		if u.Name == name {
			return u.OID, true
		}
		if u.ArrayOID != 0 && "_"+u.Name == name {
			return u.ArrayOID, true
		}
	}
	return 0, false
}
