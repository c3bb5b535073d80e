package secevent_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/lambdasec/lambdasec/secevent"
)

func benchEvent() secevent.Event {
	return secevent.Event{Name: secevent.AuthnLoginFail, UserID: "ada@example.com", ClientIP: "203.0.113.9",
		Route: "POST /v1/auth/login", Reason: "bad_password"}
}

// BenchmarkEmit measures what one event costs a request: no sink (the
// default), the JSON log sink, the EMF counter, and both.
func BenchmarkEmit(b *testing.B) {
	logSink := secevent.NewLogSink(slog.New(slog.NewJSONHandler(io.Discard, nil)))
	m, _ := secevent.NewMetrics(secevent.MetricsConfig{Out: io.Discard, PerRoute: true})
	ctx := context.Background()
	for _, bc := range []struct {
		name string
		sink secevent.Sink
	}{
		{"none", nil},
		{"log", logSink},
		{"emf", m},
		{"log+emf", secevent.Multi(logSink, m)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				secevent.Emit(ctx, bc.sink, benchEvent())
			}
		})
	}
}

func BenchmarkFlush(b *testing.B) {
	m, _ := secevent.NewMetrics(secevent.MetricsConfig{Out: io.Discard, PerRoute: true})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		m.Record(ctx, benchEvent())
		_ = m.Flush()
	}
}
