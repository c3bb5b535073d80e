package authorizer

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// maxEvent bounds the event size the handler parses (API Gateway's own
// request limits keep real events far smaller).
const maxEvent = 1 << 20

// probe holds the fields that tell the event formats apart.
type probe struct {
	Type    string `json:"type"`
	Version string `json:"version"`
}

// Handle answers any of the three event formats; pass it to lambda.Start.
// It returns [ErrUnauthorized] for a caller without a valid token and
// [ErrUnknownEvent] for an event of no known format.
func (a *Authorizer) Handle(ctx context.Context, event json.RawMessage) (any, error) {
	if len(event) > maxEvent {
		return nil, fmt.Errorf("%w: %d bytes", ErrUnknownEvent, len(event))
	}
	var p probe
	if err := json.Unmarshal(event, &p); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnknownEvent, err)
	}
	switch {
	case p.Version == "2.0" && p.Type == "REQUEST":
		var e events.APIGatewayV2CustomAuthorizerV2Request
		if err := json.Unmarshal(event, &e); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrUnknownEvent, err)
		}
		return a.AuthorizeHTTP(ctx, e)
	case p.Type == "TOKEN":
		var e events.APIGatewayCustomAuthorizerRequest
		if err := json.Unmarshal(event, &e); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrUnknownEvent, err)
		}
		return a.AuthorizeToken(ctx, e)
	case p.Type == "REQUEST":
		var e events.APIGatewayCustomAuthorizerRequestTypeRequest
		if err := json.Unmarshal(event, &e); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrUnknownEvent, err)
		}
		return a.AuthorizeRequest(ctx, e)
	}
	a.log.ErrorContext(ctx, "authorizer: event of no known format", slog.String("type", p.Type), slog.String("version", p.Version))
	return nil, fmt.Errorf("%w: type %q, version %q", ErrUnknownEvent, p.Type, p.Version)
}

// AuthorizeToken answers a REST API TOKEN authorizer event, whose token
// is the identity source header's value.
func (a *Authorizer) AuthorizeToken(ctx context.Context, e events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
	h := http.Header{}
	if e.AuthorizationToken != "" {
		h.Set("Authorization", e.AuthorizationToken)
	}
	// A TOKEN authorizer's cache key is the token alone, whatever
	// CachePerRoute says.
	return a.restPolicy(ctx, h, e.MethodArn, "", false)
}

// AuthorizeRequest answers a REST API REQUEST authorizer event (and an
// HTTP API event with payload format 1.0).
func (a *Authorizer) AuthorizeRequest(ctx context.Context, e events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
	return a.restPolicy(ctx, headerOf(e.Headers, e.MultiValueHeaders), e.MethodArn, e.HTTPMethod+" "+e.Resource, a.perRoute)
}

func (a *Authorizer) restPolicy(ctx context.Context, h http.Header, methodARN, routeName string, perRoute bool) (events.APIGatewayCustomAuthorizerResponse, error) {
	arn, err := parseARN(methodARN)
	if err != nil {
		return events.APIGatewayCustomAuthorizerResponse{}, fmt.Errorf("%w: methodArn: %v", ErrUnknownEvent, err)
	}
	o, err := a.decide(ctx, h, arn, routeName, perRoute)
	if err != nil {
		return events.APIGatewayCustomAuthorizerResponse{}, err
	}
	return events.APIGatewayCustomAuthorizerResponse{
		PrincipalID:        o.principal,
		PolicyDocument:     policy(arn, o),
		Context:            a.context(o),
		UsageIdentifierKey: a.usageKey(o),
	}, nil
}

