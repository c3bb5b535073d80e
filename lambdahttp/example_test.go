package lambdahttp_test

import (
	"context"
	"fmt"
	"log"
	"net/http"

	"github.com/lambdasec/lambdasec/lambdahttp"
)

// A main function: the same binary serves HTTP locally and Lambda events
// inside Lambda.
func ExampleRun() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "hello")
	})
	var closeDB func() error // stand-in: a database pool's Close
	err := lambdahttp.Run(context.Background(), mux, lambdahttp.Config{
		OnShutdown: []func() error{closeDB},
	})
	if err != nil {
		log.Fatal(err)
	}
}

// Invoke serves one event, as the Lambda runtime does: the answer is in
// the event's own format.
func ExampleHandler_Invoke() {
	h, err := lambdahttp.New(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintf(w, "%s %s from %s", r.Method, r.URL.Path, r.RemoteAddr)
	}), lambdahttp.Config{})
	if err != nil {
		log.Fatal(err)
	}
	event := `{"version":"2.0","rawPath":"/hello","requestContext":{"http":{"method":"GET","sourceIp":"198.51.100.7"}}}`
	out, err := h.Invoke(context.Background(), []byte(event))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(out))
	// Output:
	// {"statusCode":200,"headers":{"Content-Type":"text/plain"},"body":"GET /hello from 198.51.100.7:0","isBase64Encoded":false}
}

// FromContext gives handlers the event, for what only the event knows.
func ExampleFromContext() {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ev, ok := lambdahttp.FromContext(r.Context()); ok && ev.APIGatewayV2 != nil {
			fmt.Fprintln(w, "route", ev.APIGatewayV2.RouteKey)
		}
	})
	_ = h
}
