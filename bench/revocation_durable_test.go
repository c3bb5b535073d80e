package bench

import (
	"context"
	"crypto/rand"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/lambdasec/lambdasec/internal/testenv"
	"github.com/lambdasec/lambdasec/jwtauth"
	"github.com/lambdasec/lambdasec/jwtauth/redisrevoker"
)

// BenchmarkDurableLogoutPaired is the cost of a durable logout: the
// Authenticator's Revoke with redisrevoker.Config.Replicas 1 (SET, then
// WAIT for one replica on the same connection) against today's Revoke
// (SET only), paired on one private primary with one replica on
// loopback, and today's Revoke against the floor, a bare go-redis SET
// PXAT of the same shape. Replication is as fast here as it gets; in a
// VPC each WAIT adds the replica's round trip.
func BenchmarkDurableLogoutPaired(b *testing.B) {
	primary, _ := testenv.StartRedisReplicated(b)
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: primary.Addr(), ContextTimeoutEnabled: true})
	b.Cleanup(func() { c.Close() })
	secret := make([]byte, 32)
	rand.Read(secret)
	auth := func(replicas int) *jwtauth.Authenticator {
		rev, err := redisrevoker.New(redisrevoker.Config{Client: c, Prefix: "bench-durable", Replicas: replicas})
		if err != nil {
			b.Fatal(err)
		}
		if err := rev.Prepare(ctx); err != nil {
			b.Fatal(err)
		}
		a, err := jwtauth.New(jwtauth.Config{
			Keys:    []jwtauth.Key{{ID: "k", Algorithm: jwtauth.HS256, Secret: jwtauth.NewHMACSecret(secret)}},
			Issuer:  "trialbalance",
			Revoker: rev,
		})
		if err != nil {
			b.Fatal(err)
		}
		return a
	}
	durable, today := auth(1), auth(0)
	// Claims to revoke, issued up front so that issuing costs nothing in
	// the timed calls.
	claims := func(a *jwtauth.Authenticator) []jwtauth.Claims {
		cs := make([]jwtauth.Claims, 4096)
		for i := range cs {
			_, c, err := a.Issue(jwtauth.Grant{Subject: "user-" + strconv.Itoa(i)})
			if err != nil {
				b.Fatal(err)
			}
			cs[i] = c
		}
		return cs
	}
	dc, tc := claims(durable), claims(today)
	logout := func(a *jwtauth.Authenticator, cs []jwtauth.Claims) func(int) {
		return func(i int) {
			if err := a.Revoke(ctx, cs[i%len(cs)]); err != nil {
				b.Fatal(err)
			}
		}
	}
	until := time.Now().Add(time.Hour)
	set := func(i int) {
		if err := c.SetArgs(ctx, "bench-durable:floor:"+strconv.Itoa(i%4096), "1", redis.SetArgs{ExpireAt: until}).Err(); err != nil {
			b.Fatal(err)
		}
	}
	for i := range 100 { // warm the connections
		logout(durable, dc)(i)
		logout(today, tc)(i)
		set(i)
	}
	b.Run("durable-vs-today", func(b *testing.B) {
		pairedMedians(b, "durable", logout(durable, dc), "today", logout(today, tc))
	})
	b.Run("today-vs-set", func(b *testing.B) {
		pairedMedians(b, "today", logout(today, tc), "set", set)
	})
}