// AuthorizeHTTP answers an HTTP API authorizer event with payload format
// 2.0: a simple response with Config.SimpleResponses, else an IAM policy.
// The result is an events.APIGatewayV2CustomAuthorizerSimpleResponse or
// an events.APIGatewayV2CustomAuthorizerIAMPolicyResponse.
func (a *Authorizer) AuthorizeHTTP(ctx context.Context, e events.APIGatewayV2CustomAuthorizerV2Request) (any, error) {
	arn, err := parseARN(e.RouteArn)
	if err != nil {
		return nil, fmt.Errorf("%w: routeArn: %v", ErrUnknownEvent, err)
	}
	h := headerOf(e.Headers, nil)
	if len(e.Cookies) > 0 {
		h.Set("Cookie", strings.Join(e.Cookies, "; "))
	}
	o, err := a.decide(ctx, h, arn, e.RouteKey, a.perRoute)
	if err != nil {
		return nil, err
	}
	if a.simple {
		return events.APIGatewayV2CustomAuthorizerSimpleResponse{
			IsAuthorized: o.current && !o.denyAll,
			Context:      a.context(o),
		}, nil
	}
	return events.APIGatewayV2CustomAuthorizerIAMPolicyResponse{
		PrincipalID:    o.principal,
		PolicyDocument: policy(arn, o),
		Context:        a.context(o),
	}, nil
}

// headerOf rebuilds the request headers. Single-value maps may hold a
// comma-joined value (HTTP APIs join repeated headers); multi-value maps
// keep repeats, so that two Authorization headers are refused as
// ambiguous by jwtauth.
func headerOf(single map[string]string, multi map[string][]string) http.Header {
	h := http.Header{}
	for k, vs := range multi {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	for k, v := range single {
		if len(h.Values(k)) == 0 {
			h.Set(k, v)
		}
	}
	return h
}

// policy is the IAM policy of an outcome: the allowed routes of the
// event's API and stage, or a Deny of that whole API and stage.
func policy(arn executeARN, o outcome) events.APIGatewayCustomAuthorizerPolicy {
	doc := events.APIGatewayCustomAuthorizerPolicy{Version: "2012-10-17"}
	if o.denyAll || len(o.allow) == 0 {
		doc.Statement = []events.IAMPolicyStatement{{
			Action: []string{"execute-api:Invoke"}, Effect: "Deny", Resource: []string{arn.base + "*"},
		}}
		return doc
	}
	resources := make([]string, len(o.allow))
	for i, r := range o.allow {
		resources[i] = arn.base + r
	}
	doc.Statement = []events.IAMPolicyStatement{{
		Action: []string{"execute-api:Invoke"}, Effect: "Allow", Resource: resources,
	}}
	return doc
}

// context is the response context: sub, scope, jti and the configured
// claims, as strings (REST APIs refuse objects and arrays there).
func (a *Authorizer) context(o outcome) map[string]any {
	if o.denyAll || o.claims.Subject == "" {
		return nil
	}
	ctx := map[string]any{
		"sub":   o.claims.Subject,
		"scope": strings.Join(o.claims.Scopes, " "),
		"jti":   o.claims.ID,
	}
	if len(a.contextClaims) == 0 {
		return ctx
	}
	var all map[string]any
	if err := o.claims.Decode(&all); err != nil {
		return ctx
	}
	for _, name := range a.contextClaims {
		if v, ok := flatten(all[name]); ok {
			ctx[name] = v
		}
	}
	return ctx
}

func (a *Authorizer) usageKey(o outcome) string {
	if a.usageClaim == "" || o.denyAll {
		return ""
	}
	var all map[string]any
	if err := o.claims.Decode(&all); err != nil {
		return ""
	}
	v, _ := flatten(all[a.usageClaim])
	return v
}

// flatten renders a claim value as a string: scalars as themselves,
// arrays of scalars joined with ",", objects as JSON.
func flatten(v any) (string, bool) {
	switch v := v.(type) {
	case nil:
		return "", false
	case string:
		return v, true
	case bool:
		return strconv.FormatBool(v), true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	case []any:
		parts := make([]string, 0, len(v))
		for _, x := range v {
			s, ok := flatten(x)
			if !ok {
				continue
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, ","), true
	default:
		b, err := json.Marshal(v)
		return string(b), err == nil
	}
}
