package jwtauth

import (
	"fmt"
	"strings"
	"testing"

	"github.com/lambdasec/lambdasec/internal/redacttest"
)

// A Key holds a secret or private key; no fmt verb (%x and %d printed
// Secret's bytes before Key had a Format method), slog handler or
// json.Marshal may show it, nor may an Authenticator built from it.
func TestKeyRedacted(t *testing.T) {
	ec := fixtures().ec
	hs, es := hsKey(), esKey()
	// Through a pointer every rendering is covered. A Key value is too,
	// except %p: fmt's bad-verb path prints a non-pointer's fields without
	// asking its methods, and Key's fields are exported.
	redacttest.Check(t, &hs, string(testSecret))
	redacttest.Check(t, &es, string(must(ec.Bytes())))
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "% x", "%d", "%o", "%O", "%b", "%c", "%U", "%e", "%f", "%g", "%t", "%T"} {
		for _, v := range []any{hs, []Key{hs}, struct{ K Key }{hs}, map[string]Key{"k": hs}} {
			if out := fmt.Sprintf(verb, v); strings.Contains(out, fmt.Sprint([]byte(testSecret))[1:20]) || strings.Contains(out, fmt.Sprintf("%x", testSecret)) {
				t.Errorf("%s of %T leaks the secret: %s", verb, v, out)
			}
		}
	}
	redacttest.Check(t, mustAuth(t, testConfig(newClock(), hsKey())), string(testSecret))
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}
