package jwtauth

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// RFC 6749 §3.3: a scope is scope-tokens (%x21 / %x23-5B / %x5D-7E)
// separated by single spaces. A scope claim that other whitespace would
// split (strings.Fields splits on every Unicode space) must be refused,
// or "read\u00a0admin", issued as one scope, grants "admin".
func TestScopeGrammar(t *testing.T) {
	clk := newClock()
	a := mustAuth(t, testConfig(clk))
	for _, tc := range []struct {
		name  string
		scope string
		want  []string // nil with ok false: refused
		ok    bool
	}{
		{"one", "read", []string{"read"}, true},
		{"two", "read write", []string{"read", "write"}, true},
		{"URL-like", "https://api.example.com/ledger:read", []string{"https://api.example.com/ledger:read"}, true},
		{"empty", "", nil, true},
		// Each of these is split into "read" and "admin" by strings.Fields.
		{"no-break space", "read\u00a0admin", nil, false},
		{"next line", "read\u0085admin", nil, false},
		{"vertical tab", "read\vadmin", nil, false},
		{"form feed", "read\fadmin", nil, false},
		{"tab", "read\tadmin", nil, false},
		{"newline", "read\nadmin", nil, false},
		{"line separator", "read\u2028admin", nil, false},
		{"ideographic space", "read\u3000admin", nil, false},
		{"NUL", "read\x00admin", nil, false},
		{"DEL", "read\x7fadmin", nil, false},
		{"quote", `read"admin`, nil, false},
		{"backslash", `read\admin`, nil, false},
		{"non-ASCII letter", "lécture", nil, false},
		// One spelling per scope list: no empty scope-token.
		{"double space", "read  admin", nil, false},
		{"leading space", " read", nil, false},
		{"trailing space", "read ", nil, false},
		{"only a space", " ", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok := forge(t, hsKey(), hdr("HS256", "hs"), payload("scope="+jsonQuote(tc.scope)))
			c, err := a.Verify(context.Background(), tok)
			if !tc.ok {
				if !errors.Is(err, ErrTokenMalformed) {
					t.Fatalf("Verify: got %v (scopes %q), want ErrTokenMalformed", err, c.Scopes)
				}
			} else if err != nil || !slices.Equal(c.Scopes, tc.want) {
				t.Fatalf("Verify: got %q, %v, want %q", c.Scopes, err, tc.want)
			}
			// Issue refuses every scope that is not one scope-token.
			for _, s := range strings.Split(tc.scope, " ") {
				_, _, err := a.Issue(Grant{Subject: "alice", Scopes: []string{s}})
				if validScope(s) != (err == nil) || err != nil && !errors.Is(err, ErrInvalidClaims) {
					t.Errorf("Issue scope %q: got %v", s, err)
				}
			}
			if !tc.ok && !strings.Contains(tc.scope, " ") {
				if _, _, err := a.Issue(Grant{Subject: "alice", Scopes: []string{tc.scope}}); !errors.Is(err, ErrInvalidClaims) {
					t.Errorf("Issue %q: got %v, want ErrInvalidClaims", tc.scope, err)
				}
			}
		})
	}
}

// jsonQuote writes s as a JSON string, escaping only '"' and '\', so raw
// control and non-ASCII bytes reach the token as they are where JSON
// allows them, or as \u escapes below U+0020.
func jsonQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// FuzzScope checks the scope parser: what it accepts joins back to the
// same claim, and each scope is one RFC 6749 scope-token that Issue
// accepts and that survives a round trip through a token.
func FuzzScope(f *testing.F) {
	for _, s := range []string{"", "read", "read write", "read\u00a0admin", "a  b", " a", "a ", "a\tb", `a"b`, "é", "\x7f"} {
		f.Add(s)
	}
	a := mustAuth(f, testConfig(newClock()))
	f.Fuzz(func(t *testing.T, claim string) {
		scopes, err := parseScope(claim)
		if err != nil {
			if !errors.Is(err, errScope) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if strings.Join(scopes, " ") != claim {
			t.Fatalf("parseScope(%q) = %q: does not join back", claim, scopes)
		}
		for _, s := range scopes {
			for i := 0; i < len(s); i++ {
				if c := s[i]; c <= ' ' || c >= 0x7f || c == '"' || c == '\\' {
					t.Fatalf("scope %q holds %q", s, c)
				}
			}
		}
		tok, _, err := a.Issue(Grant{Subject: "alice", Scopes: scopes})
		if err != nil {
			t.Fatalf("Issue refused parsed scopes %q: %v", scopes, err)
		}
		c, err := a.Verify(context.Background(), tok)
		if err != nil || !slices.Equal(c.Scopes, scopes) {
			t.Fatalf("round trip of %q: got %q, %v", scopes, c.Scopes, err)
		}
	})
}
