package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Budgets are the stated timeouts per route: no answer may take longer.
// Register and login hash passwords (argon2id, 19 MiB) and wait for a
// hashing slot, so they get more.
var budgets = map[string]time.Duration{
	"register":      6 * time.Second,
	"login":         6 * time.Second,
	"refresh":       3 * time.Second,
	"logout":        3 * time.Second,
	"trial-balance": 3 * time.Second,
}

// documented lists the statuses each route may answer, from the service's
// documentation: 422 for a password rule, 503 with Retry-After where Redis
// or the database is down (fail closed),
// 429 for the failed-login guard, 401 for a refresh token that is used,
// revoked or unknown.
var documented = map[string]map[int]bool{
	"register":      {201: true, 422: true, 503: true},
	"login":         {200: true, 401: true, 429: true, 503: true},
	"refresh":       {200: true, 401: true, 503: true},
	"logout":        {204: true, 401: true, 503: true},
	"trial-balance": {200: true, 401: true, 503: true},
}

// failedLoginLimit is the example's guard: 10 failures per 15 minutes.
const failedLoginLimit = 10

// sample is one request's outcome.
type sample struct {
	route   string
	status  int // 0: no answer (transport error)
	latency time.Duration
	start   time.Time
}

// account is one registered user the load knows the password of.
type account struct {
	email, password string
	wrong           int  // wrong-password 401s since its last successful login
	attacked        bool // wrong passwords were sent for it: the guard may lock it
}

// load drives the service and records what the invariants need.
type load struct {
	d       *drill
	clients []*http.Client
	next    atomic.Uint64

	mu         sync.Mutex
	samples    []sample
	violations map[string][]string
	registered []*account
	accounts   map[string]*account
	revoked    []string // access tokens of revoked sessions
	tokens     []string // every access token issued: must never be logged

	revokedRefresh []string // used refresh tokens of revoked sessions
	refreshTokens  []string // every refresh token issued: must never be logged
	refresh        refreshCounts
	pending        []lateReplay // late replays of stopped workers
	sweeping       atomic.Bool  // the final sweep's requests stay out of the figures
}

func newLoad(d *drill) *load {
	l := &load{d: d, violations: map[string][]string{}, accounts: map[string]*account{}}
	// Many loopback source addresses: the login storm comes from many
	// clients, and the per-address limit (2,000 per 5 minutes) stays out
	// of the way of the other checks.
	for i := 2; i < 50; i++ {
		dialer := &net.Dialer{Timeout: 2 * time.Second,
			LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(i))}}
		l.clients = append(l.clients, &http.Client{
			Timeout:   10 * time.Second,
			Transport: &http.Transport{DialContext: dialer.DialContext, MaxIdleConnsPerHost: 4},
		})
	}
	return l
}

func (l *load) violate(invariant, format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.violations[invariant] = append(l.violations[invariant], fmt.Sprintf(format, args...))
}

// do sends one request and checks the budget and status invariants.
func (l *load) do(ctx context.Context, route, method, path, token string, body any) (int, []byte) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://"+l.d.addr+path, rd)
	if err != nil {
		return 0, nil
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	c := l.clients[l.next.Add(1)%uint64(len(l.clients))]
	wasDown := l.d.down.Load()
	start := time.Now()
	resp, err := c.Do(req)
	var status int
	var data []byte
	if err == nil {
		data, err = io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		status = resp.StatusCode
	}
	lat := time.Since(start)
	if ctx.Err() != nil && status == 0 {
		return 0, nil // the drill stopped this request, not the service
	}
	if !l.sweeping.Load() {
		l.mu.Lock()
		l.samples = append(l.samples, sample{route: route, status: status, latency: lat, start: start})
		l.mu.Unlock()
	}
	down := wasDown || l.d.down.Load()
	switch {
	case lat > budgets[route] && !(down && status == 0):
		l.violate("request-budget", "%s took %v (budget %v, status %d)", route, lat.Round(time.Millisecond), budgets[route], status)
	case status == 0 && !down && !errors.Is(err, context.Canceled):
		l.violate("documented-statuses", "%s: no answer while the service should run: %v", route, err)
	case status != 0 && !documented[route][status]:
		l.violate("documented-statuses", "%s answered %d", route, status)
	case (status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable) && resp.Header.Get("Retry-After") == "":
		// A client is told when to come back, also when a dependency is
		// down: without it, every client retries at once.
		l.violate("documented-statuses", "%s answered %d without Retry-After", route, status)
	}
	return status, data
}

