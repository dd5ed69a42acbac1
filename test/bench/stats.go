package main

import (
	"math"
	"sort"
	"time"
)

// latencies collects operation latencies. One goroutine owns each instance;
// merge them once the clients have stopped.
type latencies []time.Duration

// percentile returns the p-th percentile (0..100) in milliseconds, or NaN when
// nothing was recorded. It sorts the receiver.
func (l latencies) percentile(p float64) float64 {
	if len(l) == 0 {
		return math.NaN()
	}
	sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
	idx := int(math.Ceil(p/100*float64(len(l)))) - 1
	if idx < 0 {
		idx = 0
	}
	if idx >= len(l) {
		idx = len(l) - 1
	}
	return float64(l[idx]) / float64(time.Millisecond)
}

// mean returns the mean in milliseconds, or NaN when nothing was recorded.
func (l latencies) mean() float64 {
	if len(l) == 0 {
		return math.NaN()
	}
	var sum time.Duration
	for _, d := range l {
		sum += d
	}
	return float64(sum) / float64(len(l)) / float64(time.Millisecond)
}

// median of the rounds' values; with two rounds it is their mean.
func median(vs []float64) float64 {
	var xs []float64
	for _, v := range vs {
		if !math.IsNaN(v) {
			xs = append(xs, v)
		}
	}
	if len(xs) == 0 {
		return math.NaN()
	}
	sort.Float64s(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}
