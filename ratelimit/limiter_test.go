package ratelimit_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lambdasec/lambdasec/problem"
	"github.com/lambdasec/lambdasec/ratelimit"
	"github.com/redis/go-redis/v9"
)

func TestNewRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  ratelimit.Config
	}{
		{"negative rate", ratelimit.Config{Rate: -1}},
		{"negative burst", ratelimit.Config{Burst: -1}},
		{"negative timeout", ratelimit.Config{Timeout: -time.Second}},
		{"fractional period", ratelimit.Config{Period: 1500 * time.Millisecond}},
		{"sub-second period", ratelimit.Config{Period: time.Millisecond}},
		{"name with quote", ratelimit.Config{Name: `a"b`}}, // would break the structured field
		{"name with space", ratelimit.Config{Name: "a b"}},
		{"name too long", ratelimit.Config{Name: strings.Repeat("a", 65)}},
		// A hash tag in the prefix would send every key to one cluster slot.
		{"hash tag prefix", ratelimit.Config{Prefix: "{rl}:"}},
		{"ipv6 prefix 129", ratelimit.Config{IPv6Prefix: 129}},
		{"ipv6 prefix negative", ratelimit.Config{IPv6Prefix: -1}},
		{"bad proxy", ratelimit.Config{TrustedProxies: []string{"10.0.0.0/33"}}},
		{"proxy hostname", ratelimit.Config{TrustedProxies: []string{"proxy.internal"}}},
		// Trusting every address lets any client write its own address
		// into X-Forwarded-For and change it on every request.
		{"trust all ipv4", ratelimit.Config{TrustedProxies: []string{"0.0.0.0/0"}}},
		{"trust all ipv6", ratelimit.Config{TrustedProxies: []string{"::/0"}}},
		{"trust all mapped", ratelimit.Config{TrustedProxies: []string{"::ffff:0.0.0.0/96"}}},
		{"unknown policy", ratelimit.Config{OnStoreError: 7}},
		{"more than one per ns", ratelimit.Config{Rate: 2_000_000_000, Period: time.Second}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, err := ratelimit.New(tc.cfg)
			if !errors.Is(err, ratelimit.ErrInvalidConfig) {
				t.Fatalf("New = %v, %v; want ErrInvalidConfig", l, err)
			}
			if !strings.HasPrefix(err.Error(), "ratelimit: ") {
				t.Errorf("error %q does not start with the package name", err)
			}
		})
	}
}

