package replication

import (
	"logdb/changefeed"
	"logdb/sql/pgerror"
)

// Emit sends one output-plugin write as one XLogData message whose
// position is lsn.
type Emit func(lsn uint64, payload []byte) error

// Plugin is an output plugin: it decides what of the feed a stream
// carries and encodes it. The stream frames transactions: Begin before the
// first change Wants accepts, Commit after the transaction's last change
// (whether or not that one was wanted).
type Plugin interface {
	// Wants reports whether a row change or a transactional message goes
	// to this stream.
	Wants(c *changefeed.Change) bool
	// WantsMessages reports whether non-transactional messages do.
	WantsMessages() bool
	// Tables limits the tables the stream decodes at all (nil: every
	// table); Wants still decides per change.
	Tables() func(*changefeed.Relation) bool
	Begin(emit Emit, first *changefeed.Change) error
	Change(emit Emit, c *changefeed.Change) error
	Message(emit Emit, c *changefeed.Change, inTxn bool) error
	Commit(emit Emit, last *changefeed.Change) error
}

// Plugins are the output plugins CREATE_REPLICATION_SLOT accepts.
var Plugins = map[string]bool{"pgoutput": true, "test_decoding": true}

// ErrUnknownPlugin is PostgreSQL's error for a plugin it cannot load.
func ErrUnknownPlugin(name string) error {
	return pgerror.New(pgerror.UndefinedFile, "could not access file \"%s\": No such file or directory", name)
}

// NewPlugin makes the plugin a slot was created with, reading
// START_REPLICATION's options. published reports the publications that
// exist now (pgoutput refuses unknown ones, 42704).
func NewPlugin(name string, opts [][2]string, published func(string) bool) (Plugin, error) {
	switch name {
	case "test_decoding":
		o, err := changefeed.ParseTestDecodingOptions(opts)
		if err != nil {
			return nil, err
		}
		return &testDecoding{o: o}, nil
	case "pgoutput":
		o, err := changefeed.ParsePgoutputOptions(opts)
		if err != nil {
			return nil, err
		}
		for _, p := range o.Publications {
			if published != nil && !published(p) {
				return nil, pgerror.New(pgerror.UndefinedObject, "publication \"%s\" does not exist", p)
			}
		}
		return &pgoutput{o: o, sent: map[uint32]*changefeed.Relation{}}, nil
	}
	return nil, ErrUnknownPlugin(name)
}

// testDecoding is contrib/test_decoding's text.
type testDecoding struct {
	o     changefeed.TestDecodingOptions
	buf   []byte
	trunc []changefeed.Change // consecutive truncates (copies): one line for them all
}

// flushTruncates writes the pending truncates as one line, as PostgreSQL
// writes one TRUNCATE statement.
func (p *testDecoding) flushTruncates(emit Emit) error {
	if len(p.trunc) == 0 {
		return nil
	}
	p.buf = changefeed.AppendTestDecodingTruncate(p.buf[:0], p.trunc)
	last := p.trunc[len(p.trunc)-1].LSN
	p.trunc = p.trunc[:0]
	return emit(last, p.buf)
}

func (p *testDecoding) Wants(*changefeed.Change) bool           { return true }
func (p *testDecoding) Tables() func(*changefeed.Relation) bool { return nil }
func (p *testDecoding) WantsMessages() bool                     { return true }

func (p *testDecoding) Begin(emit Emit, first *changefeed.Change) error {
	p.buf = changefeed.AppendTestDecodingBegin(p.buf[:0], p.o, first.XID)
	return emit(changefeed.LSN(changefeed.IndexOf(first.LSN), 0), p.buf)
}

func (p *testDecoding) Change(emit Emit, c *changefeed.Change) error {
	if c.Op == changefeed.OpTruncate {
		p.trunc = append(p.trunc, *c)
		return nil
	}
	if err := p.flushTruncates(emit); err != nil {
		return err
	}
	var err error
	if p.buf, err = changefeed.AppendTestDecodingChange(p.buf[:0], c); err != nil {
		return err
	}
	return emit(c.LSN, p.buf)
}

func (p *testDecoding) Message(emit Emit, c *changefeed.Change, _ bool) error {
	if err := p.flushTruncates(emit); err != nil {
		return err
	}
	p.buf = changefeed.AppendTestDecodingMessage(p.buf[:0], c)
	return emit(c.LSN, p.buf)
}

