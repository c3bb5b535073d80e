// Package apicheck holds tests that keep the library's packages one face:
// the same error-writer signature, the same meaning for a nil Logger, no
// MustNew, and documentation that stands on its own.
package apicheck

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// libraryPackages returns the directories of the library's public
// packages: everything under the module root except internal, examples,
// testdata, cmd and bench.
func libraryPackages(t *testing.T) map[string]*pkg {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*pkg{}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		first := strings.Split(rel, string(filepath.Separator))[0]
		switch {
		case rel == ".":
			return nil
		case strings.HasPrefix(d.Name(), "."), first == "internal", first == "examples", first == "bench",
			first == "cmd", first == "scripts", d.Name() == "testdata", d.Name() == "internal":
			return filepath.SkipDir
		}
		p, err := parseDir(path)
		if err != nil {
			return err
		}
		if p != nil {
			out[filepath.ToSlash(rel)] = p
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < 8 {
		t.Fatalf("found only %d packages: %v", len(out), out)
	}
	return out
}

// A pkg is the non-test Go files of one library package.
type pkg struct{ Files []*ast.File }

// parseDir parses the non-test .go files of dir with their comments. It
// returns nil for a directory without them or holding a main package.
func parseDir(dir string) (*pkg, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	p := &pkg{}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		if f.Name.Name == "main" {
			return nil, nil
		}
		p.Files = append(p.Files, f)
	}
	if len(p.Files) == 0 {
		return nil, nil
	}
	return p, nil
}

func render(n ast.Node) string {
	var b bytes.Buffer
	_ = printer.Fprint(&b, token.NewFileSet(), n)
	return b.String()
}

// Every WriteError has the shape of an ErrorHandler, so each package's
// writer can be passed as another's and chained in one style.
func TestWriteErrorSignature(t *testing.T) {
	const want = "func(w http.ResponseWriter, r *http.Request, err error)"
	found := 0
	for dir, p := range libraryPackages(t) {
		for _, f := range p.Files {
			for _, d := range f.Decls {
				fn, ok := d.(*ast.FuncDecl)
				if !ok || fn.Recv != nil || fn.Name.Name != "WriteError" {
					continue
				}
				found++
				sig := render(fn.Type)
				// Parameter names may differ; compare the types.
				if types(fn.Type) != types(mustParseFunc(t, want)) {
					t.Errorf("%s.WriteError is %s, want %s", dir, sig, want)
				}
			}
		}
	}
	if found < 3 {
		t.Fatalf("found %d WriteError functions, want at least 3 (jwtauth, ratelimit, validate)", found)
	}
}

func types(ft *ast.FuncType) string {
	var parts []string
	for _, f := range ft.Params.List {
		n := max(len(f.Names), 1)
		for range n {
			parts = append(parts, render(f.Type))
		}
	}
	if ft.Results != nil {
		parts = append(parts, "->", render(ft.Results))
	}
	return strings.Join(parts, ",")
}

func mustParseFunc(t *testing.T, src string) *ast.FuncType {
	e, err := parser.ParseExpr(src)
	if err != nil {
		t.Fatal(err)
	}
	return e.(*ast.FuncType)
}

// MustNew exists nowhere: a constructor's error is handled by the caller.
func TestNoMustNew(t *testing.T) {
	for dir, p := range libraryPackages(t) {
		for _, f := range p.Files {
			for _, d := range f.Decls {
				if fn, ok := d.(*ast.FuncDecl); ok && strings.HasPrefix(fn.Name.Name, "MustNew") {
					t.Errorf("%s declares %s", dir, fn.Name.Name)
				}
			}
		}
	}
}

// Every exported Logger field of a config says what nil means, in the
// same words everywhere.
func TestNilLoggerMeaning(t *testing.T) {
	const phrase = "Nil means slog.Default()."
	for dir, p := range libraryPackages(t) {
		for _, f := range p.Files {
			ast.Inspect(f, func(n ast.Node) bool {
				ts, ok := n.(*ast.TypeSpec)
				if !ok || !ts.Name.IsExported() {
					return true
				}
				st, ok := ts.Type.(*ast.StructType)
				if !ok {
					return true
				}
				for _, fld := range st.Fields.List {
					for _, name := range fld.Names {
						if name.Name != "Logger" || render(fld.Type) != "*slog.Logger" {
							continue
						}
						if !strings.Contains(normalizeSpace(fld.Doc.Text()), phrase) {
							t.Errorf("%s: %s.Logger's comment lacks %q", dir, ts.Name.Name, phrase)
						}
					}
				}
				return true
			})
		}
	}
}

func normalizeSpace(s string) string { return strings.Join(strings.Fields(s), " ") }

// outside matches references to documents a reader of the package has never
// seen: "the guide", "the security guide", style-rule numbers.
var outside = regexp.MustCompile(`(?i)\bguide\b|\bguide's\b|STYLE\.md|style rule \d|attack catalogue`)

// Godoc stands alone: no package, type, function or field comment refers
// to a document that is not in the repository.
func TestDocsStandAlone(t *testing.T) {
	for dir, p := range libraryPackages(t) {
		for _, f := range p.Files {
			for _, cg := range f.Comments {
				if m := outside.FindString(cg.Text()); m != "" {
					t.Errorf("%s: comment refers to %q: %.120q", dir, m, cg.Text())
				}
			}
		}
	}
	// The READMEs are read beside the godoc.
	for _, readme := range []string{"../../README.md", "../../examples/README.md"} {
		b, err := os.ReadFile(readme)
		if err != nil {
			t.Fatal(err)
		}
		if m := outside.FindString(string(b)); m != "" {
			t.Errorf("%s refers to %q", readme, m)
		}
	}
}
