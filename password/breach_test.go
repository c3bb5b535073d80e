package password_test

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/lambdasec/lambdasec/password"
)

// rangeServer is a local stand-in for the Pwned Passwords range API that
// knows a few breached passwords and records what it was sent.
type rangeServer struct {
	*httptest.Server
	mu      sync.Mutex
	paths   []string
	headers []http.Header
	counts  map[string]int // full upper-case SHA-1 → count
	handler http.HandlerFunc
}

func newRangeServer(t *testing.T, breached map[string]int) *rangeServer {
	t.Helper()
	rs := &rangeServer{counts: map[string]int{}}
	for pw, n := range breached {
		sum := sha1.Sum([]byte(pw))
		rs.counts[strings.ToUpper(hex.EncodeToString(sum[:]))] = n
	}
	rs.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rs.mu.Lock()
		rs.paths = append(rs.paths, r.URL.Path)
		rs.headers = append(rs.headers, r.Header.Clone())
		h := rs.handler
		rs.mu.Unlock()
		if h != nil {
			h(w, r)
			return
		}
		prefix := strings.TrimPrefix(r.URL.Path, "/range/")
		// Padding lines first (count 0), then real matches, CRLF like the
		// real service.
		for i := range 3 {
			fmt.Fprintf(w, "%035X:0\r\n", i)
		}
		for digest, n := range rs.counts {
			if strings.HasPrefix(digest, prefix) {
				fmt.Fprintf(w, "%s:%d\r\n", digest[5:], n)
			}
		}
	}))
	t.Cleanup(rs.Close)
	return rs
}

func (rs *rangeServer) checker(t *testing.T, cfg password.HIBPConfig) *password.HIBP {
	t.Helper()
	cfg.Endpoint = rs.URL + "/range/"
	cfg.Client = rs.Client()
	h, err := password.NewHIBP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestHIBPBreached(t *testing.T) {
	rs := newRangeServer(t, map[string]int{"hunter2hunter2": 1234, "rarely-seen-pass": 1})
	h := rs.checker(t, password.HIBPConfig{})
	tests := []struct {
		name string
		pw   string
		want bool
	}{
		{"breached", "hunter2hunter2", true},
		{"once", "rarely-seen-pass", true},
		{"clean", "vivid otter lamp", false},
		{"padding line", "anything else", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := h.Breached(context.Background(), tc.pw)
			if err != nil || got != tc.want {
				t.Fatalf("Breached = %v, %v; want %v, nil", got, err, tc.want)
			}
		})
	}
	// k-anonymity: only 5 hex characters of the hash were sent, and the
	// padding header asked for.
	rs.mu.Lock()
	defer rs.mu.Unlock()
	for i, p := range rs.paths {
		prefix := strings.TrimPrefix(p, "/range/")
		if len(prefix) != 5 || strings.ToUpper(prefix) != prefix {
			t.Errorf("request path %q: want /range/ and 5 upper-case hex characters", p)
		}
		if got := rs.headers[i].Get("Add-Padding"); got != "true" {
			t.Errorf("Add-Padding = %q, want true", got)
		}
		if got := rs.headers[i].Get("User-Agent"); got != "lambdasec-password" {
			t.Errorf("User-Agent = %q", got)
		}
	}
}

// A suffix listed twice counts with its larger count: a padding line
// (count 0) with the same suffix must not hide the real entry.
func TestHIBPRepeatedSuffix(t *testing.T) {
	rs := newRangeServer(t, nil)
	sum := sha1.Sum([]byte("hunter2hunter2"))
	suffix := strings.ToUpper(hex.EncodeToString(sum[:]))[5:]
	rs.handler = func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s:7\r\n%s:0\r\n", suffix, suffix)
	}
	h := rs.checker(t, password.HIBPConfig{})
	if got, err := h.Breached(context.Background(), "hunter2hunter2"); !got || err != nil {
		t.Errorf("Breached = %v, %v; want true, nil", got, err)
	}
}

