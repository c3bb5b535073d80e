package audit

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// WriteText writes findings for people: one block per finding with the
// position, severity, rule, resource, message and fix; suppressed
// findings show their reason instead of the fix.
func WriteText(w io.Writer, fs []Finding) error {
	var b strings.Builder
	counts := map[Severity]int{}
	suppressed := 0
	for _, f := range fs {
		fmt.Fprintf(&b, "%s:%d: %s %s %s: %s\n", f.File, f.Line, strings.ToUpper(f.Rule.Severity.String()), f.Rule.ID, f.Resource, f.Message)
		if f.Suppressed {
			fmt.Fprintf(&b, "    suppressed: %s\n", f.SuppressedBy)
			suppressed++
			continue
		}
		fmt.Fprintf(&b, "    fix: %s\n", f.Rule.Fix)
		counts[f.Rule.Severity]++
	}
	var parts []string
	for s := Critical; s >= Info; s-- {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
		}
	}
	if suppressed > 0 {
		parts = append(parts, fmt.Sprintf("%d suppressed", suppressed))
	}
	if len(parts) == 0 {
		parts = []string{"no findings"}
	}
	fmt.Fprintf(&b, "%s\n", strings.Join(parts, ", "))
	_, err := io.WriteString(w, b.String())
	return err
}

// jsonFinding is the JSON form of a Finding. rule, severity, resource and
// message are always present; the rest help tools place and filter it.
type jsonFinding struct {
	Rule       string `json:"rule"`
	Severity   string `json:"severity"`
	Resource   string `json:"resource"`
	Message    string `json:"message"`
	File       string `json:"file"`
	Line       int    `json:"line"`
	Suppressed string `json:"suppressed,omitempty"` // the reason, when suppressed
}

// WriteJSON writes {"findings":[...]}; the list is empty, never null,
// when nothing is found.
func WriteJSON(w io.Writer, fs []Finding) error {
	out := struct {
		Findings []jsonFinding `json:"findings"`
	}{Findings: []jsonFinding{}}
	for _, f := range fs {
		jf := jsonFinding{Rule: f.Rule.ID, Severity: f.Rule.Severity.String(), Resource: f.Resource,
			Message: f.Message, File: f.File, Line: f.Line}
		if f.Suppressed {
			jf.Suppressed = f.SuppressedBy
		}
		out.Findings = append(out.Findings, jf)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
