package catalog

// Policy is a row level security policy (CREATE POLICY) of the table
// holding it (Table.Policies): like a trigger it lives in the table's
// descriptor, so it is written, replicated and dropped with the table.
// Its expressions are SQL text over the table's columns, compiled where
// a statement is planned (sql/plan/rowsecurity.go).
type Policy struct {
	OID  uint32 `json:"oid"`
	Name string `json:"name"`
	// Cmd is pg_policy.polcmd: '*' (ALL), 'r' (SELECT), 'a' (INSERT),
	// 'w' (UPDATE) or 'd' (DELETE).
	Cmd byte `json:"cmd"`
	// Restrictive: AS RESTRICTIVE (AND-ed with the others), else
	// permissive (OR-ed).
	Restrictive bool `json:"restrictive,omitempty"`
	// Roles are the role OIDs it applies to; empty is PUBLIC.
	Roles []uint32 `json:"roles,omitempty"`
	Using string   `json:"using,omitempty"` // USING's expression, "" for none
	Check string   `json:"check,omitempty"` // WITH CHECK's, "" for none
	// Refs are the other tables its expressions read (sub-queries): DROP
	// TABLE of one fails, or with CASCADE drops the policy.
	Refs []uint32 `json:"refs,omitempty"`
}

// Policy cmd codes (pg_policy.polcmd).
const (
	PolicyAll    byte = '*'
	PolicySelect byte = 'r'
	PolicyInsert byte = 'a'
	PolicyUpdate byte = 'w'
	PolicyDelete byte = 'd'
)

// Policy returns t's policy named name, nil for none.
func (t *Table) Policy(name string) *Policy {
	for _, p := range t.Policies {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// AppliesTo reports whether the policy is for statements of command cmd
// (one of PolicySelect … PolicyDelete).
func (p *Policy) AppliesTo(cmd byte) bool { return p.Cmd == PolicyAll || p.Cmd == cmd }
