package redisrevoker_test

import (
	"log"
	"os"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/lambdasec/lambdasec/jwtauth"
	"github.com/lambdasec/lambdasec/jwtauth/redisrevoker"
)

// A Redis revoker shared by every instance of the service. It needs a
// running Redis, so this example is compiled but not run.
func ExampleNew() {
	client := redis.NewClient(&redis.Options{
		Addr:                  "localhost:6379",
		DialTimeout:           500 * time.Millisecond,
		MaxRetries:            1,
		ContextTimeoutEnabled: true, // a timed-out check frees its connection
	})
	rev, err := redisrevoker.New(redisrevoker.Config{Client: client})
	if err != nil {
		log.Fatal(err)
	}
	auth, err := jwtauth.New(jwtauth.Config{
		Keys:              []jwtauth.Key{{ID: "v1", Algorithm: jwtauth.HS256, Secret: jwtauth.NewHMACSecret([]byte(os.Getenv("JWT_SECRET")))}},
		Issuer:            "trialbalance",
		Audience:          "trialbalance-api",
		Revoker:           rev,
		RevocationTimeout: 50 * time.Millisecond, // Redis slower than this: 503
	})
	if err != nil {
		log.Fatal(err)
	}
	_ = auth
}
