package sql

import (
	"context"

	"logdb/sql/extparse"
	"logdb/sql/pgerror"
)

// BACKUP TO STDOUT streams a consistent backup of the node as one binary
// COPY OUT (what `logdb backup` reads). The bytes are Config.Backup's:
// cmd/logdb writes the state database as of one applied index with that
// index, its term and the membership. It needs the simple protocol's COPY
// and no open transaction: the backup holds a state read transaction of
// its own for as long as it streams.

// backupChunk is how many bytes go in one CopyData message.
const backupChunk = 256 << 10

func (s *Session) streamBackup(ctx context.Context, req extparse.BackupRequest, w ResultWriter) (*cursor, error) {
	if s.e.cfg.Backup == nil {
		return nil, pgerror.New(pgerror.FeatureNotSupported, "BACKUP is not available on this node")
	}
	if s.mode != modeImplicit && s.mode != modeIdle {
		return nil, pgerror.New(pgerror.ActiveSQLTransaction, "BACKUP cannot run inside a transaction block")
	}
	if t := s.tx; t != nil && t.Kv != nil {
		t.Kv.Release() // the implicit transaction's unused snapshot: a second read transaction could deadlock bbolt
		t.Kv, t.cat = nil, nil
	}
	cw, ok := w.(copyOutWriter)
	if !ok {
		return nil, pgerror.New(pgerror.FeatureNotSupported, "BACKUP TO STDOUT needs the COPY protocol (the simple query protocol)")
	}
	if err := cw.CopyOut(1, []int16{1}); err != nil {
		return nil, err
	}
	bw := &copyDataWriter{w: cw, ctx: ctx}
	err := s.e.cfg.Backup(ctx, bw, req)
	if err == nil {
		err = bw.flush()
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, s.ctxErr(ctx)
		}
		return nil, err
	}
	if err := cw.CopyDone(); err != nil {
		return nil, err
	}
	return &cursor{tag: "BACKUP"}, nil
}

// copyDataWriter turns writes into CopyData messages of backupChunk bytes.
type copyDataWriter struct {
	w   copyOutWriter
	ctx context.Context
	buf []byte
}

func (c *copyDataWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		if err := c.ctx.Err(); err != nil {
			return 0, err
		}
		k := min(len(p), backupChunk-len(c.buf))
		c.buf = append(c.buf, p[:k]...)
		p = p[k:]
		if len(c.buf) == backupChunk {
			if err := c.flush(); err != nil {
				return 0, err
			}
		}
	}
	return n, nil
}

func (c *copyDataWriter) flush() error {
	if len(c.buf) == 0 {
		return nil
	}
	err := c.w.CopyData(c.buf)
	c.buf = c.buf[:0]
	if f, ok := c.w.(copyFlusher); ok && err == nil {
		err = f.Flush()
	}
	return err
}
