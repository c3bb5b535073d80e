package bench

import (
	"context"
	"log/slog"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/lambdasec/lambdasec/internal/testenv"
	"github.com/lambdasec/lambdasec/jwtauth"
	"github.com/lambdasec/lambdasec/jwtauth/redisrevoker"
	"github.com/lambdasec/lambdasec/jwtauth/refresh"
)

// BenchmarkRefreshExchangePaired measures one refresh-token exchange (the
// atomic Lua step on the real Redis that rotates the token and detects
// reuse, plus hashing the token, sealing the next one and signing the new
// access token) against a bare EVALSHA round trip of a one-line script
// on the same Redis, paired (see pairedMedians). The ratio is what the
// bookkeeping costs over the floor of any scripted Redis call.
func BenchmarkRefreshExchangePaired(b *testing.B) {
	c := redis.NewClient(&redis.Options{Addr: testenv.RedisAddr(b), ContextTimeoutEnabled: true})
	b.Cleanup(func() { c.Close() })
	ctx := context.Background()
	quiet := slog.New(slog.DiscardHandler)
	rev, err := redisrevoker.New(redisrevoker.Config{Client: c, Prefix: "bench-refresh-jwt", Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	if err := rev.Prepare(ctx); err != nil {
		b.Fatal(err)
	}
	auth, err := jwtauth.New(jwtauth.Config{
		Keys:   []jwtauth.Key{{Algorithm: jwtauth.HS256, Secret: jwtauth.NewHMACSecret([]byte("q8Jz4nW1rT0vXy7LpM3sB6dF9gH2kC5e"))}},
		Issuer: "trialbalance", Audience: "trialbalance-api", Revoker: rev, Logger: quiet,
	})
	if err != nil {
		b.Fatal(err)
	}
	store, err := refresh.New(refresh.Config{Client: c, Authenticator: auth, Prefix: "bench-refresh", Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	tokens, err := store.Login(ctx, jwtauth.Grant{Subject: "user-42"}, "web")
	if err != nil {
		b.Fatal(err)
	}
	cur := tokens.RefreshToken.Reveal()
	exchange := func(int) {
		t, err := store.Exchange(ctx, cur, "web")
		if err != nil {
			b.Fatal(err)
		}
		cur = t.RefreshToken.Reveal()
	}
	floor := redis.NewScript(`return redis.call('HGET', KEYS[1], 'st')`)
	evalsha := func(int) {
		if err := floor.Run(ctx, c, []string{"bench-refresh:floor"}).Err(); err != nil && err != redis.Nil {
			b.Fatal(err)
		}
	}
	for i := range 100 { // warm the connection and load both scripts
		exchange(i)
		evalsha(i)
	}
	pairedMedians(b, "exchange", exchange, "evalsha", evalsha)
}
