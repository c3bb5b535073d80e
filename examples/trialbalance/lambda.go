package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
)

// errUnsupportedEvent is what the function returns for an invocation that
// is not an API Gateway HTTP request; Lambda reports it as a function error.
var errUnsupportedEvent = errors.New("trialbalance: not an API Gateway HTTP API (2.0) or REST API (1.0) event")

// eventShape is just enough of an invocation payload to tell the two API
// Gateway formats apart: HTTP API payload 2.0 says "version":"2.0"; REST
// APIs (and HTTP API payload 1.0) carry httpMethod.
type eventShape struct {
	Version    string `json:"version"`
	HTTPMethod string `json:"httpMethod"`
}

// lambdaHandler serves API Gateway events with h through
// aws-lambda-go-api-proxy, which keeps the invocation context (and so
// Lambda's trace header, for tracing) on each request.
func lambdaHandler(h http.Handler) func(context.Context, json.RawMessage) (any, error) {
	v1 := httpadapter.New(h)
	v2 := httpadapter.NewV2(h)
	return func(ctx context.Context, payload json.RawMessage) (any, error) {
		var shape eventShape
		if err := json.Unmarshal(payload, &shape); err != nil {
			return nil, errUnsupportedEvent
		}
		switch {
		case shape.Version == "2.0":
			var ev events.APIGatewayV2HTTPRequest
			if err := json.Unmarshal(payload, &ev); err != nil {
				return nil, errUnsupportedEvent
			}
			return v2.ProxyWithContext(ctx, ev)
		case shape.HTTPMethod != "":
			var ev events.APIGatewayProxyRequest
			if err := json.Unmarshal(payload, &ev); err != nil {
				return nil, errUnsupportedEvent
			}
			return v1.ProxyWithContext(ctx, ev)
		}
		return nil, errUnsupportedEvent
	}
}
