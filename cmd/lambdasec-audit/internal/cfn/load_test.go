package cfn

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

const minimal = "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n"

// aliasBomb builds the YAML "billion laughs": each level refers to the
// previous one ten times, so full expansion has 10^levels nodes.
func aliasBomb(levels int) string {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(&b, "a%d: &a%d [", i, i)
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*a%d", i-1)
		}
		b.WriteString("]\n")
	}
	return b.String() + minimal
}

func TestParseRefuses(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"invalid YAML", "Resources: [\n", "did not find"},
		{"invalid JSON", "{\"Resources\": {\"A\": {\"Type\": \"T\"},}}\n", "1: invalid JSON"},
		{"JSON duplicate key", "{\"Resources\": {\"A\": {\"Type\": \"T\"}, \"A\": {\"Type\": \"T\"}}}", "duplicate key"},
		{"empty", "  \n", "empty file"},
		{"two documents", minimal + "---\n" + minimal, "more than one YAML document"},
		{"not a map", "- a\n", "not a mapping"},
		{"no resources", "Parameters: {}\n", "Resources is missing"},
		{"resource without type", "Resources:\n  A: {Properties: {}}\n", "has no Type"},
		{"unknown tag", minimal + "Outputs:\n  X: {Value: !Reff Topic}\n", "unknown intrinsic function tag !Reff"},
		{"unknown long form", minimal + "Outputs:\n  X: {Value: {\"Fn::Sup\": x}}\n", "unknown intrinsic function Fn::Sup"},
		{"Fn:: beside other keys", minimal + "Outputs:\n  X: {Value: {\"Fn::Sub\": x, y: z}}\n", "must be the only key"},
		{"GetAtt without attribute", minimal + "Outputs:\n  X: {Value: !GetAtt Topic}\n", "is not Resource.Attribute"},
		{"If with two arguments", "Resources:\n  A: {Type: T, Properties: {P: !If [C, x]}}\n", "needs a list of 3"},
		{"If on unknown condition", "Resources:\n  A: {Type: T, Properties: {P: !If [C, x, y]}}\n", "unknown condition C"},
		{"resource on unknown condition", "Resources:\n  A: {Type: T, Condition: C}\n", "unknown condition C"},
		{"Ref cycle", "Resources:\n  A: {Type: T, Properties: {P: !Ref B}}\n  B: {Type: T, Properties: {P: !GetAtt A.Arn}}\n", "cycle: [A B A]"},
		{"Sub cycle", "Resources:\n  A: {Type: T, Properties: {P: !Sub '${A.Arn}'}}\n", "cycle: [A A]"},
		{"DependsOn cycle", "Resources:\n  A: {Type: T, DependsOn: B}\n  B: {Type: T, DependsOn: [A]}\n", "cycle"},
		{"DependsOn unknown", "Resources:\n  A: {Type: T, DependsOn: Nope}\n", "unknown resource Nope"},
		// A stage SAM would create only with that stage name.
		{"DependsOn a stage SAM does not create", "Transform: AWS::Serverless-2016-10-31\nResources:\n  Api: {Type: AWS::Serverless::Api, Properties: {StageName: prod}}\n  A: {Type: T, DependsOn: ApidevStage}\n", "unknown resource ApidevStage"},
		{"condition cycle", "Conditions:\n  X: !Condition Y\n  Y: {\"Fn::Not\": [{Condition: X}]}\n" + minimal, "cycle"},
		{"condition refers to unknown", "Conditions:\n  X: !Condition Y\n" + minimal, "unknown condition Y"},
		{"duplicate key", "Resources:\n  A: {Type: T}\n  A: {Type: T}\n", "duplicate key"},
		{"alias bomb", aliasBomb(9), "alias bomb"},
		{"deep nesting", strings.Repeat("[", 500) + strings.Repeat("]", 500), "deeper than"},
		{"deep maps", "Resources:\n  A:\n    Type: T\n    Properties:\n" + deepMap(200), "deeper than"},
		{"ForEach", "Resources:\n  Fn::ForEach::Topics: [N, [a], {\"T${N}\": {Type: T}}]\n", "not supported"},
		{"bad Globals", "Transform: AWS::Serverless-2016-10-31\nGlobals:\n  Nope: {}\n" + minimal, "Globals section Nope"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("t.yaml", []byte(tc.src))
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("got %v, want ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %q, want it to contain %q", err, tc.want)
			}
		})
	}
}

func deepMap(depth int) string {
	var b strings.Builder
	for i := 0; i < depth; i++ {
		fmt.Fprintf(&b, "%sk:\n", strings.Repeat(" ", 6+i))
	}
	return b.String()
}

func TestReadRefusesLargeInput(t *testing.T) {
	// 50 MB of otherwise valid YAML: refused after MaxSize+1 bytes.
	r := &countingReader{r: io.MultiReader(strings.NewReader(minimal),
		io.LimitReader(padding{}, 50<<20))}
	_, err := Read("big.yaml", r)
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("got %v, want a size error", err)
	}
	if r.n > MaxSize+1<<16 {
		t.Errorf("read %d bytes; the limit is %d", r.n, MaxSize)
	}
}

type countingReader struct {
	r io.Reader
	n int
}

// padding is an endless YAML comment.
type padding struct{}