func TestNewAcceptsZeroConfig(t *testing.T) {
	l, err := ratelimit.New(ratelimit.Config{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := l.Allow(context.Background(), "k")
	if err != nil {
		t.Fatal(err)
	}
	want := ratelimit.Result{Policy: "ip", Limit: 2000, Period: 5 * time.Minute, Remaining: 1999, ResetAfter: 150 * time.Millisecond}
	if res != want {
		t.Errorf("zero Config: got %+v, want %+v (2,000 per 5 minutes)", res, want)
	}
}

// TestLimiterSequence runs the same sequence on both stores: they must give
// the same answers, since tests run on one and production on the other.
func TestLimiterSequence(t *testing.T) {
	type step struct {
		advance       time.Duration
		wantAllowed   bool
		wantRemaining int
		wantRetry     time.Duration
		wantReset     time.Duration
	}
	// 3 per minute, burst 3: one cell every 20 s.
	steps := []step{
		{0, true, 2, 0, 20 * time.Second},
		{0, true, 1, 0, 40 * time.Second},
		{0, true, 0, 0, 60 * time.Second},
		{0, false, 0, 20 * time.Second, 60 * time.Second},
		{19 * time.Second, false, 0, time.Second, 41 * time.Second},
		{time.Second, true, 0, 0, 60 * time.Second},
		{60 * time.Second, true, 2, 0, 20 * time.Second},
	}
	for _, st := range stores() {
		t.Run(st.name, func(t *testing.T) {
			c := newClock()
			l, err := ratelimit.New(ratelimit.Config{Redis: st.redis(t, c), Rate: 3, Period: time.Minute, Now: c.Now,
				Timeout: 10 * time.Second, OnStoreError: ratelimit.FailClosed})
			if err != nil {
				t.Fatal(err)
			}
			for i, s := range steps {
				c.Advance(s.advance)
				res, err := l.Allow(context.Background(), "client")
				if got := err == nil; got != s.wantAllowed {
					t.Fatalf("step %d: allowed = %v (%v), want %v", i, got, err, s.wantAllowed)
				}
				if !s.wantAllowed {
					var le *ratelimit.LimitError
					if !errors.As(err, &le) || !errors.Is(err, ratelimit.ErrLimited) || le.Result != res {
						t.Fatalf("step %d: error %v is not a LimitError carrying the result", i, err)
					}
				}
				if res.Remaining != s.wantRemaining || !near(res.RetryAfter, s.wantRetry) || !near(res.ResetAfter, s.wantReset) {
					t.Errorf("step %d: got remaining %d retry %v reset %v, want %d %v %v",
						i, res.Remaining, res.RetryAfter, res.ResetAfter, s.wantRemaining, s.wantRetry, s.wantReset)
				}
			}
		})
	}
}

// near allows for the float rounding of the Lua script.
func near(got, want time.Duration) bool {
	d := got - want
	return d > -time.Millisecond && d < time.Millisecond
}

func TestKeysAreIndependent(t *testing.T) {
	for _, st := range stores() {
		t.Run(st.name, func(t *testing.T) {
			c := newClock()
			l, _ := ratelimit.New(ratelimit.Config{Redis: st.redis(t, c), Rate: 1, Period: time.Hour, Now: c.Now,
				Timeout: 10 * time.Second, OnStoreError: ratelimit.FailClosed})
			for _, k := range []string{"a", "b", "{a}", "{a}b"} {
				if _, err := l.Allow(context.Background(), k); err != nil {
					t.Errorf("first request of %q: %v", k, err)
				}
			}
			if _, err := l.Allow(context.Background(), "a"); !errors.Is(err, ratelimit.ErrLimited) {
				t.Errorf("second request of a: %v, want ErrLimited", err)
			}
		})
	}
}

func TestHandlerResponses(t *testing.T) {
	tests := []struct {
		name       string
		n          int // requests sent; the last is checked
		wantStatus int
		wantHeader map[string]string
	}{
		{"first request", 1, http.StatusNoContent, map[string]string{
			"RateLimit-Policy": `"ip";q=2;w=60`,
			"RateLimit":        `"ip";r=1;t=30`,
			"Retry-After":      "",
		}},
		{"last allowed", 2, http.StatusNoContent, map[string]string{
			"RateLimit": `"ip";r=0;t=60`,
		}},
		{"refused", 3, http.StatusTooManyRequests, map[string]string{
			"RateLimit-Policy": `"ip";q=2;w=60`,
			"RateLimit":        `"ip";r=0;t=30`,
			"Retry-After":      "30",
			"Content-Type":     problem.ContentType,
			"Cache-Control":    "no-store",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newClock()
			l, _ := ratelimit.New(ratelimit.Config{Rate: 2, Period: time.Minute, Now: c.Now})
			h := l.Handler(okHandler)
			var w *httptest.ResponseRecorder
			for range tc.n {
				w = serve(h, "192.0.2.1:1234", nil)
			}
			if w.Code != tc.wantStatus {
				t.Fatalf("status %d, want %d", w.Code, tc.wantStatus)
			}
			for k, v := range tc.wantHeader {
				if got := strings.Join(w.Header().Values(k), ","); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if tc.wantStatus == http.StatusTooManyRequests {
				var p problem.Problem
				if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
					t.Fatal(err)
				}
				if p.Status != 429 || !strings.Contains(p.Detail, "30 seconds") {
					t.Errorf("body %+v", p)
				}
				if strings.Contains(w.Body.String(), "192.0.2.1") {
					t.Error("body echoes the client address")
				}
			}
		})
	}
}

// TestWriteErrorNeverSaysZero checks that a refusal never tells the
// client to retry after 0 seconds, which invites an immediate retry loop.
func TestWriteErrorNeverSaysZero(t *testing.T) {
	for _, wait := range []time.Duration{0, time.Nanosecond, time.Second} {
		rec := httptest.NewRecorder()
		ratelimit.WriteError(rec, httptest.NewRequest(http.MethodGet, "/", nil), &ratelimit.LimitError{Result: ratelimit.Result{RetryAfter: wait}})
		if got := rec.Header().Get("Retry-After"); rec.Code != http.StatusTooManyRequests || got != "1" {
			t.Errorf("wait %v: status %d, Retry-After %q; want 429, 1", wait, rec.Code, got)
		}
	}
}

func TestRetryAfterRoundsUp(t *testing.T) {
	c := newClock()
	l, _ := ratelimit.New(ratelimit.Config{Rate: 1, Period: 10 * time.Second, Now: c.Now})
	h := l.Handler(okHandler)
	serve(h, "192.0.2.1:1", nil)
	c.Advance(9500 * time.Millisecond) // 0.5 s left: a client must not come back after 0 s
	if w := serve(h, "192.0.2.1:1", nil); w.Header().Get("Retry-After") != "1" {
		t.Errorf("Retry-After = %q, want 1", w.Header().Get("Retry-After"))
	}
}

func TestChainedLimitersReportBothPolicies(t *testing.T) {
	perIP, _ := ratelimit.New(ratelimit.Config{Rate: 100, Period: time.Minute})
	perUser, _ := ratelimit.New(ratelimit.Config{Name: "user", Rate: 10, Period: time.Minute,
		Key: ratelimit.UserKey(func(r *http.Request) (string, bool) { return "alice", true })})
	w := serve(perIP.Handler(perUser.Handler(okHandler)), "192.0.2.1:1", nil)
	got := w.Header().Values("RateLimit-Policy")
	want := []string{`"ip";q=100;w=60`, `"user";q=10;w=60`}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("RateLimit-Policy = %q, want %q", got, want)
	}
}

func TestUserKey(t *testing.T) {
	type ctxKey struct{}
	subject := func(r *http.Request) (string, bool) {
		s, ok := r.Context().Value(ctxKey{}).(string)
		return s, ok
	}
	tests := []struct {
		name    string
		subject any
		want    string
		wantErr error
	}{
		{"user", "alice", "user:alice", nil},
		{"no user", nil, "", ratelimit.ErrNoKey},
		// An empty subject must not become one bucket shared by everyone.
		{"empty subject", "", "", ratelimit.ErrNoKey},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			if tc.subject != nil {
				r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, tc.subject))
			}
			got, err := ratelimit.UserKey(subject)(r)
			if got != tc.want || !errors.Is(err, tc.wantErr) {
				t.Errorf("got %q, %v; want %q, %v", got, err, tc.want, tc.wantErr)
			}
		})
	}
	if _, err := ratelimit.UserKey(nil)(httptest.NewRequest(http.MethodGet, "/", nil)); !errors.Is(err, ratelimit.ErrNoKey) {
		t.Errorf("UserKey(nil): %v, want ErrNoKey", err)
	}
}

