package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
)

// The SARIF 2.1.0 subset lambdasec-audit writes. Members are named as in
// the OASIS standard; required ones carry no omitempty.
type (
	sarifLog struct {
		Schema  string     `json:"$schema"`
		Version string     `json:"version"`
		Runs    []sarifRun `json:"runs"`
	}
	sarifRun struct {
		Tool    sarifTool     `json:"tool"`
		Results []sarifResult `json:"results"`
	}
	sarifTool struct {
		Driver sarifDriver `json:"driver"`
	}
	sarifDriver struct {
		Name           string      `json:"name"`
		InformationURI string      `json:"informationUri"`
		Rules          []sarifRule `json:"rules"`
	}
	sarifRule struct {
		ID                   string         `json:"id"`
		ShortDescription     sarifText      `json:"shortDescription"`
		Help                 sarifText      `json:"help"`
		DefaultConfiguration sarifConfig    `json:"defaultConfiguration"`
		Properties           map[string]any `json:"properties"`
	}
	sarifText struct {
		Text string `json:"text"`
	}
	sarifConfig struct {
		Level string `json:"level"`
	}
	sarifResult struct {
		RuleID              string             `json:"ruleId"`
		RuleIndex           int                `json:"ruleIndex"`
		Level               string             `json:"level"`
		Message             sarifText          `json:"message"`
		Locations           []sarifLocation    `json:"locations"`
		PartialFingerprints map[string]string  `json:"partialFingerprints"`
		Suppressions        []sarifSuppression `json:"suppressions,omitempty"`
	}
	sarifLocation struct {
		PhysicalLocation sarifPhysical  `json:"physicalLocation"`
		LogicalLocations []sarifLogical `json:"logicalLocations"`
	}
	sarifPhysical struct {
		ArtifactLocation sarifArtifact `json:"artifactLocation"`
		Region           sarifRegion   `json:"region"`
	}
	sarifArtifact struct {
		URI string `json:"uri"`
	}
	sarifRegion struct {
		StartLine int `json:"startLine"`
	}
	sarifLogical struct {
		Name string `json:"name"`
		Kind string `json:"kind"`
	}
	sarifSuppression struct {
		Kind          string `json:"kind"`
		Justification string `json:"justification"`
	}
)

// sarifLevel maps a severity to SARIF's level; securitySeverity to the
// 0–10 score code-scanning UIs bucket into critical (≥9), high (≥7),
// medium (≥4) and low.
func sarifLevel(s Severity) string {
	switch s {
	case Critical, High:
		return "error"
	case Medium:
		return "warning"
	}
	return "note"
}

var securitySeverity = map[Severity]string{Critical: "9.5", High: "8.0", Medium: "5.5", Low: "3.0", Info: "0.0"}

// WriteSARIF writes a SARIF 2.1.0 log with one run, every rule, and one
// result per finding; suppressed findings carry an inSource suppression
// with the reason.
func WriteSARIF(w io.Writer, fs []Finding) error {
	run := sarifRun{Tool: sarifTool{Driver: sarifDriver{Name: "lambdasec-audit",
		InformationURI: "https://github.com/lambdasec/lambdasec/tree/main/cmd/lambdasec-audit"}},
		Results: []sarifResult{}}
	index := map[string]int{}
	for i, r := range allRules {
		index[r.ID] = i
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule{
			ID: r.ID, ShortDescription: sarifText{r.Title}, Help: sarifText{r.Fix},
			DefaultConfiguration: sarifConfig{sarifLevel(r.Severity)},
			Properties: map[string]any{"security-severity": securitySeverity[r.Severity],
				"tags": []string{"security", "cloudformation"}},
		})
	}
	for _, f := range fs {
		run.Results = append(run.Results, sarifResultOf(f, index[f.Rule.ID]))
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{Schema: "https://json.schemastore.org/sarif-2.1.0.json", Version: "2.1.0", Runs: []sarifRun{run}})
}

func sarifResultOf(f Finding, ruleIndex int) sarifResult {
	sum := sha256.Sum256([]byte(strings.Join([]string{f.Rule.ID, f.Resource, f.Message}, "\x00")))
	res := sarifResult{RuleID: f.Rule.ID, RuleIndex: ruleIndex, Level: sarifLevel(f.Rule.Severity),
		Message: sarifText{f.Resource + ": " + f.Message},
		Locations: []sarifLocation{{
			PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: filepath.ToSlash(f.File)},
				Region: sarifRegion{StartLine: max(f.Line, 1)}},
			LogicalLocations: []sarifLogical{{Name: f.Resource, Kind: "resource"}},
		}},
		// Stable across edits that move the resource: rule, resource
		// and message, not the line.
		PartialFingerprints: map[string]string{"lambdasecFinding/v1": hex.EncodeToString(sum[:16])},
	}
	if f.Suppressed {
		res.Suppressions = []sarifSuppression{{Kind: "inSource", Justification: f.SuppressedBy}}
	}
	return res
}
