package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// scenarioResult is one scenario's part of the report.
type scenarioResult struct {
	Name            string                    `json:"name"`
	Fault           string                    `json:"fault"`
	Statuses        map[string]map[string]int `json:"statuses"` // route, status ("none": no answer), count
	Latency         map[string]latency        `json:"latency_ms"`
	RecoverySeconds float64                   `json:"recovery_seconds"` // -1: not within the stated time
	Refresh         refreshCounts             `json:"refresh"`
	Invariants      []verdict                 `json:"invariants"`

	faultStart, faultEnd time.Time
}

type latency struct {
	Requests int     `json:"requests"`
	P50      float64 `json:"p50"`
	P95      float64 `json:"p95"`
	P99      float64 `json:"p99"`
}

type verdict struct {
	Name       string   `json:"name"`
	Passed     bool     `json:"passed"`
	Violations int      `json:"violations"`
	Examples   []string `json:"examples,omitempty"`
}

func (r *scenarioResult) fill(l *load) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r.Statuses = map[string]map[string]int{}
	r.Refresh = l.refresh
	phases := map[string][]time.Duration{}
	for _, s := range l.samples {
		st := "none"
		if s.status != 0 {
			st = strconv.Itoa(s.status)
		}
		if r.Statuses[s.route] == nil {
			r.Statuses[s.route] = map[string]int{}
		}
		r.Statuses[s.route][st]++
		phase := "after"
		switch {
		case s.start.Before(r.faultStart):
			phase = "before"
		case s.start.Before(r.faultEnd):
			phase = "during"
		}
		phases[phase] = append(phases[phase], s.latency)
	}
	r.Latency = map[string]latency{}
	for p, ls := range phases {
		slices.Sort(ls)
		r.Latency[p] = latency{Requests: len(ls), P50: pct(ls, 50), P95: pct(ls, 95), P99: pct(ls, 99)}
	}
	for _, name := range invariantNames {
		v := l.violations[name]
		r.Invariants = append(r.Invariants, verdict{Name: name, Passed: len(v) == 0,
			Violations: len(v), Examples: v[:min(len(v), 5)]})
	}
}

func pct(sorted []time.Duration, p int) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := min(len(sorted)-1, (len(sorted)*p+99)/100-1)
	return float64(sorted[max(i, 0)].Microseconds()) / 1000
}

// writeReport prints the text report, writes it and the JSON one to dir
// and returns the invariant counts.
func writeReport(w io.Writer, dir string, s settings, rs []*scenarioResult) (passed, failed int) {
	var b strings.Builder
	fmt.Fprintf(&b, "drill report: %d workers, phases %v, faults %v, stated recovery %v\n",
		s.workers, s.phase, s.fault, s.recovery)
	fmt.Fprintf(&b, "budgets: register %v, login %v, refresh %v, logout %v, trial-balance %v\n",
		budgets["register"], budgets["login"], budgets["refresh"], budgets["logout"], budgets["trial-balance"])
	fmt.Fprintf(&b, "refresh grace %v: a retry within it must get the same pair; replays of the token just exchanged wait %v\n",
		grace, pastGrace)
	for _, r := range rs {
		fmt.Fprintf(&b, "\n%s: %s\n", r.Name, r.Fault)
		for _, route := range []string{"register", "login", "refresh", "trial-balance", "logout"} {
			var parts []string
			for st, n := range r.Statuses[route] {
				parts = append(parts, fmt.Sprintf("%s×%d", st, n))
			}
			slices.Sort(parts)
			fmt.Fprintf(&b, "  %-14s %s\n", route, strings.Join(parts, " "))
		}
		for _, p := range []string{"before", "during", "after"} {
			lt := r.Latency[p]
			fmt.Fprintf(&b, "  %-7s n=%-5d p50 %7.1f ms  p95 %7.1f ms  p99 %7.1f ms\n", p, lt.Requests, lt.P50, lt.P95, lt.P99)
		}
		f := r.Refresh
		fmt.Fprintf(&b, "  sessions: %d exchanges; grace retries: %d same pair, %d refused; reuses refused: %d older token, %d past grace;\n"+
			"            %d revoked-family tokens presented; %d replays unresolved (503); %d current tokens refused;\n"+
			"            %d revoked tokens presented again at the end\n",
			f.Exchanges, f.GraceSamePair, f.GraceRefused, f.ReuseRefused, f.LateRefused, f.FamilyChecks, f.Unresolved, f.CurrentRefused, f.Swept)
		fmt.Fprintf(&b, "  recovered in %.1f s\n", r.RecoverySeconds)
		for _, v := range r.Invariants {
			mark := "PASS"
			if v.Passed {
				passed++
			} else {
				failed++
				mark = "FAIL"
			}
			fmt.Fprintf(&b, "  %s %s\n", mark, v.Name)
			for _, e := range v.Examples {
				fmt.Fprintf(&b, "       %s\n", e)
			}
			if v.Violations > len(v.Examples) {
				fmt.Fprintf(&b, "       ... %d in all\n", v.Violations)
			}
		}
	}
	fmt.Fprint(w, b.String())
	txt, js := filepath.Join(dir, "report.txt"), filepath.Join(dir, "report.json")
	data, _ := json.MarshalIndent(map[string]any{"scenarios": rs, "passed": passed, "failed": failed}, "", "  ")
	if err := os.WriteFile(txt, []byte(b.String()), 0o644); err == nil {
		if err := os.WriteFile(js, data, 0o644); err == nil {
			fmt.Fprintf(w, "\nreport: %s and %s\n", txt, js)
		}
	}
	return passed, failed
}
