package reqlog

import (
	"context"
	"log/slog"
	"os"

	"github.com/lambdasec/lambdasec/internal/reqinfo"
)

// Attribute keys added to every log line of a request. They follow the
// names Powertools for AWS Lambda uses, so queries work across languages.
const (
	KeyRequestID       = "request_id"
	KeyLambdaRequestID = "function_request_id"
	KeyColdStart       = "cold_start"
	KeyTraceID         = "xray_trace_id"
	KeyRoute           = "route"
	KeyFunction        = "function_name"
)

// NewHandler returns a slog.Handler that adds the request's attributes
// (see the Key constants) to every record logged with a context that
// carries a request, then passes it to next. Records logged without such a
// context pass unchanged. The attributes stay at the top level even under
// WithGroup, so queries find them in one place.
func NewHandler(next slog.Handler) slog.Handler {
	return &handler{next: next}
}

// handler remembers the WithAttrs/WithGroup calls made on it so that the
// request attributes can be put before them, at the top level.
type handler struct {
	next slog.Handler // without the ops below
	ops  []op
	// applied is next with ops applied, for records without a request.
	applied slog.Handler
}

type op struct {
	group string
	attrs []slog.Attr
}

func (h *handler) base() slog.Handler {
	if h.applied != nil {
		return h.applied
	}
	return h.next
}

func (h *handler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	info, ok := reqinfo.FromContext(ctx)
	if !ok {
		return h.base().Handle(ctx, r)
	}
	attrs := requestAttrs(info)
	if len(h.ops) == 0 {
		r = r.Clone()
		r.AddAttrs(attrs...)
		return h.next.Handle(ctx, r)
	}
	// Groups are open: put the request attributes on the root first.
	out := h.next.WithAttrs(attrs)
	for _, o := range h.ops {
		if o.group != "" {
			out = out.WithGroup(o.group)
		} else {
			out = out.WithAttrs(o.attrs)
		}
	}
	return out.Handle(ctx, r)
}

func requestAttrs(info *reqinfo.Info) []slog.Attr {
	attrs := make([]slog.Attr, 0, 6)
	add := func(k, v string) {
		if v != "" {
			attrs = append(attrs, slog.String(k, v))
		}
	}
	add(KeyRequestID, info.RequestID)
	add(KeyLambdaRequestID, info.LambdaRequestID)
	add(KeyTraceID, info.TraceID)
	add(KeyRoute, info.Route())
	add(KeyFunction, info.Function)
	if info.LambdaRequestID != "" {
		attrs = append(attrs, slog.Bool(KeyColdStart, info.ColdStart))
	}
	return attrs
}

func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	return h.with(op{attrs: attrs})
}

func (h *handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return h.with(op{group: name})
}

func (h *handler) with(o op) slog.Handler {
	ops := append(h.ops[:len(h.ops):len(h.ops)], o)
	applied := h.base()
	if o.group != "" {
		applied = applied.WithGroup(o.group)
	} else {
		applied = applied.WithAttrs(o.attrs)
	}
	return &handler{next: h.next, ops: ops, applied: applied}
}

// NewLogger returns a logger whose lines carry the request attributes:
// JSON on Lambda (where CloudWatch Logs Insights parses it), text
// elsewhere, written to os.Stderr at Info and above. opts may be nil.
func NewLogger(opts *slog.HandlerOptions) *slog.Logger {
	var h slog.Handler
	if os.Getenv("AWS_LAMBDA_FUNCTION_NAME") != "" {
		h = slog.NewJSONHandler(os.Stdout, opts) // Lambda sends stdout to CloudWatch Logs
	} else {
		h = slog.NewTextHandler(os.Stderr, opts)
	}
	return slog.New(NewHandler(h))
}
