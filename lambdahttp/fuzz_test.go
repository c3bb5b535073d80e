package lambdahttp_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/lambdasec/lambdasec/lambdahttp"
)

// FuzzInvoke feeds arbitrary payloads to a Handler: each gets an answer in
// a known format, with a status the handler or the error handler chose, or
// an error wrapping ErrUnknownEvent; never a panic or a 500.
func FuzzInvoke(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		`{"version":"2.0","rawPath":"/%zz","requestContext":{"http":{"method":"GET"}}}`,
		`{"httpMethod":"POST","path":"/","body":"!!","isBase64Encoded":true,"requestContext":{}}`,
		`{"httpMethod":"GET","path":"/","multiValueHeaders":{"x-forwarded-for":[]},"requestContext":{"elb":{}}}`,
		`{"requestContext":"x","httpMethod":"GET"}`,
		`{"version":"2.0","requestContext":{"http":null,"domainName":7}}`,
	} {
		f.Add([]byte(s))
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil || int64(len(b)) != max(r.ContentLength, 0) {
			panic("body and ContentLength disagree")
		}
		_ = r.URL.Query()
		_, _ = r.Cookie("s")
		w.Header()["Set-Cookie"] = []string{"a=1", "b=2"}
		w.Write(b)
	})
	fn, err := lambdahttp.New(h, lambdahttp.Config{MaxBodyBytes: 1 << 10, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		out, err := fn.Invoke(context.Background(), payload)
		if err != nil {
			if !errors.Is(err, lambdahttp.ErrUnknownEvent) {
				t.Fatalf("error %v does not wrap ErrUnknownEvent", err)
			}
			return
		}
		var res struct {
			StatusCode int `json:"statusCode"`
		}
		if err := json.Unmarshal(out, &res); err != nil {
			t.Fatalf("answer %s: %v", out, err)
		}
		switch res.StatusCode {
		case http.StatusOK, http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("status %d in %s", res.StatusCode, out)
		}
	})
}
