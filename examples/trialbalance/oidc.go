package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"

	"github.com/lambdasec/lambdasec/jwtauth"
	"github.com/lambdasec/lambdasec/jwtauth/jwks"
)

// Access tokens of an external OpenID Connect issuer, accepted by
// GET /v1/trial-balance beside the service's own tokens. Two environment
// variables switch it on:
//
//   - OIDC_ISSUER: the issuer identifier, exactly as its tokens spell iss,
//     an https URL. Its keys are found through its discovery document
//     (OIDC_ISSUER + "/.well-known/openid-configuration"). For an Amazon
//     Cognito user pool that is
//     https://cognito-idp.<region>.amazonaws.com/<userPoolId>, and the
//     pool's published keys are read directly. Unset: only the service's
//     own tokens are accepted.
//   - OIDC_AUDIENCE: required with OIDC_ISSUER. The audience (aud) the
//     issuer puts in access tokens meant for this API. For a Cognito
//     issuer it is the pool's app client id, which Cognito access tokens
//     carry as client_id (they have no aud).
//
// Tokens of any other issuer are refused without contacting anyone: the
// issuer is configuration, never taken from a token.

// oidcFromConfig builds the verifier of OIDC_ISSUER's tokens; it returns
// nil, nil when OIDC_ISSUER is unset.
func oidcFromConfig(ctx context.Context, cfg config, log *slog.Logger) (jwks.Verifier, error) {
	return newOIDCVerifier(ctx, cfg.oidcIssuer, cfg.oidcAudience, cfg.oidcClient, log)
}

// readers returns the verifier of the tokens GET /v1/trial-balance
// accepts: the service's own, and oidc's when it is not nil, chosen by
// their exact iss.
func readers(own *jwtauth.Authenticator, oidcIssuer string, oidc jwks.Verifier) (jwtauth.Verifier, error) {
	if oidc == nil {
		return own, nil
	}
	if oidcIssuer == issuer {
		return nil, configErr("OIDC_ISSUER must differ from the service's own issuer %q", issuer)
	}
	return jwks.NewIssuers(map[string]jwks.Verifier{issuer: own, oidcIssuer: oidc})
}

// cognitoIssuer matches a Cognito user pool issuer and captures its
// Region and pool id. Compiled on first use: only a service with
// OIDC_ISSUER set needs it.
var cognitoIssuer = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^cognito-idp\.([a-z0-9-]+)\.amazonaws\.com$`)
})

// newOIDCVerifier returns a verifier of issuer's access tokens for
// audience, or nil when issuer is empty. client makes the key fetches
// (nil: one trusting the system's CAs). The keys are fetched now, within
// ctx; a failure is logged and retried when the first token arrives, so
// the service starts while the issuer is unreachable and still serves its
// own tokens.
func newOIDCVerifier(ctx context.Context, issuer, audience string, client *http.Client, log *slog.Logger) (jwks.Verifier, error) {
	if issuer == "" {
		return nil, nil
	}
	if audience == "" {
		return nil, configErr("OIDC_AUDIENCE is required with OIDC_ISSUER (a Cognito app client id for a Cognito pool)")
	}
	u, err := url.Parse(issuer)
	if err != nil {
		return nil, configErr("OIDC_ISSUER: not a URL")
	}
	var (
		v    jwks.Verifier
		load func(context.Context) error
	)
	if m := cognitoIssuer().FindStringSubmatch(u.Host); m != nil && u.Scheme == "https" {
		pool, err := jwks.NewCognito(jwks.CognitoConfig{
			Region: m[1], UserPoolID: strings.TrimPrefix(u.Path, "/"), ClientIDs: []string{audience},
			Keys: jwks.Config{Client: client, Logger: log},
			Auth: jwtauth.Config{Logger: log},
		})
		if err != nil {
			return nil, configErr("OIDC_ISSUER: %v", err)
		}
		if pool.Issuer() != issuer {
			return nil, configErr("OIDC_ISSUER: a Cognito issuer is https://cognito-idp.<region>.amazonaws.com/<userPoolId>")
		}
		v, load = pool, pool.Load
	} else {
		src, err := jwks.New(jwks.Config{Issuer: issuer, Client: client, Logger: log})
		if err != nil {
			return nil, configErr("OIDC_ISSUER: %v", err)
		}
		auth, err := jwtauth.New(jwtauth.Config{KeySource: src, Issuer: issuer, Audience: audience, Logger: log})
		if err != nil {
			return nil, fmt.Errorf("OIDC verifier: %w", err)
		}
		v, load = auth, src.Load
	}
	if err := load(ctx); err != nil {
		log.Warn("OIDC issuer keys not loaded; retrying when a token arrives", slog.String("issuer", issuer), slog.Any("error", err))
	}
	return v, nil
}
