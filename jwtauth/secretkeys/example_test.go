package secretkeys_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/lambdasec/lambdasec/jwtauth"
	"github.com/lambdasec/lambdasec/jwtauth/secretkeys"
	"github.com/lambdasec/lambdasec/secrets"
)

// Stand-ins for what a real program builds from its AWS configuration.
var (
	smClient *secretsmanager.Client
	ctx      = context.Background()
)

func ExampleNew() {
	cache, err := secrets.New(secrets.Config{Client: smClient})
	if err != nil {
		panic(err)
	}
	keys, err := secretkeys.New(secretkeys.Config{Cache: cache, SecretID: "prod/jwt"})
	if err != nil {
		panic(err)
	}
	initCtx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := keys.Load(initCtx); err != nil { // at init: fail fast on a bad secret
		panic(err)
	}
	auth, err := jwtauth.New(jwtauth.Config{KeySource: keys, Issuer: "orders", Audience: "orders-api"})
	if err != nil {
		panic(err)
	}
	_ = auth
}

func ExampleRotate() {
	// The whole rotation function for an HS256 key secret.
	lambda.Start(func(ctx context.Context, e secretkeys.RotationEvent) error {
		return secretkeys.Rotate(ctx, smClient, e)
	})
}

func ExampleNewHS256Secret() {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	value, _ := secretkeys.NewHS256Secret(key)
	fmt.Println(len(value) > 0) // store value as the secret's first version
	// Output: true
}

func ExampleParseKey() {
	k, err := secretkeys.ParseKey("HS256", "c2VjcmV0", "")
	fmt.Println(k.Algorithm, k.Secret.Len(), err)
	// Output: HS256 6 <nil>
}

func ExampleSource_Keys() {
	var src *secretkeys.Source // from secretkeys.New, loaded at init
	_ = jwtauth.Config{KeySource: src}
}

func ExampleSource_Lookup() {
	// The Authenticator calls Lookup itself when a token names a key id it
	// does not know; direct calls are for tests and tools.
	var src *secretkeys.Source
	_ = src
}
