package main

import (
	"fmt"
	"io"
	"math"
	"text/tabwriter"
)

// The goals of issues 17 and 18: each a ratio of two figures from the same run,
// held against a threshold. make bench prints every row, measured or not.

// figureRef names one figure: a workload's metric on one target.
type figureRef struct{ Workload, Metric, Target string }

type goal struct {
	Row       string
	Num, Den  figureRef
	AtLeast   bool // the ratio must be ≥ Threshold; else ≤
	Threshold float64
}

var goals = []goal{
	{Row: "3-node logdb ÷ pg3, autocommit insert",
		Num: figureRef{"insert", "throughput", "logdb3"}, Den: figureRef{"insert", "throughput", "pg3"}, AtLeast: true, Threshold: 1.0},
	{Row: "3-node logdb ÷ pg3 primary, linearizable point select on the leader",
		Num: figureRef{"select", "throughput", "logdb3"}, Den: figureRef{"select", "throughput", "pg3"}, AtLeast: true, Threshold: 0.8},
	{Row: "3-node logdb ÷ pg3 primary, linearizable point select on a follower",
		Num: figureRef{"select-replica", "throughput", "logdb3"}, Den: figureRef{"select", "throughput", "pg3"}, AtLeast: true, Threshold: 0.8},
	{Row: "3-node logdb ÷ broker pipeline, events/s delivered",
		Num: figureRef{"broker", "throughput", "logdb3"}, Den: figureRef{"broker", "throughput", "pg3"}, AtLeast: true, Threshold: 2.0},
	{Row: "3-node logdb ÷ broker pipeline, commit-to-consumer p99",
		Num: figureRef{"broker", "commit-to-delivery p99", "logdb3"}, Den: figureRef{"broker", "commit-to-delivery p99", "pg3"}, Threshold: 0.5},
	{Row: "3-node logdb ÷ pg3, river jobs/s",
		Num: figureRef{"queue", "throughput", "logdb3"}, Den: figureRef{"queue", "throughput", "pg3"}, AtLeast: true, Threshold: 1.0},
	{Row: "single node ÷ PostgreSQL, autocommit insert, median of 3 runs",
		Num: figureRef{"insert", "throughput", "logdb"}, Den: figureRef{"insert", "throughput", "pg"}, AtLeast: true, Threshold: 1.2},
	{Row: "single node ÷ PostgreSQL, point select",
		Num: figureRef{"select", "throughput", "logdb"}, Den: figureRef{"select", "throughput", "pg"}, AtLeast: true, Threshold: 1.0},
	{Row: "insert rate at the scale table's rows ÷ at an empty table (single-node logdb)",
		Num: figureRef{"scale", "insert throughput", "logdb"}, Den: figureRef{"scale", "insert throughput, empty table", "logdb"}, AtLeast: true, Threshold: 0.8},
}

// goalResult is one goal row as measured.
type goalResult struct {
	Goal     string   `json:"goal"`
	Want     string   `json:"want"`
	Num      *float64 `json:"numerator"`
	Den      *float64 `json:"denominator"`
	Ratio    *float64 `json:"ratio"`
	Met      *bool    `json:"met"`
	Missing  string   `json:"not_measured,omitempty"`
	Workload string   `json:"workload"`
}

func (g goal) want() string {
	if g.AtLeast {
		return fmt.Sprintf("≥ %.1f×", g.Threshold)
	}
	return fmt.Sprintf("≤ %.1f×", g.Threshold)
}

// lookup returns a figure, or why there is none.
func (r *report) lookup(f figureRef) (float64, string) {
	for _, wr := range r.Workloads {
		if wr.Name != f.Workload {
			continue
		}
		tr := wr.byID(f.Target)
		switch {
		case tr == nil || tr.Skipped:
			return math.NaN(), fmt.Sprintf("%s not run on %s", f.Workload, f.Target)
		case tr.Missing != "":
			return math.NaN(), fmt.Sprintf("%s on %s skipped: %s", f.Workload, f.Target, tr.Missing)
		case tr.Err != "":
			return math.NaN(), fmt.Sprintf("%s on %s: %s", f.Workload, f.Target, oneLine(tr.Err, 120))
		}
		v := tr.value(f.Metric)
		if math.IsNaN(v) {
			return v, fmt.Sprintf("%s on %s: no figure", f.Workload, f.Target)
		}
		return v, ""
	}
	why := fmt.Sprintf("workload %s not run", f.Workload)
	if f.Workload == "scale" {
		why += " (-scale-rows; make bench runs it)"
	}
	if r.hasTarget != nil && !r.hasTarget[f.Target] {
		why = fmt.Sprintf("target %s not run (-targets)", f.Target)
	}
	return math.NaN(), why
}

func (r *report) goalResults() []goalResult {
	var out []goalResult
	for _, g := range goals {
		gr := goalResult{Goal: g.Row, Want: g.want(), Workload: g.Num.Workload}
		if g.Num.Workload == "scale" && r.ScaleRows > 0 {
			gr.Goal = fmt.Sprintf("insert rate at %s rows ÷ at an empty table (single-node logdb)", countLabel(r.ScaleRows))
		}
		n, why := r.lookup(g.Num)
		d, whyD := r.lookup(g.Den)
		if why == "" {
			why = whyD
		}
		gr.Num, gr.Den, gr.Missing = num(n), num(d), why
		if why == "" {
			rt := ratio(d, n)
			gr.Ratio = num(rt)
			if gr.Ratio != nil {
				met := rt >= g.Threshold
				if !g.AtLeast {
					met = rt <= g.Threshold
				}
				gr.Met = &met
			}
		}
		out = append(out, gr)
	}
	return out
}

func countLabel(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n >= 1000 && n%1000 == 0:
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprint(n)
}

// printGoals prints the goals table, every row.
func (r *report) printGoals(w io.Writer) {
	fmt.Fprintln(w, "\nGoals (issues 17 and 18; same run, same machine):")
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	fmt.Fprintln(tw, "| goal\t| logdb\t| held against\t| ratio\t| goal\t| met\t|")
	fmt.Fprintln(tw, "| ---\t| ---:\t| ---:\t| ---:\t| ---\t| ---\t|")
	for _, g := range r.goalResults() {
		ratioCell, met := "-", "not measured: "+g.Missing
		if g.Ratio != nil {
			ratioCell = fmt.Sprintf("%.2f×", *g.Ratio)
			met = "missed"
			if *g.Met {
				met = "met"
			}
		}
		fmt.Fprintf(tw, "| %s\t| %s\t| %s\t| %s\t| %s\t| %s\t|\n", g.Goal, fmtPtr(g.Num), fmtPtr(g.Den), ratioCell, g.Want, met)
	}
	tw.Flush()
}

func fmtPtr(v *float64) string {
	if v == nil {
		return "-"
	}
	return formatValue(*v)
}
