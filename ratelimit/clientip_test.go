package ratelimit_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/lambdasec/lambdasec/ratelimit"
)

func TestClientIP(t *testing.T) {
	cloudFront := []string{"130.176.0.0/17", "2600:9000::/28"}
	tests := []struct {
		name    string
		trusted []string
		remote  string
		xff     []string
		want    string
		wantErr error
	}{
		{name: "ipv4 with port", remote: "192.0.2.1:5555", want: "192.0.2.1"},
		{name: "ipv6 with port", remote: "[2001:db8::1]:5555", want: "2001:db8::1"},
		{name: "ipv6 zone dropped", remote: "[fe80::1%eth0]:5555", want: "fe80::1"},
		// Lambda adapters set RemoteAddr to the event's source IP, without
		// a port or with port 0.
		{name: "bare address from an adapter", remote: "192.0.2.1", want: "192.0.2.1"},
		{name: "port 0 from an adapter", remote: "192.0.2.1:0", want: "192.0.2.1"},
		// One client, one spelling: a mapped address is the IPv4 one.
		{name: "ipv4-mapped ipv6", remote: "[::ffff:192.0.2.1]:1", want: "192.0.2.1"},
		{name: "unparsable remote", remote: "not-an-address", wantErr: ratelimit.ErrNoKey},
		{name: "empty remote", remote: "", wantErr: ratelimit.ErrNoKey},

		// X-Forwarded-For is attacker-controlled unless a trusted proxy
		// vouches for it.
		{name: "spoofed xff ignored by default", remote: "192.0.2.1:1", xff: []string{"203.0.113.9"}, want: "192.0.2.1"},
		{name: "spoofed xff from untrusted peer", trusted: cloudFront, remote: "192.0.2.1:1", xff: []string{"203.0.113.9"}, want: "192.0.2.1"},
		{name: "trusted proxy", trusted: cloudFront, remote: "130.176.1.1:1", xff: []string{"198.51.100.7"}, want: "198.51.100.7"},
		// The client prepends a fake address; the proxy appends the real
		// one. Only the rightmost untrusted entry counts.
		{name: "client-prepended entries ignored", trusted: cloudFront, remote: "130.176.1.1:1",
			xff: []string{"10.0.0.1, 127.0.0.1, 198.51.100.7"}, want: "198.51.100.7"},
		{name: "chain of trusted proxies", trusted: append([]string{"10.0.0.0/8"}, cloudFront...), remote: "10.1.2.3:1",
			xff: []string{"203.0.113.9, 198.51.100.7, 130.176.1.1"}, want: "198.51.100.7"},
		{name: "several header lines", trusted: cloudFront, remote: "130.176.1.1:1",
			xff: []string{"203.0.113.9", "198.51.100.7", "130.176.2.2"}, want: "198.51.100.7"},
		{name: "entry with port", trusted: cloudFront, remote: "130.176.1.1:1", xff: []string{"198.51.100.7:443"}, want: "198.51.100.7"},
		{name: "ipv6 entry", trusted: cloudFront, remote: "[2600:9000::1]:1", xff: []string{"2001:db8::7"}, want: "2001:db8::7"},
		{name: "bracketed ipv6 entry", trusted: cloudFront, remote: "130.176.1.1:1", xff: []string{"[2001:db8::7]"}, want: "2001:db8::7"},
		{name: "all hops trusted", trusted: []string{"10.0.0.0/8"}, remote: "10.0.0.1:1", xff: []string{"10.0.0.2, 10.0.0.3"}, want: "10.0.0.2"},
		{name: "trusted peer without xff", trusted: cloudFront, remote: "130.176.1.1:1", want: "130.176.1.1"},
		{name: "single trusted address", trusted: []string{"192.0.2.10"}, remote: "192.0.2.10:1", xff: []string{"198.51.100.7"}, want: "198.51.100.7"},
		// A trusted proxy wrote garbage: refuse rather than guess.
		{name: "malformed entry from trusted proxy", trusted: cloudFront, remote: "130.176.1.1:1", xff: []string{"203.0.113.9, garbage"}, wantErr: ratelimit.ErrNoKey},
		{name: "empty entry from trusted proxy", trusted: cloudFront, remote: "130.176.1.1:1", xff: []string{"203.0.113.9, "}, wantErr: ratelimit.ErrNoKey},
		// Garbage left of the client's entry is never looked at.
		{name: "garbage left of client", trusted: cloudFront, remote: "130.176.1.1:1", xff: []string{"garbage, 198.51.100.7"}, want: "198.51.100.7"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, err := ratelimit.New(ratelimit.Config{TrustedProxies: tc.trusted})
			if err != nil {
				t.Fatal(err)
			}
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = tc.remote
			r.Header["X-Forwarded-For"] = tc.xff
			got, err := l.ClientIP(r)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("got %v, %v; want %v", got, err, tc.wantErr)
				}
				return
			}
			if err != nil || got.String() != tc.want {
				t.Fatalf("got %v, %v; want %s", got, err, tc.want)
			}
		})
	}
}