func (p *testDecoding) Commit(emit Emit, last *changefeed.Change) error {
	if err := p.flushTruncates(emit); err != nil {
		return err
	}
	p.buf = changefeed.AppendTestDecodingCommit(p.buf[:0], p.o, last.XID, last.CommitTime)
	return emit(last.TxnEnd, p.buf)
}

// pgoutput is the logical replication protocol's own plugin.
type pgoutput struct {
	o     changefeed.PgoutputOptions
	sent  map[uint32]*changefeed.Relation // Relation messages sent, by OID
	buf   []byte
	trunc []changefeed.Change // consecutive truncates (copies): one Truncate message
}

// relation sends r's Relation message unless this stream has it.
func (p *pgoutput) relation(emit Emit, r *changefeed.Relation, lsn uint64) error {
	if p.sent[r.OID] == r {
		return nil
	}
	p.sent[r.OID] = r
	p.buf = changefeed.AppendRelation(p.buf[:0], r)
	return emit(lsn, p.buf)
}

// flushTruncates sends the pending truncates as one Truncate message
// (after the Relation messages it needs), as for one TRUNCATE statement.
func (p *pgoutput) flushTruncates(emit Emit) error {
	if len(p.trunc) == 0 {
		return nil
	}
	oids := make([]uint32, len(p.trunc))
	for i, c := range p.trunc {
		if err := p.relation(emit, c.Table, c.LSN); err != nil {
			return err
		}
		oids[i] = c.Table.OID
	}
	last := p.trunc[len(p.trunc)-1].LSN
	p.trunc = p.trunc[:0]
	p.buf = changefeed.AppendTruncate(p.buf[:0], oids, false, false)
	return emit(last, p.buf)
}

func (p *pgoutput) WantsMessages() bool { return p.o.Messages }

// Tables: only tables one of the stream's publications publishes are
// decoded.
func (p *pgoutput) Tables() func(*changefeed.Relation) bool {
	return func(r *changefeed.Relation) bool {
		for _, name := range p.o.Publications {
			if _, ok := r.Publications[name]; ok {
				return true
			}
		}
		return false
	}
}

func (p *pgoutput) Wants(c *changefeed.Change) bool {
	if c.Op == changefeed.OpMessage {
		return p.o.Messages
	}
	if c.Table == nil {
		return false
	}
	for _, name := range p.o.Publications {
		a, ok := c.Table.Publications[name]
		if !ok {
			continue
		}
		switch c.Op {
		case changefeed.OpInsert, changefeed.OpRead:
			if a.Insert {
				return true
			}
		case changefeed.OpUpdate:
			if a.Update {
				return true
			}
		case changefeed.OpDelete:
			if a.Delete {
				return true
			}
		case changefeed.OpTruncate:
			if a.Truncate {
				return true
			}
		}
	}
	return false
}

func (p *pgoutput) Begin(emit Emit, first *changefeed.Change) error {
	index := changefeed.IndexOf(first.LSN)
	p.buf = changefeed.AppendBegin(p.buf[:0], index, first.CommitTime)
	return emit(changefeed.LSN(index, 0), p.buf)
}

func (p *pgoutput) Change(emit Emit, c *changefeed.Change) error {
	if c.Op == changefeed.OpTruncate {
		p.trunc = append(p.trunc, *c)
		return nil
	}
	if err := p.flushTruncates(emit); err != nil {
		return err
	}
	if err := p.relation(emit, c.Table, c.LSN); err != nil {
		return err
	}
	var err error
	if p.buf, err = changefeed.AppendChange(p.buf[:0], c, p.o.Binary); err != nil {
		return err
	}
	return emit(c.LSN, p.buf)
}

func (p *pgoutput) Message(emit Emit, c *changefeed.Change, _ bool) error {
	if err := p.flushTruncates(emit); err != nil {
		return err
	}
	p.buf = changefeed.AppendMessage(p.buf[:0], c)
	return emit(c.LSN, p.buf)
}

func (p *pgoutput) Commit(emit Emit, last *changefeed.Change) error {
	if err := p.flushTruncates(emit); err != nil {
		return err
	}
	p.buf = changefeed.AppendCommit(p.buf[:0], changefeed.IndexOf(last.LSN), last.CommitTime)
	return emit(last.TxnEnd, p.buf)
}
