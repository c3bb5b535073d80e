package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/lambdasec/lambdasec/lambdahttp"
	"github.com/lambdasec/lambdasec/problem"
)

// recorder remembers the status and size of a response. Unwrap lets
// http.ResponseController reach the underlying writer.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (rec *recorder) WriteHeader(code int) {
	if rec.status == 0 {
		rec.status = code
	}
	rec.ResponseWriter.WriteHeader(code)
}

func (rec *recorder) Write(b []byte) (int, error) {
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	n, err := rec.ResponseWriter.Write(b)
	rec.bytes += int64(n)
	return n, err
}

func (rec *recorder) Unwrap() http.ResponseWriter { return rec.ResponseWriter }

// accessLog writes one JSON line per request with the X-Ray trace id, and
// turns a panic into a 500 problem (logged with its stack) so that one bad
// request cannot take the process, or the Lambda environment, down. Query
// strings, bodies and headers are not logged: they may hold credentials.
//
// It hands next the request it got, not a copy, and so does the rate
// limiter around the mux: the route pattern the mux records on that request
// (r.Pattern) then reaches this log line. The trace gets it through
// tracing.Routes.
func accessLog(log *slog.Logger, traceID func(context.Context) string, clientIP func(*http.Request) string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
					panic(v)
				}
				log.ErrorContext(r.Context(), "panic", "panic", v, "stack", string(debug.Stack()))
				if rec.status == 0 {
					problem.Error(rec, http.StatusInternalServerError)
				}
			}
			status := rec.status
			if status == 0 {
				status = http.StatusOK
			}
			attrs := []slog.Attr{
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.String("route", r.Pattern),
				slog.Int("status", status),
				slog.Int64("bytes", rec.bytes),
				slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
				slog.String("ip", clientIP(r)),
				slog.String("trace_id", traceID(r.Context())),
			}
			if lc, ok := lambdacontext.FromContext(r.Context()); ok {
				attrs = append(attrs, slog.String("aws_request_id", lc.AwsRequestID))
			}
			if ev, ok := lambdahttp.FromContext(r.Context()); ok && ev.RequestID != "" {
				attrs = append(attrs, slog.String("apigw_request_id", ev.RequestID))
			}
			level := slog.LevelInfo
			if status >= 500 {
				level = slog.LevelError
			}
			log.LogAttrs(r.Context(), level, "request", attrs...)
		}()
		next.ServeHTTP(rec, r)
	})
}