func TestNoKeyIsRefused(t *testing.T) {
	var logs logBuffer
	l, _ := ratelimit.New(ratelimit.Config{Logger: logs.logger(),
		Key: func(*http.Request) (string, error) { return "", errors.New("boom") }})
	w := serve(l.Handler(okHandler), "192.0.2.1:1", nil)
	if w.Code != http.StatusInternalServerError {
		t.Errorf("status %d, want 500", w.Code)
	}
	if !strings.Contains(logs.String(), "no key") {
		t.Errorf("not logged: %q", logs.String())
	}
	l, _ = ratelimit.New(ratelimit.Config{Logger: discard(), Key: func(*http.Request) (string, error) { return "", nil }})
	if _, err := l.Check(httptest.NewRequest(http.MethodGet, "/", nil)); !errors.Is(err, ratelimit.ErrNoKey) {
		t.Errorf("empty key: %v, want ErrNoKey", err)
	}
}

func TestCustomErrorHandler(t *testing.T) {
	var got error
	l, _ := ratelimit.New(ratelimit.Config{Rate: 1, Period: time.Hour,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			got = err
			w.WriteHeader(http.StatusTeapot)
		}})
	h := l.Handler(okHandler)
	serve(h, "192.0.2.1:1", nil)
	if w := serve(h, "192.0.2.1:1", nil); w.Code != http.StatusTeapot || !errors.Is(got, ratelimit.ErrLimited) {
		t.Errorf("status %d, err %v", w.Code, got)
	}
}

