// Command ratelimit shows package ratelimit: a per-IP limit shared by two
// "execution environments" through Redis, the 429 answer with Retry-After
// and RateLimit fields, a spoofed X-Forwarded-For that changes nothing, a
// per-user limit, and the failed-login guard.
//
//	go run ./examples/ratelimit
//
// It runs on an in-process Redis (miniredis). REDIS_ADDR (host:port)
// switches to a real Redis; each run then uses keys of its own.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/lambdasec/lambdasec/ratelimit"
)

// redisTimeout is the budget of each Redis call; zero means the
// library's default (50 ms). The tests raise it: they run beside many
// others on a loaded machine, where a default budget measures the machine.
var redisTimeout time.Duration

func main() {
	if err := run(context.Background(), os.Stdout, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "ratelimit:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, w io.Writer, getenv func(string) string) error {
	addr := getenv("REDIS_ADDR")
	if addr == "" {
		m, err := miniredis.Run()
		if err != nil {
			return err
		}
		defer m.Close()
		m.SetTime(time.Now()) // Redis time stands still, so the output is the same every run
		addr = m.Addr()
	}
	rdb := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true})
	defer rdb.Close()
	// Connect at start-up, not inside the first check's 50 ms budget.
	if err := rdb.Ping(ctx).Err(); err != nil {
		return err
	}
	prefix := fmt.Sprintf("example:ratelimit:%d:", time.Now().UnixNano())

	hello := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "hello") })
	call := func(name string, h http.Handler, remote string, header ...string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = remote
		for i := 0; i+1 < len(header); i += 2 {
			r.Header.Set(header[i], header[i+1])
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		line := fmt.Sprintf("%-44s %d  RateLimit: %s", name, rec.Code, rec.Header().Get("RateLimit"))
		if ra := rec.Header().Get("Retry-After"); ra != "" {
			line += "  Retry-After: " + ra
		}
		fmt.Fprintln(w, line)
	}

	fmt.Fprintln(w, "== per IP: 5 requests per minute, counted in Redis by two environments")
	var envs [2]http.Handler
	for i := range envs {
		l, err := ratelimit.New(ratelimit.Config{Redis: rdb, Name: "ip", Prefix: prefix + "ip:", Rate: 5, Period: time.Minute, Timeout: redisTimeout})
		if err != nil {
			return err
		}
		envs[i] = l.Handler(hello)
	}
	for i := range 6 {
		call(fmt.Sprintf("203.0.113.7 via environment %d", i%2+1), envs[i%2], "203.0.113.7:4711")
	}
	// X-Forwarded-For is believed only from Config.TrustedProxies (none).
	call("203.0.113.7 claiming X-Forwarded-For", envs[0], "203.0.113.7:4711", "X-Forwarded-For", "198.51.100.1")
	call("198.51.100.1", envs[1], "198.51.100.1:4711")

	fmt.Fprintln(w, "\n== per user: 2 requests per minute each")
	perUser, err := ratelimit.New(ratelimit.Config{
		Redis: rdb, Name: "user", Prefix: prefix + "user:", Rate: 2, Period: time.Minute, Timeout: redisTimeout,
		// In a service, the subject jwtauth verified:
		// c, ok := jwtauth.FromContext(r.Context()); return c.Subject, ok
		Key: ratelimit.UserKey(func(r *http.Request) (string, bool) {
			u := r.Header.Get("X-Example-User")
			return u, u != ""
		}),
	})
	if err != nil {
		return err
	}
	h := perUser.Handler(hello)
	for _, u := range []string{"ada", "ada", "ada", "bob"} {
		call("user "+u, h, "192.0.2.1:1", "X-Example-User", u)
	}

	fmt.Fprintln(w, "\n== failed logins: 3 failures per 15 minutes per account")
	guard, err := ratelimit.NewAttempts(ratelimit.AttemptsConfig{Redis: rdb, Prefix: prefix + "login:", Max: 3, Window: 15 * time.Minute, Timeout: redisTimeout})
	if err != nil {
		return err
	}
	login := func(account string, rightPassword bool) {
		if _, err := guard.Allow(ctx, account); err != nil {
			var le *ratelimit.LimitError
			if errors.As(err, &le) {
				fmt.Fprintf(w, "%-8s refused before checking the password; retry in %s\n", account, le.Result.RetryAfter.Round(time.Minute))
				return
			}
			fmt.Fprintf(w, "%-8s guard unavailable, refused: %v\n", account, err) // fails closed
			return
		}
		if !rightPassword {
			guard.Fail(ctx, account)
			fmt.Fprintf(w, "%-8s wrong password\n", account)
			return
		}
		guard.Reset(ctx, account)
		fmt.Fprintf(w, "%-8s logged in\n", account)
	}
	for range 3 {
		login("ada", false)
	}
	login("ada", true) // refused even with the right password
	login("bob", true) // other accounts are not affected
	return nil
}
