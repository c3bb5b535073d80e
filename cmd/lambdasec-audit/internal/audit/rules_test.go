package audit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lambdasec/lambdasec/cmd/lambdasec-audit/internal/cfn"
)

func check(t *testing.T, path string) []Finding {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := cfn.Parse(path, data)
	if err != nil {
		t.Fatal(err)
	}
	return Check(tpl, Config{})
}

func ofRule(fs []Finding, id string) (active, suppressed []Finding) {
	for _, f := range fs {
		switch {
		case f.Rule.ID != id:
		case f.Suppressed:
			suppressed = append(suppressed, f)
		default:
			active = append(active, f)
		}
	}
	return active, suppressed
}

// TestRules runs every rule on its failing and passing template in
// testdata/rules/<id>/.
func TestRules(t *testing.T) {
	for _, r := range Rules() {
		t.Run(r.ID, func(t *testing.T) {
			dir := filepath.Join("testdata", "rules", r.ID)
			fail, _ := ofRule(check(t, filepath.Join(dir, "fail.yaml")), r.ID)
			if len(fail) == 0 {
				t.Errorf("fail.yaml: no %s finding", r.ID)
			}
			for _, f := range fail {
				t.Logf("fail.yaml:%d: %s: %s", f.Line, f.Resource, f.Message)
			}
			pass, _ := ofRule(check(t, filepath.Join(dir, "pass.yaml")), r.ID)
			for _, f := range pass {
				t.Errorf("pass.yaml:%d: unexpected %s finding on %s: %s", f.Line, r.ID, f.Resource, f.Message)
			}
		})
	}
}

// TestRuleTable keeps ids unique, the table documented and every
// testdata directory tied to a rule.
func TestRuleTable(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range Rules() {
		if seen[r.ID] || r.ID != strings.ToLower(r.ID) || r.Title == "" || r.Fix == "" {
			t.Errorf("rule %q: duplicate id, upper case, or no title or fix", r.ID)
		}
		seen[r.ID] = true
	}
	dirs, err := os.ReadDir(filepath.Join("testdata", "rules"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if !seen[d.Name()] {
			t.Errorf("testdata/rules/%s names no rule", d.Name())
		}
	}
}

// Each failing case counts: a rule that only catches one of the ways a
// template can break it is half a rule.
func TestRuleFailureCounts(t *testing.T) {
	want := map[string]int{
		"api-throttling":          4, // rate too high; HTTP API without settings; unknown rate; quick create
		"api-access-logs":         2, // not JSON; REST stage without logs
		"fn-vpc":                  2,
		"fn-public-subnet":        2, // IGW route; MapPublicIpOnLaunch
		"sg-open-ingress":         2, // IPv4 inline; IPv6 resource
		"sg-egress":               2, // default allow-all kept; 0.0.0.0/0
		"fn-env-kms":              2, // no key (from Globals); AWS managed key
		"fn-reserved-concurrency": 2, // unset; 0
		"fn-concurrency-db":       3, // two direct functions share one budget; one behind a full proxy
		"fn-url":                  2, // NONE; a parameter that allows NONE
		"fn-tracing":              2,
		"iam-wildcard-action":     4, // second statement; FullAccess ARN; AdministratorAccess; NotAction
		"iam-wildcard-resource":   2, // scopable action on *; policy template with *
		"rds-public":              2, // true; unset
		"rds-encryption":          2,
		"rds-tls":                 2, // group without the parameter; PostgreSQL 14 default
		"rds-backup":              2, // default 1 day; parameter MinValue 1
		"secret-literal":          3, // password; API key by name; AWS key id by value
		"secret-parameter":        2, // no NoEcho; NoEcho with Default
		"secret-env":              2, // from a parameter; from a dynamic reference
		"suppression-invalid":     4, // no reason; unknown rule; itself; no list
	}
	for id, n := range want {
		got, _ := ofRule(check(t, filepath.Join("testdata", "rules", id, "fail.yaml")), id)
		if len(got) != n {
			t.Errorf("%s: got %d findings, want %d", id, len(got), n)
			for _, f := range got {
				t.Logf("  %d %s: %s", f.Line, f.Resource, f.Message)
			}
		}
	}
}

func TestSuppression(t *testing.T) {
	fs := check(t, filepath.Join("testdata", "rules", "suppression-invalid", "pass.yaml"))
	active, suppressed := ofRule(fs, "kms-rotation")
	if len(active) != 0 || len(suppressed) != 1 {
		t.Fatalf("got %d active, %d suppressed kms-rotation findings, want 0 and 1", len(active), len(suppressed))
	}
	if got := suppressed[0].SuppressedBy; got != "Imported key material cannot rotate automatically." {
		t.Errorf("reason = %q", got)
	}
	// A suppression without a reason suppresses nothing.
	fs = check(t, filepath.Join("testdata", "rules", "suppression-invalid", "fail.yaml"))
	if active, _ := ofRule(fs, "kms-rotation"); len(active) != 1 {
		t.Errorf("suppression without reason: got %d active kms-rotation findings, want 1", len(active))
	}
}

// A function's Metadata suppresses findings on the implicit API its
// events create, and the template's Metadata those on parameters.
func TestSuppressionImplicitAndParameters(t *testing.T) {
	src := `
Transform: AWS::Serverless-2016-10-31
Metadata:
  lambdasec-audit:
    suppress:
      - rule: secret-parameter
        resource: LegacyToken
        reason: Removed in the next release.
Parameters:
  LegacyToken: {Type: String}
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Metadata:
      lambdasec-audit:
        suppress:
          - rule: api-waf
            reason: Internal API behind a private endpoint.
    Properties:
      Runtime: provided.al2023
      Handler: bootstrap
      CodeUri: .
      Events:
        Get: {Type: Api, Properties: {Path: /, Method: get}}
`
	tpl, err := cfn.Parse("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	fs := Check(tpl, Config{})
	for _, tc := range []struct{ rule, resource, reason string }{
		{"api-waf", cfn.ImplicitRestAPI, "Internal API behind a private endpoint."},
		{"secret-parameter", "LegacyToken", "Removed in the next release."},
	} {
		active, suppressed := ofRule(fs, tc.rule)
		if len(active) != 0 || len(suppressed) != 1 || suppressed[0].Resource != tc.resource || suppressed[0].SuppressedBy != tc.reason {
			t.Errorf("%s: active %v, suppressed %v", tc.rule, active, suppressed)
		}
	}
	if active, _ := ofRule(fs, ruleSuppression); len(active) != 0 {
		t.Errorf("valid suppressions reported: %v", active)
	}
}
