package tracing

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/lambdasec/lambdasec/internal/reqinfo"
)

// headerName is the trace header on HTTP requests and responses.
const headerName = "X-Amzn-Trace-Id"

// lambdaTraceKey is the context key under which aws-lambda-go stores the
// invocation's trace header: a plain string, which is why it is not a
// type of ours.
const lambdaTraceKey = "x-amzn-trace-id"

// Handler returns next wrapped so that every request is traced. When the
// Tracer is disabled it returns next itself.
//
// Inside Lambda the invocation context carries Lambda's trace header (the
// "x-amzn-trace-id" value aws-lambda-go puts there, which package
// lambdahttp passes on). Each request then
// becomes one subsegment of Lambda's own segment, named after the route
// pattern that http.ServeMux matched (r.Pattern, with "{id}" written
// ":id"); "METHOD unmatched" for a 404 or 405 without a pattern, and
// "METHOD" alone when no pattern is known. The Tracer sees r.Pattern only
// when the router receives the request the Tracer passed on: wrap the
// router in [Routes] when middleware in between copies the request
// (r.WithContext), and call [SetRoute] behind routers that do not set
// r.Pattern. Lambda's sampling decision applies. No segment of our own is created: X-Ray would show it
// as a second, disconnected service.
//
// Outside Lambda each request becomes a segment named after the service.
// An incoming X-Amzn-Trace-Id header is continued (its Root, Parent and
// Sampled fields, each checked for X-Ray's format; anything malformed is
// ignored); without a decision in it, the sampling rules decide. The trace
// header is not echoed to the client.
//
// Both record the method, URL (without query string, which may carry
// tokens), user agent, peer address, status and response size, and the
// annotations service, cold_start (true for the first request the Tracer
// handles), route and, when configured, service_version. A status of 429
// is a throttle, 4xx an error, 5xx a fault. A panic is recorded as a
// fault with its stack and re-raised.
func (t *Tracer) Handler(next http.Handler) http.Handler {
	if !t.enabled {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Every request counts, sampled or not: a sampled second request
		// is not a cold start.
		cold := !t.warm.Load() && t.warm.CompareAndSwap(false, true)
		ctx := r.Context()
		h, ok, lambda := t.incoming(ctx, r)
		if lambda && !ok {
			// No trace to join (the emulator sends none).
			next.ServeHTTP(w, r)
			return
		}
		tr := &trace{log: t.log, exp: t.exp, w3c: t.otlp, annotations: t.reserved}
		t.decide(tr, h, ok, lambda, r)
		ctx = context.WithValue(ctx, traceKey{}, tr)
		if info, ok := reqinfo.FromContext(ctx); ok && info.TraceID == "" {
			info.TraceID = tr.id // for the log lines of a trace this Tracer began
		}
		if !tr.sampled {
			next.ServeHTTP(w, r.WithContext(ctx))
			return
		}
		ctx, seg := t.begin(ctx, tr, h, lambda, r.Method)
		if seg == nil {
			next.ServeHTTP(w, r.WithContext(ctx))
			return
		}
		t.serve(seg, tr, lambda, cold, w, r.WithContext(ctx), next)
	})
}

// incoming finds the trace header the request continues: Lambda's
// invocation header inside Lambda (lambda is true), the client's
// X-Amzn-Trace-Id header outside.
func (t *Tracer) incoming(ctx context.Context, r *http.Request) (h traceHeader, ok, lambda bool) {
	if v, isStr := ctx.Value(lambdaTraceKey).(string); isStr {
		h, ok = parseTraceHeader(v)
		return h, ok, true
	}
	if t.inLambda {
		// The adapter dropped the invocation context (api-proxy's
		// Proxy instead of ProxyWithContext). With one invocation
		// at a time, the runtime's variable holds the same header.
		if !t.lmi {
			h, ok = parseTraceHeader(os.Getenv("_X_AMZN_TRACE_ID"))
		}
		return h, ok, true
	}
	h, ok = parseTraceHeader(r.Header.Get(headerName))
	if !ok && t.otlp {
		h, ok = parseTraceparent(r.Header.Get(traceparentHeader))
	}
	return h, ok, false
}

// decide sets the trace id and sampling decision of tr. Inside Lambda,
// Lambda's decision applies; outside, the incoming header's, else the
// sampling rules'.
func (t *Tracer) decide(tr *trace, h traceHeader, ok, lambda bool, r *http.Request) {
	if lambda {
		// Without Lambda's segment id there is nothing to attach to.
		tr.id, tr.sampled = h.root, h.sampled == 1 && h.parent != ""
		return
	}
	tr.id = h.root
	if !ok {
		tr.id = newTraceID()
	}
	if t.ignoreParent {
		h.sampled = -1
	}
	switch h.sampled {
	case 1:
		tr.sampled = true
	case 0:
		tr.sampled = false
	default:
		tr.sampled = t.sampler.sample(r.Host, r.Method, r.URL.Path)
	}
}

