// Command tracing is the baseline traced by lambdasec/tracing. One binary
// holds both backends: the X-Ray daemon emitter and the OTLP/HTTP
// exporter, chosen at run time by the environment.
package main

import (
	"net/http"

	"github.com/lambdasec/lambdasec/tracing"
)

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	tr, err := tracing.New(tracing.Config{Service: "orders"})
	if err != nil {
		panic(err)
	}
	_ = http.ListenAndServe("127.0.0.1:8080", tr.Handler(mux))
}
