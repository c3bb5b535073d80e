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
	rdb, closeRedis, err := connect(ctx, getenv("REDIS_ADDR"))
	if err != nil {
		return err
	}
	defer closeRedis()
	prefix := fmt.Sprintf("example:ratelimit:%d:", time.Now().UnixNano())
	if err := perIP(w, rdb, prefix); err != nil {
		return err
	}
	if err := perUser(w, rdb, prefix); err != nil {
		return err
	}
	return failedLogins(ctx, w, rdb, prefix)
}

// connect opens a client of the Redis at addr, or of an in-process one
// when addr is empty. release closes both.
func connect(ctx context.Context, addr string) (_ *redis.Client, release func(), err error) {
	var m *miniredis.Miniredis
	if addr == "" {
		if m, err = miniredis.Run(); err != nil {
			return nil, nil, err
		}
		m.SetTime(time.Now()) // Redis time stands still, so the output is the same every run
		addr = m.Addr()
	}
	rdb := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true})
	release = func() {
		rdb.Close()
		if m != nil {
			m.Close()
		}
	}
	// Connect at start-up, not inside the first check's 50 ms budget.
	if err := rdb.Ping(ctx).Err(); err != nil {
		release()
		return nil, nil, err
	}
	return rdb, release, nil
}

var hello = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "hello") })

// call sends h one request from remote with the header pairs given, and
// prints the status and the rate-limit fields of the answer.
func call(w io.Writer, name string, h http.Handler, remote string, header ...string) {
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

// perIP shares one per-IP limit between two limiters, as two Lambda
// execution environments would share it.
func perIP(w io.Writer, rdb *redis.Client, prefix string) error {
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
		call(w, fmt.Sprintf("203.0.113.7 via environment %d", i%2+1), envs[i%2], "203.0.113.7:4711")
	}
	// X-Forwarded-For is believed only from Config.TrustedProxies (none).
	call(w, "203.0.113.7 claiming X-Forwarded-For", envs[0], "203.0.113.7:4711", "X-Forwarded-For", "198.51.100.1")
	call(w, "198.51.100.1", envs[1], "198.51.100.1:4711")
	return nil
}

// perUser limits each user, whatever their address.
func perUser(w io.Writer, rdb *redis.Client, prefix string) error {
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
		call(w, "user "+u, h, "192.0.2.1:1", "X-Example-User", u)
	}
	return nil
}

// failedLogins locks an account after three wrong passwords, the right
// one included, and leaves other accounts alone.
func failedLogins(ctx context.Context, w io.Writer, rdb *redis.Client, prefix string) error {
	fmt.Fprintln(w, "\n== failed logins: 3 failures per 15 minutes per account")
	guard, err := ratelimit.NewAttempts(ratelimit.AttemptsConfig{Redis: rdb, Prefix: prefix + "login:", Max: 3, Window: 15 * time.Minute, Timeout: redisTimeout})
	if err != nil {
		return err
	}
	for range 3 {
		login(ctx, w, guard, "ada", false)
	}
	login(ctx, w, guard, "ada", true) // refused even with the right password
	login(ctx, w, guard, "bob", true) // other accounts are not affected
	return nil
}

// login asks the guard before checking the password, and tells it the
// outcome.
func login(ctx context.Context, w io.Writer, guard *ratelimit.Attempts, account string, rightPassword bool) {
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
