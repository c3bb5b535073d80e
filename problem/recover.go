package problem

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
)

// Recover returns middleware that turns a panic in next into a 500 problem
// and logs it at error level with the method, the matched route pattern,
// the panic value and the stack. It never logs the request body, headers
// or query. A nil logger means [slog.Default].
//
// http.ErrAbortHandler is re-panicked, as net/http expects. When next had
// already started its answer, no problem can be sent: the panic is logged
// and the connection is left for net/http to close.
func Recover(logger *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			tw := &startTracker{ResponseWriter: w}
			defer func() {
				v := recover()
				if v == nil {
					return
				}
				if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
					panic(v)
				}
				l := cmp.Or(logger, slog.Default())
				l.LogAttrs(r.Context(), slog.LevelError, "problem: panic serving request",
					slog.String("method", r.Method),
					slog.String("route", r.Pattern),
					slog.String("panic", fmt.Sprint(v)),
					slog.String("stack", string(debug.Stack())),
					slog.Bool("answer_started", tw.started))
				if !tw.started {
					Error(w, http.StatusInternalServerError)
				}
			}()
			next.ServeHTTP(tw, r)
		})
	}
}

// startTracker records whether the answer has begun.
type startTracker struct {
	http.ResponseWriter
	started bool
}

func (s *startTracker) WriteHeader(status int) {
	if status >= 200 { // 1xx answers are informational; the real one follows
		s.started = true
	}
	s.ResponseWriter.WriteHeader(status)
}

func (s *startTracker) Write(b []byte) (int, error) {
	s.started = true
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *startTracker) Unwrap() http.ResponseWriter { return s.ResponseWriter }
