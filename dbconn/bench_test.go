package dbconn

import (
	"context"
	"testing"
)

// BenchmarkParseRDSBundle is the one-time cold-start cost of the embedded
// bundle, paid on the first NewConnector in a process.
func BenchmarkParseRDSBundle(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseBundle(rdsBundle); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIAMTokenCached is the cost of a new connection's token while
// the cached one is fresh.
func BenchmarkIAMTokenCached(b *testing.B) {
	clk := newFakeClock()
	tok := &iamTokens{endpoint: "db:3306", region: "eu-west-1", user: "app", creds: &countingCreds{}, now: clk.Now}
	ctx := context.Background()
	if _, err := tok.get(ctx, false); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tok.get(ctx, false); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIAMTokenSign is the cost of signing a new token.
func BenchmarkIAMTokenSign(b *testing.B) {
	tok := &iamTokens{endpoint: "db:3306", region: "eu-west-1", user: "app", creds: &countingCreds{}, now: newFakeClock().Now}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tok.get(ctx, true); err != nil {
			b.Fatal(err)
		}
	}
}
