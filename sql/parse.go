package sql

import (
	"logdb/sql/parse"
	"logdb/sql/types"
)

// parse splits and parses a query string, using the cache.
func (e *Engine) parse(q string) ([]parse.Stmt, error) {
	if stmts, ok := e.parses.Get(q); ok {
		return stmts, nil
	}
	if err := types.CheckTextString(q); err != nil {
		return nil, err // PostgreSQL verifies the query string as it arrives
	}
	if err := parse.CheckDepth(q, e.cfg.MaxExpressionDepth); err != nil {
		return nil, err
	}
	stmts, err := parse.Parse(q)
	if err != nil {
		return nil, err
	}
	e.parses.Put(q, stmts)
	return stmts, nil
}
