package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"text/tabwriter"
	"time"
)

// report is everything one run measured.
type report struct {
	Date      time.Time
	Machine   machine
	Fsync     *fsyncRate
	Config    map[string]any
	Workloads []*workloadResult
	ScaleRows int             // the scale workload's table size (0: not run)
	hasTarget map[string]bool // the -targets asked for
}

type workloadResult struct {
	Name    string
	Desc    string
	Metrics []metricDef
	Targets []*targetResult // in target order
}

type targetResult struct {
	Target  string // column title
	ID      string
	Kind    string
	Skipped bool                 // the workload does not run on this system
	Rounds  map[string][]float64 // metric name → one value per completed round
	Err     string               // "failed: …" / "unsupported: …" when it did not run to the end
	Missing string               // set when a tool the workload needs is not installed: skipped
	Notes   []string             // remarks on how the figures were obtained
	// stopped: a round failed after others had completed; no more rounds.
	stopped bool
}

// value is the figure reported for a metric: the median of the rounds, or
// NaN when there is none.
func (tr *targetResult) value(metric string) float64 {
	if tr == nil || tr.Err != "" || tr.Missing != "" || tr.Skipped {
		return math.NaN()
	}
	return median(tr.Rounds[metric])
}

func (wr *workloadResult) byID(id string) *targetResult {
	for _, tr := range wr.Targets {
		if tr.ID == id {
			return tr
		}
	}
	return nil
}

func (c config) summary() map[string]any {
	return map[string]any{
		"quick": c.Quick, "clients": c.Clients, "rounds": c.Rounds,
		"duration_s": c.Duration.Seconds(), "warmup_s": c.Warmup.Seconds(),
		"select_rows": c.SelectRows, "scale_rows": c.ScaleRows, "fanout_subscribers": c.env.FanoutSubs,
		"workloads": c.Workloads, "logdb_bin": c.LogdbBin, "pg_bin": c.PGBin,
	}
}

