package validate_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/lambdasec/lambdasec/internal/lambdatest"
	"github.com/lambdasec/lambdasec/validate"
)

// The path a request takes on Lambda: an API Gateway event converted by
// lambdahttp into the *http.Request the service's mux sees.
// Only the test imports AWS code; the package does not.
func TestThroughAPIGatewayAdapter(t *testing.T) {
	v := mustNew(t, validate.Config{MaxBodyBytes: 4 << 10})
	type params struct {
		ID   int64    `path:"id" validate:"gte=1"`
		Tags []string `query:"tag" validate:"max=3"`
	}
	var gotParams params
	var gotLogin Login
	mux := http.NewServeMux()
	mux.Handle("GET /accounts/{id}", validate.Query(v, func(w http.ResponseWriter, r *http.Request, p params) {
		gotParams = p
		w.WriteHeader(http.StatusNoContent)
	}))
	mux.Handle("POST /login", validate.JSON(v, func(w http.ResponseWriter, r *http.Request, in Login) {
		gotLogin = in
		w.WriteHeader(http.StatusNoContent)
	}))

	t.Run("HTTP API repeated parameters", func(t *testing.T) {
		// Payload 2.0 joins repeats with commas in queryStringParameters;
		// lambdahttp uses rawQueryString, so both values survive apart.
		ev := events.APIGatewayV2HTTPRequest{
			RawPath:               "/accounts/7",
			RawQueryString:        "tag=a&tag=b",
			QueryStringParameters: map[string]string{"tag": "a,b"},
			RequestContext: events.APIGatewayV2HTTPRequestContext{
				HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", Path: "/accounts/7"},
			},
		}
		res := lambdatest.Invoke[events.APIGatewayV2HTTPResponse](t, context.Background(), mux, ev)
		if res.StatusCode != http.StatusNoContent || gotParams.ID != 7 || !slices.Equal(gotParams.Tags, []string{"a", "b"}) {
			t.Fatalf("got %d %+v", res.StatusCode, gotParams)
		}
	})

	t.Run("HTTP API base64 body", func(t *testing.T) {
		body := `{"email":"ada@example.com","password":"correct horse"}`
		ev := events.APIGatewayV2HTTPRequest{
			RawPath:         "/login",
			Headers:         map[string]string{"content-type": "application/json"},
			Body:            base64.StdEncoding.EncodeToString([]byte(body)),
			IsBase64Encoded: true,
			RequestContext: events.APIGatewayV2HTTPRequestContext{
				HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "POST", Path: "/login"},
			},
		}
		res := lambdatest.Invoke[events.APIGatewayV2HTTPResponse](t, context.Background(), mux, ev)
		if res.StatusCode != http.StatusNoContent || gotLogin.Email != "ada@example.com" {
			t.Fatalf("got %d %+v", res.StatusCode, gotLogin)
		}
	})

	t.Run("REST API problem answer", func(t *testing.T) {
		ev := events.APIGatewayProxyRequest{
			HTTPMethod:        "POST",
			Path:              "/login",
			MultiValueHeaders: map[string][]string{"Content-Type": {"application/json"}},
			Body:              `{"email":"ada@example.com","password":"x","password":"correct horse"}`,
		}
		res := lambdatest.Invoke[events.APIGatewayProxyResponse](t, context.Background(), mux, ev)
		ct := res.Headers["Content-Type"]
		if len(res.MultiValueHeaders["Content-Type"]) > 0 {
			ct = res.MultiValueHeaders["Content-Type"][0]
		}
		var p problemDoc
		if err := json.Unmarshal([]byte(res.Body), &p); err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != 400 || ct != "application/problem+json" || !slices.Equal(p.fields(), []string{"password:duplicate"}) {
			t.Fatalf("got %d %q %s", res.StatusCode, ct, res.Body)
		}
	})
}