// TestSpoofedForwardedForChangesNothing sends many requests from one
// connection address, each claiming another client in X-Forwarded-For: they
// must all be counted as the one client.
func TestSpoofedForwardedForChangesNothing(t *testing.T) {
	for _, trusted := range [][]string{nil, {"130.176.0.0/17"}} {
		l, _ := ratelimit.New(ratelimit.Config{Rate: 3, Period: time.Hour, TrustedProxies: trusted})
		h := l.Handler(okHandler)
		codes := []int{}
		for _, fake := range []string{"203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4", "198.51.100.1, 203.0.113.5"} {
			w := serve(h, "192.0.2.1:1", http.Header{"X-Forwarded-For": {fake}})
			codes = append(codes, w.Code)
		}
		want := []int{204, 204, 204, 429, 429}
		for i := range want {
			if codes[i] != want[i] {
				t.Fatalf("trusted %v: statuses %v, want %v", trusted, codes, want)
			}
		}
	}
}

func TestIPv6Grouping(t *testing.T) {
	tests := []struct {
		name   string
		prefix int
		b      string
		shared bool
	}{
		{"same /64 shares by default", 0, "[2001:db8:1:2:ffff::9]:1", true},
		{"other /64 apart", 0, "[2001:db8:1:3::1]:1", false},
		{"/48 groups more", 48, "[2001:db8:1:3::1]:1", true},
		{"/128 counts every address", 128, "[2001:db8:1:2::2]:1", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, _ := ratelimit.New(ratelimit.Config{Rate: 1, Period: time.Hour, IPv6Prefix: tc.prefix})
			h := l.Handler(okHandler)
			serve(h, "[2001:db8:1:2::1]:1", nil)
			w := serve(h, tc.b, nil)
			if got := w.Code == http.StatusTooManyRequests; got != tc.shared {
				t.Errorf("second address limited = %v, want %v", got, tc.shared)
			}
		})
	}
}

// TestLambdaRemoteAddr sends requests the way Lambda adapters build them
// from an API Gateway event: RemoteAddr holds the event's source IP, which
// API Gateway measured; the headers hold whatever the client wrote,
// including the X-GoLambdaProxy-* context headers an older adapter read.
// Only RemoteAddr counts.
func TestLambdaRemoteAddr(t *testing.T) {
	l, _ := ratelimit.New(ratelimit.Config{Rate: 1, Period: time.Hour})
	h := l.Handler(okHandler)
	spoof := http.Header{
		"X-Forwarded-For":               {"203.0.113.66"},
		"X-Real-Ip":                     {"203.0.113.67"},
		"X-Golambdaproxy-Apigw-Context": {`{"identity":{"sourceIp":"203.0.113.77"},"http":{"sourceIp":"203.0.113.77"}}`},
	}
	var statuses []int
	for _, remote := range []string{"198.51.100.20", "198.51.100.20:0", "198.51.100.21:0"} {
		statuses = append(statuses, serve(h, remote, spoof).Code)
	}
	// The first two are one client in two spellings; the third is another.
	if want := []int{204, 429, 204}; !slices.Equal(statuses, want) {
		t.Errorf("statuses %v, want %v", statuses, want)
	}
	// An adapter that found no source address leaves RemoteAddr empty: the
	// request is refused, never counted with others under one key.
	if w := serve(h, "", spoof); w.Code != http.StatusInternalServerError {
		t.Errorf("no source address: %d, want 500", w.Code)
	}
}