func TestConcurrentChecks(t *testing.T) {
	for _, st := range stores() {
		t.Run(st.name, func(t *testing.T) {
			c := newClock()
			// Fail closed with a generous timeout: an error must show, not pass.
			l, _ := ratelimit.New(ratelimit.Config{Redis: st.redis(t, c), Rate: 50, Period: time.Hour, Now: c.Now,
				Timeout: 10 * time.Second, OnStoreError: ratelimit.FailClosed})
			allowed := together(t, 200, func(int) error { _, err := l.Allow(context.Background(), "shared"); return err })
			if allowed != 50 {
				t.Errorf("allowed %d of 200, want 50", allowed)
			}
		})
	}
}

func TestStoreFailure(t *testing.T) {
	tests := []struct {
		name       string
		policy     ratelimit.FailurePolicy
		wantStatus int
		wantLog    string
	}{
		{"default fails open", 0, http.StatusNoContent, "level=WARN msg=\"ratelimit: store failed; request allowed (fail-open)\""},
		{"fail open", ratelimit.FailOpen, http.StatusNoContent, "fail-open"},
		{"fail closed", ratelimit.FailClosed, http.StatusServiceUnavailable, "level=ERROR msg=\"ratelimit: store failed; request refused (fail-closed)\""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newClock()
			m, rdb := c.miniRedis(t)
			var logs logBuffer
			l, _ := ratelimit.New(ratelimit.Config{Redis: rdb, OnStoreError: tc.policy, Logger: logs.logger(), Now: c.Now,
				Timeout: 10 * time.Second}) // the failures below are injected, not timeouts
			h := l.Handler(okHandler)
			if w := serve(h, "192.0.2.1:1", nil); w.Code != http.StatusNoContent {
				t.Fatalf("before: %d", w.Code)
			}
			m.SetError("LOADING Redis is loading the dataset in memory")
			for range 5 {
				w := serve(h, "192.0.2.1:1", nil)
				if w.Code != tc.wantStatus {
					t.Fatalf("during: status %d, want %d", w.Code, tc.wantStatus)
				}
				if w.Header().Get("RateLimit") != "" {
					t.Error("RateLimit sent without knowing the state")
				}
			}
			out := logs.String()
			if !strings.Contains(out, tc.wantLog) || strings.Count(out, "\n") != 1 {
				t.Errorf("want one line with %q, got:\n%s", tc.wantLog, out)
			}
			c.Advance(11 * time.Second)
			serve(h, "192.0.2.1:1", nil)
			if !strings.Contains(logs.String(), "suppressed=4") {
				t.Errorf("second line does not count the suppressed ones:\n%s", logs.String())
			}
			if strings.Contains(logs.String(), "192.0.2.1") {
				t.Error("log holds the client address")
			}
			m.SetError("")
			if w := serve(h, "192.0.2.1:1", nil); w.Code != http.StatusNoContent || w.Header().Get("RateLimit") == "" {
				t.Errorf("after: status %d, RateLimit %q", w.Code, w.Header().Get("RateLimit"))
			}
		})
	}
}

// TestUnexpectedReply makes the script's reply malformed, as a proxy or a
// broken server might: the check must fail according to the policy, not
// panic.
func TestUnexpectedReply(t *testing.T) {
	c := newClock()
	_, rdb := c.miniRedis(t)
	rdb.AddHook(replyHook{"garbage"})
	l, _ := ratelimit.New(ratelimit.Config{Redis: rdb, OnStoreError: ratelimit.FailClosed, Logger: discard(), Timeout: 10 * time.Second})
	_, err := l.Allow(context.Background(), "k")
	if !errors.Is(err, ratelimit.ErrUnavailable) || !strings.Contains(err.Error(), "unexpected reply") {
		t.Errorf("err %v, want ErrUnavailable for an unexpected reply", err)
	}
}

