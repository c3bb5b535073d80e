package main

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestSARIF checks the log against SARIF 2.1.0's required members and the
// properties code-scanning UIs read (OASIS SARIF v2.1.0 §3.13 sarifLog,
// §3.14 run, §3.18 toolComponent, §3.27 result, §3.11 message).
func TestSARIF(t *testing.T) {
	_, out, _ := runAudit(t, "", "-format", "sarif", "testdata/corpus/sam-hello-world.yaml", "testdata/corpus/rest-api-waf.json")
	var log struct {
		Schema  string `json:"$schema"`
		Version string
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string
					Rules []struct {
						ID                   string
						ShortDescription     struct{ Text string }
						Help                 struct{ Text string }
						DefaultConfiguration struct{ Level string }
						Properties           map[string]any
					}
				}
			}
			Results []struct {
				RuleID    string
				RuleIndex *int
				Level     string
				Message   struct{ Text string }
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           struct{ StartLine int }
					}
					LogicalLocations []struct{ Name, Kind string }
				}
				PartialFingerprints map[string]string
				Suppressions        []struct{ Kind, Justification string }
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &log); err != nil {
		t.Fatal(err)
	}
	if log.Version != "2.1.0" || !strings.Contains(log.Schema, "sarif-2.1.0") || len(log.Runs) != 1 {
		t.Fatalf("version %q, schema %q, %d runs", log.Version, log.Schema, len(log.Runs))
	}
	run := log.Runs[0]
	levels := []string{"none", "note", "warning", "error"}
	if run.Tool.Driver.Name == "" || len(run.Tool.Driver.Rules) == 0 {
		t.Fatal("driver lacks name or rules")
	}
	for _, r := range run.Tool.Driver.Rules {
		sev, err := strconv.ParseFloat(r.Properties["security-severity"].(string), 64)
		if r.ID == "" || r.ShortDescription.Text == "" || r.Help.Text == "" || !slices.Contains(levels, r.DefaultConfiguration.Level) || err != nil || sev < 0 || sev > 10 {
			t.Errorf("rule %+v is incomplete", r)
		}
	}
	if len(run.Results) < 5 {
		t.Fatalf("%d results", len(run.Results))
	}
	suppressed := 0
	for _, res := range run.Results {
		if res.RuleIndex == nil || run.Tool.Driver.Rules[*res.RuleIndex].ID != res.RuleID {
			t.Errorf("result %s: ruleIndex does not point at its rule", res.RuleID)
		}
		if res.Message.Text == "" || !slices.Contains(levels, res.Level) || len(res.PartialFingerprints) == 0 {
			t.Errorf("result %s lacks message, level or fingerprint", res.RuleID)
		}
		if len(res.Locations) != 1 {
			t.Fatalf("result %s has %d locations", res.RuleID, len(res.Locations))
		}
		loc := res.Locations[0]
		uri := loc.PhysicalLocation.ArtifactLocation.URI
		if !strings.HasPrefix(uri, "testdata/corpus/") || loc.PhysicalLocation.Region.StartLine < 1 || loc.LogicalLocations[0].Name == "" {
			t.Errorf("result %s: location %+v", res.RuleID, loc)
		}
		for _, s := range res.Suppressions {
			suppressed++
			if s.Kind != "inSource" || s.Justification == "" {
				t.Errorf("suppression %+v", s)
			}
		}
	}
	if suppressed != 1 {
		t.Errorf("%d suppressed results, want 1", suppressed)
	}
}
