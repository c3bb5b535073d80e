package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/lambdasec/lambdasec/jwtauth"
	"github.com/lambdasec/lambdasec/jwtauth/secretkeys"
	"github.com/lambdasec/lambdasec/secrets"
	"github.com/lambdasec/lambdasec/tracing"
)

// ownKeyID names the signing key given by JWT_SECRET or made up locally.
// Keys from JWT_SECRET_ID are named by their secret version instead.
const ownKeyID = "trialbalance-1"

// secretsCache returns the Secrets Manager cache that the signing key
// (JWT_SECRET_ID) and the database login (DB_SECRET_ID) share, made on
// first use: one client, one set of cached versions.
func (a *app) secretsCache() (*secrets.Cache, error) {
	a.secretsOnce.Do(func() {
		awsCfg, err := awsFromEnv(os.Getenv)
		if err != nil {
			a.secretsErr = err
			return
		}
		tracing.AWS(&awsCfg)
		a.secrets, a.secretsErr = secrets.New(secrets.Config{Client: secretsmanager.NewFromConfig(awsCfg), Logger: a.log})
	})
	return a.secrets, a.secretsErr
}

// signingKeys returns where the service's tokens are signed and verified
// with, and a function that waits for the keys to be ready:
//
//   - JWT_SECRET_ID: the Secrets Manager secret (package secretkeys
//     format). AWSCURRENT signs, AWSCURRENT and AWSPREVIOUS verify, and
//     the secret is reread through the cache, so a rotation reaches
//     every execution environment within a minute and logs no one out.
//     Its first read runs now, beside the rest of the start-up.
//   - JWT_SECRET: one HS256 key, for local use.
//   - neither (local only): a random key, so tokens die with the process.
func (a *app) signingKeys(ctx context.Context, cfg config) (jwtauth.Config, func() error, error) {
	if cfg.jwtSecretID == "" {
		secret := cfg.jwtSecret
		if len(secret) == 0 {
			secret = make([]byte, 32)
			rand.Read(secret)
			a.log.Warn("JWT_SECRET is not set: signing with a random key, so tokens die with the process; set JWT_SECRET_ID (or JWT_SECRET, 32 random bytes or more) to keep them")
		}
		key := jwtauth.Key{ID: ownKeyID, Algorithm: jwtauth.HS256, Secret: jwtauth.NewHMACSecret(secret)}
		return jwtauth.Config{Keys: []jwtauth.Key{key}}, func() error { return nil }, nil
	}
	cache, err := a.secretsCache()
	if err != nil {
		return jwtauth.Config{}, nil, err
	}
	src, err := secretkeys.New(secretkeys.Config{Cache: cache, SecretID: cfg.jwtSecretID, Logger: a.log})
	if err != nil {
		return jwtauth.Config{}, nil, configErr("JWT_SECRET_ID: %v", err)
	}
	loaded := make(chan error, 1)
	go func() { loaded <- src.Load(ctx) }()
	var once sync.Once
	var loadErr error
	wait := func() error {
		once.Do(func() {
			if err := <-loaded; err != nil {
				// Not quoted: the error names the secret, never its value.
				loadErr = fmt.Errorf("JWT_SECRET_ID: %w", err)
			}
		})
		return loadErr
	}
	return jwtauth.Config{KeySource: src}, wait, nil
}
