package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/lambdasec/lambdasec/secevent"
)

// The service reports security events in the OWASP Logging Vocabulary:
// one JSON log line each (field "event" holds the name, with user_id,
// client_ip, route and reason), and counts in CloudWatch Embedded Metric
// Format (namespace trialbalance, dimension service), which the SAM
// template's alarms watch. So "which accounts are being brute-forced, and
// from where" is one Logs Insights query:
//
//	filter event = "authn_login_fail" | stats count(*) by user_id, client_ip

// metricsNamespace is the CloudWatch namespace of the event counts.
const metricsNamespace = "trialbalance"

// setupEvents builds the event sink: log lines through log, counts to out
// (stdout on Lambda, where the lines become metrics; nothing locally
// unless out is set). Locally the counts are flushed every minute until
// the app closes; on Lambda after every request (see handler).
func (a *app) setupEvents(log *slog.Logger, out io.Writer, lambda bool) error {
	if out == nil {
		out = io.Discard
		if lambda {
			out = os.Stdout
		}
	}
	m, err := secevent.NewMetrics(secevent.MetricsConfig{Namespace: metricsNamespace, PerRoute: true, Out: out, Logger: log})
	if err != nil {
		return err
	}
	a.metrics = m
	a.events = secevent.Multi(secevent.NewLogSink(log), m)
	if !lambda {
		ctx, stop := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { m.Run(ctx, time.Minute); close(done) }()
		a.closers = append(a.closers, func() error { stop(); <-done; return nil })
	}
	return nil
}

// event reports a security event about request r (the caller's address
// and route are added) concerning account user.
func (a *app) event(r *http.Request, name secevent.Name, user, reason string) {
	ip := ""
	if a.perIP != nil {
		if addr, err := a.perIP.ClientIP(r); err == nil {
			ip = addr.String()
		}
	}
	secevent.Emit(r.Context(), a.events, secevent.Event{Name: name, UserID: user, ClientIP: ip, Route: r.Pattern, Reason: reason})
}