// begin opens the request's (sub)segment: a subsegment of Lambda's
// segment inside Lambda, a segment of its own outside.
func (t *Tracer) begin(ctx context.Context, tr *trace, h traceHeader, lambda bool, method string) (context.Context, *seg) {
	var s *seg
	if lambda {
		s = newRoot(tr, sanitizeName(method), h.parent, true)
	} else {
		s = newRoot(tr, t.service, h.parent, false)
		s.doc.AWS = map[string]any{"xray": map[string]string{"sdk": "lambdasec/tracing", "sdk_version": sdkVersion}}
		s.doc.Service = serviceBlock(t.version)
	}
	return context.WithValue(ctx, segKey{}, s), s
}

// serve runs next inside seg and closes seg, also when next panics.
func (t *Tracer) serve(seg *seg, tr *trace, lambda, cold bool, w http.ResponseWriter, r *http.Request, next http.Handler) {
	seg.mu.Lock()
	seg.http().Request = httpRequest{
		Method:    r.Method,
		URL:       requestURL(r),
		UserAgent: truncate(r.UserAgent(), 256),
		ClientIP:  clientIP(r.RemoteAddr),
	}
	seg.mu.Unlock()

	rw := &responseWriter{ResponseWriter: w}
	defer func() {
		p := recover()
		t.finish(seg, tr, lambda, cold, rw, r, p)
		if p != nil {
			panic(p)
		}
	}()
	next.ServeHTTP(rw, r)
}

// finish records the outcome of the request on seg, names it after the
// route inside Lambda, and closes it. p is what the handler panicked
// with, or nil.
func (t *Tracer) finish(seg *seg, tr *trace, lambda, cold bool, rw *responseWriter, r *http.Request, p any) {
	status := rw.status
	if p != nil && !rw.wrote {
		status = http.StatusInternalServerError
	} else if status == 0 {
		status = http.StatusOK // what net/http sends for an empty answer
	}
	route := tr.routeOf(r)
	seg.mu.Lock()
	setStatus(seg, status)
	seg.http().Response.ContentLength = int(rw.bytes)
	a := seg.doc.Annotations
	if a == nil {
		a = make(map[string]any, 4)
		seg.doc.Annotations = a
	}
	a["service"] = t.service
	a["cold_start"] = cold
	if t.version != "" {
		a["service_version"] = t.version
	}
	if route != "" {
		a["route"] = truncate(strings.ToValidUTF8(route, "\uFFFD"), maxAnnotationValue)
	}
	if lambda {
		seg.doc.Name = lambdaName(route, r.Method, status)
	}
	seg.mu.Unlock()
	var err error
	if p != nil {
		err = fmt.Errorf("panic: %v", p)
	}
	closeSeg(seg, err)
}

// lambdaName names a request's subsegment inside Lambda: after its route,
// "METHOD unmatched" for a 404 or 405 without one, else after the method
// alone (a router that does not set r.Pattern).
func lambdaName(route, method string, status int) string {
	switch {
	case route != "":
		return sanitizeName(route)
	case status == http.StatusNotFound || status == http.StatusMethodNotAllowed:
		return sanitizeName(method + " unmatched")
	}
	return sanitizeName(method)
}

// clientIP is the peer address of the request: "ip:port" from net/http,
// a bare IP from the Lambda adapters. Forwarding headers are not trusted.
func clientIP(remote string) string {
	if host, _, err := net.SplitHostPort(remote); err == nil {
		return host
	}
	if net.ParseIP(remote) != nil {
		return remote
	}
	return ""
}

// requestURL is scheme://host/path, without user info or query.
func requestURL(r *http.Request) string {
	scheme := r.URL.Scheme
	if scheme == "" {
		scheme = "http"
		if r.TLS != nil {
			scheme = "https"
		}
	}
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	return truncate(scheme+"://"+host+r.URL.EscapedPath(), 2048)
}

// newTraceID returns a fresh X-Ray trace id.
func newTraceID() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // never fails since Go 1.24
	var out [35]byte
	out[0], out[1], out[10] = '1', '-', '-'
	ts := strconv.FormatInt(time.Now().Unix()&0xffffffff, 16)
	for i := 0; i < 8-len(ts); i++ {
		out[2+i] = '0'
	}
	copy(out[10-len(ts):10], ts)
	hex.Encode(out[11:], b[:])
	return string(out[:])
}

// responseWriter records the status and size of a response. It implements
// Unwrap, so http.ResponseController reaches the original writer, and
// Flush, Hijack and ReadFrom, which common callers test for directly.
type responseWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
	wrote  bool
}

func (w *responseWriter) WriteHeader(code int) {
	if !w.wrote && (code < 100 || code > 199 || code == http.StatusSwitchingProtocols) {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *responseWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.status, w.wrote = http.StatusOK, true
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *responseWriter) ReadFrom(src io.Reader) (int64, error) {
	if !w.wrote {
		w.status, w.wrote = http.StatusOK, true
	}
	var n int64
	var err error
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		n, err = rf.ReadFrom(src)
	} else {
		n, err = io.Copy(writerOnly{w.ResponseWriter}, src)
	}
	w.bytes += n
	return n, err
}

func (w *responseWriter) Flush() {
	if !w.wrote {
		w.status, w.wrote = http.StatusOK, true
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Hijack is here for callers that test for http.Hijacker instead of using
// http.ResponseController; it fails with http.ErrNotSupported when the
// original writer cannot hijack.
func (w *responseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil && !w.wrote {
		w.status, w.wrote = http.StatusSwitchingProtocols, true
	}
	return c, rw, err
}

func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

type writerOnly struct{ io.Writer }