func TestMaxLocalKeys(t *testing.T) {
	c := newClock()
	for _, tc := range []struct {
		policy  ratelimit.FailurePolicy
		wantErr error
	}{{ratelimit.FailOpen, nil}, {ratelimit.FailClosed, ratelimit.ErrUnavailable}} {
		t.Run(tc.policy.String(), func(t *testing.T) {
			l, _ := ratelimit.New(ratelimit.Config{Rate: 1, Period: time.Minute, MaxLocalKeys: 2,
				OnStoreError: tc.policy, Now: c.Now, Logger: discard()})
			for _, k := range []string{"a", "b"} {
				if _, err := l.Allow(context.Background(), k); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := l.Allow(context.Background(), "c"); !errors.Is(err, tc.wantErr) {
				t.Errorf("third key: %v, want %v", err, tc.wantErr)
			}
			// Known keys keep being counted while the store is full.
			if _, err := l.Allow(context.Background(), "a"); !errors.Is(err, ratelimit.ErrLimited) {
				t.Errorf("known key: %v, want ErrLimited", err)
			}
			c.Advance(time.Minute) // a and b expire and are swept
			if _, err := l.Allow(context.Background(), "c"); err != nil {
				t.Errorf("after expiry: %v", err)
			}
		})
	}
}

func TestFailurePolicyString(t *testing.T) {
	for p, want := range map[ratelimit.FailurePolicy]string{0: "default", ratelimit.FailOpen: "fail-open",
		ratelimit.FailClosed: "fail-closed", 9: "FailurePolicy(9)"} {
		if p.String() != want {
			t.Errorf("%d: %q, want %q", int(p), p.String(), want)
		}
	}
}

// replyHook replaces the reply of every script with a fixed one.
type replyHook struct{ reply any }

func (replyHook) DialHook(next redis.DialHook) redis.DialHook { return next }
func (replyHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}
func (h replyHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		if c, ok := cmd.(*redis.Cmd); ok && err == nil {
			c.SetVal(h.reply)
		}
		return err
	}
}

// TestRefusalWithZeroWait checks that the reply's allowed count decides:
// a refusal whose wait the script formatted as zero (or -1) must not let
// the request through.
func TestRefusalWithZeroWait(t *testing.T) {
	tests := []struct {
		name  string
		reply []any
		want  error
	}{
		{name: "refused, wait 0", reply: []any{int64(0), int64(0), int64(0), int64(3e6)}, want: ratelimit.ErrLimited},
		{name: "refused, wait -1", reply: []any{int64(0), int64(0), int64(-1), int64(3e6)}, want: ratelimit.ErrLimited},
		{name: "refused, wait 2s", reply: []any{int64(0), int64(0), int64(2e6), int64(3e6)}, want: ratelimit.ErrLimited},
		{name: "allowed", reply: []any{int64(1), int64(4), int64(0), int64(3e6)}, want: nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newClock()
			_, rdb := c.miniRedis(t)
			rdb.AddHook(replyHook{tc.reply})
			l, _ := ratelimit.New(ratelimit.Config{Redis: rdb, Rate: 5, Period: time.Second, Logger: discard(), Timeout: 10 * time.Second})
			res, err := l.Allow(context.Background(), "k")
			if !errors.Is(err, tc.want) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
			if res.Allowed() != (tc.want == nil) {
				t.Errorf("Allowed() = %v with err %v", res.Allowed(), err)
			}
			rec := httptest.NewRecorder()
			ratelimit.WriteError(rec, httptest.NewRequest(http.MethodGet, "/", nil), err)
			if tc.want != nil && (rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" || rec.Header().Get("Retry-After") == "0") {
				t.Errorf("refusal answered %d, Retry-After %q", rec.Code, rec.Header().Get("Retry-After"))
			}
		})
	}
}

// TestMostWithinOnePeriod checks the worst case Config.Burst documents: a
// client sending as fast as it is let through gets Burst + Rate - 1
// requests within one Period, not more.
func TestMostWithinOnePeriod(t *testing.T) {
	tests := []struct {
		name        string
		rate, burst int
	}{
		{name: "burst is rate", rate: 100, burst: 0},
		{name: "small burst", rate: 100, burst: 10},
		{name: "burst of one", rate: 100, burst: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newClock()
			l, _ := ratelimit.New(ratelimit.Config{Rate: tc.rate, Burst: tc.burst, Period: 10 * time.Second, Now: c.Now})
			start := c.Now()
			n := 0
			for c.Now().Sub(start) < 10*time.Second {
				if _, err := l.Allow(context.Background(), "k"); err == nil {
					n++
				} else {
					c.Advance(time.Millisecond)
				}
			}
			want := max(tc.burst, 1) + tc.rate - 1
			if tc.burst == 0 {
				want = 2*tc.rate - 1
			}
			if n != want {
				t.Errorf("%d requests in one period, want %d", n, want)
			}
		})
	}
}
