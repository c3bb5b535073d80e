package jwtauth

import (
	"os/exec"
	"strings"
	"testing"
)

// A service that keeps revocations in memory, or has none, links no Redis
// client: the Redis revoker lives in the redisrevoker subpackage.
func TestCoreLinksNoRedisClient(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", "github.com/lambdasec/lambdasec/jwtauth").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "github.com/redis/") || strings.Contains(dep, "/internal/redisx") {
			t.Errorf("jwtauth depends on %s", dep)
		}
	}
}
