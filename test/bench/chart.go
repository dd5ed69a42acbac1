package main

import (
	"fmt"
	"math"
	"os"
	"strings"
)

// The insert curve as a hand-written SVG: two panels side by side,
// throughput (linear) and p99 latency (log scale) against the client count,
// one line per system. No library: the chart is a few dozen elements.

type chartSeries struct {
	Title  string
	Color  string
	Dashed bool
	Rate   []float64 // by curveClients; NaN where not measured
	P99    []float64
}

// curveSeries reads the insert-curve workload's medians; nil when it did
// not run.
func (r *report) curveSeries() []chartSeries {
	var wr *workloadResult
	for _, w := range r.Workloads {
		if w.Name == "insert-curve" {
			wr = w
		}
	}
	if wr == nil {
		return nil
	}
	style := map[string]chartSeries{
		"pg":     {Color: "#336791"},
		"pg3":    {Color: "#336791", Dashed: true},
		"logdb":  {Color: "#d9480f"},
		"logdb3": {Color: "#d9480f", Dashed: true},
	}
	var out []chartSeries
	for _, id := range []string{"pg", "logdb", "pg3", "logdb3"} {
		tr := wr.byID(id)
		if tr == nil || tr.Skipped {
			continue
		}
		s := style[id]
		s.Title = tr.Target
		any := false
		for _, n := range curveClients {
			v := tr.value(curveRateMetric(n))
			s.Rate = append(s.Rate, v)
			s.P99 = append(s.P99, tr.value(curveP99Metric(n)))
			any = any || !math.IsNaN(v)
		}
		if any {
			out = append(out, s)
		}
	}
	return out
}

// writeCurveSVG writes the chart to path; false when there is nothing to
// draw.
func (r *report) writeCurveSVG(path string) (bool, error) {
	series := r.curveSeries()
	if len(series) == 0 {
		return false, nil
	}
	var b strings.Builder
	const w, h = 960, 430
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", w, h, w, h)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", w, h)
	fmt.Fprintf(&b, `<text x="%d" y="22" font-size="15" text-anchor="middle">Autocommit INSERT, same machine (%d CPUs), %s</text>`+"\n",
		w/2, r.Machine.CPUs, r.Date.Format("2006-01-02"))
	rate := func(s chartSeries) []float64 { return s.Rate }
	p99 := func(s chartSeries) []float64 { return s.P99 }
	drawPanel(&b, series, rate, 60, 60, 400, 280, "rows/s (higher is better)", false)
	drawPanel(&b, series, p99, 540, 60, 400, 280, "p99 latency, ms, log scale (lower is better)", true)
	// Legend.
	for i, s := range series {
		x := 80 + i*215
		y := h - 14
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="3"%s/>`+"\n", x, y-4, x+30, y-4, s.Color, dash(s))
		fmt.Fprintf(&b, `<text x="%d" y="%d">%s</text>`+"\n", x+38, y, s.Title)
	}
	b.WriteString("</svg>\n")
	return true, os.WriteFile(path, []byte(b.String()), 0o644)
}

func dash(s chartSeries) string {
	if s.Dashed {
		return ` stroke-dasharray="8 5"`
	}
	return ""
}

// drawPanel draws one panel at (x0, y0) of size pw×ph: axes, grid, the
// client counts evenly spaced on x (they double twice per step), and one
// polyline per series.
func drawPanel(b *strings.Builder, series []chartSeries, get func(chartSeries) []float64, x0, y0, pw, ph int, title string, logY bool) {
	lo, hi := math.Inf(1), 0.0
	for _, s := range series {
		for _, v := range get(s) {
			if !math.IsNaN(v) && v > 0 {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	if hi == 0 {
		return
	}
	var ticks []float64
	var ymap func(v float64) float64
	if logY {
		l0, l1 := math.Floor(math.Log10(lo)), math.Ceil(math.Log10(hi))
		if l1 == l0 {
			l1++
		}
		for e := l0; e <= l1; e++ {
			ticks = append(ticks, math.Pow(10, e))
		}
		ymap = func(v float64) float64 {
			return float64(y0+ph) - (math.Log10(v)-l0)/(l1-l0)*float64(ph)
		}
	} else {
		step := niceStep(hi * 1.1 / 5)
		top := math.Ceil(hi*1.1/step) * step
		for v := 0.0; v <= top+step/2; v += step {
			ticks = append(ticks, v)
		}
		ymap = func(v float64) float64 { return float64(y0+ph) - v/top*float64(ph) }
	}
	xmap := func(i int) float64 { return float64(x0) + (float64(i)+0.5)*float64(pw)/float64(len(curveClients)) }
	fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="middle" font-size="13">%s</text>`+"\n", x0+pw/2, y0-12, title)
	for _, t := range ticks {
		y := ymap(t)
		fmt.Fprintf(b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>`+"\n", x0, y, x0+pw, y)
		fmt.Fprintf(b, `<text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n", x0-6, y+4, axisLabel(t))
	}
	fmt.Fprintf(b, `<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#888"/>`+"\n", x0, y0, pw, ph)
	for i, n := range curveClients {
		fmt.Fprintf(b, `<text x="%.1f" y="%d" text-anchor="middle">%d</text>`+"\n", xmap(i), y0+ph+16, n)
	}
	fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="middle">clients</text>`+"\n", x0+pw/2, y0+ph+32)
	for _, s := range series {
		var pts []string
		for i, v := range get(s) {
			if math.IsNaN(v) || v <= 0 {
				continue
			}
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", xmap(i), ymap(v)))
			fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>`+"\n", xmap(i), ymap(v), s.Color)
		}
		fmt.Fprintf(b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2.5"%s/>`+"\n", strings.Join(pts, " "), s.Color, dash(s))
	}
}

// niceStep rounds a raw tick step up to 1, 2 or 5 times a power of ten.
func niceStep(raw float64) float64 {
	if raw <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= raw {
			return m * p
		}
	}
	return 10 * p
}

func axisLabel(v float64) string {
	switch {
	case v >= 1000 && math.Mod(v, 1000) == 0:
		return fmt.Sprintf("%.0fk", v/1000)
	case v >= 1000:
		return fmt.Sprintf("%.1fk", v/1000)
	case v >= 1:
		return fmt.Sprintf("%.0f", v)
	default:
		return fmt.Sprintf("%g", v)
	}
}
