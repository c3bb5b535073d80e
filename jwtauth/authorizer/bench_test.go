package authorizer_test

import (
	"context"
	"encoding/json"
	"testing"
)

// BenchmarkDecision compares one authorizer decision (event parsing,
// verification, policy and context) with a plain Verify of the same token.
func BenchmarkDecision(b *testing.B) {
	f := newFixture(b)
	tok := f.token(b, "ada", "ledger:read")
	az := newAuthorizer(b, f.auth, nil)
	ev := json.RawMessage(tokenEvent(bearer(tok), methodBase+"GET/v1/trial-balance"))
	ctx := context.Background()
	b.Run("verify", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := f.auth.Verify(ctx, tok); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("authorizer", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := az.Handle(ctx, ev); err != nil {
				b.Fatal(err)
			}
		}
	})
}
