// Command jwtauth shows package jwtauth protecting a route of a plain
// http.ServeMux: issuing a token at login, the middleware's answers to
// missing, forged and expired tokens, logout of one token and "log out
// everywhere", with revocations kept in Redis.
//
//	go run ./examples/jwtauth
//
// It runs on embedded defaults: a random HS256 key and an in-process Redis
// (miniredis). JWT_SECRET sets the key (at least 32 bytes, not a known-weak
// value) and REDIS_ADDR (host:port) switches to a real Redis.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/lambdasec/lambdasec/jwtauth"
	"github.com/lambdasec/lambdasec/jwtauth/redisrevoker"
)

// redisTimeout is the budget of each Redis call; zero means the
// library's default. The tests raise it: they run beside many others on a
// loaded machine, where a default budget measures the machine.
var redisTimeout time.Duration

func main() {
	if err := run(context.Background(), os.Stdout, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "jwtauth:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, w io.Writer, getenv func(string) string) error {
	revoker, closeRedis, err := newRevoker(ctx, getenv("REDIS_ADDR"))
	if err != nil {
		return err
	}
	defer closeRedis()
	d := &demo{w: w}
	cfg := d.config(getenv("JWT_SECRET"), revoker)
	auth, err := jwtauth.New(cfg)
	if err != nil {
		return err // a short or weak JWT_SECRET is refused here
	}
	d.mux = routes(auth)
	tok, second, err := d.issue(auth)
	if err != nil {
		return err
	}
	d.forgeries(tok)
	if err := d.expired(cfg); err != nil {
		return err
	}
	return d.logouts(ctx, auth, tok, second)
}

// newRevoker keeps revocations in the Redis at addr, or in an in-process
// one when addr is empty, and creates the markers that detect their loss.
// release closes the client and the in-process Redis.
func newRevoker(ctx context.Context, addr string) (_ *redisrevoker.Revoker, release func(), err error) {
	var m *miniredis.Miniredis
	if addr == "" {
		if m, err = miniredis.Run(); err != nil {
			return nil, nil, err
		}
		addr = m.Addr()
	}
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	release = func() {
		rdb.Close()
		if m != nil {
			m.Close()
		}
	}
	revoker, err := redisrevoker.New(redisrevoker.Config{Client: rdb, Prefix: "example:jwtauth"})
	if err == nil {
		// Before the first token is issued: on an empty store (this one
		// is, at every run) it creates the markers that detect a loss of
		// the revocations.
		err = revoker.Prepare(ctx)
	}
	if err != nil {
		release()
		return nil, nil, err
	}
	return revoker, release, nil
}

// demo sends requests to the routes and prints each answer with the log
// lines it caused.
type demo struct {
	w    io.Writer
	logs bytes.Buffer
	mux  *http.ServeMux
}

// config is the Authenticator's Config: secret is the HS256 key, random
// when empty.
func (d *demo) config(secret string, revoker jwtauth.Revoker) jwtauth.Config {
	key := []byte(secret)
	if len(key) == 0 {
		key = make([]byte, 32) // generate your own and keep it in a secret store
		rand.Read(key)
	}
	return jwtauth.Config{
		Keys:     []jwtauth.Key{{ID: "2026-11", Algorithm: jwtauth.HS256, Secret: jwtauth.NewHMACSecret(key)}},
		Issuer:   "https://auth.example.com",
		Audience: "example-api",
		Revoker:  revoker,
		// Zero: the library's 100 ms, sized for a networked Redis.
		RevocationTimeout: redisTimeout,
		// Clients learn only "invalid token"; the cause goes to the log.
		Logger: slog.New(slog.NewTextHandler(&d.logs, &slog.HandlerOptions{ReplaceAttr: dropTime})),
	}
}

// routes is a protected GET /me and a logout.
func routes(auth *jwtauth.Authenticator) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("GET /me", auth.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := jwtauth.FromContext(r.Context())
		fmt.Fprintf(w, "hello %s", c.Subject)
	})))
	mux.Handle("POST /logout", auth.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := auth.Logout(r); err != nil {
			jwtauth.WriteError(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})))
	return mux
}

// call sends one request and prints its status, challenge, body and log.
func (d *demo) call(what, method, path, token string) {
	r := httptest.NewRequest(method, path, nil)
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	d.mux.ServeHTTP(rec, r)
	line := fmt.Sprintf("%-34s %d", what+":", rec.Code)
	if a := rec.Header().Get("WWW-Authenticate"); a != "" {
		line += "  WWW-Authenticate: " + a
	}
	if rec.Code == http.StatusOK {
		line += "  " + rec.Body.String()
	}
	fmt.Fprintln(d.w, line)
	for l := range strings.Lines(d.logs.String()) {
		fmt.Fprint(d.w, "    log: ", l)
	}
	d.logs.Reset()
}

// issue issues two tokens of one user, as two logins would, and prints
// what the first holds.
func (d *demo) issue(auth *jwtauth.Authenticator) (tok, second string, err error) {
	// At login: one token per session, 15 minutes by default.
	tok, claims, err := auth.Issue(jwtauth.Grant{Subject: "ada"})
	if err != nil {
		return "", "", err
	}
	second, _, err = auth.Issue(jwtauth.Grant{Subject: "ada"})
	if err != nil {
		return "", "", err
	}
	header, _ := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[0])
	fmt.Fprintf(d.w, "issued: header %s, sub %s, iss %s, aud %v, lifetime %s, jti of %d characters\n\n",
		header, claims.Subject, claims.Issuer, claims.Audience, claims.ExpiresAt.Sub(claims.IssuedAt), len(claims.ID))
	return tok, second, nil
}

// forgeries sends no token, the valid one, and forged ones.
func (d *demo) forgeries(tok string) {
	d.call("no token", "GET", "/me", "")
	d.call("valid token", "GET", "/me", tok)
	d.call("garbage", "GET", "/me", "not-a-token")
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
	d.call(`alg "none" (CVE-2015-9235)`, "GET", "/me", none+"."+strings.Split(tok, ".")[1]+".")
	// With a signature kept, the algorithm check itself refuses it: only
	// the key's own algorithm is accepted.
	d.call(`alg "none", signature kept`, "GET", "/me", none+"."+strings.SplitN(tok, ".", 2)[1])
	d.call("signature changed", "GET", "/me", tok[:len(tok)-4]+"AAAA")
}

// expired sends a token from an hour ago, signed with the right key.
func (d *demo) expired(cfg jwtauth.Config) error {
	past := cfg
	past.Logger = nil
	past.Now = func() time.Time { return time.Now().Add(-time.Hour) }
	old, err := jwtauth.New(past)
	if err != nil {
		return err
	}
	expired, _, err := old.Issue(jwtauth.Grant{Subject: "ada"})
	if err != nil {
		return err
	}
	d.call("expired", "GET", "/me", expired)
	return nil
}

// logouts logs tok out, then ada everywhere, second included.
func (d *demo) logouts(ctx context.Context, auth *jwtauth.Authenticator, tok, second string) error {
	fmt.Fprintln(d.w)
	d.call("logout", "POST", "/logout", tok)
	d.call("the logged-out token", "GET", "/me", tok)
	d.call("ada's other token", "GET", "/me", second)
	if err := auth.RevokeSubject(ctx, "ada"); err != nil { // log out everywhere
		return err
	}
	d.call("after logging ada out everywhere", "GET", "/me", second)
	return nil
}

// dropTime keeps log lines comparable from run to run.
func dropTime(_ []string, a slog.Attr) slog.Attr {
	if a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}
