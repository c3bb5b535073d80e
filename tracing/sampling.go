package tracing

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"
)

// sdkVersion is recorded in each local segment's aws.xray block.
const sdkVersion = "0.1.0"

// defaultSamplingRules is X-Ray's default: the first request each second
// and 5% of the others. newSampler builds it without parsing (a first
// JSON decoding would cost a cold start some 0.3 ms); a test checks that
// both agree.
const defaultSamplingRules = `{"version":2,"default":{"fixed_target":1,"rate":0.05}}`

// samplingRule is one rule of an X-Ray local sampling rules document.
// Host, method and path match with the wildcards * and ?, ignoring case.
type samplingRule struct {
	Description string   `json:"description"`
	Host        string   `json:"host"`
	ServiceName string   `json:"service_name"` // version 1's name for host
	HTTPMethod  string   `json:"http_method"`
	URLPath     string   `json:"url_path"`
	FixedTarget *int     `json:"fixed_target"`
	Rate        *float64 `json:"rate"`

	mu     sync.Mutex
	second int64 // the second the reservoir counts
	used   int   // requests taken from the reservoir in that second
}

// sampler decides which requests are traced outside Lambda, by the first
// rule that matches, else the default: each rule lets fixed_target
// requests a second through, and the given rate of the others.
type sampler struct {
	rules []*samplingRule
	def   *samplingRule
}

// newSampler parses a local sampling rules document (version 1 or 2); nil
// means the default rules.
func newSampler(doc []byte) (*sampler, error) {
	if doc == nil {
		fixed, rate := 1, 0.05
		return &sampler{def: &samplingRule{FixedTarget: &fixed, Rate: &rate}}, nil
	}
	var d struct {
		Version int             `json:"version"`
		Default *samplingRule   `json:"default"`
		Rules   []*samplingRule `json:"rules"`
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSamplingRules, err)
	}
	if d.Version != 1 && d.Version != 2 {
		return nil, fmt.Errorf("%w: version %d; want 1 or 2", ErrSamplingRules, d.Version)
	}
	if d.Default == nil || d.Default.Host != "" || d.Default.URLPath != "" || d.Default.HTTPMethod != "" {
		return nil, fmt.Errorf("%w: want a default rule with only fixed_target and rate", ErrSamplingRules)
	}
	for i, r := range append([]*samplingRule{d.Default}, d.Rules...) {
		if err := r.check(i > 0); err != nil {
			return nil, fmt.Errorf("%w: rule %d: %w", ErrSamplingRules, i, err)
		}
	}
	return &sampler{rules: d.Rules, def: d.Default}, nil
}

func (r *samplingRule) check(matcher bool) error {
	if r.FixedTarget == nil || *r.FixedTarget < 0 {
		return fmt.Errorf("want fixed_target of at least 0")
	}
	if r.Rate == nil || !(*r.Rate >= 0 && *r.Rate <= 1) {
		return fmt.Errorf("want rate between 0 and 1")
	}
	if r.Host == "" {
		r.Host = r.ServiceName
	}
	if matcher && (r.Host == "" || r.HTTPMethod == "" || r.URLPath == "") {
		return fmt.Errorf("want host, http_method and url_path")
	}
	return nil
}

// sample reports whether a request is traced.
func (s *sampler) sample(host, method, path string) bool {
	for _, r := range s.rules {
		if wildcard(r.Host, host) && wildcard(r.HTTPMethod, method) && wildcard(r.URLPath, path) {
			return r.take()
		}
	}
	return s.def.take()
}

func (r *samplingRule) take() bool {
	sec := time.Now().Unix()
	r.mu.Lock()
	if r.second != sec {
		r.second, r.used = sec, 0
	}
	ok := r.used < *r.FixedTarget
	if ok {
		r.used++
	}
	r.mu.Unlock()
	return ok || rand.Float64() < *r.Rate
}

// wildcard reports whether s matches pattern, where * matches any run of
// characters and ? any one, ignoring ASCII case.
func wildcard(pattern, s string) bool {
	if pattern == "*" {
		return true
	}
	p, t := strings.ToLower(pattern), strings.ToLower(s)
	// Iterative matching with one backtracking point: linear in practice.
	pi, ti, star, mark := 0, 0, -1, 0
	for ti < len(t) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == t[ti]):
			pi++
			ti++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, ti
			pi++
		case star >= 0:
			pi, mark = star+1, mark+1
			ti = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// otelSampler builds the sampler OTEL_TRACES_SAMPLER names, and reports
// whether it follows the caller's decision (the parentbased_ forms).
func otelSampler(name, arg string) (*sampler, bool, error) {
	parentBased := strings.HasPrefix(name, "parentbased_")
	rate := 1.0
	switch strings.TrimPrefix(name, "parentbased_") {
	case "always_on":
	case "always_off":
		rate = 0
	case "traceidratio":
		r, err := strconv.ParseFloat(cmp.Or(arg, "1"), 64)
		if err != nil || !(r >= 0 && r <= 1) {
			return nil, false, fmt.Errorf("%w: %s=%q; want a ratio from 0 to 1", ErrSamplingRules, envOTELSamplerArg, arg)
		}
		rate = r
	default:
		return nil, false, fmt.Errorf("%w: %s=%q is not supported", ErrSamplingRules, envOTELSampler, name)
	}
	zero := 0
	return &sampler{def: &samplingRule{FixedTarget: &zero, Rate: &rate}}, parentBased, nil
}
