package secevent_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"github.com/lambdasec/lambdasec/secevent"
)

// textLogger writes log lines without the time, so the output is stable.
func textLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey && len(groups) == 0 {
				return slog.Attr{}
			}
			return a
		},
	}))
}

func ExampleNewLogSink() {
	sink := secevent.NewLogSink(textLogger())
	secevent.Emit(context.Background(), sink, secevent.Event{
		Name:     secevent.AuthnLoginFail,
		UserID:   "ada@example.com",
		ClientIP: "203.0.113.9",
		Route:    "POST /v1/auth/login",
		Reason:   "bad_password",
	})
	// Output:
	// level=WARN msg="security event" event=authn_login_fail user_id=ada@example.com client_ip=203.0.113.9 route="POST /v1/auth/login" reason=bad_password
}

func ExampleEmit() {
	sink := secevent.NewLogSink(textLogger())
	// Whatever the caller passes, no credential reaches the sink.
	secevent.Emit(context.Background(), sink, secevent.Event{
		Name:  secevent.AuthnTokenInvalid,
		Attrs: []slog.Attr{slog.String("token", "eyJhbGciOiJIUzI1NiJ9.e30.sig"), slog.String("password", "hunter2")},
	})
	// A nil sink does nothing: packages call Emit unconditionally.
	secevent.Emit(context.Background(), nil, secevent.Event{Name: secevent.AuthzFail})
	// Output:
	// level=WARN msg="security event" event=authn_token_invalid token=[REDACTED] password=[REDACTED]
}

func ExampleMulti() {
	m, _ := secevent.NewMetrics(secevent.MetricsConfig{Out: os.Stdout, Service: "tb",
		Now: func() time.Time { return time.UnixMilli(1796400000000) }})
	sink := secevent.Multi(secevent.NewLogSink(textLogger()), m)
	secevent.Emit(context.Background(), sink, secevent.Event{Name: secevent.ExcessRateLimitExceeded, ClientIP: "198.51.100.7"})
	_ = m.Flush()
	// Output:
	// level=WARN msg="security event" event=excess_rate_limit_exceeded client_ip=198.51.100.7
	// {"_aws":{"CloudWatchMetrics":[{"Dimensions":[["service"]],"Metrics":[{"Name":"excess_rate_limit_exceeded","Unit":"Count"}],"Namespace":"lambdasec"}],"Timestamp":1796400000000},"excess_rate_limit_exceeded":1,"service":"tb"}
}

func ExampleClean() {
	e := secevent.Clean(secevent.Event{Name: secevent.InputValidationFail, Reason: "unknown field \"x\ny\""})
	fmt.Println(e.Level, e.Reason)
	// Output: WARN unknown field "x\ny"
}

func ExampleSinkFunc() {
	count := 0
	sink := secevent.SinkFunc(func(ctx context.Context, e secevent.Event) {
		if e.Name == secevent.AuthnLoginFail {
			count++
		}
	})
	secevent.Emit(context.Background(), sink, secevent.Event{Name: secevent.AuthnLoginFail})
	fmt.Println(count)
	// Output: 1
}

func ExampleName_Level() {
	fmt.Println(secevent.AuthnLoginSuccess.Level(), secevent.AuthnLoginFail.Level(), secevent.AuthnTokenReuse.Level() == secevent.LevelCritical)
	// Output: INFO WARN true
}

func ExampleNewMetrics() {
	m, err := secevent.NewMetrics(secevent.MetricsConfig{
		Namespace: "trialbalance",
		PerRoute:  true, // also count per route pattern
	})
	if err != nil {
		panic(err)
	}
	_ = m // pass it as (part of) every package's Config.Events
}

func ExampleMetrics_Handler() {
	m, _ := secevent.NewMetrics(secevent.MetricsConfig{Out: os.Stdout, Service: "tb",
		Now: func() time.Time { return time.UnixMilli(1796400000000) }})
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secevent.Emit(r.Context(), m, secevent.Event{Name: secevent.AuthzFail})
		w.WriteHeader(http.StatusForbidden)
	}))
	// On Lambda, the counts leave with every invocation.
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	// Output:
	// {"_aws":{"CloudWatchMetrics":[{"Dimensions":[["service"]],"Metrics":[{"Name":"authz_fail","Unit":"Count"}],"Namespace":"lambdasec"}],"Timestamp":1796400000000},"authz_fail":1,"service":"tb"}
}

func ExampleMetrics_Run() {
	m, _ := secevent.NewMetrics(secevent.MetricsConfig{})
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	// Outside Lambda: flush every minute, and once more when ctx ends.
	go m.Run(ctx, time.Minute)
}

func ExampleMetrics_Flush() {
	m, _ := secevent.NewMetrics(secevent.MetricsConfig{Out: os.Stdout})
	fmt.Println(m.Flush()) // nothing counted: nothing written
	// Output: <nil>
}

// A package or handler reports an event about the request it serves.
func ExampleForRequest() {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/items/{id}", func(w http.ResponseWriter, r *http.Request) {
		e := secevent.ForRequest(r, secevent.AuthzFail)
		e.UserID, e.Reason = "user-7", "not_owner"
		fmt.Println(e.Name, e.ClientIP, e.Route, e.UserID, e.Reason)
	})
	r := httptest.NewRequest("POST", "/v1/items/42", nil)
	r.RemoteAddr = "203.0.113.5:5123"
	mux.ServeHTTP(httptest.NewRecorder(), r)
	// Output: authz_fail 203.0.113.5 POST /v1/items/{id} user-7 not_owner
}
