package tracing

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
)

// trace is the per-request state the middleware puts in the context. It is
// shared by every subsegment of the request.
type trace struct {
	id      string // X-Ray trace id, "" when the request carries none
	sampled bool   // documents are sent
	log     *slog.Logger
	exp     exporter
	w3c     bool // downstream calls carry traceparent too

	mu          sync.Mutex
	annotations int    // counted against X-Ray's 50 per trace
	warned      bool   // the cap was logged once
	route       string // recorded by Routes or SetRoute
}

type traceKey struct{}

// propagate sets the trace headers of a downstream call made under the
// segment parent ("" when the request is not sampled).
func (tr *trace) propagate(h http.Header, parent string) {
	th := traceHeader{root: tr.id, parent: parent, sampled: 0}
	if parent != "" {
		th.sampled = 1
	}
	h.Set(headerName, th.String())
	if tr.w3c {
		h.Set(traceparentHeader, th.traceparent())
	}
}

func traceFrom(ctx context.Context) *trace {
	t, _ := ctx.Value(traceKey{}).(*trace)
	return t
}

// segment returns the open (sub)segment of a sampled trace in ctx, or nil.
func segment(ctx context.Context) (*trace, *seg) {
	tr := traceFrom(ctx)
	if tr == nil || !tr.sampled {
		return tr, nil
	}
	return tr, currentSeg(ctx)
}

// TraceID returns the X-Ray trace id of the request ctx belongs to, for
// log lines, or "" when tracing is off or the request carries no trace.
// It works at handler level, also inside Lambda, and for requests that are
// not sampled.
func TraceID(ctx context.Context) string {
	if tr := traceFrom(ctx); tr != nil {
		return tr.id
	}
	return ""
}

// Annotate records an indexed annotation on the current (sub)segment, so
// traces can be searched with annotation.key = value. It works at handler
// level in both modes.
//
// The key is mapped to X-Ray's rules (letters, digits, underscores; other
// characters become "_"). The value may be a string (cut to 1000
// characters), a bool, any integer type, including int64 and uint64 which
// the X-Ray SDKs reject, or a finite float; named types are accepted by
// kind. The keys service, service_version, cold_start and route belong to
// the middleware.
//
// The key and value are checked even when nothing is recorded, so a bad
// call shows up in tests: the error wraps [ErrInvalidAnnotation]. When the
// trace already holds 50 annotations (X-Ray's limit per trace, the
// middleware's own included) the annotation is dropped and the error wraps
// [ErrAnnotationLimit]. When tracing is off or the request is not sampled,
// a valid annotation is discarded and Annotate returns nil.
func Annotate(ctx context.Context, key string, value any) error {
	k, err := annotationKey(key)
	if err != nil {
		return err
	}
	v, err := annotationValue(value)
	if err != nil {
		return fmt.Errorf("%w (key %q)", err, k)
	}
	tr, seg := segment(ctx)
	if seg == nil {
		return nil
	}
	return tr.annotate(seg, k, v)
}

func (tr *trace) annotate(seg *seg, k string, v any) error {
	seg.mu.Lock()
	_, exists := seg.doc.Annotations[k]
	if !exists {
		tr.mu.Lock()
		full := tr.annotations >= maxAnnotations
		if !full {
			tr.annotations++
		}
		warn := full && !tr.warned
		tr.warned = tr.warned || full
		tr.mu.Unlock()
		if full {
			seg.mu.Unlock()
			if warn {
				tr.log.Warn("tracing: annotation dropped, trace has 50", "trace_id", tr.id, "key", k)
			}
			return fmt.Errorf("%w: %q dropped", ErrAnnotationLimit, k)
		}
	}
	if seg.doc.Annotations == nil {
		seg.doc.Annotations = make(map[string]any, 4)
	}
	seg.doc.Annotations[k] = v
	seg.mu.Unlock()
	return nil
}

// Capture runs fn in a subsegment named name (mapped to X-Ray's rules, see
// [Tracer.Handler]), nested in the current one. An error fn returns is
// recorded as a fault, with quoted values in its text hidden as for
// database errors, and returned unchanged; a panic is recorded the same way and
// re-raised. When ctx carries no sampled trace, Capture just
// calls fn(ctx).
func Capture(ctx context.Context, name string, fn func(context.Context) error) error {
	if _, seg := segment(ctx); seg == nil {
		return fn(ctx)
	}
	ctx, sub := beginSub(ctx, sanitizeName(name))
	if sub == nil {
		return fn(ctx)
	}
	var err error
	defer func() {
		if p := recover(); p != nil {
			closeSeg(sub, fmt.Errorf("panic: %v", p))
			panic(p)
		}
		closeSeg(sub, err)
	}()
	err = fn(ctx)
	return err
}

// setStatus records an HTTP status on s, with X-Ray's flags: 429 is a
// throttle, other 4xx an error, 5xx a fault. The caller holds s.mu.
func setStatus(s *seg, status int) {
	s.http().Response.Status = status
	switch {
	case status == http.StatusTooManyRequests:
		s.doc.Throttle, s.doc.Error = true, true
	case status >= 400 && status < 500:
		s.doc.Error = true
	case status >= 500:
		s.doc.Fault = true
	}
}

// addCause records err on s as an exception without setting any flag;
// the caller chooses error, fault or throttle. Quoted values in the
// message are hidden (see redactMessage): every error recorded by the
// package goes through here. The caller holds s.mu.
func addCause(s *seg, err error) {
	if err == nil {
		return
	}
	if s.doc.Cause == nil {
		s.doc.Cause = &causeBlock{}
	}
	s.doc.Cause.Exceptions = append(s.doc.Cause.Exceptions, exceptionOf(err))
}

// closeSeg closes s; a non-nil err is recorded as a fault.
func closeSeg(s *seg, err error) {
	if err != nil {
		s.mu.Lock()
		s.doc.Fault = true
		addCause(s, err)
		s.mu.Unlock()
	}
	s.close()
}
