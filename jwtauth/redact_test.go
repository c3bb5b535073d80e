package jwtauth

import (
	"testing"

	"github.com/lambdasec/lambdasec/internal/redacttest"
)

// A Key holds a secret or private key; no fmt verb (%x and %d printed
// Secret's bytes before Key had a Format method, and %p of a Key value
// printed them while Secret was a []byte, because fmt's bad-verb path
// walks the fields without asking their methods), slog handler or
// json.Marshal may show it, nor may an Authenticator built from it.
func TestKeyRedacted(t *testing.T) {
	ec := fixtures().ec
	hs, es := hsKey(), esKey()
	for _, v := range []any{hs, &hs, hs.Secret} {
		redacttest.Check(t, v, string(testSecret))
	}
	redacttest.Check(t, es, string(must(ec.Bytes())))
	redacttest.Check(t, &es, string(must(ec.Bytes())))
	redacttest.Check(t, mustAuth(t, testConfig(newClock(), hsKey())), string(testSecret))
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}
