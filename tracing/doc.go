// Package tracing records AWS X-Ray traces for net/http services that run
// on AWS Lambda behind API Gateway, and the same binary run locally or in
// tests, with one-line instrumentation for the AWS SDK v2, outgoing HTTP,
// database/sql and go-redis.
//
// # What it fixes
//
// It writes X-Ray segment documents itself and sends them to the X-Ray
// daemon over UDP (the documented daemon protocol: a JSON header line,
// then one document per datagram), so it links neither the X-Ray SDK for
// Go, which reaches end of support on 2027-02-25, nor the gRPC and
// protobuf packages that SDK pulls in: importing it adds about 0.5 MB to
// a net/http program, against 6.3 MB for the SDK. None of its types
// appear in this API. Compared with using the SDK directly:
//
//   - Inside Lambda, each request is one subsegment of Lambda's own segment,
//     named after the route pattern, instead of a second, disconnected
//     segment with its own sampling decision.
//   - Annotations and the trace id work at handler level in both modes
//     ([Annotate], [TraceID]); keys are mapped to X-Ray's rules, int64 and
//     named types are accepted, and X-Ray's 50-per-trace cap is enforced
//     with an error instead of traces silently missing annotations.
//   - A bad AWS_XRAY_DAEMON_ADDRESS is an error from [New], not a panic
//     while the program starts.
//   - Sampling follows local rules ([Config.SamplingRules]) and starts no
//     goroutine; nothing is logged to stdout; and helpers called without
//     a trace do nothing at all, instead of logging "segment cannot be
//     found".
//
// # Backends
//
// Traces go to the X-Ray daemon over UDP unless an OTLP endpoint is
// configured ([Config.OTLPEndpoint], OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or
// OTEL_EXPORTER_OTLP_ENDPOINT): then the same segments are sent as
// OpenTelemetry spans, OTLP over HTTP with protobuf, to a collector such
// as the ADOT Lambda layer. Both backends record the same things under
// the same redaction rules. Trace ids stay in X-Ray's form (the W3C id is
// the same 32 digits), so one trace runs through API Gateway, Lambda and
// services on either backend; incoming W3C traceparent is continued and
// outgoing calls carry it. Inside Lambda the spans of a request are
// posted before its handler returns, since Lambda freezes the
// environment once the invocation ends; outside Lambda they are posted
// in the background by one goroutine, the spans of the requests that
// ended during an export going out together in the next, and
// [Tracer.Flush] waits for them. The encoder is
// written here, not taken from the OpenTelemetry SDK, whose OTLP/HTTP
// exporter links gRPC and protobuf (about 10 MB).
//
// # Modes
//
// [New] decides once whether tracing is on: inside Lambda
// (AWS_LAMBDA_FUNCTION_NAME or AWS_LAMBDA_RUNTIME_API set), or outside it
// when a daemon address is configured. Otherwise, or when
// [Config.Disabled] or AWS_XRAY_SDK_DISABLED=true, [Tracer.Handler]
// returns the next handler itself: zero overhead, no log lines. The mode of
// each request comes from its context: a Lambda invocation context (as
// aws-lambda-go builds it and package lambdahttp passes it on) means
// Lambda mode; anything else gets a segment per
// request that continues an incoming X-Amzn-Trace-Id header.
//
// # Trust
//
// The incoming trace header is client input outside Lambda: only its Root,
// Parent and Sampled fields are used, each checked against X-Ray's format.
// It is never echoed back to the client. As in every X-Ray SDK, an upstream
// Sampled=1 is honoured so traces stay whole across services, which lets a
// client that reaches the service directly ask for its requests to be
// recorded; that costs trace volume, not data. Inside Lambda, client
// headers are ignored: only Lambda's invocation context counts. Recorded
// URLs lose their query string and user info, SQL statements their
// literals, Redis commands their keys and values; AWS calls record the
// operation, never its input. Recorded error messages lose everything
// between their first and last quote, where servers put offending values.
//
// # Integration
//
// Build one Tracer in main and wrap the router, then instrument clients
// where they are built:
//
//	tr, err := tracing.New(tracing.Config{Service: "orders"})
//	if err != nil {
//		log.Fatal(err)
//	}
//	cfg, _ := config.LoadDefaultConfig(ctx)
//	tracing.AWS(&cfg)                        // Secrets Manager, RDS, ...
//	httpClient := tracing.Client(nil)        // outgoing HTTP
//	db := sql.OpenDB(tracing.Connector(connector, tracing.DB{Name: "app"}))
//	tracing.Redis(rdb)                       // go-redis
//	handler := tr.Handler(mux)
//
// Middleware between the Tracer and the mux that passes on a copy of the
// request (r.WithContext) hides the matched route from the Tracer; wrap
// the mux in [Routes] then, tr.Handler(auth(tracing.Routes(mux))), or
// requests are named after their method alone. Behind other routers,
// record the route template with [SetRoute].
//
// In Lambda, call lambda.Start(httpadapter.NewV2(handler).ProxyWithContext):
// the variant without context loses the invocation's trace. Turn on active
// tracing on the function; the function's role needs xray:PutTraceSegments.
// Pass the request's context to every client call, or nothing is recorded.
//
// Package [github.com/lambdasec/lambdasec/tracing/tracingtest] has a fake
// X-Ray daemon and a fake OTLP collector to assert traces in tests.
package tracing