func (padding) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = "# pad\n"[i%6]
	}
	return len(p), nil
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func TestParseForms(t *testing.T) {
	// JSON with tab indentation and the long forms; YAML anchors and merge
	// keys; both GetAtt forms.
	json := "{\n\t\"Resources\": {\n\t\t\"A\": {\"Type\": \"T\", \"Properties\": {\"P\": {\"Fn::GetAtt\": [\"B\", \"Arn\"]}, \"Q\": {\"Ref\": \"B\"}}},\n\t\t\"B\": {\"Type\": \"T\"}\n\t}\n}\n"
	tpl, err := Parse("t.json", []byte(json))
	if err != nil {
		t.Fatal(err)
	}
	a := tpl.Resources["A"]
	if !a.Prop("P").IsFunc("Fn::GetAtt") || !a.Prop("Q").IsFunc("Ref") || a.Prop("Q").Line != 3 {
		t.Errorf("JSON long forms: got %v at line %d", a.Properties, a.Prop("Q").Line)
	}
	// JSON escapes, including \/ which YAML lacks, next to an escaped
	// backslash that must stay one.
	esc := `{"Resources": {"A": {"Type": "T", "Properties": {"P": "a\/b \u00e9 c:\\/d"}}}}`
	tpl, err = Parse("t.json", []byte(esc))
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := tpl.Resources["A"].Prop("P").Str(); s != `a/b é c:\/d` {
		t.Errorf("escapes: got %q", s)
	}
	yml := "base: &base {Type: T, Properties: {P: !GetAtt B.Endpoint.Address}}\nResources:\n  A:\n    <<: *base\n  B: {Type: T}\n"
	tpl, err = Parse("t.yaml", []byte(yml))
	if err != nil {
		t.Fatal(err)
	}
	p := tpl.Resources["A"].Prop("P")
	if got := p.String(); got != `{Fn::GetAtt: ["B", "Endpoint.Address"]}` {
		t.Errorf("merged GetAtt = %s", got)
	}
}

func TestValues(t *testing.T) {
	src := `
Parameters:
  Env: {Type: String, AllowedValues: [dev, prod], Default: dev}
  Size: {Type: Number, Default: 10, MinValue: 1, MaxValue: 90}
  Free: {Type: String}
Mappings:
  Stages:
    dev: {Rate: "10"}
    prod: {Rate: "100"}
Conditions:
  Prod: !Equals [!Ref Env, prod]
Resources:
  A:
    Type: T
    Properties:
      If: !If [Prod, "on", !Ref AWS::NoValue]
      Map: !FindInMap [Stages, !Ref Env, Rate]
      Size: !Ref Size
      Free: !Ref Free
      Join: !Join ["-", [a, !Select [1, [x, y]]]]
      Sub: !Sub ["${A}/${!B}", {A: !Ref Env}]
      Pseudo: !Sub "${AWS::Region}"
`
	tpl, err := Parse("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	show := func(prop string) string {
		var parts []string
		for _, v := range tpl.Values(tpl.Resources["A"].Prop(prop)) {
			switch {
			case v.Absent:
				parts = append(parts, "<absent>")
			case !v.Known:
				parts = append(parts, "?"+v.Ref)
			default:
				parts = append(parts, v.S)
			}
		}
		return strings.Join(parts, " ")
	}
	for prop, want := range map[string]string{
		"If":     "on <absent>",
		"Map":    "10 100",
		"Size":   "10 1 90",
		"Free":   "?Free",
		"Join":   "a-y",
		"Sub":    "?", // A has two possible values
		"Pseudo": "?",
		"Nope":   "<absent>",
	} {
		if got := show(prop); got != want {
			t.Errorf("%s: got %q, want %q", prop, got, want)
		}
	}
}

func TestSAM(t *testing.T) {
	src := `
Transform: [AWS::Serverless-2016-10-31]
Globals:
  Function:
    Tracing: Active
    Layers: [g]
    Environment: {Variables: {A: global, B: global}}
  Api:
    TracingEnabled: true
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Metadata: {note: x}
    Properties:
      Layers: [l]
      Environment: {Variables: {B: local}}
      Events:
        Get: {Type: Api, Properties: {Path: /, Method: get}}
        Http: {Type: HttpApi}
`
	tpl, err := Parse("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	fn := tpl.Resources["Fn"]
	if got := fn.Prop("Layers").String(); got != `["g", "l"]` {
		t.Errorf("Layers = %s", got)
	}
	if got := fn.Prop("Environment", "Variables").String(); got != `{B: "local", A: "global"}` {
		t.Errorf("Variables = %s", got)
	}
	if s, _ := fn.Prop("Tracing").Str(); s != "Active" {
		t.Errorf("Tracing = %q", s)
	}
	rest, http := tpl.Resources[ImplicitRestAPI], tpl.Resources[ImplicitHTTPAPI]
	if rest == nil || http == nil || rest.CreatedBy != "Fn" || rest.Type != SAMAPI || http.Type != SAMHTTPAPI {
		t.Fatalf("implicit APIs: %+v %+v", rest, http)
	}
	if s, _ := rest.Prop("TracingEnabled").Str(); s != "true" {
		t.Errorf("implicit REST API lacks Globals.Api")
	}
}

// A DependsOn may name the stage or role the SAM transform creates.
func TestDependsOnSAMGenerated(t *testing.T) {
	src := `
Transform: AWS::Serverless-2016-10-31
Resources:
  Api: {Type: AWS::Serverless::Api, Properties: {StageName: prod}}
  Http: {Type: AWS::Serverless::HttpApi}
  Fn: {Type: AWS::Serverless::Function, Properties: {Handler: h}}
  A: {Type: AWS::WAFv2::WebACLAssociation, DependsOn: [ApiprodStage, HttpApiGatewayDefaultStage, FnRole]}
`
	if _, err := Parse("t.yaml", []byte(src)); err != nil {
		t.Fatal(err)
	}
}