func formatValue(v float64) string {
	switch {
	case math.IsNaN(v):
		return "-"
	case math.Abs(v) >= 100:
		return fmt.Sprintf("%.0f", v)
	case math.Abs(v) >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

func ratio(pg, ldb float64) float64 {
	if math.IsNaN(pg) || math.IsNaN(ldb) || pg == 0 {
		return math.NaN()
	}
	return ldb / pg
}

func cell(tr *targetResult, metric string) string {
	if tr == nil || tr.Skipped {
		return "not run"
	}
	if tr.Missing != "" {
		return "skipped (see notes)"
	}
	if tr.Err != "" {
		word, _, _ := strings.Cut(tr.Err, ":")
		return word + " (see notes)"
	}
	if len(tr.Notes) > 0 {
		return formatValue(tr.value(metric)) + " *"
	}
	return formatValue(tr.value(metric))
}

// columns lists the systems that ran, in a fixed order: PostgreSQL, logdb,
// the PostgreSQL trio, the logdb cluster.
func columns(targets []*target) []column {
	var cols []column
	for _, id := range []string{"pg", "logdb", "pg3", "logdb3"} {
		for _, t := range targets {
			if t.ID == id {
				cols = append(cols, column{t.ID, t.Name})
			}
		}
	}
	return cols
}

type column struct{ ID, Title string }

// ratioColumn is one logdb system over the PostgreSQL it is held against.
type ratioColumn struct{ Num, Den column }

// ratioColumns: single-node logdb over PostgreSQL; three-node logdb over
// the PostgreSQL trio when it ran, else over the single PostgreSQL.
func ratioColumns(cols []column) []ratioColumn {
	var pg, pg3 column
	for _, c := range cols {
		switch c.ID {
		case "pg":
			pg = c
		case "pg3":
			pg3 = c
		}
	}
	var out []ratioColumn
	for _, c := range cols {
		switch {
		case c.ID == "logdb":
			out = append(out, ratioColumn{c, pg})
		case c.ID == "logdb3" && pg3.ID != "":
			out = append(out, ratioColumn{c, pg3})
		case c.ID == "logdb3":
			out = append(out, ratioColumn{c, pg})
		}
	}
	return out
}

func shortTitle(c column) string {
	return strings.NewReplacer("PostgreSQL", "PG", " 3-node", "3").Replace(c.Title)
}

func (r *report) print(w io.Writer, targets []*target) {
	fmt.Fprintf(w, "\nlogdb benchmark — %s\n", r.Date.Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(w, "machine: %d CPUs, %s, %d GiB, Linux %s\n", r.Machine.CPUs, r.Machine.CPUModel, r.Machine.MemGiB, r.Machine.Kernel)
	if f := r.Fsync; f != nil {
		if f.Error != "" {
			fmt.Fprintf(w, "disk: pg_test_fsync failed: %s\n", f.Error)
		} else {
			fmt.Fprintf(w, "disk: fdatasync %.0f/s, open_datasync %.0f/s (pg_test_fsync, one 8 kB write per sync; caps a single commit stream)\n", f.Fdatasync, f.OpenDatasync)
		}
	}
	fmt.Fprintf(w, "run: %v clients, %v round(s) of %vs (after %vs warm-up) per system and workload, alternating systems; median of rounds\n\n",
		r.Config["clients"], r.Config["rounds"], r.Config["duration_s"], r.Config["warmup_s"])

	// A Markdown table, so it can go into the README as it is.
	cols := columns(targets)
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	head, rule := "| workload\t| metric\t", "| ---\t| ---\t"
	for _, c := range cols {
		head += "| " + c.Title + "\t"
		rule += "| ---:\t"
	}
	rcols := ratioColumns(cols)
	for _, rc := range rcols {
		head += "| " + shortTitle(rc.Num) + "÷" + shortTitle(rc.Den) + "\t"
		rule += "| ---:\t"
	}
	fmt.Fprintln(tw, head+"|")
	fmt.Fprintln(tw, rule+"|")
	var notes []string
	for _, wr := range r.Workloads {
		for _, tr := range wr.Targets {
			for _, n := range tr.Notes {
				notes = append(notes, fmt.Sprintf("%s on %s: %s", wr.Name, tr.Target, n))
			}
			if tr.Err != "" {
				notes = append(notes, fmt.Sprintf("%s on %s: %s", wr.Name, tr.Target, tr.Err))
			}
			if tr.Missing != "" {
				notes = append(notes, fmt.Sprintf("%s on %s: skipped: %s", wr.Name, tr.Target, tr.Missing))
			}
		}
		for i, m := range wr.Metrics {
			name := wr.Name
			if i > 0 {
				name = ""
			}
			metric := fmt.Sprintf("%s (%s)", m.Name, m.Unit)
			if m.LowerIsBetter {
				metric += " ↓"
			}
			line := fmt.Sprintf("| %s\t| %s\t", name, metric)
			for _, c := range cols {
				line += "| " + cell(wr.byID(c.ID), m.Name) + "\t"
			}
			for _, rc := range rcols {
				rs := "-"
				if v := ratio(wr.byID(rc.Den.ID).value(m.Name), wr.byID(rc.Num.ID).value(m.Name)); !math.IsNaN(v) {
					rs = fmt.Sprintf("%.2f×", v)
				}
				line += "| " + rs + "\t"
			}
			fmt.Fprintln(tw, line+"|")
		}
	}
	tw.Flush()
	fmt.Fprintln(w, "\nratio = logdb ÷ PostgreSQL (three nodes ÷ the PostgreSQL trio when it ran): above 1 is better for logdb, except for metrics marked ↓ (latencies, failures), where below 1 is better. * = see notes.")
	if len(notes) > 0 {
		fmt.Fprintln(w, "\nnotes:")
		for _, n := range notes {
			fmt.Fprintln(w, "  -", n)
		}
	}
}

// jsonFigure is one system's figure: the median and every round.
type jsonFigure struct {
	Value  *float64  `json:"value"`
	Rounds []float64 `json:"rounds,omitempty"`
	Error  string    `json:"error,omitempty"`
	Notes  []string  `json:"notes,omitempty"`
}

type jsonRow struct {
	Workload      string      `json:"workload"`
	Description   string      `json:"description"`
	Metric        string      `json:"metric"`
	Unit          string      `json:"unit"`
	LowerIsBetter bool        `json:"lower_is_better"`
	PostgreSQL    *jsonFigure `json:"postgresql,omitempty"`
	Logdb         *jsonFigure `json:"logdb,omitempty"`
	Ratio         *float64    `json:"ratio_logdb_over_pg"`
	PG3           *jsonFigure `json:"postgresql_3node,omitempty"`
	Logdb3        *jsonFigure `json:"logdb_3node,omitempty"`
	Ratio3        *float64    `json:"ratio_logdb_3node_over_pg,omitempty"`
	Ratio33       *float64    `json:"ratio_logdb_3node_over_pg_3node,omitempty"`
}

func num(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

func figure(tr *targetResult, metric string) *jsonFigure {
	if tr == nil || tr.Skipped {
		return nil
	}
	f := &jsonFigure{Value: num(tr.value(metric)), Error: tr.Err, Notes: tr.Notes}
	if tr.Missing != "" {
		f.Error = "skipped: " + tr.Missing
	}
	for _, v := range tr.Rounds[metric] {
		if !math.IsNaN(v) {
			f.Rounds = append(f.Rounds, v)
		}
	}
	return f
}

func (r *report) writeJSON(path string) error {
	out := struct {
		Date    time.Time      `json:"date"`
		Machine machine        `json:"machine"`
		Fsync   *fsyncRate     `json:"fsync,omitempty"`
		Config  map[string]any `json:"config"`
		Results []jsonRow      `json:"results"`
		Goals   []goalResult   `json:"goals"`
	}{Date: r.Date, Machine: r.Machine, Fsync: r.Fsync, Config: r.Config, Results: []jsonRow{}, Goals: r.goalResults()}
	for _, wr := range r.Workloads {
		pg, ldb, pg3, ldb3 := wr.byID("pg"), wr.byID("logdb"), wr.byID("pg3"), wr.byID("logdb3")
		for _, m := range wr.Metrics {
			out.Results = append(out.Results, jsonRow{
				Workload: wr.Name, Description: wr.Desc, Metric: m.Name, Unit: m.Unit, LowerIsBetter: m.LowerIsBetter,
				PostgreSQL: figure(pg, m.Name), Logdb: figure(ldb, m.Name),
				Ratio:   num(ratio(pg.value(m.Name), ldb.value(m.Name))),
				PG3:     figure(pg3, m.Name),
				Logdb3:  figure(ldb3, m.Name),
				Ratio3:  num(ratio(pg.value(m.Name), ldb3.value(m.Name))),
				Ratio33: num(ratio(pg3.value(m.Name), ldb3.value(m.Name))),
			})
		}
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
