package audit

import (
	"slices"
	"strings"

	"github.com/lambdasec/lambdasec/cmd/lambdasec-audit/internal/cfn"
)

// MetadataKey is the resource Metadata key that holds suppressions:
//
//	Metadata:
//	  lambdasec-audit:
//	    suppress:
//	      - rule: fn-vpc
//	        reason: Calls only public AWS APIs; no VPC resource to reach.
//
// A suppression applies to its own resource and to the implicit APIs the
// SAM transform creates for that function's events.
const MetadataKey = "lambdasec-audit"

type suppression struct {
	rule, reason string
	at           *cfn.Node
}

// suppressions reads a resource's suppressions, valid or not.
func suppressions(r *cfn.Resource) []suppression {
	var out []suppression
	for _, s := range r.Metadata.Path(MetadataKey, "suppress").List() {
		rule, _ := s.Get("rule").Str()
		reason, _ := s.Get("reason").Str()
		out = append(out, suppression{rule: strings.TrimSpace(rule), reason: strings.TrimSpace(reason), at: s})
	}
	return out
}

func (c *checker) knownRule(id string) bool {
	return slices.ContainsFunc(c.rules, func(r *Rule) bool { return r.ID == id })
}

// checkSuppressions reports suppressions that name no rule or give no
// reason: a silent exception is how a posture decays, so such entries
// suppress nothing and are findings themselves.
func checkSuppressions(c *checker, emit emitFunc) {
	for _, id := range c.t.Order {
		r := c.t.Resources[id]
		if r.CreatedBy != "" {
			continue // the creating function reports its own metadata
		}
		if m := r.Metadata.Get(MetadataKey); m != nil && m.Get("suppress") == nil {
			emit(r, m, "%s metadata has no suppress list", MetadataKey)
		}
		for _, s := range suppressions(r) {
			switch {
			case !c.knownRule(s.rule):
				emit(r, s.at, "suppression names unknown rule %q", s.rule)
			case s.rule == ruleSuppression:
				emit(r, s.at, "%s cannot be suppressed", ruleSuppression)
			case s.reason == "":
				emit(r, s.at, "suppression of %s gives no reason", s.rule)
			}
		}
	}
}

func applySuppressions(t *cfn.Template, fs []Finding) []Finding {
	for i := range fs {
		f := &fs[i]
		if f.Rule.ID == ruleSuppression {
			continue
		}
		for _, s := range suppressions(t.Resources[f.Resource]) {
			if s.rule == f.Rule.ID && s.reason != "" {
				f.Suppressed, f.SuppressedBy = true, s.reason
				break
			}
		}
	}
	return fs
}
