package sql

import (
	"strings"

	"logdb/sql/types"
)

// UserTypeOID resolves the name of a user type (CREATE TYPE, CREATE
// DOMAIN) in the session's catalog: types.UserTypeResolver, for
// 'name'::regtype at run time.
func (s *Session) UserTypeOID(name string) (types.OID, bool) {
	schema, bare, qualified := strings.Cut(name, ".")
	for _, u := range s.CatalogSchema().Types {
		if qualified {
			if u.Schema == schema && u.Name == bare {
				return u.OID, true
			}
			if u.Schema == schema && u.ArrayOID != 0 && "_"+u.Name == bare {
				return u.ArrayOID, true
			}
			continue
		}
		if u.Name == name {
			return u.OID, true
		}
		if u.ArrayOID != 0 && "_"+u.Name == name {
			return u.ArrayOID, true
		}
	}
	return 0, false
}
