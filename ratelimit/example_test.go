package ratelimit_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/lambdasec/lambdasec/ratelimit"
	"github.com/redis/go-redis/v9"
)

// The per-IP limit of the usual WAF rule on every route: 2,000 requests
// per 5 minutes per client address. Without a Redis client the counters are
// in process, as here; see Example_redis for the shared setup.
func ExampleNew() {
	perIP, err := ratelimit.New(ratelimit.Config{}) // 2,000 per 5 minutes per address
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /accounts", func(w http.ResponseWriter, r *http.Request) {})
	handler := perIP.Handler(mux)

	r := httptest.NewRequest(http.MethodGet, "/accounts", nil)
	w := httptest.NewRecorder()
	handler.ServeHTTP(w, r)
	fmt.Println(w.Code)
	fmt.Println(w.Header().Get("RateLimit-Policy"))
	fmt.Println(w.Header().Get("RateLimit"))
	// Output:
	// 200
	// "ip";q=2000;w=300
	// "ip";r=1999;t=1
}

// Sharing the counters through Redis, so that the limit holds across every
// Lambda execution environment. Create the client and the limiter once, at
// start-up.
func Example_redis() {
	rdb := redis.NewClusterClient(&redis.ClusterOptions{
		Addrs:                 []string{"clustercfg.example.cache.amazonaws.com:6379"},
		ContextTimeoutEnabled: true, // stop at each check's deadline
		MaxRetries:            1,
	})
	perIP, err := ratelimit.New(ratelimit.Config{Redis: rdb})
	if err != nil {
		panic(err)
	}
	_ = perIP.Handler(http.NotFoundHandler())
}

func ExampleLimiter_Handler() {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l, _ := ratelimit.New(ratelimit.Config{Rate: 2, Period: time.Minute, Now: func() time.Time { return now }})
	h := l.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	for range 3 {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = "192.0.2.1:4242"
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Printf("%d RateLimit: %s Retry-After: %q\n", w.Code, w.Header().Get("RateLimit"), w.Header().Get("Retry-After"))
	}
	// Output:
	// 200 RateLimit: "ip";r=1;t=30 Retry-After: ""
	// 200 RateLimit: "ip";r=0;t=60 Retry-After: ""
	// 429 RateLimit: "ip";r=0;t=30 Retry-After: "30"
}

// A per-user limit after the authentication middleware. subject stands for
// reading the verified claims from the context (jwtauth.FromContext).
func ExampleUserKey() {
	type claimsKey struct{}
	subject := func(r *http.Request) (string, bool) {
		sub, ok := r.Context().Value(claimsKey{}).(string)
		return sub, ok
	}
	perUser, _ := ratelimit.New(ratelimit.Config{Name: "user", Rate: 100, Period: time.Minute,
		Key: ratelimit.UserKey(subject)})
	authenticate := func(next http.Handler) http.Handler { // stands for the jwtauth middleware
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), claimsKey{}, "user-42")))
		})
	}
	h := authenticate(perUser.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})))

	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	fmt.Println(w.Code, w.Header().Get("RateLimit"))
	// Output: 200 "user";r=99;t=1
}

func ExampleLimiter_Check() {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l, _ := ratelimit.New(ratelimit.Config{Rate: 1, Period: time.Hour, Now: func() time.Time { return now }})
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	for range 2 {
		res, err := l.Check(r)
		fmt.Println(res.Remaining, err)
	}
	// Output:
	// 0 <nil>
	// 0 ratelimit: limit exceeded: retry in 3600s
}

// Allow counts under a key of the caller's choice, outside HTTP: here
// calls to a costly downstream API per tenant.
func ExampleLimiter_Allow() {
	l, _ := ratelimit.New(ratelimit.Config{Name: "reports", Rate: 10, Period: time.Hour})
	res, err := l.Allow(context.Background(), "tenant:acme")
	if errors.Is(err, ratelimit.ErrLimited) {
		fmt.Println("try again in", res.RetryAfter)
		return
	}
	fmt.Println("remaining:", res.Remaining)
	// Output: remaining: 9
}

// Behind CloudFront, the connection comes from CloudFront and the client is
// the rightmost X-Forwarded-For entry it appended. Whatever the client put
// to the left is ignored.
func ExampleLimiter_ClientIP() {
	l, _ := ratelimit.New(ratelimit.Config{TrustedProxies: []string{"130.176.0.0/17"}})
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr = "130.176.7.7:443"
	r.Header.Set("X-Forwarded-For", "10.0.0.1, 198.51.100.23")
	ip, err := l.ClientIP(r)
	fmt.Println(ip, err)
	// Output: 198.51.100.23 <nil>
}

// The failed-login guard: 10 failures per 15 minutes per account, then
// 429 with Retry-After, even for the right password.
func ExampleNewAttempts() {
	guard, _ := ratelimit.NewAttempts(ratelimit.AttemptsConfig{}) // add Redis: rdb in production
	checkPassword := func(account, password string) bool { return password == "correct horse battery" }

	login := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		account, password := r.FormValue("account"), r.FormValue("password")
		if _, err := guard.Allow(r.Context(), account); err != nil {
			ratelimit.WriteError(w, r, err) // 429 with Retry-After, or 503 if Redis is down
			return
		}
		if !checkPassword(account, password) {
			guard.Fail(r.Context(), account)
			http.Error(w, "wrong account or password", http.StatusUnauthorized)
			return
		}
		guard.Reset(r.Context(), account)
	})

	try := func(password string) {
		w := httptest.NewRecorder()
		login.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/login?account=alice&password="+password, nil))
		if ra := w.Header().Get("Retry-After"); ra != "" {
			fmt.Println(w.Code, "Retry-After:", ra)
			return
		}
		fmt.Println(w.Code)
	}
	for range 10 {
		try("guess")
	}
	try("correct+horse+battery")
	// Output:
	// 401
	// 401
	// 401
	// 401
	// 401
	// 401
	// 401
	// 401
	// 401
	// 401
	// 429 Retry-After: 900
}

