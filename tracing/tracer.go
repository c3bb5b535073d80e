package tracing

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
)

// Environment variables New reads. Lambda sets the first four.
const (
	envDaemonAddr   = "AWS_XRAY_DAEMON_ADDRESS"
	envFunctionName = "AWS_LAMBDA_FUNCTION_NAME"
	envFunctionVer  = "AWS_LAMBDA_FUNCTION_VERSION"
	envRuntimeAPI   = "AWS_LAMBDA_RUNTIME_API"
	envSDKDisabled  = "AWS_XRAY_SDK_DISABLED"
)

// DefaultDaemonAddr is the X-Ray daemon address used inside Lambda when
// neither Config.DaemonAddr nor AWS_XRAY_DAEMON_ADDRESS is set.
const DefaultDaemonAddr = "127.0.0.1:2000"

// Errors returned by [New]. Both are always wrapped; use errors.Is.
var (
	// ErrDaemonAddr means Config.DaemonAddr, or AWS_XRAY_DAEMON_ADDRESS
	// when the field is empty, is not a daemon address.
	ErrDaemonAddr = errors.New("tracing: invalid daemon address")
	// ErrSamplingRules means Config.SamplingRules is not a valid X-Ray
	// local sampling rules document, or OTEL_TRACES_SAMPLER is not a
	// sampler the package knows.
	ErrSamplingRules = errors.New("tracing: invalid sampling rules")
	// ErrOTLPEndpoint means Config.OTLPEndpoint, or the OTEL_ variable
	// it falls back to, is not an http or https URL.
	ErrOTLPEndpoint = errors.New("tracing: invalid OTLP endpoint")
)

// Config configures a [Tracer]. The zero value is ready to use: inside
// Lambda it traces every request Lambda samples, outside Lambda it is off
// unless a daemon address is configured.
type Config struct {
	// Service names the service in the "service" annotation and, outside
	// Lambda, names the segment (the node in the X-Ray service map).
	// Empty means AWS_LAMBDA_FUNCTION_NAME, then the program's file name.
	Service string
	// Version is the deployed version, recorded as the segment's
	// service.version outside Lambda and as the "service_version"
	// annotation in both modes. Empty means AWS_LAMBDA_FUNCTION_VERSION
	// inside Lambda and no version outside.
	Version string

	// DaemonAddr is where documents are sent: "host:port" for both UDP
	// and TCP, or "tcp:host:port udp:host:port". Empty means
	// AWS_XRAY_DAEMON_ADDRESS, which Lambda sets; if that is empty too,
	// [DefaultDaemonAddr] inside Lambda, and tracing is off outside Lambda.
	// Unlike the X-Ray SDK, a value set here wins over the environment.
	DaemonAddr string

	// OTLPEndpoint, when set, sends spans to an OpenTelemetry collector
	// (the ADOT Lambda layer, or any collector) as OTLP over HTTP with
	// protobuf, instead of to the X-Ray daemon: the full traces URL, such
	// as "http://localhost:4318/v1/traces". Empty means
	// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, then OTEL_EXPORTER_OTLP_ENDPOINT
	// with "/v1/traces" appended; with none of them, traces go to the
	// X-Ray daemon. An OTLP endpoint wins over DaemonAddr and
	// AWS_XRAY_DAEMON_ADDRESS, which Lambda always sets. On this backend OTEL_SERVICE_NAME
	// names the service when Service is empty, and OTEL_TRACES_SAMPLER
	// (always_on, always_off, traceidratio and their parentbased_ forms,
	// with OTEL_TRACES_SAMPLER_ARG) replaces SamplingRules. Trace ids stay
	// X-Ray's, so a trace keeps one id across X-Ray and OTLP services, and
	// outgoing requests carry W3C traceparent besides X-Amzn-Trace-Id.
	OTLPEndpoint string

	// Disabled turns tracing off whatever the environment says, as does
	// AWS_XRAY_SDK_DISABLED=true. A disabled Tracer's Handler returns
	// the next handler itself, and logs nothing.
	Disabled bool

	// SamplingRules is an X-Ray local sampling rules document (JSON,
	// version 2) deciding which requests are traced outside Lambda when
	// the incoming trace header does not decide. Nil means X-Ray's
	// default: the first request each second and 5% of the others.
	// Inside Lambda, Lambda's own decision always applies.
	SamplingRules []byte

	// Logger receives the few problems worth a log line: documents that
	// could not be sent, annotations dropped at the per-trace cap. Nil
	// means slog.Default().
	Logger *slog.Logger
}

// A Tracer records X-Ray traces for HTTP handlers. Build it with [New],
// once per process: cold_start marks the first request a Tracer handles.
// The zero Tracer is a disabled one. A Tracer is safe for concurrent use.
type Tracer struct {
	enabled  bool
	inLambda bool
	lmi      bool // Lambda Managed Instances: several invocations at once
	service  string
	version  string
	log      *slog.Logger
	exp      exporter
	otlp     bool // spans go to an OTLP endpoint; traceparent is sent too
	flusher  interface{ flush(context.Context) error }

	ignoreParent bool // an OTEL_TRACES_SAMPLER that is not parent-based
	sampler      *sampler
	reserved     int // annotations the middleware itself sets per request
	warm         atomic.Bool
}

