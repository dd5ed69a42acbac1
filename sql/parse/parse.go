package parse

import (
	"container/list"
	"strings"
	"sync"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"github.com/pganalyze/pg_query_go/v6/parser"

	"logdb/sql/extparse"
	"logdb/sql/pgerror"
)

// Stmt is one parsed statement of a query string.
type Stmt struct {
	Node *pg_query.Node
	SQL  string         // the statement's own text
	Ext  *extparse.Stmt // a front-parser statement (SUBSCRIBE, …; sql/extparse); Node is nil
	// Catalogs are the relations named with a database (db.schema.table;
	// catalogs.go), nil when there are none.
	Catalogs []CatalogRef
}

// Cache is a bounded LRU of parse results keyed by query text. The
// cached statements are shared and must be treated as read-only.
type Cache struct {
	mu    sync.Mutex
	max   int
	ll    *list.List
	items map[string]*list.Element
}

type parseEntry struct {
	key   string
	stmts []Stmt
}

// NewCache returns a Cache of at most max query strings.
func NewCache(max int) *Cache {
	return &Cache{max: max, ll: list.New(), items: map[string]*list.Element{}}
}

// Get returns the cached statements of q.
func (c *Cache) Get(q string) ([]Stmt, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[q]; ok {
		c.ll.MoveToFront(el)
		return el.Value.(*parseEntry).stmts, true
	}
	return nil, false
}

// Put caches the statements of q, evicting the least recently used.
func (c *Cache) Put(q string, stmts []Stmt) {
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

// Parse splits q into statements and parses them: pg_query first, the
// front parser (sql/extparse) for what pg_query rejects; 42601 as PostgreSQL
// reports it.
func Parse(q string) ([]Stmt, error) {
	res, err := pg_query.Parse(q)
	if err != nil {
		if stmts, ok, xerr := ParseExtension(q); ok {
			return stmts, xerr
		}
		return nil, SyntaxError(q, err)
	}
	out := make([]Stmt, 0, len(res.Stmts))
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
		sql := strings.TrimSpace(q[start:end])
		out = append(out, Stmt{Node: rs.Stmt, SQL: sql, Catalogs: catalogRefs(rs.Stmt, sql)})
	}
	return out, nil
}

// SyntaxError is the 42601 error for q from pg_query's err, with its
// position in characters.
func SyntaxError(q string, err error) error {
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
func ParseExtension(q string) (stmts []Stmt, ok bool, err error) {
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
			stmts = append(stmts, Stmt{SQL: p, Ext: x})
			continue
		}
		res, err := pg_query.Parse(p)
		if err != nil {
			return nil, true, SyntaxError(p, err)
		}
		for _, rs := range res.Stmts {
			if rs.Stmt != nil {
				stmts = append(stmts, Stmt{Node: rs.Stmt, SQL: p})
			}
		}
	}
	return stmts, true, nil
}
