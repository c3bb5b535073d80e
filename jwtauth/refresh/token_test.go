package refresh

import (
	"bytes"
	"crypto/rand"
	"errors"
	"strings"
	"testing"

	"github.com/lambdasec/lambdasec/internal/redacttest"
)

func newRaw(t testing.TB) raw {
	var r raw
	if _, err := rand.Read(r[:]); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestTokenRedacted(t *testing.T) {
	r := newRaw(t)
	tok := r.encode()
	redacttest.Check(t, tok, tok.Reveal())
	redacttest.Check(t, Tokens{RefreshToken: tok}, tok.Reveal())
}

func TestWrap(t *testing.T) {
	old, next := newRaw(t), newRaw(t)
	sealed, err := old.wrap(&next, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	got, err := old.unwrap(sealed)
	if err != nil || got != next {
		t.Fatalf("unwrap: %v", err)
	}
	other := newRaw(t)
	if _, err := other.unwrap(sealed); err == nil {
		t.Error("another token opened the successor")
	}
	if strings.Contains(sealed, next.encode().Reveal()) {
		t.Error("successor stored in clear")
	}
}

// FuzzParseToken: whatever a client sends, parsing either refuses it with
// errMalformed or yields the token it re-encodes to, byte for byte.
func FuzzParseToken(f *testing.F) {
	r := newRaw(f)
	good := r.encode().Reveal()
	for _, s := range []string{good, "", good[:85], good + "A", good[:84] + "==", strings.Repeat("_", 86), strings.Repeat("/", 86)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := parseToken(s)
		if err != nil {
			if !errors.Is(err, errMalformed) {
				t.Fatalf("error %v is not errMalformed", err)
			}
			return
		}
		if enc := r.encode().Reveal(); enc != s {
			t.Fatalf("%q parsed, re-encodes as %q", s, enc)
		}
		if !bytes.Equal(r.tag(), r[:tagLen]) {
			t.Fatal("tag")
		}
	})
}
