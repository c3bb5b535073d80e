package secevent

import (
	"cmp"
	"context"
	"log/slog"
)

// LogMessage is the message of every log line [NewLogSink] writes.
const LogMessage = "security event"

// NewLogSink returns a Sink that writes each event as one log record with
// the message [LogMessage] and the attributes event (the name), user_id,
// client_ip, route and reason when set, then the event's own attributes.
// With a JSON handler each event is one line that CloudWatch Logs Insights
// can filter and count by its "event" field. A nil logger means
// [slog.Default].
func NewLogSink(logger *slog.Logger) Sink {
	return logSink{l: cmp.Or(logger, slog.Default())}
}

type logSink struct{ l *slog.Logger }

func (s logSink) Record(ctx context.Context, e Event) {
	if !s.l.Enabled(ctx, e.Level) {
		return
	}
	attrs := make([]slog.Attr, 0, 5+len(e.Attrs))
	attrs = append(attrs, slog.String("event", string(e.Name)))
	for _, f := range [...]struct{ k, v string }{
		{"user_id", e.UserID}, {"client_ip", e.ClientIP}, {"route", e.Route}, {"reason", e.Reason},
	} {
		if f.v != "" {
			attrs = append(attrs, slog.String(f.k, f.v))
		}
	}
	attrs = append(attrs, e.Attrs...)
	s.l.LogAttrs(ctx, e.Level, LogMessage, attrs...)
}