// New returns a Tracer configured by cfg. It never panics: a bad daemon
// address, from cfg or from the environment, is an [ErrDaemonAddr] error.
func New(cfg Config) (*Tracer, error) {
	t := newTracer(cfg)
	addr := cmp.Or(cfg.DaemonAddr, os.Getenv(envDaemonAddr))
	// Validate whatever is configured, even when tracing ends up off: a
	// typo should fail the deployment, not silently lose traces later.
	var ep *daemonEndpoints
	if addr != "" {
		var err error
		if ep, err = parseDaemonAddr(addr); err != nil {
			return nil, err
		}
	}
	otlp, err := otlpEndpoint(cfg, os.Getenv)
	if err != nil {
		return nil, err
	}
	t.enabled = !cfg.Disabled && !strings.EqualFold(os.Getenv(envSDKDisabled), "true") &&
		(t.inLambda || addr != "" || otlp != "")
	if !t.enabled {
		return t, nil
	}
	if t.sampler, err = newSampler(cfg.SamplingRules); err != nil {
		return nil, err
	}
	if otlp != "" {
		return t, t.useOTLP(cfg, otlp)
	}
	if ep == nil {
		ep, _ = parseDaemonAddr(DefaultDaemonAddr)
	}
	if t.exp, err = newEmitter(ep.udp, t.log); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDaemonAddr, err)
	}
	return t, nil
}

// useOTLP makes t export to an OTLP endpoint, with the service name and
// sampler the OTEL_ variables set.
func (t *Tracer) useOTLP(cfg Config, endpoint string) error {
	t.otlp = true
	if cfg.Service == "" {
		if name := os.Getenv(envOTELServiceName); name != "" {
			t.service = sanitizeName(name)
		}
	}
	if name := os.Getenv(envOTELSampler); name != "" {
		s, parentBased, err := otelSampler(name, os.Getenv(envOTELSamplerArg))
		if err != nil {
			return err
		}
		t.sampler, t.ignoreParent = s, !parentBased
	}
	exp := newOTLPExporter(endpoint, t.service, t.version, t.inLambda, t.log)
	t.exp, t.flusher = exp, exp
	return nil
}

// Flush waits until the spans of requests that have ended are exported,
// or until ctx is done. Only the OTLP backend outside Lambda exports in
// the background; call Flush before the program exits. Elsewhere it
// returns at once.
func (t *Tracer) Flush(ctx context.Context) error {
	if t.flusher == nil {
		return nil
	}
	return t.flusher.flush(ctx)
}

// newTracer fills in what the environment decides: the mode, names and
// version.
func newTracer(cfg Config) *Tracer {
	t := &Tracer{
		inLambda: os.Getenv(envFunctionName) != "" || os.Getenv(envRuntimeAPI) != "",
		log:      cmp.Or(cfg.Logger, slog.Default()),
	}
	t.service = sanitizeName(cmp.Or(cfg.Service, os.Getenv(envFunctionName),
		strings.TrimSuffix(filepath.Base(os.Args[0]), ".test")))
	t.version = cfg.Version
	if t.version == "" && t.inLambda {
		t.version = os.Getenv(envFunctionVer)
	}
	if n, err := strconv.Atoi(os.Getenv("AWS_LAMBDA_MAX_CONCURRENCY")); err == nil && n > 1 {
		t.lmi = true
	}
	t.reserved = 3 // service, cold_start, route
	if t.version != "" {
		t.reserved++
	}
	return t
}

// Enabled reports whether the Tracer records anything. When it does not,
// [Tracer.Handler] returns its argument unchanged.
func (t *Tracer) Enabled() bool { return t.enabled }

// daemonEndpoints are the daemon's addresses: UDP for documents, TCP for
// its sampling API, which the package does not use.
type daemonEndpoints struct {
	udp *net.UDPAddr
	tcp *net.TCPAddr
}

// parseDaemonAddr accepts the forms the X-Ray SDK and daemon document,
// "host:port" or "tcp:host:port udp:host:port" in either order, with IPv6
// hosts in brackets. It resolves host names once, here.
func parseDaemonAddr(s string) (*daemonEndpoints, error) {
	bad := func(why string) error {
		return fmt.Errorf("%w %q: %s", ErrDaemonAddr, s, why)
	}
	if len(s) > 512 {
		return nil, fmt.Errorf("%w: longer than 512 bytes", ErrDaemonAddr)
	}
	var udp, tcp string
	switch f := strings.Fields(s); len(f) {
	case 1:
		udp, tcp = f[0], f[0]
	case 2:
		for _, p := range f {
			switch {
			case strings.HasPrefix(p, "udp:") && udp == "":
				udp = p[4:]
			case strings.HasPrefix(p, "tcp:") && tcp == "":
				tcp = p[4:]
			default:
				return nil, bad(`want "tcp:host:port udp:host:port"`)
			}
		}
	default:
		return nil, bad(`want "host:port" or "tcp:host:port udp:host:port"`)
	}
	for _, hp := range []string{udp, tcp} {
		host, port, err := net.SplitHostPort(hp)
		if err != nil {
			return nil, bad("want host:port")
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return nil, bad("port must be 1-65535")
		}
		if host == "" {
			return nil, bad("missing host")
		}
	}
	ua, err := net.ResolveUDPAddr("udp", udp)
	if err != nil {
		return nil, bad("cannot resolve udp address")
	}
	ta, err := net.ResolveTCPAddr("tcp", tcp)
	if err != nil {
		return nil, bad("cannot resolve tcp address")
	}
	return &daemonEndpoints{udp: ua, tcp: ta}, nil
}
