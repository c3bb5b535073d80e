package password_test

import (
	"os/exec"
	"strings"
	"testing"
)

// The package may depend only on the standard library, golang.org/x and
// secevent (the module's event vocabulary, itself standard library only),
// so any Go service can take it without pulling in AWS, MySQL or anything
// else.
func TestDependenciesStdAndX(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if dep == "github.com/lambdasec/lambdasec/password" || dep == "github.com/lambdasec/lambdasec/secevent" ||
			strings.HasPrefix(dep, "golang.org/x/") {
			continue
		}
		t.Errorf("password depends on %s; only the standard library and golang.org/x are allowed", dep)
	}
}
