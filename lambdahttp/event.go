package lambdahttp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-lambda-go/events"
)

// Source is the kind of front door an event came through.
type Source int

const (
	// APIGatewayV1 is an API Gateway REST API, or an HTTP API with
	// payload format 1.0.
	APIGatewayV1 Source = iota + 1
	// APIGatewayV2 is an API Gateway HTTP API with payload format 2.0.
	APIGatewayV2
	// FunctionURL is a Lambda Function URL.
	FunctionURL
	// ALB is an Application Load Balancer target group.
	ALB
)

func (s Source) String() string {
	switch s {
	case APIGatewayV1:
		return "apigateway-v1"
	case APIGatewayV2:
		return "apigateway-v2"
	case FunctionURL:
		return "function-url"
	case ALB:
		return "alb"
	}
	return "unknown"
}

// Event is the invocation event a request came from, as [FromContext]
// returns it. Exactly one of the pointers is set, the one Source names.
// Handlers must not modify it.
type Event struct {
	Source Source
	// RequestID is API Gateway's or the Function URL service's id of the
	// request (requestContext.requestId); empty for ALB, which has none.
	RequestID string
	// ALBMultiValue reports that an ALB target group sent multi-value
	// headers; the answer then uses them too.
	ALBMultiValue bool

	APIGatewayV1 *events.APIGatewayProxyRequest
	APIGatewayV2 *events.APIGatewayV2HTTPRequest
	FunctionURL  *events.LambdaFunctionURLRequest
	ALB          *events.ALBTargetGroupRequest
}

type contextKey struct{}

// FromContext returns the event of the request whose context ctx is, when
// the request came through a Lambda invocation.
func FromContext(ctx context.Context) (*Event, bool) {
	ev, ok := ctx.Value(contextKey{}).(*Event)
	return ev, ok
}

// probe holds just the members that tell the event shapes apart. They are
// kept raw, so that a member of the wrong type does not hide the shape:
// the event is then answered in its format as malformed.
type probe struct {
	Version           json.RawMessage `json:"version"`
	HTTPMethod        json.RawMessage `json:"httpMethod"`
	MultiValueHeaders json.RawMessage `json:"multiValueHeaders"`
	RequestContext    json.RawMessage `json:"requestContext"`
}

type contextProbe struct {
	ELB        json.RawMessage `json:"elb"`
	HTTP       json.RawMessage `json:"http"`
	DomainName json.RawMessage `json:"domainName"`
}

// present reports whether a member was sent with a value other than null.
func present(m json.RawMessage) bool { return len(m) > 0 && !bytes.Equal(m, []byte("null")) }

// detect names the source of an event from the members only that source
// sends: requestContext.elb for ALB; version 2.0 or requestContext.http
// for payload 2.0, on a *.lambda-url.* domain for a Function URL; a
// top-level httpMethod for payload 1.0. Anything else is ErrUnknownEvent.
func detect(payload []byte) (Source, probe, error) {
	var p probe
	if err := json.Unmarshal(payload, &p); err != nil {
		return 0, p, fmt.Errorf("%w: the payload is not a JSON object", ErrUnknownEvent)
	}
	var rc contextProbe
	if present(p.RequestContext) {
		// A requestContext that is not an object leaves rc empty; the
		// full decoding below reports it.
		_ = json.Unmarshal(p.RequestContext, &rc)
	}
	var domain string
	_ = json.Unmarshal(rc.DomainName, &domain)
	switch {
	case present(rc.ELB):
		return ALB, p, nil
	case string(p.Version) == `"2.0"` || present(rc.HTTP):
		if bytes.Contains([]byte(domain), []byte(".lambda-url.")) {
			return FunctionURL, p, nil
		}
		return APIGatewayV2, p, nil
	case present(p.HTTPMethod):
		return APIGatewayV1, p, nil
	}
	return 0, p, fmt.Errorf("%w: no httpMethod, version 2.0 or requestContext.elb", ErrUnknownEvent)
}

// decode reads payload as the source's event type. The error wraps
// ErrBadEvent.
func decode(src Source, p probe, payload []byte) (*Event, error) {
	ev := &Event{Source: src}
	var err error
	switch src {
	case APIGatewayV1:
		ev.APIGatewayV1 = new(events.APIGatewayProxyRequest)
		if err = json.Unmarshal(payload, ev.APIGatewayV1); err == nil {
			ev.RequestID = ev.APIGatewayV1.RequestContext.RequestID
		}
	case APIGatewayV2:
		ev.APIGatewayV2 = new(events.APIGatewayV2HTTPRequest)
		if err = json.Unmarshal(payload, ev.APIGatewayV2); err == nil {
			ev.RequestID = ev.APIGatewayV2.RequestContext.RequestID
		}
	case FunctionURL:
		ev.FunctionURL = new(events.LambdaFunctionURLRequest)
		if err = json.Unmarshal(payload, ev.FunctionURL); err == nil {
			ev.RequestID = ev.FunctionURL.RequestContext.RequestID
		}
	case ALB:
		ev.ALBMultiValue = present(p.MultiValueHeaders)
		ev.ALB = new(events.ALBTargetGroupRequest)
		err = json.Unmarshal(payload, ev.ALB)
	}
	if err != nil {
		// json's messages name types and offsets, never values.
		return ev, fmt.Errorf("%w: %s event: %w", ErrBadEvent, src, err)
	}
	if !present(p.RequestContext) {
		return ev, fmt.Errorf("%w: %s event without requestContext", ErrBadEvent, src)
	}
	return ev, nil
}
