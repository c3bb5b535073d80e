// Package secretkeys keeps a jwtauth signing key in AWS Secrets Manager
// and rotates it without logging anyone out.
//
// A [Source] is a [jwtauth.KeySource] reading one secret through a
// [secrets.Cache]: the AWSCURRENT version signs, and the AWSCURRENT and
// AWSPREVIOUS versions verify. Each version's key id is its version id,
// so a token always names the version that signed it. After a rotation,
// tokens signed with the previous key keep verifying until they expire,
// and new tokens are signed with the new one; nothing restarts.
//
//	cache, _ := secrets.New(secrets.Config{Client: secretsmanager.NewFromConfig(awsCfg)})
//	keys, _ := secretkeys.New(secretkeys.Config{Cache: cache, SecretID: "prod/jwt"})
//	if err := keys.Load(ctx); err != nil { ... }       // at init
//	auth, _ := jwtauth.New(jwtauth.Config{KeySource: keys, ...})
//
// # The secret
//
// Each version is a JSON object:
//
//	{"alg": "HS256", "secret": "<base64 of 32 or more random bytes>"}
//	{"alg": "ES256", "private_key": "-----BEGIN PRIVATE KEY-----\n..."}
//
// alg is one of jwtauth's algorithms; HS256 takes secret (standard or URL
// base64, padded or not), the others take a PKCS #8 private_key in PEM.
// An optional "kid" replaces the version id as key id.
//
// # Rotation
//
// [Rotate] implements the four steps of a Secrets Manager rotation
// function for HS256 keys (createSecret makes a new random key as
// AWSPENDING, setSecret has nothing to do, testSecret checks the pending
// key parses, finishSecret makes it AWSCURRENT), so a rotation function is
//
//	lambda.Start(func(ctx context.Context, e secretkeys.RotationEvent) error {
//		return secretkeys.Rotate(ctx, client, e)
//	})
//
// Rotate the key less often than the access tokens live is pointless:
// the previous key is kept for verification only until the next rotation,
// so rotate at intervals longer than the longest token lifetime
// (jwtauth.Config.MaxLifetime).
//
// # When a rotation is seen
//
// The source reads through the cache: a new AWSCURRENT is used once the
// cache's TTL (secrets.Config.TTL) ends, and at once when a token names a
// key id the source does not know, at most once per
// Config.MinLookupInterval. Until then tokens are still signed with the
// previous key, which verifies everywhere.
//
// # Security model
//
// The key never leaves the process except in tokens' signatures; errors
// and logs name the secret id and version, never the value. A secret that
// is deleted or whose access is revoked empties the key set: verification
// then fails closed (jwtauth.ErrKeySourceUnavailable) instead of serving
// a key the operator withdrew. A Secrets Manager outage keeps the last
// keys, as the cache keeps the last value.
package secretkeys
