package cfn_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/lambdasec/lambdasec/cmd/lambdasec-audit/internal/audit"
	"github.com/lambdasec/lambdasec/cmd/lambdasec-audit/internal/cfn"
)

// FuzzParse feeds the loader arbitrary bytes: it must return a template
// or an ErrInvalid error, and every rule and report format must then run
// on whatever it returned without panicking.
func FuzzParse(f *testing.F) {
	for _, glob := range []string{
		"../audit/testdata/rules/*/*.yaml",
		"../../testdata/corpus/*.yaml",
		"../../testdata/corpus/rest-*.json",
		"../../../../examples/trialbalance/template.yaml",
	} {
		files, _ := filepath.Glob(glob)
		for _, name := range files {
			data, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	for _, s := range []string{
		"Resources: {A: {Type: T, Properties: {P: !If [C, !Ref A, !Sub '${B.Arn}']}}}",
		"a: &a [*a]\nResources: {A: {Type: T}}",
		"{\"Resources\": {\"A\": {\"Type\": \"T\", \"Properties\": {\"P\": {\"Fn::FindInMap\": [\"M\", {\"Ref\": \"X\"}, \"k\"]}}}}}",
		"Transform: AWS::Serverless-2016-10-31\nGlobals: {Function: {Environment: {Variables: !Ref X}}}\nResources: {F: {Type: AWS::Serverless::Function, Properties: {Events: {E: {Type: Api}}}}}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		defer func() {
			// Work must stay proportional to the input: a template of a few
			// kilobytes that takes seconds is a denial of service.
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %v for %d bytes", d, len(data))
			}
		}()
		tpl, err := cfn.Parse("fuzz.yaml", data)
		if err != nil {
			if !errors.Is(err, cfn.ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		fs := audit.Check(tpl, audit.Config{})
		for _, w := range []func(io.Writer, []audit.Finding) error{audit.WriteText, audit.WriteJSON, audit.WriteSARIF} {
			if err := w(io.Discard, fs); err != nil {
				t.Fatal(err)
			}
		}
	})
}
