// Package lambdahttp runs an [http.Handler] on AWS Lambda behind every
// HTTP front door Lambda has, and as an ordinary HTTP server everywhere
// else, with one call:
//
//	if err := lambdahttp.Run(ctx, mux, lambdahttp.Config{}); err != nil {
//		log.Fatal(err)
//	}
//
// When AWS_LAMBDA_RUNTIME_API is set (inside Lambda, or under the runtime
// interface emulator) [Run] serves Lambda invocations and never returns;
// otherwise it listens on [Config.Addr] (or the ADDR environment variable,
// or [DefaultAddr]) until the context ends or the process gets SIGINT or
// SIGTERM, then shuts down gracefully. [Config.OnShutdown] runs in both
// cases: on Lambda's SIGTERM before the environment is recycled, and after
// the local server stopped.
//
// # Event sources
//
// Each invocation's event says where it came from; nothing is configured:
//
//   - API Gateway REST APIs and HTTP APIs with payload format 1.0
//     (top-level httpMethod). multiValueHeaders and
//     multiValueQueryStringParameters are preferred over their single-value
//     twins. The answer puts single-valued headers in "headers" and the
//     others in "multiValueHeaders", so no header is sent twice.
//   - API Gateway HTTP APIs with payload format 2.0 ("version":"2.0" and
//     requestContext.http). The cookies array becomes one Cookie header;
//     Set-Cookie answers go back in "cookies"; other header values are
//     kept as delivered, never split on commas.
//   - Lambda Function URLs: the 2.0 shape on a *.lambda-url.* domain,
//     answered in the Function URL response format (buffered invoke mode).
//   - Application Load Balancer target groups (requestContext.elb), with
//     or without multi-value headers: the answer uses the mode the request
//     came in ("headers" or "multiValueHeaders", never both, never null)
//     and carries a "200 OK"-style statusDescription. Without multi-value
//     headers a second Set-Cookie cannot be expressed: the first one is
//     kept and a warning logged once; enable multi-value headers on the
//     target group when handlers set several cookies. ALB passes query
//     parameters as the client encoded them; they reach the handler that
//     way too.
//
// Bodies flagged isBase64Encoded are decoded. Answers are sent base64
// encoded unless their Content-Type is textual (text/*, JSON, XML, YAML,
// JavaScript, form data) and they have no Content-Encoding; an answer
// without Content-Type gets the one net/http would sniff, as it would from
// a local server. HEAD answers carry no body.
//
// Response streaming (InvokeWithResponseStream) is not supported: answers
// are buffered and sent whole, and the ResponseWriter does not implement
// Flush. Lambda limits a buffered answer to 6 MB.
//
// # Security model
//
// The request's context is the invocation's: it carries the
// [github.com/aws/aws-lambda-go/lambdacontext.LambdaContext], the
// invocation deadline and Lambda's X-Ray trace header, so tracing
// middleware continues Lambda's trace. [FromContext] returns the decoded
// event (authorizer claims, stage variables, request ids). Nothing from the
// event is copied into request headers, where a client could forge it.
//
// r.RemoteAddr is "ip:0" (Lambda does not pass the caller's port), with
// the caller's address as API Gateway or the Function URL service saw it
// (requestContext.identity.sourceIp or requestContext.http.sourceIp) and
// never X-Forwarded-For, which the client writes. An ALB event names no
// source address: there the caller is the last X-Forwarded-For entry,
// which the load balancer appends itself; entries to its left are the
// client's own claims and are ignored. When the address is missing or not
// an IP address RemoteAddr is empty, so a limiter keyed on it refuses the
// request rather than lumping it with others.
//
// A malformed event of a known shape (undecodable JSON, invalid base64, a
// missing requestContext, a path that is not absolute) is answered 400 and
// a body over [Config.MaxBodyBytes] 413, both as problem documents in the
// event's own response format, through [Config.ErrorHandler], and logged
// with the cause. An event of no known shape is logged and returned as a
// function error: there is no format to answer it in. A panic in the
// handler is logged with its stack and answered 500.
//
// # Why not aws-lambda-go-api-proxy
//
// The package converts events with aws-lambda-go's own events types
// instead of wrapping aws-lambda-go-api-proxy: that library has had no
// release since April 2024, needs a different adapter per source and a
// caller who picks one, answers REST APIs with multiValueHeaders only and
// ALB targets with multiValueHeaders only (a 502 when the target group has
// multi-value headers off), splits 2.0 header values on commas, and keeps
// the caller's address out of RemoteAddr for ALB. The conversions here are
// short, and each rule above is tested against real sample events.
//
// # What the caller still does
//
//   - Build for provided.al2023 with -tags lambda.norpc, and strip the
//     binary (-trimpath -ldflags='-s -w').
//   - Keep init short: Lambda counts everything before Run as the cold
//     start. Do at init only what every request needs, and do it
//     concurrently; leave the rest to first use.
//   - Register what must be released (database pools, clients) in
//     [Config.OnShutdown].
//   - Put authentication, rate limits and body limits in the handler;
//     [Config.MaxBodyBytes] is only a ceiling on what one event may carry.
package lambdahttp
