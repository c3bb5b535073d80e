// Command xraysdk is the baseline traced by the AWS X-Ray SDK for Go
// (v2), which the tracing package used before it wrote segments itself.
package main

import (
	"net/http"

	"github.com/aws/aws-xray-sdk-go/v2/xray"
)

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	_ = http.ListenAndServe("127.0.0.1:8080", xray.Handler(xray.NewFixedSegmentNamer("orders"), mux))
}
