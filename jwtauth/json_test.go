package jwtauth

import (
	"context"
	"errors"
	"testing"
)

// TestUnpairedSurrogateRefused: a lone surrogate escape is not a
// character. encoding/json would read "\ud800" as U+FFFD, so a header or
// claim set holding one would mean one thing to a gateway or another
// library and another thing here (RFC 8725 §2.5). Signed with the right
// key, every such token is still refused as malformed.
func TestUnpairedSurrogateRefused(t *testing.T) {
	clk := newClock()
	a := mustAuth(t, testConfig(clk))
	tests := []struct{ name, header, payload string }{
		{"header member", `{"alg":"HS256","kid":"hs","typ":"JWT","x":"\ud800"}`, payload()},
		{"header name", `{"alg":"HS256","kid":"hs","typ":"JWT","\udbff":1}`, payload()},
		{"kid", `{"alg":"HS256","kid":"hs\udc00","typ":"JWT"}`, payload()},
		{"claim sub", hdr("HS256", "hs"), payload(`sub="alice\ud800"`)},
		{"claim aud element", hdr("HS256", "hs"), payload(`aud=["trialbalance-api","\udc00"]`)},
		{"custom claim", hdr("HS256", "hs"), payload(`role="\ud800\u0041"`)},
		{"custom claim nested", hdr("HS256", "hs"), payload(`x={"a":["\udfff"]}`)},
		{"custom claim name", hdr("HS256", "hs"), payload(`+"\ud800":1`)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := a.Verify(context.Background(), forge(t, hsKey(), tc.header, tc.payload))
			if !errors.Is(err, ErrTokenMalformed) {
				t.Fatalf("got %v, want %v", err, ErrTokenMalformed)
			}
		})
	}
	// A paired escape is a real character and stays accepted.
	c, err := a.Verify(context.Background(), forge(t, hsKey(), hdr("HS256", "hs"), payload(`role="\ud83d\ude00"`)))
	if err != nil {
		t.Fatalf("paired surrogates: %v", err)
	}
	var custom struct{ Role string }
	if err := c.Decode(&custom); err != nil || custom.Role != "\U0001F600" {
		t.Fatalf("Decode: %q, %v", custom.Role, err)
	}
}
