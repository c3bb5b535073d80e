package redisrevoker_test

import (
	"context"
	"errors"
	"log"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/lambdasec/lambdasec/jwtauth/redisrevoker"
)

// On a replicated deployment (an ElastiCache group with a replica, Redis
// Cluster with replicas, Sentinel), a revocation is reported done once a
// replica has it too, so a failover cannot take a logout back. Prepare
// runs before the service issues its first token. It needs a running
// Redis, so this example is compiled but not run.
func ExampleRevoker_Prepare() {
	client := redis.NewClusterClient(&redis.ClusterOptions{
		Addrs:                 []string{"clustercfg.example.cache.amazonaws.com:6379"},
		ContextTimeoutEnabled: true,
	})
	rev, err := redisrevoker.New(redisrevoker.Config{Client: client, Replicas: 1})
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// On an empty store (a first deployment, or one that lost its data)
	// this creates the epoch markers and reports the loss.
	if err := rev.Prepare(ctx); err != nil {
		log.Fatal(err)
	}
}

// After Redis was restored from a snapshot, every token issued before the
// restore is refused: the revocations written after the snapshot are gone,
// and the snapshot's markers cannot tell. It needs a running Redis, so
// this example is compiled but not run.
func ExampleRevoker_RevokeAll() {
	rev, err := redisrevoker.New(redisrevoker.Config{Client: redis.NewClient(&redis.Options{Addr: "localhost:6379"})})
	if err != nil {
		log.Fatal(err)
	}
	if err := rev.RevokeAll(context.Background(), time.Now()); err != nil {
		log.Fatal(err)
	}
}

// A logout that no replica acknowledged in time is answered as failed;
// the record is on the primary and the client may retry.
func ExampleErrNotDurable() {
	var err error // from Authenticator.Revoke, Logout or RevokeSubject
	if errors.Is(err, redisrevoker.ErrNotDurable) {
		log.Print("logout not acknowledged by a replica; ask the client to retry")
	}
}
