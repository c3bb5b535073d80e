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
	"github.com/awslabs/",
	"github.com/go-sql-driver/",
}

// rules lists the packages that must stay free of AWS and MySQL code, so a
// service can use them anywhere (STYLE.md rule 30). jwtauth means its core
// package only; its subpackages may bring integrations.
var rules = []string{
	"github.com/lambdasec/lambdasec/password",
	"github.com/lambdasec/lambdasec/validate",
	"github.com/lambdasec/lambdasec/jwtauth",
	"github.com/lambdasec/lambdasec/problem",
	"github.com/lambdasec/lambdasec/secevent",
	"github.com/lambdasec/lambdasec/reqlog",
	// ratelimit reads the client address from RemoteAddr, so a service
	// off Lambda links no Lambda adapter.
	"github.com/lambdasec/lambdasec/ratelimit",
}

func TestNoForbiddenDependencies(t *testing.T) {
	for _, pkg := range rules {
		t.Run(pkg[strings.LastIndex(pkg, "/")+1:], func(t *testing.T) {
			for _, dep := range violations(t, pkg) {
				t.Errorf("%s depends on %s", pkg, dep)
			}
		})
	}
}

// TestDetectsViolation keeps the check honest: internal/testenv imports the
// MySQL driver, so it must be reported.
func TestDetectsViolation(t *testing.T) {
	if v := violations(t, "github.com/lambdasec/lambdasec/internal/testenv"); len(v) == 0 {
		t.Fatal("internal/testenv imports github.com/go-sql-driver/mysql but no violation was found")
	}
}

// violations lists the forbidden packages pkg depends on.
func violations(t *testing.T, pkg string) []string {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatalf("go command not found: %v", err)
	}
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", pkg).CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
	}
	var bad []string
	for _, dep := range strings.Fields(string(out)) {
		for _, f := range forbidden {
			if strings.HasPrefix(dep, f) {
				bad = append(bad, dep)
			}
		}
	}
	return bad
}
