package jwks_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"time"

	"github.com/lambdasec/lambdasec/jwtauth"
	"github.com/lambdasec/lambdasec/jwtauth/jwks"
)

// An API accepting access tokens of an OpenID Connect issuer. Compiled
// only: it needs the issuer.
func ExampleNew() {
	src, err := jwks.New(jwks.Config{Issuer: "https://idp.example.com/"})
	if err != nil {
		log.Fatal(err)
	}
	// At init: fetch the keys before the first request needs them.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := src.Load(ctx); err != nil {
		log.Print(err) // the first token retries; refused until a fetch succeeds
	}
	auth, err := jwtauth.New(jwtauth.Config{
		KeySource: src,
		Issuer:    "https://idp.example.com/",
		Audience:  "https://api.example.com",
		Type:      "at+jwt", // RFC 9068 access tokens
	})
	if err != nil {
		log.Fatal(err)
	}
	http.Handle("GET /v1/me", auth.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := jwtauth.FromContext(r.Context())
		fmt.Fprintln(w, c.Subject)
	})))
}

// Tokens of two issuers, each with its own audience. Compiled only.
func ExampleNewIssuers() {
	verifier := func(issuer, audience string) jwks.Verifier {
		src, err := jwks.New(jwks.Config{Issuer: issuer})
		if err != nil {
			log.Fatal(err)
		}
		auth, err := jwtauth.New(jwtauth.Config{KeySource: src, Issuer: issuer, Audience: audience})
		if err != nil {
			log.Fatal(err)
		}
		return auth
	}
	is, err := jwks.NewIssuers(map[string]jwks.Verifier{
		"https://login.example.com": verifier("https://login.example.com", "ledger"),
		"https://partner.example":   verifier("https://partner.example", "ledger-partner"),
	})
	if err != nil {
		log.Fatal(err)
	}
	var token string // from the request
	claims, err := is.Verify(context.Background(), token)
	fmt.Println(claims.Issuer, err)
}

// Access tokens of an Amazon Cognito user pool, with its groups.
// Compiled only.
func ExampleNewCognito() {
	pool, err := jwks.NewCognito(jwks.CognitoConfig{
		Region:     "eu-west-1",
		UserPoolID: "eu-west-1_AbCdEf123",
		ClientIDs:  []string{"3n4b5urk1ft4fl3mg5e62d9ado"},
	})
	if err != nil {
		log.Fatal(err)
	}
	var token string // from the request
	claims, err := pool.Verify(context.Background(), token)
	if err != nil {
		return // 401
	}
	cc, err := jwks.DecodeCognito(claims)
	fmt.Println(claims.Subject, cc.Groups, err)
}

func ExampleParseKeySet() {
	set, err := jwks.ParseKeySet([]byte(`{"keys":[
		{"kty":"OKP","crv":"Ed25519","kid":"a","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
		{"kty":"OKP","crv":"Ed25519","kid":"b","use":"enc","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`))
	fmt.Println(set, err)
	// Output: jwtauth.KeySet{"a":EdDSA} <nil>
}
