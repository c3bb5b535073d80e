package audit

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/lambdasec/lambdasec/cmd/lambdasec-audit/internal/cfn"
)

// Severity ranks findings; -fail-on compares against it.
type Severity int

// Severities from lowest to highest. Info findings are notes that need no
// change (such as "HTTP APIs cannot take a web ACL").
const (
	Info Severity = iota
	Low
	Medium
	High
	Critical
)

var severityNames = []string{"info", "low", "medium", "high", "critical"}

func (s Severity) String() string {
	if s < Info || s > Critical {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// ParseSeverity reads a severity name as String writes it.
func ParseSeverity(s string) (Severity, error) {
	i := slices.Index(severityNames, strings.ToLower(s))
	if i < 0 {
		return 0, fmt.Errorf("unknown severity %q (want one of %s)", s, strings.Join(severityNames, ", "))
	}
	return Severity(i), nil
}

// Rule is one check. ID is stable: suppressions and code-scanning
// history refer to it.
type Rule struct {
	ID       string
	Severity Severity
	Title    string // what the rule wants, one line
	Fix      string // how to fix a finding
	check    func(c *checker, emit emitFunc)
}

type emitFunc func(r *cfn.Resource, at *cfn.Node, format string, a ...any)

// Finding is one rule broken by one resource.
type Finding struct {
	Rule     *Rule
	File     string
	Resource string // logical id
	Line     int
	Message  string
	// Suppressed holds the reason given in the resource's Metadata when
	// the finding is suppressed; Suppressed findings never fail a run.
	Suppressed   bool
	SuppressedBy string
}

// Config holds the limits rules compare against.
type Config struct {
	// MaxRate is the highest steady-state request rate (per second) a
	// stage may allow. Zero means DefaultMaxRate.
	MaxRate float64
	// MaxBurst is the highest burst a stage may allow. Zero means
	// DefaultMaxBurst.
	MaxBurst int
}

// Defaults of Config: API Gateway's own account-level limits, so a stage
// set above them is a typo or a misunderstanding.
const (
	DefaultMaxRate  = 10000
	DefaultMaxBurst = 5000
)

type checker struct {
	t     *cfn.Template
	cfg   Config
	rules []*Rule
}

// Rules returns every rule in a stable order.
func Rules() []*Rule { return slices.Clone(allRules) }

// Check runs every rule over t and returns the findings in document
// order, with suppressions applied.
func Check(t *cfn.Template, cfg Config) []Finding {
	cfg.MaxRate = cmp.Or(cfg.MaxRate, DefaultMaxRate)
	cfg.MaxBurst = cmp.Or(cfg.MaxBurst, DefaultMaxBurst)
	c := &checker{t: t, cfg: cfg, rules: allRules}
	var out []Finding
	for _, rule := range allRules {
		rule.check(c, func(r *cfn.Resource, at *cfn.Node, format string, a ...any) {
			out = append(out, Finding{Rule: rule, File: t.Name, Resource: r.ID,
				Line: at.Pos(r.Line), Message: fmt.Sprintf(format, a...)})
		})
	}
	out = applySuppressions(t, out)
	slices.SortStableFunc(out, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Rule.ID, b.Rule.ID))
	})
	return out
}

// resources returns the resources of the given types in document order.
func (c *checker) resources(types ...string) []*cfn.Resource { return c.t.ByType(types...) }

// resource returns the template resource n refers to with a plain Ref or
// Fn::GetAtt, if it has one of the types.
func (c *checker) resource(n *cfn.Node, types ...string) *cfn.Resource {
	for _, v := range c.t.Values(n) {
		if r := c.t.Resources[v.Ref]; r != nil && (len(types) == 0 || slices.Contains(types, r.Type)) {
			return r
		}
	}
	return nil
}

// referrers returns the resources of the given types whose property
// prop refers to id.
func (c *checker) referrers(id, prop string, types ...string) []*cfn.Resource {
	var out []*cfn.Resource
	for _, r := range c.resources(types...) {
		if cfn.RefersTo(r.Prop(prop), id) {
			out = append(out, r)
		}
	}
	return out
}
