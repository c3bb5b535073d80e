package lambdahttp

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-lambda-go/lambdacontext"
)

// Handler serves Lambda invocations carrying HTTP events with an
// http.Handler. Its Invoke method makes it an aws-lambda-go lambda.Handler;
// [Run] starts it. It is safe for concurrent use, as Lambda Managed
// Instances invoke it (AWS_LAMBDA_MAX_CONCURRENCY). Build it with [New];
// the zero value is not usable.
type Handler struct {
	next http.Handler
	cfg  Config
	// cookieWarning logs once that an ALB target without multi-value
	// headers lost cookies.
	cookieWarning sync.Once
	// invoked turns true with the first invocation, so that only that one
	// is logged as the cold start.
	invoked atomic.Bool
}

// New returns a Handler serving h with cfg. The error wraps
// [ErrInvalidConfig].
func New(h http.Handler, cfg Config) (*Handler, error) {
	if h == nil {
		return nil, fmt.Errorf("%w: nil http.Handler", ErrInvalidConfig)
	}
	for _, d := range []int64{cfg.MaxBodyBytes, int64(cfg.ReadHeaderTimeout), int64(cfg.ReadTimeout),
		int64(cfg.WriteTimeout), int64(cfg.IdleTimeout), int64(cfg.ShutdownTimeout)} {
		if d < 0 {
			return nil, fmt.Errorf("%w: negative size or timeout", ErrInvalidConfig)
		}
	}
	cfg.MaxBodyBytes = cmp.Or(cfg.MaxBodyBytes, DefaultMaxBodyBytes)
	cfg.ReadHeaderTimeout = cmp.Or(cfg.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	cfg.ReadTimeout = cmp.Or(cfg.ReadTimeout, DefaultReadTimeout)
	cfg.WriteTimeout = cmp.Or(cfg.WriteTimeout, DefaultWriteTimeout)
	cfg.IdleTimeout = cmp.Or(cfg.IdleTimeout, DefaultIdleTimeout)
	cfg.ShutdownTimeout = cmp.Or(cfg.ShutdownTimeout, DefaultShutdownTimeout)
	cfg.OnShutdown = append([]func() error(nil), cfg.OnShutdown...)
	if cfg.ErrorHandler == nil {
		cfg.ErrorHandler = WriteError
	}
	cfg.Logger = cmp.Or(cfg.Logger, slog.Default())
	return &Handler{next: h, cfg: cfg}, nil
}

// Invoke serves one invocation: payload is the event, the result the
// answer in the event's format. An event of no known shape returns an
// error wrapping [ErrUnknownEvent], which Lambda reports as a function
// error; every other outcome, a malformed event included, is an answer.
func (h *Handler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	src, p, err := detect(payload)
	if err != nil {
		h.logBadEvent(ctx, src, err)
		return nil, err
	}
	ev, err := decode(src, p, payload)
	ctx = context.WithValue(ctx, contextKey{}, ev)
	ctx, info := h.withRequestInfo(ctx, ev)
	var r *http.Request
	if err == nil {
		r, err = ev.incoming().request(ctx, h.cfg.MaxBodyBytes)
	}
	if err == nil {
		info.Watch(r) // a ServeMux records its route in r.Pattern
	}
	w := newResponseWriter()
	if err != nil {
		h.logBadEvent(ctx, src, err)
		// The event could not be read: the error handler gets a stand-in
		// request that carries only the invocation.
		r = (&http.Request{Method: http.MethodGet, URL: &url.URL{Path: "/"}, RequestURI: "/",
			Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: http.Header{}, Body: http.NoBody}).WithContext(ctx)
		h.cfg.ErrorHandler(w, r, err)
	} else {
		h.serve(w, r)
	}
	out, dropped := w.finish(r.Method).encode(ev)
	if dropped > 0 {
		h.cookieWarning.Do(func() {
			h.cfg.Logger.WarnContext(ctx, "lambdahttp: an ALB target group without multi-value headers can carry one Set-Cookie; the others were dropped: enable multi-value headers on the target group",
				"dropped", dropped)
		})
	}
	return out, nil
}

// serve runs the handler, turning a panic into a 500 problem: nothing has
// reached the client yet, so whatever the handler wrote is discarded.
func (h *Handler) serve(w *responseWriter, r *http.Request) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		h.cfg.Logger.LogAttrs(r.Context(), slog.LevelError, "lambdahttp: panic serving request",
			slog.String("method", r.Method),
			slog.String("route", r.Pattern),
			slog.String("panic", fmt.Sprint(v)),
			slog.String("stack", string(debug.Stack())))
		w.reset()
		h.cfg.ErrorHandler(w, r, fmt.Errorf("lambdahttp: handler panicked: %v", v))
	}()
	h.next.ServeHTTP(w, r)
}

// logBadEvent logs an event that could not be served. The event itself is
// not logged: it may hold credentials.
func (h *Handler) logBadEvent(ctx context.Context, src Source, err error) {
	attrs := []slog.Attr{slog.String("source", src.String()), slog.String("error", err.Error())}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		attrs = append(attrs, slog.String("aws_request_id", lc.AwsRequestID))
	}
	h.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "lambdahttp: bad event", attrs...)
}
