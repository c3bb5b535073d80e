// Package lambdatest passes Lambda HTTP events to an http.Handler the way
// Lambda does, through package lambdahttp, for tests of packages that
// must behave the same behind API Gateway as on a server.
package lambdatest

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/lambdasec/lambdasec/lambdahttp"
)

// Invoke marshals event (an aws-lambda-go events request type), serves it
// with h under the invocation context ctx, and decodes the answer as an R
// (the matching events response type). It fails the test if lambdahttp
// refuses the event.
func Invoke[R any](t testing.TB, ctx context.Context, h http.Handler, event any) R {
	t.Helper()
	lh, err := lambdahttp.New(h, lambdahttp.Config{})
	if err != nil {
		t.Fatal(err)
	}
	payload, err := json.Marshal(event)
	if err != nil {
		t.Fatal(err)
	}
	out, err := lh.Invoke(ctx, payload)
	if err != nil {
		t.Fatalf("lambdahttp: %v", err)
	}
	var res R
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("answer %s: %v", out, err)
	}
	return res
}
