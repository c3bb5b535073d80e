package authorizer_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/lambdasec/lambdasec/jwtauth/authorizer"
)

// FuzzHandle feeds arbitrary events to the handler. It must never panic,
// must fail only with ErrUnauthorized or ErrUnknownEvent, and any policy
// it returns must stay inside the API and stage of the event's ARN.
func FuzzHandle(f *testing.F) {
	fx := newFixture(f)
	tok := fx.token(f, "ada", "ledger:read")
	for _, seed := range []string{
		tokenEvent(bearer(tok), methodBase+"GET/v1/trial-balance"),
		requestEvent(map[string]string{"Authorization": bearer(tok)}, nil, "GET", "/v1/trial-balance", methodBase+"GET/v1/trial-balance"),
		httpEvent(map[string]string{"authorization": bearer(tok)}, "GET /v1/trial-balance", routeBase+"GET/v1/trial-balance"),
		`{"type":"TOKEN","methodArn":"arn:aws:execute-api:r:1:a/s/GET/x/*"}`,
		`{"version":"2.0","type":"REQUEST","routeArn":null}`,
		`[]`, `null`, `{"type":1}`,
	} {
		f.Add(seed)
	}
	az := newAuthorizer(f, fx.auth, func(c *authorizer.Config) { c.Logger = discard() })
	f.Fuzz(func(t *testing.T, event string) {
		out, err := az.Handle(context.Background(), json.RawMessage(event))
		if err != nil {
			if !errors.Is(err, authorizer.ErrUnauthorized) && !errors.Is(err, authorizer.ErrUnknownEvent) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		var probe struct {
			MethodArn string `json:"methodArn"`
			RouteArn  string `json:"routeArn"`
		}
		_ = json.Unmarshal([]byte(event), &probe)
		arn := probe.MethodArn + probe.RouteArn
		parts := strings.SplitN(arn, "/", 3)
		if len(parts) < 3 {
			t.Fatalf("answered an event without a usable ARN: %q", arn)
		}
		base := parts[0] + "/" + parts[1] + "/"
		b, _ := json.Marshal(out)
		var r reply
		_ = json.Unmarshal(b, &r)
		for _, st := range r.PolicyDocument.Statement {
			for _, res := range st.Resource {
				if !strings.HasPrefix(res, base) {
					t.Fatalf("policy resource %q outside %q", res, base)
				}
			}
		}
	})
}