// A redirect off https would send the prefix in clear and let anyone on
// the path answer "not breached": it fails the lookup.
func TestHIBPRefusesRedirectToHTTP(t *testing.T) {
	var plainHits int
	var mu sync.Mutex
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		plainHits++
		mu.Unlock()
		fmt.Fprintf(w, "%035X:0\r\n", 1)
	}))
	t.Cleanup(plain.Close)
	rs := newRangeServer(t, nil)
	rs.handler = func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, plain.URL+r.URL.Path, http.StatusFound)
	}
	client := rs.Client()
	h := rs.checker(t, password.HIBPConfig{})
	got, err := h.Breached(context.Background(), "vivid otter lamp")
	if got || !errors.Is(err, password.ErrBreachUnavailable) {
		t.Errorf("Breached = %v, %v; want false, ErrBreachUnavailable", got, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if plainHits != 0 {
		t.Errorf("the plain-http server got %d requests", plainHits)
	}
	if client.CheckRedirect != nil {
		t.Error("NewHIBP changed the caller's client")
	}
}

// An HIBP that NewHIBP did not make fails closed instead of panicking on
// its nil client.
func TestHIBPZero(t *testing.T) {
	for _, h := range []*password.HIBP{{}, nil} {
		if got, err := h.Breached(context.Background(), "vivid otter lamp"); got || !errors.Is(err, password.ErrBreachUnavailable) {
			t.Errorf("Breached = %v, %v; want false, ErrBreachUnavailable", got, err)
		}
	}
	p := password.Policy{Breach: &password.HIBP{}}
	if err := p.CheckOnline(context.Background(), "vivid otter lamp"); !errors.Is(err, password.ErrBreachUnavailable) {
		t.Errorf("CheckOnline = %v, want ErrBreachUnavailable", err)
	}
}

func TestHIBPMinCount(t *testing.T) {
	rs := newRangeServer(t, map[string]int{"rarely-seen-pass": 2})
	h := rs.checker(t, password.HIBPConfig{MinCount: 3})
	if got, err := h.Breached(context.Background(), "rarely-seen-pass"); got || err != nil {
		t.Errorf("Breached = %v, %v; want false below MinCount", got, err)
	}
}

func TestHIBPFailures(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"status 500", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) }},
		{"status 429", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTooManyRequests) }},
		{"malformed line", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "not a range line\r\n") }},
		{"lower-case hex", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintf(w, "%035x:1\r\n", 0xabc) }},
		{"bad count", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintf(w, "%035X:-1\r\n", 1) }},
		{"huge line", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, strings.Repeat("A", 10000)) }},
		{"oversized body", func(w http.ResponseWriter, r *http.Request) {
			line := fmt.Sprintf("%035X:0\r\n", 1)
			fmt.Fprint(w, strings.Repeat(line, (1<<20)/len(line)+10))
		}},
		// The cap must fail the lookup even when it falls exactly between
		// two lines: the entry for the password may come after it.
		// 26,863 lines of 39 bytes and 23 of 40 are 1 MiB + 1 byte.
		{"oversized body cut on a line end", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, strings.Repeat(fmt.Sprintf("%035X:0\r\n", 1), 26863))
			fmt.Fprint(w, strings.Repeat(fmt.Sprintf("%035X:10\r\n", 2), 23))
			sum := sha1.Sum([]byte("vivid otter lamp"))
			fmt.Fprintf(w, "%s:99\r\n", strings.ToUpper(hex.EncodeToString(sum[:]))[5:])
		}},
		// Every prefix has hundreds of entries, and padding adds more: an
		// empty answer is a broken proxy or a cut connection, not "clean".
		{"empty body", func(w http.ResponseWriter, r *http.Request) {}},
		{"blank lines only", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "\r\n\r\n") }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rs := newRangeServer(t, nil)
			rs.handler = tc.handler
			closed := rs.checker(t, password.HIBPConfig{})
			got, err := closed.Breached(context.Background(), "vivid otter lamp")
			if got || !errors.Is(err, password.ErrBreachUnavailable) {
				t.Errorf("fail-closed Breached = %v, %v; want false, ErrBreachUnavailable", got, err)
			}
			var logs bytes.Buffer
			open := rs.checker(t, password.HIBPConfig{FailOpen: true, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			got, err = open.Breached(context.Background(), "vivid otter lamp")
			if got || err != nil {
				t.Errorf("fail-open Breached = %v, %v; want false, nil", got, err)
			}
			if !strings.Contains(logs.String(), "breach check failed open") {
				t.Errorf("fail-open did not log: %q", logs.String())
			}
			if strings.Contains(logs.String(), "vivid") || strings.Contains(logs.String(), "/range/") {
				t.Errorf("log leaks the password or its hash prefix: %q", logs.String())
			}
		})
	}
}

