package lambdahttp

import (
	"errors"
	"log/slog"
	"net/http"
	"time"
)

// Documented defaults of [Config].
const (
	// DefaultAddr is where the local server listens when neither
	// Config.Addr nor the ADDR environment variable says otherwise.
	DefaultAddr = "127.0.0.1:8080"
	// DefaultMaxBodyBytes is Lambda's own limit on a synchronous
	// invocation's payload (6 MB): no event can carry more.
	DefaultMaxBodyBytes = 6 << 20
	// DefaultReadHeaderTimeout, DefaultReadTimeout, DefaultWriteTimeout and
	// DefaultIdleTimeout bound each phase of a local request.
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 30 * time.Second
	DefaultWriteTimeout      = 30 * time.Second
	DefaultIdleTimeout       = 2 * time.Minute
	// DefaultShutdownTimeout is how long the local server waits for
	// requests in flight when it stops.
	DefaultShutdownTimeout = 10 * time.Second
	// defaultMaxHeaderBytes bounds a local request's header block.
	defaultMaxHeaderBytes = 64 << 10
)

// Config says how [Run] serves a handler. The zero value is ready to use:
// every zero field means its documented default.
type Config struct {
	// Addr is the local server's listen address (host:port). Zero means
	// the ADDR environment variable, or DefaultAddr when that is empty.
	// Unused on Lambda.
	Addr string

	// MaxBodyBytes bounds a request body carried in an event, after
	// base64 decoding; a larger one is answered 413 without calling the
	// handler. Zero means DefaultMaxBodyBytes. Unused locally: limit
	// bodies in the handler, which sees both.
	MaxBodyBytes int64

	// ReadHeaderTimeout, ReadTimeout, WriteTimeout and IdleTimeout are
	// the local server's; zero means DefaultReadHeaderTimeout,
	// DefaultReadTimeout, DefaultWriteTimeout and DefaultIdleTimeout.
	// On Lambda the invocation deadline bounds each request instead.
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration

	// ShutdownTimeout is how long the local server waits for requests in
	// flight once asked to stop. Zero means DefaultShutdownTimeout.
	ShutdownTimeout time.Duration

	// OnShutdown runs, in order, when the process is asked to stop: on
	// Lambda when the environment gets SIGTERM (Lambda then allows a few
	// hundred milliseconds), locally after the server has shut down.
	// Errors are logged. Close database pools and clients here.
	OnShutdown []func() error

	// ErrorHandler answers events that cannot be served (a malformed
	// event, an oversized body). Its answer is sent in the event's
	// format. Nil means WriteError.
	ErrorHandler func(http.ResponseWriter, *http.Request, error)

	// Logger receives bad events, handler panics, shutdown errors and the
	// local server's start, stop and connection errors. Nil means slog.Default().
	Logger *slog.Logger
}

var (
	// ErrUnknownEvent means an invocation's event is not an HTTP event of
	// a source the package knows. The handler returns it as a function
	// error. Always wrapped; use errors.Is.
	ErrUnknownEvent = errors.New("lambdahttp: not an API Gateway, ALB or Function URL event")
	// ErrBadEvent means an HTTP event could not be turned into a request:
	// undecodable JSON, invalid base64, no requestContext, a path that is
	// not absolute. The handler answers it 400 through
	// Config.ErrorHandler. Always wrapped; use errors.Is.
	ErrBadEvent = errors.New("lambdahttp: malformed event")
	// ErrBodyTooLarge means an event's body is over Config.MaxBodyBytes.
	// The handler answers it 413 through Config.ErrorHandler. Always
	// wrapped; use errors.Is.
	ErrBodyTooLarge = errors.New("lambdahttp: request body too large")
	// ErrInvalidConfig is returned by [New] and [Run] for a Config they
	// cannot use. Always wrapped; use errors.Is.
	ErrInvalidConfig = errors.New("lambdahttp: invalid config")
)
