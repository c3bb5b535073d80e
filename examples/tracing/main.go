// Command tracing shows package tracing recording X-Ray traces for a
// net/http service in both places it runs: as a plain HTTP server, where
// each request is a segment, and inside Lambda behind API Gateway, where
// each request is a subsegment of Lambda's own segment. Handlers add
// annotations and subsegments, and an outgoing call carries the trace.
//
//	go run ./examples/tracing
//
// By default it starts a fake X-Ray daemon on loopback and prints the
// documents it receives. AWS_XRAY_DAEMON_ADDRESS (host:port) sends them to
// a real daemon instead, and OTEL_EXPORTER_OTLP_ENDPOINT (for example
// http://localhost:4318) sends spans to an OpenTelemetry collector as OTLP
// over HTTP; the OTLP endpoint wins when both are set.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/lambdasec/lambdasec/lambdahttp"
	"github.com/lambdasec/lambdasec/tracing"
	"github.com/lambdasec/lambdasec/tracing/tracingtest"
)

func main() {
	if err := run(context.Background(), os.Stdout, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "tracing:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, w io.Writer, getenv func(string) string) error {
	addr, otlp := exportTo(getenv)
	var daemon *tracingtest.Daemon
	if addr == "" && otlp == "" {
		var err error
		if daemon, err = tracingtest.Listen(); err != nil {
			return err
		}
		defer daemon.Close()
		addr = daemon.Addr()
	}
	tr, err := tracing.New(tracing.Config{Service: "orders", Version: "1.4.2", DaemonAddr: addr, OTLPEndpoint: otlp})
	if err != nil {
		return err
	}
	// The OTLP backend exports in the background outside Lambda.
	defer tr.Flush(context.WithoutCancel(ctx))

	// A downstream service that reports the trace header it received.
	downstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, r.Header.Get("X-Amzn-Trace-Id") != "")
	}))
	defer downstream.Close()
	h := tr.Handler(routes(downstream.URL))

	fmt.Fprintln(w, "== a plain HTTP server: one segment per request")
	if err := asServer(w, h); err != nil {
		return err
	}
	if err := show(w, daemon); err != nil {
		return err
	}

	fmt.Fprintln(w, "\n== inside Lambda behind API Gateway: a subsegment of Lambda's segment")
	if err := inLambda(ctx, w, h); err != nil {
		return err
	}
	if err := show(w, daemon); err != nil {
		return err
	}
	fmt.Fprintln(w, "(X-Ray names may not contain braces: the subsegment writes the route's {id} as :id; the route annotation keeps the pattern)")
	return nil
}

// exportTo is where the traces go: an X-Ray daemon's address or an OTLP
// traces endpoint, both empty when the environment names neither.
func exportTo(getenv func(string) string) (addr, otlp string) {
	addr = getenv("AWS_XRAY_DAEMON_ADDRESS")
	otlp = getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
	if base := getenv("OTEL_EXPORTER_OTLP_ENDPOINT"); otlp == "" && base != "" {
		otlp = strings.TrimSuffix(base, "/") + "/v1/traces"
	}
	return addr, otlp
}

// routes is the service: GET /orders/{id} annotates its segment and
// calls downstream in a subsegment, with the trace header.
func routes(downstream string) *http.ServeMux {
	client := tracing.Client(&http.Client{})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		tracing.Annotate(ctx, "order_id", r.PathValue("id")) // searchable: annotation.order_id = "42"
		err := tracing.Capture(ctx, "load order", func(ctx context.Context) error {
			req, _ := http.NewRequestWithContext(ctx, "GET", downstream, nil)
			res, err := client.Do(req)
			if err != nil {
				return err
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			fmt.Fprintf(w, "downstream saw a trace header: %s", b)
			return nil
		})
		if err != nil {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
		}
	})
	return mux
}

// asServer serves h over HTTP and sends it one request that continues a
// trace started upstream.
func asServer(w io.Writer, h http.Handler) error {
	srv := httptest.NewServer(h)
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/orders/42", nil)
	// Continue a trace started upstream (sampled).
	req.Header.Set("X-Amzn-Trace-Id", "Root=1-67890abc-0123456789abcdef01234567;Parent=1111222233334444;Sampled=1")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	fmt.Fprintf(w, "response: %d %s\n", res.StatusCode, body)
	return nil
}

// inLambda passes h one API Gateway HTTP API event, as Lambda would.
func inLambda(ctx context.Context, w io.Writer, h http.Handler) error {
	// aws-lambda-go puts Lambda's trace header in the invocation context;
	// lambdahttp passes the context on to the handler. lambdahttp.Run
	// does this for every invocation inside Lambda; here one HTTP API
	// event is passed to its Handler directly.
	lctx := tracingtest.LambdaContext(ctx, "1-67890abc-fedcba9876543210fedcba98", "53995c3f42cd8ad8", true)
	lh, err := lambdahttp.New(h, lambdahttp.Config{})
	if err != nil {
		return err
	}
	event, err := json.Marshal(events.APIGatewayV2HTTPRequest{
		Version: "2.0", RawPath: "/orders/7",
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", Path: "/orders/7", SourceIP: "198.51.100.7"},
		},
	})
	if err != nil {
		return err
	}
	answer, err := lh.Invoke(lctx, event)
	if err != nil {
		return err
	}
	var out events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(answer, &out); err != nil {
		return err
	}
	fmt.Fprintf(w, "response: %d %s\n", out.StatusCode, out.Body)
	return nil
}

// show prints the documents the fake daemon received since the last call.
func show(w io.Writer, d *tracingtest.Daemon) error {
	if d == nil {
		fmt.Fprintln(w, "sent to the X-Ray daemon or OTLP endpoint")
		return nil
	}
	docs, err := d.Received()
	if err != nil {
		return err
	}
	d.Reset()
	for _, doc := range docs {
		printDoc(w, doc, "")
	}
	return nil
}

func printDoc(w io.Writer, d tracingtest.Document, indent string) {
	kind := "segment"
	if d.Type != "" || indent != "" {
		kind = "subsegment"
	}
	fmt.Fprintf(w, "%s%s %q", indent, kind, d.Name)
	if d.Namespace != "" {
		fmt.Fprintf(w, " namespace=%s", d.Namespace)
	}
	if indent == "" {
		fmt.Fprintf(w, " trace=%s parent=%s", d.TraceID, d.ParentID)
	}
	if d.HTTP != nil && d.HTTP.Response.Status != 0 {
		fmt.Fprintf(w, " status=%d", d.HTTP.Response.Status)
	}
	if len(d.Annotations) > 0 {
		var kv []string
		for k, v := range d.Annotations {
			kv = append(kv, fmt.Sprintf("%s=%v", k, v))
		}
		slices.Sort(kv)
		fmt.Fprintf(w, " annotations: %s", strings.Join(kv, " "))
	}
	fmt.Fprintln(w)
	for _, s := range d.Subsegments {
		if indent == "" || s.Namespace != "" || len(s.Subsegments) > 0 || s.Name == "load order" {
			printDoc(w, s, indent+"  ")
		}
	}
}
