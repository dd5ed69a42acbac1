package pgwire

import "logdb/sql"

// The SQL layer's session satisfies Session as it is; only Engine needs the
// adapter cmd/logdb writes (sql.Engine.NewSession returns *sql.Session).
var _ Session = (*sql.Session)(nil)

// sqlEngine is that adapter, here to prove it compiles against sql.
type sqlEngine struct{ e *sql.Engine }

func (a sqlEngine) NewSession(p sql.SessionParams) (Session, error) {
	s, err := a.e.NewSession(p)
	if err != nil {
		return nil, err // not a typed nil *sql.Session inside the interface
	}
	return s, nil
}

var _ Engine = sqlEngine{}
