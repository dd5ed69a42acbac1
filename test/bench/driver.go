package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// loadResult is what a closed-loop run of N clients measured inside its
// window.
type loadResult struct {
	Ops     int       // operations that started inside the window and succeeded
	Retries int       // 40001/40P01 errors (the operation is simply issued again)
	Window  float64   // seconds
	Lat     latencies // latency of each counted operation
}

func (r loadResult) perSecond() float64 { return float64(r.Ops) / r.Window }

// opFunc performs one operation on the client's own connection. seq counts
// the client's operations from 0.
type opFunc func(ctx context.Context, c *pgx.Conn, client, seq int) error

// drive runs one goroutine per connection, each issuing op back to back for
// warmup+dur. Only operations started after the warm-up count. A
// non-retryable error stops the run and is returned.
func drive(ctx context.Context, conns []*pgx.Conn, warmup, dur time.Duration, op opFunc) (loadResult, error) {
	// An operation still running this long after the window is a hang,
	// not a slow system: give up on the run.
	const overrun = 30 * time.Second
	ctx, cancel := context.WithTimeout(ctx, warmup+dur+overrun)
	defer cancel()
	start := time.Now()
	measureFrom := start.Add(warmup)
	end := measureFrom.Add(dur)

	type clientResult struct {
		ops, retries int
		lat          latencies
		err          error
	}
	results := make([]clientResult, len(conns))
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Add(1)
		go func(i int, c *pgx.Conn) {
			defer wg.Done()
			r := &results[i]
			r.lat = make(latencies, 0, 4096)
			for seq := 0; ; seq++ {
				t0 := time.Now()
				if !t0.Before(end) || ctx.Err() != nil {
					return
				}
				err := op(ctx, c, i, seq)
				d := time.Since(t0)
				if err != nil {
					if isRetryable(err) {
						r.retries++
						continue
					}
					if ctx.Err() == nil {
						r.err = fmt.Errorf("client %d: %w", i, err)
						cancel()
					}
					return
				}
				if !t0.Before(measureFrom) {
					r.ops++
					r.lat = append(r.lat, d)
				}
			}
		}(i, c)
	}
	wg.Wait()
	var res loadResult
	for _, r := range results {
		if r.err != nil {
			return res, r.err
		}
		res.Ops += r.ops
		res.Retries += r.retries
		res.Lat = append(res.Lat, r.lat...)
	}
	if err := ctx.Err(); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return res, fmt.Errorf("operations still running %s after the measured window ended", overrun)
		}
		return res, err
	}
	res.Window = dur.Seconds()
	return res, nil
}
