package sql

import (
	"container/list"
	"strings"
	"sync"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"github.com/pganalyze/pg_query_go/v6/parser"

	"logdb/sql/extparse"
	"logdb/sql/pgerror"
	"logdb/sql/types"
)

// stmt is one parsed statement of a query string.
type stmt struct {
	node *pg_query.Node
	sql  string         // the statement's own text
	ext  *extparse.Stmt // a front-parser statement (SUBSCRIBE, …; sql/extparse); node is nil
}

// parseCache is a bounded LRU of parse results keyed by query text. The
// cached statements are shared and must be treated as read-only.
type parseCache struct {
	mu    sync.Mutex
	max   int
	ll    *list.List
	items map[string]*list.Element
}

type parseEntry struct {
	key   string
	stmts []stmt
}

func newParseCache(max int) *parseCache {
	return &parseCache{max: max, ll: list.New(), items: map[string]*list.Element{}}
}

func (c *parseCache) get(q string) ([]stmt, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[q]; ok {
		c.ll.MoveToFront(el)
		return el.Value.(*parseEntry).stmts, true
	}
	return nil, false
}

func (c *parseCache) put(q string, stmts []stmt) {
	if len(q) > 64<<10 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.items[q]; ok {
		return
	}
	c.items[q] = c.ll.PushFront(&parseEntry{key: q, stmts: stmts})
	for c.ll.Len() > c.max {
		el := c.ll.Back()
		c.ll.Remove(el)
		delete(c.items, el.Value.(*parseEntry).key)
	}
}

// parse splits and parses a query string, using the cache.
func (e *Engine) parse(q string) ([]stmt, error) {
	if stmts, ok := e.parses.get(q); ok {
		return stmts, nil
	}
	if err := types.CheckTextString(q); err != nil {
		return nil, err // PostgreSQL verifies the query string as it arrives
	}
	if err := checkDepth(q, e.cfg.MaxExpressionDepth); err != nil {
		return nil, err
	}
	stmts, err := parseSQL(q)
	if err != nil {
		return nil, err
	}
	e.parses.put(q, stmts)
	return stmts, nil
}

func parseSQL(q string) ([]stmt, error) {
	res, err := pg_query.Parse(q)
	if err != nil {
		if stmts, ok, xerr := parseExtension(q); ok {
			return stmts, xerr
		}
		return nil, syntaxError(q, err)
	}
	out := make([]stmt, 0, len(res.Stmts))
	for _, rs := range res.Stmts {
		if rs.Stmt == nil {
			continue
		}
		start := int(rs.StmtLocation)
		end := len(q)
		if rs.StmtLen > 0 {
			end = start + int(rs.StmtLen)
		}
		if start < 0 || start > len(q) || end > len(q) || end < start {
			start, end = 0, len(q)
		}
		out = append(out, stmt{node: rs.Stmt, sql: strings.TrimSpace(q[start:end])})
	}
	return out, nil
}

func syntaxError(q string, err error) error {
	pe := &pgerror.Error{Code: pgerror.SyntaxError, Message: err.Error(), Cause: err}
	if perr, ok := err.(*parser.Error); ok {
		pe.Message = perr.Message
		if perr.Cursorpos > 0 {
			// Cursorpos counts bytes; PostgreSQL's Position counts characters.
			b := perr.Cursorpos
			if b > len(q) {
				b = len(q)
			}
			pe.Position = int32(len([]rune(q[:b-1]))) + 1
		}
		if strings.HasPrefix(pe.Message, "unterminated") {
			pe.Code = pgerror.SyntaxError
		}
		if strings.HasPrefix(pe.Message, "frame start") || strings.HasPrefix(pe.Message, "frame end") {
			// gram.y's checks of a window frame's bounds (WINDOWING_ERROR)
			pe.Code = "42P20"
		}
	}
	return pe
}

// parseExtension parses q when at least one of its statements is a
// front-parser statement; ok is false otherwise (the caller reports
// pg_query's error).
func parseExtension(q string) (stmts []stmt, ok bool, err error) {
	pieces := extparse.SplitStatements(q)
	found := false
	for _, p := range pieces {
		if extparse.LooksExtension(p) {
			found = true
		}
	}
	if !found {
		return nil, false, nil
	}
	for _, p := range pieces {
		if extparse.LooksExtension(p) {
			x, err := extparse.Parse(p)
			if err != nil {
				return nil, true, err
			}
			stmts = append(stmts, stmt{sql: p, ext: x})
			continue
		}
		res, err := pg_query.Parse(p)
		if err != nil {
			return nil, true, syntaxError(p, err)
		}
		for _, rs := range res.Stmts {
			if rs.Stmt != nil {
				stmts = append(stmts, stmt{node: rs.Stmt, sql: p})
			}
		}
	}
	return stmts, true, nil
}
