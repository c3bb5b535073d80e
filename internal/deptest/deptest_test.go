// Package deptest enforces the library's dependency rules with go list.
package deptest

import (
	"os/exec"
	"strings"
	"testing"
)

// forbidden are import path prefixes a package must not depend on.
var forbidden = []string{
	"github.com/aws/",
	"github.com/go-sql-driver/",
}

// rules lists the packages that must stay free of AWS and MySQL code, so a
// service can use them anywhere (STYLE.md rule 30). jwtauth means its core
// package only; its subpackages may bring integrations.
var rules = []string{
	"github.com/lambdasec/lambdasec/password",
	"github.com/lambdasec/lambdasec/validate",
	"github.com/lambdasec/lambdasec/jwtauth",
	"github.com/lambdasec/lambdasec/internal/problem",
}

func TestNoForbiddenDependencies(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatalf("go command not found: %v", err)
	}
	for _, pkg := range rules {
		t.Run(pkg[strings.LastIndex(pkg, "/")+1:], func(t *testing.T) {
			out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", pkg).CombinedOutput()
			if err != nil {
				if strings.Contains(string(out), "is not in std") || strings.Contains(string(out), "cannot find package") ||
					strings.Contains(string(out), "no required module provides") || strings.Contains(string(out), "matched no packages") ||
					strings.Contains(string(out), "no Go files") {
					// The package has not been written yet; the rule
					// applies as soon as it exists.
					t.Logf("%s does not exist yet", pkg)
					return
				}
				t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
			}
			for _, dep := range strings.Fields(string(out)) {
				for _, f := range forbidden {
					if strings.HasPrefix(dep, f) {
						t.Errorf("%s depends on %s", pkg, dep)
					}
				}
			}
		})
	}
}
