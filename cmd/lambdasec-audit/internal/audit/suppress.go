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
// SAM transform creates for that function's events. Findings on
// parameters are suppressed in the template's top-level Metadata, with
// the parameter named in a resource key:
//
//	Metadata:
//	  lambdasec-audit:
//	    suppress:
//	      - rule: secret-parameter
//	        resource: LegacyToken
//	        reason: Rotated by the deploy pipeline; removed in the next release.
const MetadataKey = "lambdasec-audit"

type suppression struct {
	rule, reason, resource string
	at                     *cfn.Node
}

// suppressions reads the suppressions of a Metadata node, valid or not.
func suppressions(metadata *cfn.Node) []suppression {
	var out []suppression
	for _, s := range metadata.Path(MetadataKey, "suppress").List() {
		rule, _ := s.Get("rule").Str()
		reason, _ := s.Get("reason").Str()
		res, _ := s.Get("resource").Str()
		out = append(out, suppression{rule: strings.TrimSpace(rule), reason: strings.TrimSpace(reason), resource: res, at: s})
	}
	return out
}

// suppressionsFor returns the suppressions that apply to a finding's
// resource: its own Metadata's, or the template's for a parameter.
func suppressionsFor(t *cfn.Template, id string) []suppression {
	if r := t.Resources[id]; r != nil {
		return suppressions(r.Metadata)
	}
	var out []suppression
	for _, s := range suppressions(t.Root.Get("Metadata")) {
		if s.resource == id {
			out = append(out, s)
		}
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
	top := &cfn.Resource{ID: "Metadata", Metadata: c.t.Root.Get("Metadata"), Line: c.t.Root.Get("Metadata").Pos(1)}
	rs := []*cfn.Resource{top}
	for _, id := range c.t.Order {
		rs = append(rs, c.t.Resources[id])
	}
	for _, r := range rs {
		if r.CreatedBy != "" {
			continue // the creating function reports its own metadata
		}
		if m := r.Metadata.Get(MetadataKey); m != nil && m.Get("suppress") == nil {
			emit(r, m, "%s metadata has no suppress list", MetadataKey)
		}
		for _, s := range suppressions(r.Metadata) {
			switch {
			case !c.knownRule(s.rule):
				emit(r, s.at, "suppression names unknown rule %q", s.rule)
			case s.rule == ruleSuppression:
				emit(r, s.at, "%s cannot be suppressed", ruleSuppression)
			case s.reason == "":
				emit(r, s.at, "suppression of %s gives no reason", s.rule)
			case r == top && s.resource == "":
				emit(r, s.at, "template-level suppression of %s names no resource", s.rule)
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
		for _, s := range suppressionsFor(t, f.Resource) {
			if s.rule == f.Rule.ID && s.reason != "" {
				f.Suppressed, f.SuppressedBy = true, s.reason
				break
			}
		}
	}
	return fs
}
