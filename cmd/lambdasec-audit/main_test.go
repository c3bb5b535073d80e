package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lambdasec/lambdasec/cmd/lambdasec-audit/internal/audit"
)

var update = flag.Bool("update", false, "rewrite the corpus's golden files")

const exampleTemplate = "../../examples/trialbalance/template.yaml"

func runAudit(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

type report struct {
	Findings []struct {
		Rule, Severity, Resource, Message, File, Suppressed string
		Line                                                int
	} `json:"findings"`
}

// TestExampleTemplate: the example's template passes at the default
// -fail-on high, and has no finding at high or above at all.
func TestExampleTemplate(t *testing.T) {
	code, out, stderr := runAudit(t, "", "-format", "json", exampleTemplate)
	if code != exitOK {
		t.Fatalf("exit %d, want 0\n%s%s", code, out, stderr)
	}
	var r report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	for _, f := range r.Findings {
		if f.Severity == "high" || f.Severity == "critical" {
			t.Errorf("%s finding on %s: %s", f.Rule, f.Resource, f.Message)
		}
	}
}

// TestCorpus compares the JSON report of each corpus template with its
// golden file (go test -run TestCorpus -update rewrites them).
func TestCorpus(t *testing.T) {
	files, _ := filepath.Glob("testdata/corpus/*.*")
	n := 0
	for _, name := range files {
		if strings.HasSuffix(name, ".golden.json") {
			continue
		}
		n++
		t.Run(filepath.Base(name), func(t *testing.T) {
			_, out, stderr := runAudit(t, "", "-format", "json", "-fail-on", "none", name)
			if stderr != "" {
				t.Fatalf("stderr: %s", stderr)
			}
			golden := strings.TrimSuffix(name, filepath.Ext(name)) + ".golden.json"
			if *update {
				if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if out != string(want) {
				t.Errorf("report differs from %s (run with -update to accept):\n%s", golden, out)
			}
		})
	}
	if n < 5 {
		t.Errorf("corpus has %d templates, want at least 5", n)
	}
}

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	clean := write("clean.yaml", "Resources:\n  Topic: {Type: AWS::SNS::Topic}\n")
	medium := write("medium.yaml", "Resources:\n  Key: {Type: AWS::KMS::Key}\n")
	critical := write("critical.yaml", "Resources:\n  Url: {Type: AWS::Lambda::Url, Properties: {AuthType: NONE, TargetFunctionArn: x}}\n")
	broken := write("broken.yaml", "Resources: {A: {Type: T, Properties: {P: !Bogus x}}}\n")
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"clean", []string{clean}, exitOK},
		{"medium below default high", []string{medium}, exitOK},
		{"medium at -fail-on medium", []string{"-fail-on", "medium", medium}, exitFindings},
		{"critical", []string{critical}, exitFindings},
		{"critical with -fail-on none", []string{"-fail-on", "none", critical}, exitOK},
		{"unreadable template", []string{broken}, exitError},
		{"unreadable wins over findings", []string{critical, broken}, exitError},
		{"missing file", []string{filepath.Join(dir, "nope.yaml")}, exitError},
		{"no file", nil, exitError},
		{"bad format", []string{"-format", "xml", clean}, exitError},
		{"bad severity", []string{"-fail-on", "severe", clean}, exitError},
		{"bad rate", []string{"-max-rate", "0", clean}, exitError},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if code, out, stderr := runAudit(t, "", tc.args...); code != tc.want {
				t.Errorf("exit %d, want %d\n%s%s", code, tc.want, out, stderr)
			}
		})
	}
	code, out, stderr := runAudit(t, "", broken)
	if out != "" {
		t.Errorf("a run that read no template printed a report: %q", out)
	}
	if code != exitError || !strings.Contains(stderr, "unknown intrinsic function tag !Bogus") || !strings.Contains(stderr, "broken.yaml:1:") {
		t.Errorf("broken template: exit %d, stderr %q", code, stderr)
	}
	if code, out, _ := runAudit(t, "Resources:\n  Key: {Type: AWS::KMS::Key}\n", "-"); code != exitOK || !strings.Contains(out, "<stdin>:2: MEDIUM kms-rotation Key") {
		t.Errorf("stdin: exit %d, output %q", code, out)
	}
}

func TestTextShowsFixAndReason(t *testing.T) {
	_, out, _ := runAudit(t, "", "testdata/corpus/rest-api-waf.json")
	for _, want := range []string{
		"MEDIUM sg-egress FunctionSecurityGroup: egress to anywhere (tcp port 443)",
		"    suppressed: The payment provider publishes no fixed address range; egress is HTTPS only.",
		"1 suppressed",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	_, out, _ = runAudit(t, "", "testdata/corpus/sam-hello-world.yaml")
	if !strings.Contains(out, "    fix: REST: MethodSettings") {
		t.Errorf("output lacks the fix:\n%s", out)
	}
}

func TestJSONShape(t *testing.T) {
	_, out, _ := runAudit(t, "", "-format", "json", "testdata/corpus/sam-hello-world.yaml")
	var raw map[string][]map[string]any
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatal(err)
	}
	if len(raw["findings"]) == 0 {
		t.Fatal("no findings")
	}
	for _, f := range raw["findings"] {
		for _, k := range []string{"rule", "severity", "resource", "message"} {
			if s, _ := f[k].(string); s == "" {
				t.Errorf("finding %v lacks %q", f, k)
			}
		}
	}
	// Nothing found is an empty list, not null.
	dir := t.TempDir()
	p := filepath.Join(dir, "t.yaml")
	os.WriteFile(p, []byte("Resources:\n  T: {Type: AWS::SNS::Topic}\n"), 0o644)
	if _, out, _ := runAudit(t, "", "-format", "json", p); strings.TrimSpace(out) != "{\n  \"findings\": []\n}" {
		t.Errorf("empty report = %q", out)
	}
}

// TestREADMEListsRules keeps the README's rule table in step with the
// rules.
func TestREADMEListsRules(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range audit.Rules() {
		row := "| `" + r.ID + "` | " + r.Severity.String() + " | " + r.Title + " |"
		if !strings.Contains(string(readme), row) {
			t.Errorf("README.md lacks the row for %s: %q", r.ID, row)
		}
	}
}
