package jwtauth

import (
	"context"
	"errors"
	"testing"
)

// AllowMissingType accepts a token without typ, but never one whose typ
// names another kind of token; without it a missing typ is refused.
func TestAllowMissingType(t *testing.T) {
	clk := newClock()
	strict := mustAuth(t, testConfig(clk, hsKey()))
	cfg := testConfig(clk, hsKey())
	cfg.AllowMissingType = true
	lenient := mustAuth(t, cfg)
	for _, tc := range []struct {
		name            string
		header          string
		strict, lenient error
	}{
		{"typ missing", `{"alg":"HS256","kid":"hs"}`, ErrTokenType, nil},
		{"typ JWT", `{"alg":"HS256","kid":"hs","typ":"JWT"}`, nil, nil},
		{"typ at+jwt", `{"alg":"HS256","kid":"hs","typ":"at+jwt"}`, ErrTokenType, ErrTokenType},
		{"typ empty", `{"alg":"HS256","kid":"hs","typ":""}`, ErrTokenType, ErrTokenType},
		{"typ refresh", `{"alg":"HS256","kid":"hs","typ":"refresh+jwt"}`, ErrTokenType, ErrTokenType},
	} {
		tok := forge(t, hsKey(), tc.header, payload())
		for _, v := range []struct {
			name string
			a    *Authenticator
			want error
		}{{"default", strict, tc.strict}, {"AllowMissingType", lenient, tc.lenient}} {
			_, err := v.a.Verify(context.Background(), tok)
			if !errors.Is(err, v.want) || (v.want == nil) != (err == nil) {
				t.Errorf("%s, %s: got %v, want %v", tc.name, v.name, err, v.want)
			}
		}
	}
}
