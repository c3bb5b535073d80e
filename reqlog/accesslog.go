package reqlog

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/lambdasec/lambdasec/internal/reqinfo"
)

const (
	// RequestIDHeader is the answer header that carries the request id, so
	// a client can quote it in a support request.
	RequestIDHeader = "X-Request-Id"
	maxPath         = 1024
	maxClientID     = 128
)

// Config configures [NewAccessLog].
type Config struct {
	// Logger receives one line per request at Info (Error for a 5xx
	// answer). Nil means slog.Default().
	Logger *slog.Logger
	// ClientIP names the caller. Zero means the host of r.RemoteAddr,
	// which lambdahttp sets to the caller's source IP; pass the rate
	// limiter's ClientIP to honour trusted proxies the same way.
	ClientIP func(*http.Request) string
	// Now is the clock. Nil means time.Now.
	Now func() time.Time
}

// AccessLog writes one log line per request. Create it with
// [NewAccessLog]; it is safe for concurrent use.
type AccessLog struct {
	log      *slog.Logger
	clientIP func(*http.Request) string
	now      func() time.Time
	// addsIDs is true when log's handler is ours and adds the request
	// attributes itself.
	addsIDs bool
}

// NewAccessLog returns an AccessLog. It cannot fail today; the error is
// there so that configuration checks can be added without breaking
// callers.
func NewAccessLog(cfg Config) (*AccessLog, error) {
	a := &AccessLog{log: cmp.Or(cfg.Logger, slog.Default()), clientIP: cfg.ClientIP, now: cfg.Now}
	if a.clientIP == nil {
		a.clientIP = remoteHost
	}
	if a.now == nil {
		a.now = time.Now
	}
	_, a.addsIDs = a.log.Handler().(*handler)
	return a, nil
}

func remoteHost(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// Handler returns next wrapped so that every request is logged once it is
// answered, also when next panics (the panic then goes on up, to
// problem.Recover or net/http). The request id is sent back in the
// X-Request-Id header.
func (a *AccessLog) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := a.now()
		info, ok := reqinfo.FromContext(r.Context())
		if !ok {
			info = &reqinfo.Info{RequestID: newID(), TraceID: reqinfo.TraceRoot(r.Header.Get("X-Amzn-Trace-Id"))}
			r = r.WithContext(reqinfo.NewContext(r.Context(), info))
		}
		info.Watch(r)
		if info.RequestID != "" {
			w.Header().Set(RequestIDHeader, info.RequestID)
		}
		rec := &recorder{ResponseWriter: w}
		defer func() { a.write(r, info, rec, start) }()
		next.ServeHTTP(rec, r)
	})
}

// write logs the line of a finished request.
func (a *AccessLog) write(r *http.Request, info *reqinfo.Info, rec *recorder, start time.Time) {
	status := cmp.Or(rec.status, http.StatusOK)
	attrs := make([]slog.Attr, 0, 14)
	attrs = append(attrs,
		slog.String("method", r.Method),
		slog.String("path", bounded(r.URL.Path, maxPath)),
		slog.Int("status", status),
		slog.Int64("bytes", rec.bytes),
		slog.Float64("duration_ms", float64(a.now().Sub(start).Microseconds())/1000),
		slog.String("client_ip", a.clientIP(r)),
	)
	if id := clientRequestID(r.Header.Get(RequestIDHeader)); id != "" {
		attrs = append(attrs, slog.String("client_request_id", id))
	}
	if !a.addsIDs {
		attrs = append(attrs, requestAttrs(info)...)
	}
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	a.log.LogAttrs(r.Context(), level, "request", attrs...)
}

// newID returns 16 random bytes in hex.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand since Go 1.24)
	return hex.EncodeToString(b[:])
}

// clientRequestID keeps the characters request ids use, up to
// maxClientID of them.
func clientRequestID(s string) string {
	var b strings.Builder
	for i := 0; i < len(s) && b.Len() < maxClientID; i++ {
		c := s[i]
		if c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '_' || c == '.' || c == ':' {
			b.WriteByte(c)
		}
	}
	return b.String()
}

func bounded(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// recorder remembers the status and size of an answer.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (rec *recorder) WriteHeader(code int) {
	if rec.status == 0 && code >= 200 {
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

// Unwrap lets http.ResponseController reach the underlying writer.
func (rec *recorder) Unwrap() http.ResponseWriter { return rec.ResponseWriter }