func (l *load) register(ctx context.Context, worker, n int) *account {
	a := &account{email: fmt.Sprintf("w%d-%d-%s@drill.example", worker, n, randHex(4)),
		password: "Dr1ll-" + randHex(10)}
	st, _ := l.do(ctx, "register", "POST", "/v1/auth/register", "", map[string]string{"email": a.email, "password": a.password})
	if st != http.StatusCreated {
		return nil
	}
	l.mu.Lock()
	l.registered = append(l.registered, a)
	l.accounts[a.email] = a
	l.mu.Unlock()
	return a
}

// login logs a in with the right password (or a wrong one) and returns the
// session. It counts wrong-password verifications per account.
func (l *load) login(ctx context.Context, a *account, wrong bool) (int, session) {
	pw := a.password
	if wrong {
		pw = "Wr0ng-" + randHex(8)
	}
	st, data := l.do(ctx, "login", "POST", "/v1/auth/login", "", map[string]string{"email": a.email, "password": pw})
	l.mu.Lock()
	a.attacked = a.attacked || wrong
	switch {
	case st == http.StatusOK && !wrong:
		a.wrong = 0
	case st == http.StatusOK && wrong:
		l.violations["failed-login-limit"] = append(l.violations["failed-login-limit"], "a wrong password was accepted for "+a.email)
	case st == http.StatusUnauthorized && wrong:
		a.wrong++
		if a.wrong == failedLoginLimit+1 {
			l.violations["failed-login-limit"] = append(l.violations["failed-login-limit"],
				fmt.Sprintf("%s: more than %d wrong-password verifications", a.email, failedLoginLimit))
		}
	}
	l.mu.Unlock()
	if st != http.StatusOK {
		return st, session{}
	}
	return st, l.parseTokens(data)
}

const tbPath = "/v1/trial-balance?from=2026-01-01&to=2026-03-31"

// worker runs rounds until ctx ends or maxRounds: register, log in (and
// fail to, on its own target account), read, refresh, read again, and end
// the session as endSession says, replaying what it revoked. Late replays
// wait in the worker until their grace period has ended.
func (l *load) worker(ctx context.Context, id, maxRounds int) {
	target := l.register(ctx, id, -1)
	var pending []lateReplay
	defer func() { l.keepReplays(pending) }()
	for n := 0; n < maxRounds && ctx.Err() == nil; n++ {
		pending = l.dueReplays(ctx, pending)
		a := l.register(ctx, id, n)
		if a == nil {
			l.pause(ctx)
			continue
		}
		if target != nil && n%2 == 0 {
			l.login(ctx, target, true)
		}
		st, first := l.login(ctx, a, false)
		if st != http.StatusOK {
			l.pause(ctx)
			continue
		}
		l.do(ctx, "trial-balance", "GET", tbPath, first.access, nil)
		cur, ok := l.rotate(ctx, first)
		if !ok {
			l.logout(ctx, first)
			continue
		}
		l.do(ctx, "trial-balance", "GET", tbPath, cur.access, nil)
		pending = l.endSession(ctx, n, first, cur, pending)
	}
}

func (l *load) pause(ctx context.Context) {
	select {
	case <-ctx.Done():
	case <-time.After(200 * time.Millisecond):
	}
}

// secretsSeen returns the values no log line may hold.
func (l *load) secretsSeen() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var s []string
	for _, a := range l.accounts {
		s = append(s, a.password)
	}
	for _, t := range l.tokens {
		// The signature alone identifies a token; a log holding only it
		// leaks it too.
		if i := strings.LastIndexByte(t, '.'); i > 0 {
			s = append(s, t[i+1:])
		}
	}
	return append(s, l.refreshTokens...)
}
