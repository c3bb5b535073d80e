// Command nethttp is the baseline: a net/http service and nothing else.
package main

import "net/http"

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	_ = http.ListenAndServe("127.0.0.1:8080", mux)
}
