// Command fn answers every request with what it saw of it, as JSON, under
// lambdahttp.Run; the emulator tests drive it.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/lambdasec/lambdasec/lambdahttp"
)

func main() {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		lc, _ := lambdacontext.FromContext(r.Context())
		_, hasDeadline := r.Context().Deadline()
		ev, _ := lambdahttp.FromContext(r.Context())
		http.SetCookie(w, &http.Cookie{Name: "a", Value: "1"})
		http.SetCookie(w, &http.Cookie{Name: "b", Value: "2"})
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"method": r.Method, "uri": r.RequestURI, "host": r.Host, "remote": r.RemoteAddr,
			"cookie": r.Header.Get("Cookie"), "body": string(body), "source": ev.Source.String(),
			"aws_request_id": lc.AwsRequestID, "deadline": hasDeadline,
			"trace": fmt.Sprint(r.Context().Value("x-amzn-trace-id")),
		})
	})
	err := lambdahttp.Run(context.Background(), h, lambdahttp.Config{OnShutdown: []func() error{
		func() error { fmt.Println("shutdown hook ran"); return nil },
	}})
	log.Fatal(err)
}
