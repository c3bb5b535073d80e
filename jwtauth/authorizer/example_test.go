package authorizer_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-lambda-go/events"

	"github.com/lambdasec/lambdasec/jwtauth"
	"github.com/lambdasec/lambdasec/jwtauth/authorizer"
)

func exampleAuth() (*jwtauth.Authenticator, string) {
	key := sha256.Sum256([]byte("example only: generate your own 32 random bytes"))
	auth, err := jwtauth.New(jwtauth.Config{
		Keys:     []jwtauth.Key{{ID: "k1", Algorithm: jwtauth.HS256, Secret: jwtauth.NewHMACSecret(key[:])}},
		Issuer:   "trialbalance",
		Audience: "trialbalance-api",
		Revoker:  &jwtauth.MemoryRevoker{},
	})
	if err != nil {
		panic(err)
	}
	tok, _, err := auth.Issue(jwtauth.Grant{Subject: "ada", Scopes: []string{"ledger:read"}})
	if err != nil {
		panic(err)
	}
	return auth, tok
}

func ExampleNew() {
	auth, _ := exampleAuth()
	az, err := authorizer.New(authorizer.Config{
		Authenticator: auth,
		Routes: []authorizer.Route{
			{Method: "GET", Path: "/v1/trial-balance", Scopes: []string{"ledger:read"}},
			{Method: "POST", Path: "/v1/auth/logout"},
		},
	})
	if err != nil {
		panic(err)
	}
	_ = az // lambda.Start(az.Handle)
}

func ExampleAuthorizer_AuthorizeToken() {
	auth, tok := exampleAuth()
	az, _ := authorizer.New(authorizer.Config{Authenticator: auth, Routes: []authorizer.Route{
		{Method: "GET", Path: "/v1/trial-balance", Scopes: []string{"ledger:read"}},
		{Method: "DELETE", Path: "/v1/entries/{id}", Scopes: []string{"ledger:write"}},
	}})
	res, err := az.AuthorizeToken(context.Background(), events.APIGatewayCustomAuthorizerRequest{
		Type:               "TOKEN",
		AuthorizationToken: "Bearer " + tok,
		MethodArn:          "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/v1/trial-balance",
	})
	fmt.Println(err, res.PrincipalID, res.PolicyDocument.Statement[0].Effect, res.PolicyDocument.Statement[0].Resource)

	_, err = az.AuthorizeToken(context.Background(), events.APIGatewayCustomAuthorizerRequest{
		Type: "TOKEN", AuthorizationToken: "Bearer forged", MethodArn: "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/v1/trial-balance",
	})
	fmt.Println(err)
	// Output:
	// <nil> ada Allow [arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/v1/trial-balance]
	// Unauthorized
}

func ExampleAuthorizer_AuthorizeRequest() {
	auth, tok := exampleAuth()
	az, _ := authorizer.New(authorizer.Config{Authenticator: auth, CachePerRoute: true})
	res, _ := az.AuthorizeRequest(context.Background(), events.APIGatewayCustomAuthorizerRequestTypeRequest{
		Type:       "REQUEST",
		MethodArn:  "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/POST/v1/auth/logout",
		HTTPMethod: "POST", Resource: "/v1/auth/logout",
		Headers: map[string]string{"Authorization": "Bearer " + tok},
	})
	fmt.Println(res.PolicyDocument.Statement[0].Resource, res.Context["sub"])
	// Output: [arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/POST/v1/auth/logout] ada
}

func ExampleAuthorizer_AuthorizeHTTP() {
	auth, tok := exampleAuth()
	az, _ := authorizer.New(authorizer.Config{Authenticator: auth, SimpleResponses: true})
	res, _ := az.AuthorizeHTTP(context.Background(), events.APIGatewayV2CustomAuthorizerV2Request{
		Version: "2.0", Type: "REQUEST", RouteKey: "GET /v1/trial-balance",
		RouteArn: "arn:aws:execute-api:eu-west-1:123456789012:abc123/$default/GET/v1/trial-balance",
		Headers:  map[string]string{"authorization": "Bearer " + tok},
	})
	b, _ := json.Marshal(res)
	fmt.Println(string(b) != "" && res.(events.APIGatewayV2CustomAuthorizerSimpleResponse).IsAuthorized)
	// Output: true
}

func ExampleAuthorizer_Handle() {
	auth, tok := exampleAuth()
	az, _ := authorizer.New(authorizer.Config{Authenticator: auth})
	event := fmt.Sprintf(`{"type":"TOKEN","authorizationToken":"Bearer %s","methodArn":"arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/v1/x"}`, tok)
	res, err := az.Handle(context.Background(), json.RawMessage(event))
	fmt.Println(err, res.(events.APIGatewayCustomAuthorizerResponse).PolicyDocument.Statement[0].Resource)
	// Output: <nil> [arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/*/*]
}