func ExampleAttempts_Allow() {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	guard, _ := ratelimit.NewAttempts(ratelimit.AttemptsConfig{Max: 1, Window: time.Minute,
		Now: func() time.Time { return now }})
	ctx := context.Background()
	guard.Allow(ctx, "alice")
	guard.Fail(ctx, "alice")

	_, err := guard.Allow(ctx, "alice")
	var le *ratelimit.LimitError
	if errors.As(err, &le) {
		fmt.Println("locked for", le.Result.RetryAfter)
	}
	// Output: locked for 1m0s
}

func ExampleAttempts_Fail() {
	guard, _ := ratelimit.NewAttempts(ratelimit.AttemptsConfig{})
	ctx := context.Background()
	res, _ := guard.Allow(ctx, "alice")
	fmt.Println("remaining before:", res.Remaining)
	if err := guard.Fail(ctx, "alice"); err != nil {
		fmt.Println("failure not recorded:", err) // log it; the guard fails closed on the next Allow
	}
	res, _ = guard.Allow(ctx, "alice")
	fmt.Println("remaining after one failure:", res.Remaining)
	// Output:
	// remaining before: 9
	// remaining after one failure: 8
}

func ExampleAttempts_Reset() {
	guard, _ := ratelimit.NewAttempts(ratelimit.AttemptsConfig{})
	ctx := context.Background()
	for range 3 {
		guard.Allow(ctx, "alice")
		guard.Fail(ctx, "alice")
	}
	guard.Reset(ctx, "alice") // the right password: forget the failures
	res, _ := guard.Allow(ctx, "alice")
	fmt.Println(res.Remaining)
	// Output: 9
}

func ExampleWriteError() {
	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodPost, "/login", nil)
	ratelimit.WriteError(w, r, &ratelimit.LimitError{Result: ratelimit.Result{Limit: 10, Period: time.Minute, RetryAfter: 1500 * time.Millisecond}})
	fmt.Println(w.Code, w.Header().Get("Retry-After"), w.Header().Get("Content-Type"))
	fmt.Print(w.Body.String())
	// Output:
	// 429 2 application/problem+json
	// {"type":"about:blank","title":"Too Many Requests","status":429,"detail":"Too many requests. Retry in 2 seconds."}
}

func ExampleResult_SetHeaders() {
	h := http.Header{}
	res := ratelimit.Result{Policy: "ip", Limit: 2000, Period: 5 * time.Minute, Remaining: 1500, ResetAfter: 75 * time.Second}
	res.SetHeaders(h)
	fmt.Println(h.Get("RateLimit-Policy"))
	fmt.Println(h.Get("RateLimit"))
	fmt.Println(res.Allowed())
	// Output:
	// "ip";q=2000;w=300
	// "ip";r=1500;t=75
	// true
}

func ExampleFailurePolicy() {
	// Throttling that must not survive a Redis outage, e.g. the budget of
	// an expensive endpoint: refuse (503) rather than let requests through.
	l, err := ratelimit.New(ratelimit.Config{Name: "export", Rate: 5, Period: time.Hour, OnStoreError: ratelimit.FailClosed})
	fmt.Println(l != nil, err)
	// Output: true <nil>
}

// Cancel takes an attempt back when the password could not be checked, so
// an outage of the user database does not lock users out.
func ExampleAttempts_Cancel() {
	guard, _ := ratelimit.NewAttempts(ratelimit.AttemptsConfig{Max: 3})
	ctx := context.Background()
	res, _ := guard.Allow(ctx, "alice")
	fmt.Println("remaining while checking:", res.Remaining)
	// The user database did not answer: no password was checked.
	guard.Cancel(ctx, "alice")
	res, _ = guard.Allow(ctx, "alice")
	fmt.Println("remaining on the next try:", res.Remaining)
	// Output:
	// remaining while checking: 2
	// remaining on the next try: 2
}

// When Redis comes back without its data, the guard finds its loss markers
// gone and counts half of each lost account's failures as used for one
// window: an attacker who had used the 10 failures gets 5 more, not 10.
// AssumeAllUsed would give none, and refuse every account of the lost
// buckets for the window.
func ExampleLossPolicy() {
	m, _ := miniredis.Run() // a real Redis in production
	defer m.Close()
	rdb := redis.NewClient(&redis.Options{Addr: m.Addr()})
	defer rdb.Close()
	guard, _ := ratelimit.NewAttempts(ratelimit.AttemptsConfig{
		Redis:     rdb,
		AfterLoss: ratelimit.AssumeHalfUsed, // the default
		Logger:    slog.New(slog.DiscardHandler),
	})
	ctx := context.Background()
	guesses := func() (n int) {
		for range 20 {
			if _, err := guard.Allow(ctx, "alice"); err == nil {
				guard.Fail(ctx, "alice")
				n++
			}
		}
		return n
	}
	fmt.Println("before the loss:", guesses())
	m.FlushAll() // Redis restarted without persistence
	fmt.Println("after the loss:", guesses())
	// Output:
	// before the loss: 10
	// after the loss: 5
}