// The caller's deadline (from the Lambda context) bounds the lookup.
func TestHIBPHonoursContext(t *testing.T) {
	rs := newRangeServer(t, nil)
	release := make(chan struct{})
	rs.handler = func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}
	defer close(release)
	h := rs.checker(t, password.HIBPConfig{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := h.Breached(ctx, "vivid otter lamp")
		done <- err
	}()
	cancel()
	if err := <-done; !errors.Is(err, password.ErrBreachUnavailable) {
		t.Errorf("Breached after cancel = %v, want ErrBreachUnavailable", err)
	}
}

func TestNewHIBPConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  password.HIBPConfig
		ok   bool
	}{
		{"zero", password.HIBPConfig{}, true},
		{"custom https", password.HIBPConfig{Endpoint: "https://hibp.internal/range/"}, true},
		{"plain http", password.HIBPConfig{Endpoint: "http://api.pwnedpasswords.com/range/"}, false},
		{"no host", password.HIBPConfig{Endpoint: "https:///range/"}, false},
		{"query", password.HIBPConfig{Endpoint: "https://x.test/range/?mode=ntlm"}, false},
		{"negative timeout", password.HIBPConfig{Timeout: -1}, false},
		{"negative min count", password.HIBPConfig{MinCount: -1}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := password.NewHIBP(tc.cfg)
			if tc.ok != (err == nil) || (err != nil && !errors.Is(err, password.ErrInvalidConfig)) {
				t.Errorf("NewHIBP = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

// fakeBreach is a BreachChecker for policy tests.
type fakeBreach struct {
	breached bool
	err      error
	calls    int
}

func (f *fakeBreach) Breached(ctx context.Context, pw string) (bool, error) {
	f.calls++
	return f.breached, f.err
}

func TestCheckOnline(t *testing.T) {
	ctx := context.Background()
	p := password.NISTWithMFA()

	p.Breach = &fakeBreach{breached: true}
	if got := codes(p.CheckOnline(ctx, "vivid otter lamp")); !slices.Equal(got, []password.Code{password.CodeBreached}) {
		t.Errorf("breached codes = %v", got)
	}
	// Offline and breach violations are listed together.
	if got := codes(p.CheckOnline(ctx, "qzvk")); !slices.Equal(got, []password.Code{password.CodeTooShort, password.CodeBreached}) {
		t.Errorf("combined codes = %v", got)
	}
	p.Breach = &fakeBreach{}
	if err := p.CheckOnline(ctx, "vivid otter lamp"); err != nil {
		t.Errorf("clean = %v", err)
	}
	// Fail closed: the error is not a PolicyError, so the caller answers
	// 503 instead of blaming the password.
	p.Breach = &fakeBreach{err: fmt.Errorf("%w: down", password.ErrBreachUnavailable)}
	err := p.CheckOnline(ctx, "vivid otter lamp")
	var pe *password.PolicyError
	if !errors.Is(err, password.ErrBreachUnavailable) || errors.As(err, &pe) {
		t.Errorf("unavailable = %v, want ErrBreachUnavailable and no PolicyError", err)
	}
	// No lookup for input over the byte cap.
	fb := &fakeBreach{breached: true}
	p.Breach = fb
	if got := codes(p.CheckOnline(ctx, strings.Repeat("a", 2000))); !slices.Equal(got, []password.Code{password.CodeTooLong}) || fb.calls != 0 {
		t.Errorf("oversized: codes %v, %d lookups", got, fb.calls)
	}
	// Without a checker CheckOnline is Check.
	p.Breach = nil
	if err := p.CheckOnline(ctx, "vivid otter lamp"); err != nil {
		t.Errorf("nil Breach = %v", err)
	}
}

// End to end against the local range server.
func TestCheckOnlineHIBP(t *testing.T) {
	rs := newRangeServer(t, map[string]int{"vivid otter lamp": 7})
	p := password.NISTWithMFA()
	p.Breach = rs.checker(t, password.HIBPConfig{})
	if got := codes(p.CheckOnline(context.Background(), "vivid otter lamp")); !slices.Equal(got, []password.Code{password.CodeBreached}) {
		t.Errorf("codes = %v, want [breached]", got)
	}
	if err := p.CheckOnline(context.Background(), "quiet heron desk"); err != nil {
		t.Errorf("clean = %v", err)
	}
}
