// Package deptest enforces the library's dependency rules with go list.
package deptest

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/lambdasec/lambdasec"

// awsAndMySQL are import path prefixes of AWS and MySQL code.
var awsAndMySQL = []string{
	"github.com/aws/",
	"github.com/awslabs/",
	"github.com/go-sql-driver/",
}

// lambdaHTTPForbidden is what a service pays for nothing when it imports
// lambdahttp: each of these is slow to initialise or large, and a
// service that wants one imports it itself. aws-lambda-go stays allowed,
// being the runtime client lambdahttp is built on.
var lambdaHTTPForbidden = []string{
	"github.com/awslabs/",          // aws-lambda-go-api-proxy: replaced by lambdahttp
	"github.com/aws/aws-sdk-go-v2", // the AWS SDK (config, clients, signing)
	"github.com/aws/smithy-go",
	"github.com/aws/aws-xray-sdk-go",
	"github.com/go-sql-driver/",
	"github.com/redis/go-redis/",
	"github.com/go-playground/validator/",
	module + "/dbconn",
	module + "/secrets",
	module + "/validate",
}

// rules maps each package that must stay free of some dependencies to the
// import path prefixes it must not depend on. jwtauth
// means its core package only; its subpackages may bring integrations.
var rules = []struct {
	pkg       string
	forbidden []string
}{
	{module + "/password", awsAndMySQL},
	{module + "/validate", awsAndMySQL},
	{module + "/jwtauth", awsAndMySQL},
	{module + "/problem", awsAndMySQL},
	{module + "/secevent", awsAndMySQL},
	{module + "/reqlog", awsAndMySQL},
	// ratelimit reads the client address from RemoteAddr, so a service
	// off Lambda links no Lambda adapter.
	{module + "/ratelimit", awsAndMySQL},
	// A cold start pays for every package linked in: importing lambdahttp
	// must cost no more than aws-lambda-go does.
	{module + "/lambdahttp", lambdaHTTPForbidden},
}

func TestNoForbiddenDependencies(t *testing.T) {
	for _, r := range rules {
		t.Run(r.pkg[strings.LastIndex(r.pkg, "/")+1:], func(t *testing.T) {
			for _, dep := range violations(t, r.forbidden, r.pkg) {
				t.Errorf("%s depends on %s", r.pkg, dep)
			}
		})
	}
}

// TestNoAPIProxy checks that no package of the module, examples and tests
// included, uses aws-lambda-go-api-proxy: lambdahttp converts events
// itself (the bench module may still compare against it).
func TestNoAPIProxy(t *testing.T) {
	for _, dep := range violations(t, []string{"github.com/awslabs/aws-lambda-go-api-proxy"}, "-test", module+"/...") {
		t.Errorf("the module depends on %s", dep)
	}
}

// TestDetectsViolation keeps the check honest: internal/testenv imports the
// MySQL driver and go-redis, so both rule sets must report it.
func TestDetectsViolation(t *testing.T) {
	for _, forbidden := range [][]string{awsAndMySQL, lambdaHTTPForbidden} {
		if v := violations(t, forbidden, module+"/internal/testenv"); len(v) == 0 {
			t.Fatalf("internal/testenv imports github.com/go-sql-driver/mysql but no violation of %v was found", forbidden)
		}
	}
}

// violations lists the packages with a forbidden prefix that the packages
// named by args (go list arguments) depend on.
func violations(t *testing.T, forbidden []string, args ...string) []string {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatalf("go command not found: %v", err)
	}
	args = append([]string{"list", "-deps", "-f", "{{.ImportPath}}"}, args...)
	out, err := exec.Command("go", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	var bad []string
	seen := map[string]bool{}
	for _, dep := range strings.Fields(string(out)) {
		for _, f := range forbidden {
			if strings.HasPrefix(dep, f) && !seen[dep] {
				seen[dep] = true
				bad = append(bad, dep)
			}
		}
	}
	return bad
}
