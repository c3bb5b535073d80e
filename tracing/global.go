package tracing

// This file holds every piece of process-wide state the package touches.
// The X-Ray SDK forces two of them on us:
//
//   - Its logger is a package variable, set with xray.SetLogger, which the
//     SDK documents as safe only from init functions. Its default writes to
//     stdout. We replace it once, here, with a sink that forwards warnings
//     and errors to the most recently created enabled Tracer's logger and
//     drops everything else, so the SDK never prints on its own. A program
//     that calls xray.SetLogger in its own init still wins: importers are
//     initialised after the packages they import.
//
//   - Its recorder configuration is built from the environment when the
//     SDK package is initialised, and a bad AWS_XRAY_DAEMON_ADDRESS makes
//     that panic. internal/xrayenv takes such a value out of the
//     environment before the SDK initialises; init below puts it back, and
//     New reports it as ErrDaemonAddr.
//
// Tracers never mutate the SDK's global recorder: each one passes its own
// xray.Config (emitter, sampling, context-missing and exception strategies)
// through the request context, so several Tracers, with different daemons,
// coexist in one process and in parallel tests.

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"

	"github.com/aws/aws-xray-sdk-go/v2/xray"
	"github.com/aws/aws-xray-sdk-go/v2/xraylog"

	"github.com/lambdasec/lambdasec/tracing/internal/xrayenv"
)

// sdkLog receives the SDK's warnings and errors; nil drops them.
var sdkLog atomic.Pointer[slog.Logger]

func init() {
	xrayenv.Restore()
	xray.SetLogger(sdkLogger{})
}

type sdkLogger struct{}

func (sdkLogger) Log(level xraylog.LogLevel, msg fmt.Stringer) {
	if level < xraylog.LogLevelWarn {
		return
	}
	l := sdkLog.Load()
	if l == nil {
		return
	}
	lvl := slog.LevelWarn
	if level >= xraylog.LogLevelError {
		lvl = slog.LevelError
	}
	l.Log(context.Background(), lvl, "tracing: x-ray sdk", "msg", msg.String())
}
