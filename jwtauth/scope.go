package jwtauth

import (
	"errors"
	"strings"
)

// errScope is the cause when a scope claim breaks the RFC 6749 grammar.
var errScope = errors.New(`claim "scope": not scope-tokens separated by single spaces`)

// scopeChar reports whether c may appear in a scope-token. RFC 6749 §3.3
// allows %x21 / %x23-5B / %x5D-7E: printable ASCII without space, '"' and
// '\'. Anything else, whitespace above all, is refused rather than split
// on: a scope "read\u00a0admin" split on every Unicode space would grant
// "admin".
func scopeChar(c byte) bool {
	return c == 0x21 || c >= 0x23 && c <= 0x5b || c >= 0x5d && c <= 0x7e
}

// validScope reports whether s is one non-empty RFC 6749 scope-token.
func validScope(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !scopeChar(s[i]) {
			return false
		}
	}
	return true
}

// parseScope splits a scope claim: scope-tokens separated by single
// U+0020 spaces, nothing else (RFC 6749 §3.3). The empty string grants no
// scope. Leading, trailing or doubled spaces, and any byte outside the
// scope-token grammar, make the claim invalid rather than being skipped,
// so every issuer's spelling of a scope list has one reading.
func parseScope(s string) ([]string, error) {
	if s == "" {
		return nil, nil
	}
	out := make([]string, 0, strings.Count(s, " ")+1)
	for tok := range strings.SplitSeq(s, " ") {
		if !validScope(tok) {
			return nil, errScope
		}
		out = append(out, tok)
	}
	return out, nil
}
